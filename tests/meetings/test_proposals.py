"""Recurring problems proposed for the joint meeting (meetings/proposals.py): five fume
reports around one shop in ten days make one proposal, which the secretary puts on the next
meeting's agenda; a dismissed one comes back only when it grows; who sees and decides."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import recurrence
from meetings import proposals
from meetings.history import MeetingError
from meetings.models import AgendaItem, MeetingEvent, Proposal
from tests import factories
from tests.factories import HANGTIAN_POINT
from tests.meetings.helpers import plan, secretary


def fume_report(street, days_ago, metres=0, shop="阿香烧烤"):
    point = (HANGTIAN_POINT[0] + metres / 111_320, HANGTIAN_POINT[1])
    return factories.new_case(
        street,
        "cooking-fumes",
        point=point,
        at=timezone.now() - timedelta(days=days_ago),
        description=f"{shop}油烟直排，窗户都不敢开",
        answers={"shop_name": shop},
    )


@pytest.fixture
def five_fume_reports(street):
    """Five fume reports around one shop, within 60 m, over ten days."""
    return [
        fume_report(street, d, metres=m) for d, m in ((10, 0), (8, 30), (5, 60), (3, 15), (1, 45))
    ]


def test_five_fume_reports_make_one_proposal_the_secretary_puts_on_the_agenda(
    street, five_fume_reports, client
):
    meeting = plan(street, days=3)
    later = plan(street, days=30, title="下月联席会议")

    changed = proposals.propose_recurring()
    proposals.propose_recurring()  # the nightly run again: nothing new

    proposal = Proposal.objects.get()
    assert changed == [proposal]
    assert proposal.state == Proposal.State.PROPOSED
    assert (proposal.kind, proposal.shop, proposal.case_count) == ("shop", "阿香烧烤", 5)
    assert set(proposal.cases.all()) == set(five_fume_reports)
    assert proposals.next_meeting() == meeting

    client.force_login(secretary(street))
    page = client.get(reverse("meetings:proposals"))
    assert page.status_code == 200
    for case in five_fume_reports:
        assert case.number in page.content.decode()
    assert page.content.decode().count('class="map-point"') == 5

    response = client.post(
        reverse("meetings:proposal_accept", args=[proposal.pk]), {"meeting": meeting.pk}
    )
    item = AgendaItem.objects.get(meeting=meeting)
    assert response.status_code == 302
    assert response["Location"] == f"{meeting.get_absolute_url()}#item-{item.pk}"
    proposal.refresh_from_db()
    assert (proposal.state, proposal.item, proposal.decided_by) == (
        Proposal.State.ACCEPTED,
        item,
        secretary(street),
    )
    assert item.kind == AgendaItem.Kind.TOPIC
    assert "油烟扰民" in item.title and "阿香烧烤" in item.title
    assert set(item.linked_cases.all()) == set(five_fume_reports)
    for case in five_fume_reports:
        assert case.number in item.description
    assert not later.items.exists()
    event = MeetingEvent.objects.filter(meeting=meeting, kind="item_added").latest("id")
    assert event.data["proposal"] == proposal.pk
    assert sorted(event.data["cases"]) == sorted(c.number for c in five_fume_reports)

    proposals.propose_recurring()
    assert Proposal.objects.count() == 1  # accepted, not grown: not proposed again


def test_a_dismissed_proposal_comes_back_only_when_it_grows(street, five_fume_reports):
    [proposal] = proposals.propose_recurring()
    with pytest.raises(MeetingError):
        proposals.dismiss(proposal, user=secretary(street), reason=" ")
    proposals.dismiss(proposal, user=secretary(street), reason="已纳入专项整治")
    proposal.refresh_from_db()
    assert (proposal.state, proposal.reason) == (Proposal.State.DISMISSED, "已纳入专项整治")

    assert proposals.propose_recurring() == []
    sixth = fume_report(street, 0, metres=20)
    [again] = proposals.propose_recurring()
    assert again.pk != proposal.pk
    assert again.case_count == 6 and sixth in again.cases.all()


def test_a_waiting_proposal_takes_in_new_reports(street, five_fume_reports):
    [proposal] = proposals.propose_recurring()
    sixth = fume_report(street, 0, metres=10)
    assert proposals.propose_recurring() == [proposal]
    proposal.refresh_from_db()
    assert proposal.case_count == 6 and sixth in proposal.cases.all()


def test_a_decided_proposal_cannot_be_decided_again(street, five_fume_reports):
    meeting = plan(street, days=3)
    [proposal] = proposals.propose_recurring()
    proposals.accept(proposal, meeting, user=secretary(street))
    with pytest.raises(MeetingError):
        proposals.dismiss(proposal, user=secretary(street), reason="重复")
    with pytest.raises(MeetingError):
        proposals.accept(proposal, meeting, user=secretary(street))
    assert meeting.items.count() == 1


def test_only_the_secretary_and_supervisor_decide(street, five_fume_reports, client):
    meeting = plan(street, days=3)
    [proposal] = proposals.propose_recurring()
    with pytest.raises(MeetingError):
        proposals.accept(proposal, meeting, user=street.users["dispatcher"])
    client.force_login(street.users["dispatcher"])
    assert client.get(reverse("meetings:proposals")).status_code == 200
    url = reverse("meetings:proposal_accept", args=[proposal.pk])
    assert client.post(url, {"meeting": meeting.pk}).status_code == 403
    client.force_login(street.users["hangtian"])
    assert client.get(reverse("meetings:proposals")).status_code == 404
    assert client.post(url, {"meeting": meeting.pk}).status_code == 404
    assert Proposal.objects.get().state == Proposal.State.PROPOSED


def test_bad_input_is_refused_without_an_error_page(street, five_fume_reports, client):
    [proposal] = proposals.propose_recurring()
    client.force_login(secretary(street))
    accept = reverse("meetings:proposal_accept", args=[proposal.pk])
    assert client.post(accept, {"meeting": "x"}).status_code == 302
    assert client.post(accept, {}).status_code == 302
    dismiss = reverse("meetings:proposal_dismiss", args=[proposal.pk])
    assert client.post(dismiss, {"reason": ""}).status_code == 302
    assert client.post(reverse("meetings:proposal_dismiss", args=[999999])).status_code == 404
    assert Proposal.objects.get().state == Proposal.State.PROPOSED


def test_the_meeting_list_says_how_many_wait(street, five_fume_reports, client):
    proposals.propose_recurring()
    client.force_login(secretary(street))
    page = client.get(reverse("meetings:list")).content.decode()
    assert reverse("meetings:proposals") in page


def test_the_dashboard_shows_the_recurring_place(street, five_fume_reports, client):
    proposals.propose_recurring()
    client.force_login(street.users["supervisor"])
    today = timezone.localdate()
    period = {"period": "custom", "start": today - timedelta(days=20), "end": today}
    page = client.get(reverse("dashboard:home"), period).content.decode()
    assert 'id="recurring-heading"' in page
    assert "阿香烧烤" in page


def test_the_beat_proposes_nightly(settings, street, five_fume_reports):
    from meetings import tasks

    entry = settings.CELERY_BEAT_SCHEDULE["recurrence"]
    assert entry["task"] == "meetings.tasks.propose_recurring"
    assert tasks.propose_recurring.delay().get() == 1
    assert Proposal.objects.count() == 1


def test_one_run_makes_at_most_max_new_proposals_largest_first(street):
    for index, north in enumerate((0, 400, 800)):  # metres north of 航天新苑, far apart
        for days in range(5 + index):  # 5, 6 and 7 reports
            fume_report(street, days + 1, metres=north, shop=f"店{index}")
    made = proposals.propose(recurrence.detect(), max_new=2)  # detect: largest first
    assert [p.case_count for p in made] == [7, 6]
    [third] = proposals.propose_recurring()  # the next night: the one left out
    assert third.case_count == 5
