"""One test per rule that a hand-made mutation of the domain code once broke silently
(issue 12). Each docstring states the rule, from the design (../shared/design.md) where it
says so; each test goes through public behaviour: perform(), file_case(), the HTTP client,
routing.rule_for(), indicators.case_facts(), sla.hours_left().

Dates below are fixed, but every action passes them as `at` (or as the indicator replay's
`as_of`), so no test depends on the day it runs.
"""

from collections import Counter
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from cases import indicators, people, routing, sla, workflow
from cases.models import Case, Category, Membership, Party, RoutingRule, State
from cases.workflow import Actor
from portal.views_case import deadlines
from tests import factories
from tests.factories import aware

MONDAY = aware(2026, 11, 23, 10, 0)  # a working Monday, Asia/Shanghai


def fresh(user):
    """The user re-read, so nothing the previous checks cached on the object survives."""
    return get_user_model().objects.get(pk=user.pk)


def refused(case, action, actor, **inputs):
    with pytest.raises(workflow.WorkflowError):
        workflow.perform(case, action, actor=actor, **inputs)
    return action not in workflow.allowed_actions(Case.objects.get(pk=case.pk), actor)


# ---------------------------------------------------------------------------- extensions


def test_a_handler_may_not_approve_their_own_extension(street):
    """Design §2: the dispatcher approves deadline extensions; the handler only asks. The
    handler who asked may neither approve nor deny; the dispatcher's approval moves the
    deadline to the one asked for."""
    case = factories.case_in(street, State.IN_PROGRESS)
    wanted = case.resolve_due + timedelta(days=3)
    case = factories.act(
        street, case, "request_extension", "hangtian", deadline=wanted, reason="等待商户配合"
    )
    hangtian = factories.staff(street, "hangtian")
    assert refused(case, "approve_extension", hangtian)
    assert refused(case, "deny_extension", hangtian, reason="不行")
    assert Case.objects.get(pk=case.pk).resolve_due != wanted
    case = factories.act(street, case, "approve_extension", "dispatcher")
    assert case.resolve_due == wanted


# ---------------------------------------------------------------------------- memberships


def test_a_revoked_membership_grants_nothing(client, street):
    """A membership that was revoked (is_active=False) gives no role: the handler can
    neither act on nor read their former party's cases, nor enter the staff pages."""
    case = factories.case_in(street, State.DISPATCHED)
    user = street.users["hangtian"]
    Membership.objects.filter(user=user).update(is_active=False)
    user = fresh(user)
    assert refused(case, "accept", Actor.staff(user))
    assert not Case.objects.visible_to(user).filter(pk=case.pk).exists()
    assert people.roles_of(user) == set()
    client.force_login(user)
    assert client.get("/staff/").status_code == 403
    assert client.get(f"/staff/cases/{case.number}/").status_code in (403, 404)


def test_a_membership_of_a_deactivated_party_grants_nothing(client, street):
    """A party that was deactivated no longer acts: its handlers' memberships give no
    role, no case and no staff page, though the memberships themselves stay active."""
    case = factories.case_in(street, State.DISPATCHED)
    party = Party.objects.get(pk=street.parties["rc-hangtian"].pk)  # not the shared object
    party.is_active = False
    party.save()
    user = fresh(street.users["hangtian"])
    assert Membership.objects.filter(user=user, is_active=True).exists()
    assert refused(case, "accept", Actor.staff(user))
    assert not Case.objects.visible_to(user).filter(pk=case.pk).exists()
    client.force_login(user)
    assert client.get("/staff/").status_code == 403


@pytest.mark.parametrize("username", ["secretary", "dispatcher", "inspector", "supervisor"])
def test_street_wide_roles_see_every_party_case(client, street, username):
    """Design §2: the dispatcher, inspector, supervisor and joint-meeting secretary work on
    the whole street: they read a case whatever party it is assigned to (the secretary
    prepares meetings from any party's escalated cases)."""
    case = factories.case_in(street, State.IN_PROGRESS)  # 航天新苑居委's case
    user = fresh(street.users[username])
    assert people.is_street_wide(user)
    assert Case.objects.visible_to(user).filter(pk=case.pk).exists()
    client.force_login(user)
    assert client.get(f"/staff/cases/{case.number}/").status_code == 200


def test_the_superuser_sees_every_case_without_a_membership(client, street):
    """The admin (a superuser without any membership) reads every case and the staff
    pages, but is not in the lifecycle's table, so may perform none of its actions."""
    case = factories.case_in(street, State.IN_PROGRESS)
    other = factories.case_in(street, State.REPORTED)
    admin = fresh(street.users["admin"])
    assert not Membership.objects.filter(user=admin).exists()
    assert people.is_street_wide(admin)
    assert set(Case.objects.visible_to(admin).values_list("pk", flat=True)) >= {
        case.pk,
        other.pk,
    }
    client.force_login(admin)
    assert client.get(f"/staff/cases/{case.number}/").status_code == 200
    assert refused(case, "reassign", Actor.staff(admin), lead_party=street.parties["cityops"],
                   reason="改派")  # fmt: skip


def test_a_handler_never_reads_another_party_case(client, street):
    """Design §2: a handler can never read or act on a case not assigned to their party."""
    case = factories.case_in(street, State.IN_PROGRESS)
    qinbei = fresh(street.users["qinbei"])
    assert not people.is_street_wide(qinbei)
    assert not Case.objects.visible_to(qinbei).filter(pk=case.pk).exists()
    client.force_login(qinbei)
    assert client.get(f"/staff/cases/{case.number}/").status_code == 404


# ---------------------------------------------------------------------------- routing


def _rule(street, lead, area=None, priority=0, auto=True):
    return RoutingRule.objects.create(
        category=street.categories["other"],
        area=area,
        lead_party=street.parties[lead],
        priority=priority,
        auto_dispatch=auto,
    )


def test_a_rule_whose_lead_party_is_deactivated_does_not_dispatch(street):
    """A deactivated party takes no new cases: an auto-dispatch rule naming it as lead
    neither dispatches nor is suggested; the case waits for the dispatcher."""
    rule = _rule(street, "market")
    market = Party.objects.get(pk=street.parties["market"].pk)
    market.is_active = False
    market.save()
    assert routing.rule_for(street.categories["other"], street.areas["hongmei"]) != rule
    case = factories.new_case(street, "other", route=True)
    assert case.state == State.REPORTED
    assert case.lead_party is None


def test_a_rule_on_the_root_area_beats_a_street_wide_rule(street):
    """Design §7: the most specific rule wins, the deeper area first. A rule naming an area
    (even the street's root area) is more specific than one naming no area. The root-area
    rule here is the newer one, so "the older rule wins" would choose the other."""
    anywhere = _rule(street, "cityops", area=None)
    root = _rule(street, "market", area=street.areas["hongmei"])
    assert anywhere.pk < root.pk
    other = street.categories["other"]
    assert routing.rule_for(other, street.areas["compound-hangtian-2"]) == root
    assert routing.rule_for(other, street.areas["hongmei"]) == root
    case = factories.new_case(street, "other", route=True)
    assert case.lead_party == street.parties["market"]
    # Without an area, only the street-wide rule applies.
    assert routing.rule_for(other, None) == anywhere


def test_of_two_equally_specific_rules_the_older_wins(street):
    """Same category, area and priority: the older rule (created first) wins, so adding a
    rule never silently takes over an existing one's cases."""
    older = _rule(street, "cityops", area=street.areas["hongmei"], priority=3)
    newer = _rule(street, "market", area=street.areas["hongmei"], priority=3)
    assert older.pk < newer.pk
    other = street.categories["other"]
    assert routing.rule_for(other, street.areas["compound-hangtian-2"]) == older
    higher = _rule(street, "greening", area=street.areas["hongmei"], priority=4)
    assert routing.rule_for(other, street.areas["compound-hangtian-2"]) == higher


# ---------------------------------------------------------------------------- lifecycle


def test_the_meeting_decision_sets_the_resolution_deadline(street):
    """Design §6: decide takes "the meeting's decision: lead party, co-parties, deadline";
    the case's resolution deadline is the meeting's, not the category's limit."""
    case = factories.case_in(street, State.AWAITING_MEETING)
    meeting_deadline = timezone.now().replace(microsecond=0) + timedelta(days=41, hours=3)
    event = workflow.perform(
        case,
        "decide",
        actor=factories.staff(street, "secretary"),
        lead_party=street.parties["rc-qinbei"],
        deadline=meeting_deadline,
    )
    case = event.case
    assert case.state == State.DISPATCHED
    assert case.lead_party == street.parties["rc-qinbei"]
    assert case.resolve_due == meeting_deadline
    assert Case.objects.get(pk=case.pk).resolve_due == meeting_deadline


def _co_party_cut_off(client, street, case):
    yongzhao = fresh(street.users["yongzhao"])
    assert not case.shares.filter(is_active=True).exists()
    assert not Case.objects.visible_to(yongzhao).filter(pk=case.pk).exists()
    client.force_login(yongzhao)
    assert client.get(f"/staff/cases/{case.number}/").status_code == 404


def test_after_a_return_the_old_co_party_share_is_inactive(client, street):
    """A returned case goes back to the dispatcher unassigned: the old co-party (永兆居委)
    loses its share, and a new dispatch without it does not bring it back."""
    case = factories.case_in(street, State.DISPATCHED)
    assert case.shares.filter(party=street.parties["rc-yongzhao"], is_active=True).exists()
    case = factories.act(street, case, "return", "hangtian", reason="不属于本单位")
    _co_party_cut_off(client, street, case)
    case = factories.act(
        street, case, "dispatch", "dispatcher", lead_party=street.parties["cityops"]
    )
    _co_party_cut_off(client, street, case)
    assert refused(case, "report_share", factories.staff(street, "yongzhao"), note="已完成")


def test_after_a_reopen_the_old_co_party_share_is_inactive(client, street):
    """A reopened case is reported afresh: the co-party of the closed round keeps no
    share of it."""
    case = factories.case_in(street, State.CLOSED)
    case = factories.act(street, case, "reopen", "supervisor", reason="问题反复")
    assert case.state == State.REPORTED
    _co_party_cut_off(client, street, case)
    case = factories.act(
        street, case, "dispatch", "dispatcher", lead_party=street.parties["cityops"]
    )
    _co_party_cut_off(client, street, case)


def test_an_inactive_category_is_refused_at_filing(street):
    """A category switched off by the admin takes no new cases."""
    category = Category.objects.get(pk=street.categories["noise"].pk)
    category.is_active = False
    category.save()
    with pytest.raises(workflow.WorkflowError):
        workflow.file_case(
            actor=Actor.anonymous_reporter(),
            category=category,
            description="深夜施工噪声",
            channel=Case.Channel.WEB,
        )
    assert not Case.objects.filter(category=category).exists()


@pytest.mark.parametrize(
    "rating, may_reopen",
    [("satisfied", False), ("basic", False), ("dissatisfied", True)],
)
def test_the_reporter_reopens_only_after_a_dissatisfied_rating(street, rating, may_reopen):
    """Design §6: reopen by the reporter "dissatisfied, within 7 days". Basically satisfied
    (基本满意) counts as satisfied (§8), so it does not let the reporter reopen."""
    assert rating in Case.Satisfaction.values
    case = factories.case_in(street, State.CLOSED)
    case = factories.act(street, case, "rate", "reporter", rating=rating)
    reporter = Actor.reporter(case.token)
    if may_reopen:
        event = workflow.perform(case, "reopen", actor=reporter, reason="问题没有解决")
        assert event.case.state == State.REPORTED
    else:
        assert refused(case, "reopen", reporter, reason="问题没有解决")
        assert Case.objects.get(pk=case.pk).state == State.CLOSED


@pytest.mark.parametrize(
    "after, may_reopen",
    [
        (timedelta(days=7), True),
        (timedelta(days=7, minutes=1), False),
        (timedelta(days=6, hours=23, minutes=59), True),
    ],
)
def test_the_reopen_window_is_seven_days_to_the_minute(street, after, may_reopen):
    """Design §6: the reporter may reopen "within 7 days": exactly 7 days after closing is
    still within; a minute later is not. The supervisor may reopen at any time."""
    closed_at = MONDAY
    case = factories.case_in(street, State.CLOSED, at=closed_at)
    assert case.closed_at == closed_at
    case = factories.act(
        street, case, "rate", "reporter", rating="dissatisfied", at=closed_at + timedelta(hours=1)
    )
    reporter = Actor.reporter(case.token)
    at = closed_at + after
    assert ("reopen" in workflow.allowed_actions(case, reporter, at)) == may_reopen
    if may_reopen:
        event = workflow.perform(case, "reopen", actor=reporter, at=at, reason="问题反复")
        assert event.case.state == State.REPORTED
    else:
        with pytest.raises(workflow.WorkflowError):
            workflow.perform(case, "reopen", actor=reporter, at=at, reason="问题反复")
        supervisor = factories.staff(street, "supervisor")
        event = workflow.perform(case, "reopen", actor=supervisor, at=at, reason="督办复查")
        assert event.case.state == State.REPORTED


# ---------------------------------------------------------------------------- indicators


def _facts(street, steps, as_of, category="litter", channel=Case.Channel.WEB):
    cat = street.categories[category]
    row = indicators.CaseRow(1, cat.pk, None, channel, Case.Priority.NORMAL)
    clock = indicators.clock_for(steps[0].at, as_of)
    facts = indicators.case_facts(row, steps, category=cat, clock=clock, as_of=as_of)
    return Counter(f.counter for f in facts), facts


def _dispatch(at, party=7, contact_hours=2, resolve_hours=4):
    return indicators.Step(
        "dispatch",
        at,
        lead_party=party,
        contact_due=at + timedelta(hours=contact_hours),
        resolve_due=at + timedelta(hours=resolve_hours),
    )


def test_escalation_stops_the_clocks(street):
    """An escalated case waits for the joint meeting: the contact and resolution deadlines
    of the round it left are not assessed (design §6: escalate takes the case off the
    party; §8 counts cases due, resolved by the deadline)."""
    t = MONDAY
    steps = [
        indicators.Step("file", t),
        _dispatch(t + timedelta(minutes=5)),
        indicators.Step("escalate", t + timedelta(hours=1)),
    ]
    counts, _ = _facts(street, steps, as_of=t + timedelta(days=30))
    assert counts["dispatched"] == 1
    assert counts["resolve_due"] == 0
    assert counts["contact_due"] == 0


def test_a_returned_round_deadlines_are_not_assessed(street):
    """A return ends the round before its deadlines: the party that returned is not marked
    late for a case it no longer has; the next round's deadline counts once."""
    t = MONDAY
    steps = [
        indicators.Step("file", t),
        _dispatch(t, party=7),
        indicators.Step("return", t + timedelta(hours=1)),
        _dispatch(t + timedelta(days=1), party=8),
    ]
    counts, facts = _facts(street, steps, as_of=t + timedelta(days=30))
    assert counts["returned"] == 1
    assert counts["dispatched"] == 2
    assert [f.party for f in facts if f.counter == "resolve_due"] == [8]
    assert counts["resolve_met"] == 0


def test_a_resolution_exactly_on_the_deadline_minute_is_on_time(street):
    """Resolved by the deadline (§8) includes the deadline's own minute."""
    t = MONDAY
    dispatch = _dispatch(t)
    steps = [
        indicators.Step("file", t),
        dispatch,
        indicators.Step("resolve", dispatch.resolve_due),
    ]
    counts, _ = _facts(street, steps, as_of=t + timedelta(days=30))
    assert (counts["resolve_met"], counts["resolve_due"]) == (1, 1)
    # The same through perform(): the resolve event records it as within the limit.
    case = factories.case_in(street, State.IN_PROGRESS, at=t)
    event = workflow.perform(
        case,
        "resolve",
        actor=factories.staff(street, "hangtian"),
        at=case.resolve_due,
        note="已处置",
        open_shares_reason="协办部分已一并完成",
    )
    assert event.data["within_limit"] is True


def test_a_deadline_exactly_at_the_period_end_is_counted(street):
    """A deadline that falls exactly at the end of the period asked about (as_of) has
    passed unmet by then: it is counted as due, not met."""
    t = MONDAY
    dispatch = _dispatch(t)
    steps = [indicators.Step("file", t), dispatch]
    counts, facts = _facts(street, steps, as_of=dispatch.resolve_due)
    assert (counts["resolve_due"], counts["resolve_met"]) == (1, 0)
    assert [f.at for f in facts if f.counter == "resolve_due"] == [dispatch.resolve_due]
    # One second earlier it has not passed yet.
    counts, _ = _facts(street, steps, as_of=dispatch.resolve_due - timedelta(seconds=1))
    assert counts["resolve_due"] == 0


# ---------------------------------------------------------------------------- hours left


def test_hours_left_for_an_urgent_category_runs_in_calendar_hours(street):
    """Design §5: urgent categories' limits run in calendar hours, so the time left on
    their deadlines is counted in calendar hours too, over nights and weekends."""
    saturday = aware(2026, 11, 28, 10, 0)
    monday = aware(2026, 11, 30, 10, 0)
    assert sla.hours_left(monday, saturday, calendar_hours=True) == 48
    assert sla.hours_left(monday, saturday) < 48  # working hours: Monday morning only
    case = factories.case_in(street, State.IN_PROGRESS, category="fire-escape")
    assert case.calendar_hours
    now = case.resolve_due - timedelta(hours=30)
    left = {d.due: d.hours_left for d in deadlines(case, now)}
    assert left[case.resolve_due] == pytest.approx(30)


# ---------------------------------------------------------------------------- filing


@pytest.mark.parametrize(
    "who, role",
    [("system", "system"), ("reporter", "reporter"), ("inspector", "inspector")],
)
def test_a_filing_records_who_filed_it(street, who, role):
    """Design §6: every event says who acted. A case filed by the system (an import, an
    integration) is the system's, with its cause; the public form's is the reporter's; a
    patrol's is the inspector's (for their party)."""
    actor = {
        "system": Actor.system("12345 import"),
        "reporter": Actor.anonymous_reporter(),
        "inspector": factories.staff(street, "inspector"),
    }[who]
    case = workflow.file_case(
        actor=actor,
        category=street.categories["litter"],
        description="路边有暴露垃圾",
        channel=Case.Channel.PATROL if who == "inspector" else Case.Channel.WEB,
        route=False,
    )
    filed = case.events.get(kind="file")
    assert filed.actor_role == role
    assert filed.cause == ("12345 import" if who == "system" else "")
    if who == "inspector":
        assert filed.actor_party == street.parties["ops-centre"]


# ---------------------------------------------------------------------------- clock


def test_the_precomputed_clock_keeps_urgent_limits_in_calendar_hours(street):
    """Design §5: urgent limits run in calendar hours, the others in working hours; the
    precomputed clock the indicators use says the same as sla.deadline()."""
    friday = aware(2026, 11, 27, 16, 0)
    clock = sla.Clock(friday.date(), friday.date() + timedelta(days=10))
    assert clock.deadline(friday, 8, calendar_hours=True) == friday + timedelta(hours=8)
    # Friday 16–18 (2 h), Monday 9–12 (3 h) and 13–16 (3 h): office hours 9–12, 13–18.
    assert clock.deadline(friday, 8) == sla.deadline(friday, 8) == aware(2026, 11, 30, 16, 0)
    assert clock.earlier(aware(2026, 11, 30, 16, 0), 8) == friday
    assert clock.earlier(friday, 8, calendar_hours=True) == friday - timedelta(hours=8)


def test_the_holiday_calendar_comes_from_the_package(street):
    """Design §5: working days follow a maintained calendar package: statutory holidays on
    weekdays are off, make-up working days (调休) on weekends are on."""
    from cases.models import CalendarDay

    CalendarDay.objects.filter(from_package=True).delete()
    assert sla.load_calendar_from_package() > 0
    assert not sla.is_workday(aware(2026, 10, 1, 10, 0).date())  # National Day, a Thursday
    assert sla.is_workday(aware(2026, 10, 10, 10, 0).date())  # Saturday, made up
    assert not sla.is_workday(aware(2026, 10, 3, 10, 0).date())  # a Saturday off anyway
    assert sla.is_workday(aware(2026, 11, 27, 10, 0).date())  # an ordinary Friday


def test_the_street_bounds_enclose_the_street(street):
    """The map frames the street (around 31.17°N, 121.40°E, design §4): south below north,
    west of east, and every area's outline inside."""
    south, west, north, east = routing.street_bounds()
    assert 31.1 < south < north < 31.25
    assert 121.3 < west < east < 121.5
    lat, lng = factories.HANGTIAN_POINT
    assert south <= lat <= north and west <= lng <= east


def test_a_signed_out_visitor_holds_no_role_and_sees_no_case(street):
    """Someone not signed in holds no role, handles for no party and reads no case."""
    from django.contrib.auth.models import AnonymousUser

    nobody = AnonymousUser()
    factories.case_in(street, State.REPORTED)
    assert people.roles_of(nobody) == set()
    assert people.handler_parties(nobody) == []
    assert not people.is_street_wide(nobody)
    assert not Case.objects.visible_to(nobody).exists()


def test_a_meeting_decision_starts_a_round_like_a_dispatch(street):
    """Design §6: decide moves the case from the meeting to `dispatched`, to the lead party
    and deadline the meeting chose: for the indicators (§8) it is a dispatch like any other,
    and the meeting's deadline is assessed for that party."""
    t = MONDAY
    meeting_deadline = t + timedelta(days=10)
    steps = [
        indicators.Step("file", t),
        indicators.Step("escalate", t + timedelta(hours=1)),
        indicators.Step(
            "decide",
            t + timedelta(days=3),
            lead_party=9,
            contact_due=t + timedelta(days=4),
            resolve_due=meeting_deadline,
        ),
    ]
    counts, facts = _facts(street, steps, as_of=t + timedelta(days=30))
    assert (counts["dispatched"], counts["intake"]) == (1, 1)
    assert [(f.party, f.at) for f in facts if f.counter == "resolve_due"] == [(9, meeting_deadline)]
