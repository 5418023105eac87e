"""Meetings made the way the pages make them: through the meeting functions."""

from datetime import timedelta

from django.utils import timezone

from cases.models import State
from meetings import agenda, decisions, minutes
from meetings.models import Meeting
from tests import factories

MEMBERS = ("rc-hangtian", "rc-yongzhao", "cityops")


def secretary(street):
    return street.users["secretary"]


def plan(street, *, days=1, members=MEMBERS, title="街区治理联席会议", at=None):
    """A meeting planned `days` from now with the given member parties."""
    return agenda.create_meeting(
        user=secretary(street),
        title=title,
        starts_at=timezone.now() + timedelta(days=days),
        place="街道办事处三楼会议室",
        convener=street.parties["street-office"],
        members=[street.parties[code] for code in members],
        at=at,
    )


def escalated(street, **kwargs):
    """A case of 航天新苑居委 (永兆居委 co-party) that its handler escalated."""
    case = factories.case_in(street, State.IN_PROGRESS, **kwargs)
    return factories.act(street, case, "escalate", "hangtian", reason="需要多方协调")


def hold(street, meeting):
    return minutes.hold(meeting, user=secretary(street))


def fresh(meeting):
    return Meeting.objects.get(pk=meeting.pk)


def decide(street, item, *, lead="cityops", co=("rc-yongzhao",), days=7, measures="限期整改"):
    return decisions.record_decision(
        item,
        user=secretary(street),
        lead_party=street.parties[lead],
        co_parties=[street.parties[code] for code in co],
        deadline=timezone.now() + timedelta(days=days),
        measures=measures,
    )


def meeting_with_decided_case(street, **kwargs):
    """A held meeting whose escalated case was decided: (meeting, item, decision)."""
    case = escalated(street)
    meeting = plan(street)
    item = agenda.add_case(meeting, case, user=secretary(street))
    hold(street, meeting)
    item.refresh_from_db()
    return fresh(meeting), item, decide(street, item, **kwargs)
