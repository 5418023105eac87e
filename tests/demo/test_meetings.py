"""The demo seed's joint meetings: one held with decisions (minutes approved), one planned
with the follow-up of those decisions on its agenda; cases moved by the workflow only."""

from django.core.management import call_command

from cases.models import Case, Notification, State
from meetings.models import AgendaItem, Decision, Meeting, MeetingEvent
from tests.invariants import history_problems


def test_seed_demo_adds_a_held_and_a_planned_meeting_once(db):
    call_command("seed_demo", "--cases", "120")
    held = Meeting.objects.get(state=Meeting.State.APPROVED)
    planned = Meeting.objects.get(state=Meeting.State.PLANNED)
    assert held.held_at is not None and held.starts_at < planned.starts_at
    decided = Decision.objects.filter(meeting=held)
    assert decided.filter(case__isnull=False).exists() and decided.filter(case=None).exists()
    assert decided.open().exists() and decided.done().exists()
    follow_ups = planned.items.filter(kind=AgendaItem.Kind.FOLLOW_UP)
    assert set(follow_ups.values_list("follows", flat=True)) == set(
        decided.values_list("pk", flat=True)
    )
    for decision in decided.exclude(case=None):
        case = Case.objects.get(pk=decision.case_id)
        assert case.events.filter(kind="decide", data__decision=decision.pk).exists()
        assert history_problems(case) == []
    assert Case.objects.filter(state=State.AWAITING_MEETING).exists()
    assert planned.events.filter(kind="invited").exists()
    invited = Notification.objects.filter(kind="meeting", channel="app")
    assert invited.filter(user__username="hangtian").exists()
    assert not Notification.objects.filter(kind="meeting", channel="email").exists()  # replayed
    counts = (Meeting.objects.count(), MeetingEvent.objects.count(), Decision.objects.count())
    call_command("seed_demo", "--cases", "120")
    assert (
        Meeting.objects.count(),
        MeetingEvent.objects.count(),
        Decision.objects.count(),
    ) == counts


def test_the_meetings_are_seeded_without_demo_cases_too(db):
    call_command("seed_demo", "--cases", "0")
    held = Meeting.objects.get(state=Meeting.State.APPROVED)
    assert held.decisions.exists() and Meeting.objects.filter(state="planned").exists()
