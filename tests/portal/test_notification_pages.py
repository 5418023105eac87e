"""/staff/notifications/ and the bell in the staff header."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import notifications, replay, wording
from cases.models import Notification, StaffProfile, State
from tests.factories import act, case_in

INBOX = "/staff/notifications/"


@pytest.fixture
def hangtian(client, street):
    client.force_login(street.users["hangtian"])
    return client


def unread_badge(response):
    match = re.search(r'data-unread="(\d+)"', response.content.decode())
    return int(match.group(1)) if match else 0


def test_the_inbox_has_the_contract_address(street):
    assert reverse("staff:notifications") == INBOX


def test_strangers_sign_in_first_and_non_staff_are_refused(client, django_user_model):
    assert client.get(INBOX).status_code == 302
    client.force_login(django_user_model.objects.create_user("nobody"))
    assert client.get(INBOX).status_code == 403


def test_the_inbox_lists_a_new_case_with_the_bell_counting_it(hangtian, street):
    case = case_in(street, State.DISPATCHED)
    page = hangtian.get(INBOX)
    text = page.content.decode()
    assert f"新派遣案件 {case.number}：暴露垃圾/道路不洁" in text
    assert unread_badge(page) == 1
    assert 'href="/staff/notifications/"' in text


def test_the_list_speaks_the_readers_language(hangtian, street):
    case = case_in(street, State.DISPATCHED)
    hangtian.cookies["django_language"] = "en"
    text = hangtian.get(INBOX).content.decode()
    assert f"New case {case.number} for your party: Litter and dirty street" in text


def test_opening_a_notification_marks_it_read_and_leads_to_the_case(hangtian, street):
    case = case_in(street, State.DISPATCHED)
    row = Notification.objects.get(user=street.users["hangtian"], channel="app")
    response = hangtian.post(f"/staff/notifications/{row.pk}/open/")
    assert response.status_code == 302
    assert response.url == f"/staff/cases/{case.number}/"
    row.refresh_from_db()
    assert row.read_at is not None
    assert unread_badge(hangtian.get(INBOX)) == 0


def test_nobody_opens_another_persons_notification(client, street):
    case_in(street, State.DISPATCHED)
    row = Notification.objects.get(user=street.users["hangtian"], channel="app")
    client.force_login(street.users["yongzhao"])
    assert client.post(f"/staff/notifications/{row.pk}/open/").status_code == 404
    assert client.get(f"/staff/notifications/{row.pk}/open/").status_code == 405
    row.refresh_from_db()
    assert row.read_at is None


def test_mark_all_as_read(hangtian, street):
    for _ in range(3):
        case_in(street, State.DISPATCHED)
    response = hangtian.post("/staff/notifications/read/", follow=True)
    assert "已将 3 条通知标为已读" in response.content.decode()
    assert notifications.unread_count(street.users["hangtian"]) == 0


def test_the_bell_counts_up_to_99_and_then_says_so(hangtian, street):
    user = street.users["hangtian"]
    for i in range(101):
        notifications.notify_users([user], "digest", data={"party": i})
    assert notifications.unread_count(user) == 100
    assert ">99+<" in hangtian.get(INBOX).content.decode()


def test_older_notifications_come_page_by_page(hangtian, street):
    user = street.users["hangtian"]
    for _ in range(35):
        notifications.notify_users(
            [user], "digest", data={"party": street.parties["rc-hangtian"].pk}
        )
    first = hangtian.get(INBOX)
    assert first.content.decode().count('class="notification-open"') == 30
    older = re.search(r'href="\?before=(\d+)"', first.content.decode()).group(1)
    second = hangtian.get(f"{INBOX}?before={older}")
    assert second.content.decode().count('class="notification-open"') == 5
    assert "Older" not in second.content.decode() and "更早" not in second.content.decode()


def test_the_inbox_costs_the_same_queries_for_few_or_many(
    hangtian, street, django_assert_max_num_queries
):
    case_in(street, State.DISPATCHED)
    hangtian.get(INBOX)
    with django_assert_max_num_queries(9) as few:
        hangtian.get(INBOX)
    for _ in range(12):
        case_in(street, State.DISPATCHED)
        case_in(street, State.AWAITING_MEETING)
    with django_assert_max_num_queries(len(few.captured_queries)):
        hangtian.get(INBOX)


def test_the_bell_is_one_query(street, django_assert_num_queries):
    case_in(street, State.DISPATCHED)
    with django_assert_num_queries(1):
        assert notifications.unread_count(street.users["hangtian"]) == 1


def test_staff_choose_the_language_of_their_messages(hangtian, street):
    response = hangtian.post("/staff/notifications/language/", {"language": "en"})
    assert response.status_code == 302
    assert StaffProfile.objects.get(user=street.users["hangtian"]).language == "en"
    case_in(street, State.DISPATCHED)
    row = Notification.objects.get(user=street.users["hangtian"], channel="email")
    assert wording.render(row).subject.startswith("New case")


def test_an_unknown_language_is_refused_next_to_the_field(hangtian, street):
    response = hangtian.post("/staff/notifications/language/", {"language": "fr"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "has-error" in text and "fr" in text
    assert not StaffProfile.objects.filter(user=street.users["hangtian"]).exists()


def test_the_list_follows_when_things_happened_even_for_replayed_history(hangtian, street):
    now = timezone.now()
    with replay.replaying():
        older = case_in(street, State.DISPATCHED, at=now - timedelta(days=2))
        newer = case_in(street, State.DISPATCHED, at=now - timedelta(days=1))
        oldest = case_in(street, State.DISPATCHED, at=now - timedelta(days=3))
    rows = notifications.inbox(street.users["hangtian"])
    assert [n.case for n in rows] == [newer, older, oldest]
    assert [n.case for n in notifications.inbox(street.users["hangtian"], before=rows[0].pk)] == [
        older,
        oldest,
    ]


def test_a_party_the_case_has_left_keeps_the_message_but_not_its_content(hangtian, street):
    case = case_in(street, State.DISPATCHED, description="楼下垃圾堆积，住户张某家门口")
    act(street, case, "reassign", "dispatcher", lead_party=street.parties["rc-qinbei"], reason="x")
    hangtian.cookies["django_language"] = "en"
    text = hangtian.get(INBOX).content.decode()
    assert "楼下垃圾堆积" not in text and "Litter and dirty street" not in text
    assert f"Case {case.number} is no longer among your party&#x27;s cases" in text
    row = Notification.objects.filter(user=street.users["hangtian"], case=case).first()
    response = hangtian.post(f"/staff/notifications/{row.pk}/open/")
    assert response.url == INBOX
    row.refresh_from_db()
    assert row.read_at is not None
    # The new lead party reads it whole.
    hangtian.force_login(street.users["qinbei"])
    assert "楼下垃圾堆积" in hangtian.get(INBOX).content.decode()


def test_an_invitation_to_a_meeting_the_party_has_left_hides_the_agenda(hangtian, street):
    from meetings import agenda, invitations
    from tests.meetings.helpers import plan, secretary

    meeting = plan(street)
    agenda.add_topic(meeting, user=secretary(street), title="航天新苑停车整治")
    invitations.invite(meeting, user=secretary(street))
    assert "航天新苑停车整治" in hangtian.get(INBOX).content.decode()
    meeting.members.remove(street.parties["rc-hangtian"])
    text = hangtian.get(INBOX).content.decode()
    assert "航天新苑停车整治" not in text
    assert "您的单位已不再参加的联席会议" in text
