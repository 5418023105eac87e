"""Invitations: member parties hear of the meeting with its agenda through the
notification outbox, and again whenever the agenda changes."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from cases import wording
from cases.models import Notification
from meetings import agenda, invitations
from meetings.history import MeetingError
from tests.meetings.helpers import hold, plan, secretary
from tests.portal.helpers import signed_in


def messages(**filters):
    return Notification.objects.filter(kind="meeting", channel="app", **filters)


def recipients(**filters):
    return sorted(messages(**filters).values_list("user__username", flat=True))


def test_the_member_parties_handlers_are_invited_with_the_agenda(client, street):
    meeting = plan(street, members=("rc-hangtian", "cityops", "street-office"))
    agenda.add_topic(meeting, user=secretary(street), title="店招店牌集中整治")
    assert not messages().exists()  # nothing goes out before the secretary sends it
    event = invitations.invite(meeting, user=secretary(street))
    assert recipients() == ["cityops", "hangtian"]
    channels = Notification.objects.filter(kind="meeting", user=street.users["hangtian"])
    assert set(channels.values_list("channel", flat=True)) == {"app", "email"}
    assert (event.kind, event.actor, event.data["messages"]) == ("invited", secretary(street), 4)
    invitation = messages(user=street.users["hangtian"]).get()
    assert invitation.template == "staff/meeting_invitation"
    assert [i["title"] for i in invitation.data["agenda"]] == ["店招店牌集中整治"]
    with translation.override("zh-hans"):
        subject, body = wording.headline(invitation)
    assert subject == "联席会议通知：街区治理联席会议"
    assert "店招店牌集中整治" in body and "街道办事处三楼会议室" in body
    with translation.override("en"):
        subject, _body = wording.headline(invitation)
    assert subject.startswith("Invitation to the joint meeting")
    signed_in(client, street, "hangtian")
    opened = client.post(f"/staff/notifications/{invitation.pk}/open/")
    assert opened.status_code == 302 and opened.url == f"/staff/meetings/{meeting.pk}/"


def test_a_changed_agenda_goes_out_again_and_an_unchanged_one_does_not(street):
    meeting = plan(street, members=("rc-hangtian",))
    topic = agenda.add_topic(meeting, user=secretary(street), title="垃圾分类宣传")
    invitations.invite(meeting, user=secretary(street))
    invitations.invite(meeting, user=secretary(street))  # the same agenda: nothing new
    assert messages().count() == 1
    agenda.add_topic(meeting, user=secretary(street), title="共享单车停放")
    changed = messages(template="staff/meeting_changed").get()
    assert [i["title"] for i in changed.data["agenda"]] == ["垃圾分类宣传", "共享单车停放"]
    agenda.move_item(topic, user=secretary(street), up=True)  # first already: no change
    assert messages().count() == 2
    agenda.move_item(topic, user=secretary(street), up=False)
    assert messages().count() == 3


def test_a_party_that_joins_gets_the_agenda_others_are_not_told_twice(street):
    meeting = plan(street, members=("rc-hangtian",))
    invitations.invite(meeting, user=secretary(street))
    agenda.update_meeting(
        meeting,
        user=secretary(street),
        title=meeting.title,
        starts_at=meeting.starts_at,
        place=meeting.place,
        convener=meeting.convener,
        members=[street.parties["rc-hangtian"], street.parties["market"]],
    )
    assert recipients() == ["hangtian", "market"]


def test_invitations_go_out_only_while_planned_and_only_from_the_secretary(street):
    meeting = plan(street)
    with pytest.raises(MeetingError):
        invitations.invite(meeting, user=street.users["hangtian"])
    hold(street, meeting)
    with pytest.raises(MeetingError):
        invitations.invite(meeting, user=secretary(street))
    assert not messages().exists()


def test_the_secretary_sends_the_invitations_from_the_meeting_page(client, street):
    meeting = plan(street, members=("rc-yongzhao",))
    signed_in(client, street, "secretary")
    assert 'data-step="invite"' in client.get(f"/staff/meetings/{meeting.pk}/").content.decode()
    client.post(f"/staff/meetings/{meeting.pk}/invite/")
    assert recipients() == ["yongzhao"]
    page = client.get(f"/staff/meetings/{meeting.pk}/").content.decode()
    assert 'id="invited"' in page
    signed_in(client, street, "yongzhao")
    assert client.post(f"/staff/meetings/{meeting.pk}/invite/").status_code == 403


def test_a_meeting_moved_to_another_day_goes_out_again(street):
    meeting = plan(street, members=("cityops",))
    invitations.invite(meeting, user=secretary(street))
    agenda.update_meeting(
        meeting,
        user=secretary(street),
        title=meeting.title,
        starts_at=meeting.starts_at + timedelta(days=1),
        place="街道二楼会议室",
        convener=meeting.convener,
        members=[street.parties["cityops"]],
    )
    changed = messages(template="staff/meeting_changed").get()
    assert changed.data["place"] == "街道二楼会议室"
    assert changed.created_at <= timezone.now()


def test_a_notification_leads_only_to_a_path_of_this_site(street):
    for path, expected in (("/staff/meetings/3/", "/staff/meetings/3/"), ("//evil.example/", None)):
        row = Notification(kind="meeting", template="staff/meeting_invitation", data={"path": path})
        assert wording.page_path(row) == expected
    assert wording.page_path(Notification(kind="x", data={})) is None
