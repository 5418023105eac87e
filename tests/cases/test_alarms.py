"""The deadline sweep, with the clock stopped at chosen moments (cases/alarms.py plans the
alarms, cases/sweeps.py fires them)."""

from datetime import timedelta

import pytest

from cases import sla, sweeps
from cases.models import Alarm, Notification, State
from tests.factories import act, aware, case_in

Kind, Step = Alarm.Kind, Alarm.Step


def sweep(now):
    return sweeps.sweep(sweeps.DEADLINE_KINDS, now=now)


def notices(case, username="hangtian"):
    """(kind, step) of the in-app notices `username` got about `case`, oldest first."""
    rows = Notification.objects.filter(case=case, user__username=username, channel="app")
    return [(n.kind, n.data.get("step")) for n in rows.order_by("pk")]


def planned(case):
    return sorted(
        (a.fire_at, a.kind, a.step) for a in Alarm.objects.filter(case=case, kind__in=Kind.values)
    )


def test_acceptance_overdue_and_supervision_across_national_day(street):
    # Litter: accept within 1 working hour, first contact and resolution within 4.
    # 1–7 October 2026 are off: the working clock jumps from 30 September to 8 October.
    case = case_in(street, State.DISPATCHED, at=aware(2026, 9, 30, 16, 30))
    assert case.accept_due == aware(2026, 9, 30, 17, 30)
    assert case.contact_due == aware(2026, 10, 8, 11, 30)
    assert case.resolve_due == aware(2026, 10, 8, 11, 30)
    assert planned(case) == [
        # No acceptance reminder: a one-hour limit is within the two-hour reminder.
        (aware(2026, 9, 30, 17, 30), Kind.OVERDUE, Step.ACCEPT),
        # The resolution clock runs from dispatch, accepted or not.
        (aware(2026, 10, 8, 9, 30), Kind.DUE_SOON, Step.RESOLVE),
        (aware(2026, 10, 8, 11, 30), Kind.OVERDUE, Step.CONTACT),
        (aware(2026, 10, 8, 11, 30), Kind.OVERDUE, Step.RESOLVE),
        # One working day after the missed acceptance: 8 October, 17:30.
        (aware(2026, 10, 8, 17, 30), Kind.SUPERVISE, Step.ACCEPT),
        (aware(2026, 10, 9, 11, 30), Kind.SUPERVISE, Step.RESOLVE),
    ]
    assert notices(case) == [("dispatch", None)]

    assert sweep(aware(2026, 9, 30, 17, 29, 59)) == 0
    assert sweep(aware(2026, 9, 30, 17, 30)) == 1
    assert notices(case) == [("dispatch", None), ("overdue", "accept")]
    assert notices(case, "yongzhao") == [("dispatch", None)]  # the co-party is not chased
    assert sweep(aware(2026, 9, 30, 17, 35)) == 0
    assert sweep(aware(2026, 10, 5, 10, 0)) == 0  # the holiday passes quietly
    assert sweep(aware(2026, 10, 8, 9, 29)) == 0
    assert sweep(aware(2026, 10, 8, 11, 29)) == 1
    assert notices(case)[-1] == ("due_soon", "resolve")
    assert sweep(aware(2026, 10, 8, 11, 30)) == 2
    assert notices(case)[-2:] == [("overdue", "contact"), ("overdue", "resolve")]
    assert sweep(aware(2026, 10, 8, 17, 29)) == 0
    assert not case.events.filter(kind="supervise").exists()

    assert sweep(aware(2026, 10, 8, 17, 30)) == 1
    supervision = case.events.get(kind="supervise")
    assert (supervision.actor_role, supervision.cause) == ("system", "deadline sweep")
    assert supervision.data["step"] == "accept"
    assert supervision.created_at == aware(2026, 10, 8, 17, 30)
    assert notices(case)[-1] == ("supervise", None)
    assert notices(case, "supervisor") == [("supervise", None)]

    # The case was supervised after its resolution deadline passed: no second supervision.
    assert sweep(aware(2026, 10, 9, 11, 30)) == 0
    assert sweep(aware(2026, 11, 30, 9, 0)) == 0
    assert case.events.filter(kind="supervise").count() == 1
    assert len(notices(case)) == 6 and planned(case) == []


def test_resolution_reminder_overdue_and_supervision_across_a_weekend(street):
    # Noise: first contact within 4 working hours, resolution within 16. Saturday
    # 10 October 2026 is a make-up working day (调休); Sunday 11 October is off.
    friday = aware(2026, 10, 9, 16, 0)
    case = case_in(street, State.DISPATCHED, category="noise", at=friday)
    case = act(street, case, "accept", "hangtian", at=friday + timedelta(minutes=5))
    assert case.contact_due == aware(2026, 10, 10, 11, 0)  # on the working Saturday
    assert case.resolve_due == aware(2026, 10, 12, 16, 0)  # Friday 2 + Saturday 8 + Monday 6
    assert planned(case) == [
        (aware(2026, 10, 10, 11, 0), Kind.OVERDUE, Step.CONTACT),
        (aware(2026, 10, 12, 14, 0), Kind.DUE_SOON, Step.RESOLVE),
        (aware(2026, 10, 12, 16, 0), Kind.OVERDUE, Step.RESOLVE),
        (aware(2026, 10, 13, 16, 0), Kind.SUPERVISE, Step.RESOLVE),
    ]
    assert sweep(aware(2026, 10, 10, 10, 59)) == 0
    assert sweep(aware(2026, 10, 10, 11, 0)) == 1
    assert sweep(aware(2026, 10, 11, 23, 0)) == 0  # Sunday
    assert sweep(aware(2026, 10, 12, 13, 59)) == 0
    assert sweep(aware(2026, 10, 12, 14, 0)) == 1
    assert sweep(aware(2026, 10, 12, 15, 59)) == 0
    assert sweep(aware(2026, 10, 12, 16, 0)) == 1
    assert sweep(aware(2026, 10, 13, 15, 59)) == 0
    assert sweep(aware(2026, 10, 13, 16, 0)) == 1
    assert sweep(aware(2026, 10, 14, 16, 0)) == 0
    assert notices(case)[1:] == [
        ("overdue", "contact"),
        ("due_soon", "resolve"),
        ("overdue", "resolve"),
        ("supervise", None),
    ]
    due_soon = Notification.objects.get(case=case, kind="due_soon", channel="email")
    assert due_soon.data == {
        "step": "resolve",
        "deadline": case.resolve_due.isoformat(),
        "hours": 2,
    }


def test_work_done_in_time_raises_no_alarm(street):
    monday = aware(2026, 11, 23, 9, 0)
    case = case_in(street, State.DISPATCHED, category="noise", at=monday)
    case = act(street, case, "accept", "hangtian", at=monday + timedelta(minutes=30))
    case = act(street, case, "contact", "hangtian", note="已联系", at=monday + timedelta(hours=1))
    act(street, case, "report_share", "yongzhao", note="已配合", at=monday + timedelta(hours=2))
    case = act(street, case, "resolve", "hangtian", note="已处理", at=monday + timedelta(hours=3))
    assert planned(case) == []
    assert sweep(monday + timedelta(days=10)) == 0
    assert notices(case) == [("dispatch", None)]


def test_an_approved_extension_moves_the_alarms_to_the_new_deadline(street):
    monday = aware(2026, 11, 23, 9, 0)
    case = case_in(street, State.IN_PROGRESS, category="noise", at=monday)
    act(street, case, "contact", "hangtian", note="已联系", at=monday)
    later = aware(2026, 12, 4, 18, 0)
    act(street, case, "request_extension", "hangtian", deadline=later, reason="等待配合", at=monday)
    case = act(street, case, "approve_extension", "dispatcher", at=monday + timedelta(hours=1))
    assert planned(case) == [
        (aware(2026, 12, 4, 16, 0), Kind.DUE_SOON, Step.RESOLVE),
        (later, Kind.OVERDUE, Step.RESOLVE),
        (aware(2026, 12, 7, 18, 0), Kind.SUPERVISE, Step.RESOLVE),
    ]
    assert sweep(aware(2026, 12, 4, 15, 59)) == 0  # the old deadline has passed unnoticed


def test_reassignment_voids_the_old_partys_alarms_and_sets_the_new_ones(street):
    monday = aware(2026, 11, 23, 9, 0)
    case = case_in(street, State.DISPATCHED, at=monday)
    qinbei = street.parties["rc-qinbei"]
    case = act(
        street,
        case,
        "reassign",
        "dispatcher",
        lead_party=qinbei,
        reason="属钦北",
        at=monday + timedelta(minutes=30),
    )
    assert planned(case)[0] == (aware(2026, 11, 23, 10, 30), Kind.OVERDUE, Step.ACCEPT)
    assert sweep(aware(2026, 11, 23, 10, 30)) == 1
    assert notices(case, "qinbei")[-1] == ("overdue", "accept")
    assert notices(case, "hangtian") == [("dispatch", None)]


def test_a_supervisor_who_supervised_first_spares_the_automatic_supervision(street):
    monday = aware(2026, 11, 23, 9, 0)
    case = case_in(street, State.DISPATCHED, at=monday)
    # Litter: acceptance due at 10:00, first contact and resolution at 14:00.
    act(street, case, "supervise", "supervisor", note="请尽快签收", at=monday + timedelta(hours=3))
    assert notices(case)[-1] == ("supervise", None)
    assert sweep(monday + timedelta(days=3)) == 4
    assert notices(case)[-4:] == [
        ("overdue", "accept"),
        ("overdue", "contact"),
        ("overdue", "resolve"),
        ("supervise", None),
    ]  # the reminder, late by days, gave way to the overdue notice
    # Supervised at 12:00, after the acceptance deadline but before the resolution one:
    # only the resolution's automatic supervision follows.
    automatic = case.events.filter(kind="supervise", actor_role="system")
    assert [e.data["step"] for e in automatic] == ["resolve"]


def test_an_alarm_whose_deadline_changed_meanwhile_fires_nothing(street):
    monday = aware(2026, 11, 23, 9, 0)
    case = case_in(street, State.DISPATCHED, at=monday)
    Alarm.objects.create(
        case=case,
        kind=Kind.OVERDUE,
        step=Step.ACCEPT,
        deadline=monday,
        fire_at=monday,
    )
    assert sweep(monday + timedelta(minutes=1)) == 0
    assert not Alarm.objects.filter(case=case, deadline=monday).exists()


def test_an_alarm_fired_by_another_sweep_meanwhile_is_not_fired_again(street):
    monday = aware(2026, 11, 23, 9, 0)
    case = case_in(street, State.DISPATCHED, at=monday)
    alarm = Alarm.objects.get(case=case, kind=Kind.OVERDUE, step=Step.ACCEPT)
    later = monday + timedelta(hours=2)
    assert sweeps._fire(alarm.pk, case.pk, later) == 1
    assert sweeps._fire(alarm.pk, case.pk, later) == 0
    assert notices(case).count(("overdue", "accept")) == 1


def test_urgent_cases_count_calendar_hours_for_alarms_too(street):
    saturday_night = aware(2026, 11, 21, 23, 0)
    case = case_in(street, State.DISPATCHED, category="fire-escape", at=saturday_night)
    case = act(street, case, "accept", "hangtian", at=saturday_night + timedelta(minutes=10))
    assert case.resolve_due == aware(2026, 11, 22, 7, 0)
    assert [(t, k) for t, k, s in planned(case) if s == Step.RESOLVE] == [
        (aware(2026, 11, 22, 5, 0), Kind.DUE_SOON),
        (aware(2026, 11, 22, 7, 0), Kind.OVERDUE),
        (aware(2026, 11, 22, 15, 0), Kind.SUPERVISE),
    ]


def test_a_sweep_with_nothing_due_costs_one_query_however_many_alarms_wait(
    street, django_assert_num_queries
):
    monday = aware(2026, 11, 23, 9, 0)
    for _ in range(5):
        case_in(street, State.IN_PROGRESS, at=monday)
    assert Alarm.objects.count() >= 10
    with django_assert_num_queries(1):
        assert sweep(monday) == 0


def test_a_broken_alarm_does_not_stop_the_sweep(street, monkeypatch):
    monday = aware(2026, 11, 23, 9, 0)
    first = case_in(street, State.DISPATCHED, at=monday)
    second = case_in(street, State.DISPATCHED, at=monday)
    real = sweeps._FIRE[Kind.OVERDUE]

    def fire(alarm, case, now):
        if case.pk == first.pk:
            raise RuntimeError("template missing")
        return real(alarm, case, now)

    monkeypatch.setitem(sweeps._FIRE, Kind.OVERDUE, fire)
    # Acceptance was due at 10:00; the resolution reminders come at 11:00.
    assert sweep(monday + timedelta(hours=1, minutes=30)) == 1
    assert Alarm.objects.filter(case=first, kind=Kind.OVERDUE).exists()  # kept for next time
    assert notices(second)[-1] == ("overdue", "accept")


@pytest.mark.parametrize("hours", [1, 2, 3, 8, 9, 17])
def test_the_reminder_comes_the_given_working_hours_before_the_deadline(street, hours):
    due = aware(2026, 10, 8, 10, 0)  # the first working morning after National Day
    before = sla.earlier(due, hours)
    assert sla.add_working_hours(before, hours) == due
    assert sla.working_hours_between(before, due) == hours
    # The precomputed clock of bulk work answers the same.
    clock = sla.Clock(due.date() - timedelta(days=30), due.date())
    assert clock.earlier(due, hours) == before


def test_retention_and_satisfaction_alarms_follow_closure(street, settings):
    settings.HONGMEI_SATISFACTION_DELAY_HOURS = 24
    settings.HONGMEI_RETENTION_DAYS = 365
    monday = aware(2026, 11, 23, 9, 0)
    case = case_in(street, State.CLOSED, at=monday)
    assert sorted(Alarm.objects.filter(case=case).values_list("kind", "fire_at")) == [
        (Kind.RETENTION, monday + timedelta(days=365)),
        (Kind.SATISFACTION, monday + timedelta(hours=24)),
    ]
    act(street, case, "rate", "reporter", rating="satisfied", at=monday + timedelta(hours=2))
    assert list(Alarm.objects.filter(case=case).values_list("kind", flat=True)) == [Kind.RETENTION]


def test_the_satisfaction_request_goes_a_day_after_closure_unless_rated(street, mailoutbox):
    monday = aware(2026, 11, 23, 9, 0)
    rated = case_in(street, State.CLOSED, at=monday)
    act(street, rated, "rate", "reporter", rating="basic", at=monday)
    unrated = case_in(street, State.CLOSED, at=monday)
    kinds = [Kind.SATISFACTION]
    assert sweeps.sweep(kinds, now=monday + timedelta(hours=23, minutes=59)) == 0
    assert sweeps.sweep(kinds, now=monday + timedelta(hours=24)) == 1
    assert sweeps.sweep(kinds, now=monday + timedelta(hours=48)) == 0
    request = Notification.objects.get(kind="satisfaction")
    assert (request.case, request.template, request.channel) == (
        unrated,
        "reporter/satisfaction",
        "email",
    )


# Which deadline alarms a case carries after each action, stated on its own: acceptance,
# first contact and resolution are watched from dispatch (the resolution clock runs from
# dispatch, accepted or not); acceptance, first contact and resolution each end their own;
# rework and an approved extension set the resolution's afresh; return and escalation end
# them all. Noise: accept within 1 working hour, first contact within 4, resolve within 16.
ACCEPT_ALARMS = [
    (aware(2026, 11, 23, 10, 0), Kind.OVERDUE, Step.ACCEPT),
    (aware(2026, 11, 24, 10, 0), Kind.SUPERVISE, Step.ACCEPT),
]
CONTACT_ALARMS = [(aware(2026, 11, 23, 14, 0), Kind.OVERDUE, Step.CONTACT)]
RESOLVE_ALARMS = [
    (aware(2026, 11, 24, 16, 0), Kind.DUE_SOON, Step.RESOLVE),
    (aware(2026, 11, 24, 18, 0), Kind.OVERDUE, Step.RESOLVE),
    (aware(2026, 11, 25, 18, 0), Kind.SUPERVISE, Step.RESOLVE),
]


def noise_dispatched(street, monday):
    case = case_in(street, State.REPORTED, category="noise", at=monday)
    hangtian = street.parties["rc-hangtian"]
    return act(street, case, "dispatch", "dispatcher", lead_party=hangtian, at=monday)


def test_dispatch_sets_the_acceptance_contact_and_resolution_alarms(street):
    monday = aware(2026, 11, 23, 9, 0)
    case = noise_dispatched(street, monday)
    assert planned(case) == sorted(ACCEPT_ALARMS + CONTACT_ALARMS + RESOLVE_ALARMS)

    case = act(street, case, "accept", "hangtian", at=monday + timedelta(minutes=30))
    assert planned(case) == sorted(CONTACT_ALARMS + RESOLVE_ALARMS)  # resolution unchanged
    case = act(street, case, "contact", "hangtian", note="已联系", at=monday + timedelta(hours=1))
    assert planned(case) == RESOLVE_ALARMS
    case = act(street, case, "resolve", "hangtian", note="已处理", at=monday + timedelta(hours=2))
    assert planned(case) == []  # verification is not watched by the sweep

    case = act(street, case, "rework", "inspector", reason="仍有噪声", at=monday.replace(hour=13))
    assert planned(case) == [
        (aware(2026, 11, 25, 10, 0), Kind.DUE_SOON, Step.RESOLVE),
        (aware(2026, 11, 25, 12, 0), Kind.OVERDUE, Step.RESOLVE),
        (aware(2026, 11, 26, 12, 0), Kind.SUPERVISE, Step.RESOLVE),
    ]
    case = act(street, case, "resolve", "hangtian", note="已整改", at=monday.replace(hour=14))
    act(street, case, "verify", "inspector", at=monday.replace(hour=15))
    assert [kind for _, kind, step in planned(case) if step] == []


def test_a_dispatched_case_not_yet_accepted_is_chased_for_its_resolution(street):
    monday = aware(2026, 11, 23, 9, 0)
    case = noise_dispatched(street, monday)
    assert sweep(aware(2026, 11, 24, 16, 0)) == 4  # accept ×2, contact, the reminder
    assert notices(case)[-1] == ("due_soon", "resolve")
    assert sweep(aware(2026, 11, 24, 18, 0)) == 1
    assert notices(case)[-1] == ("overdue", "resolve")
    assert sweep(aware(2026, 11, 25, 18, 0)) == 1
    supervisions = case.events.filter(kind="supervise").order_by("created_at")
    assert [e.data["step"] for e in supervisions] == ["accept", "resolve"]


def test_return_and_escalation_void_every_deadline_alarm_of_the_party(street):
    monday = aware(2026, 11, 23, 9, 0)
    case = noise_dispatched(street, monday)
    case = act(street, case, "return", "hangtian", reason="不属本单位", at=monday)
    # Back with the dispatcher: only intake's clock runs (noise: 2 working hours).
    assert planned(case) == [
        (aware(2026, 11, 23, 11, 0), "overdue", "dispatch"),
        (aware(2026, 11, 24, 11, 0), "supervise", "dispatch"),
    ]
    case = noise_dispatched(street, monday)
    case = act(street, case, "accept", "hangtian", at=monday)
    case = act(street, case, "escalate", "hangtian", reason="需要协调", at=monday)
    assert planned(case) == []


def test_reassignment_and_decision_start_every_alarm_afresh(street):
    monday = aware(2026, 11, 23, 9, 0)
    case = noise_dispatched(street, monday)
    case = act(street, case, "accept", "hangtian", at=monday)
    qinbei = street.parties["rc-qinbei"]
    case = act(
        street, case, "reassign", "dispatcher", lead_party=qinbei, reason="属钦北", at=monday
    )
    assert planned(case) == sorted(ACCEPT_ALARMS + CONTACT_ALARMS + RESOLVE_ALARMS)

    case = act(street, case, "accept", "qinbei", at=monday)
    case = act(street, case, "escalate", "qinbei", reason="需要协调", at=monday)
    decided = aware(2027, 1, 15, 17, 0)
    cityops = street.parties["cityops"]
    case = act(street, case, "decide", "secretary", lead_party=cityops, deadline=decided, at=monday)
    assert planned(case) == sorted(
        ACCEPT_ALARMS
        + CONTACT_ALARMS
        + [
            (aware(2027, 1, 15, 15, 0), Kind.DUE_SOON, Step.RESOLVE),
            (decided, Kind.OVERDUE, Step.RESOLVE),
            (aware(2027, 1, 18, 17, 0), Kind.SUPERVISE, Step.RESOLVE),
        ]
    )
