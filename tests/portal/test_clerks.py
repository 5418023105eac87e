"""The busy clerk (issue 16, "Clerks"), through the portal's pages: rework and return
marks and the handler's rework tab, the home's first tab with work, the step the case
waits for as the primary button, the co-party hint from the start, intake's deadline in
the queue and on the case page, labelled photos and the small map, and the bell grouped
by case."""

import re

import pytest
from django.utils import translation

from cases import notifications
from cases.models import Attachment, Notification, State
from tests.factories import act, aware, case_in, new_case
from tests.portal.helpers import photo

MONDAY_9 = aware(2026, 11, 23, 9, 0)


@pytest.fixture
def as_user(client, street):
    def sign(username):
        client.force_login(street.users[username])
        return client

    return sign


def tab(html):
    """The queue the page opened on."""
    return re.search(r'data-queue="(\w+)" aria-current="page"', html).group(1)


def row(html, number):
    match = re.search(rf'<tr data-case="{number}">(.*?)</tr>', html, re.S)
    return match.group(1) if match else None


def test_the_handlers_home_opens_on_the_rework_tab_when_only_rework_waits(as_user, street):
    case = case_in(street, State.RESOLVED)
    act(street, case, "rework", "inspector", reason="未整改到位")
    html = as_user("hangtian").get("/staff/").content.decode()
    assert tab(html) == "rework"
    assert 'data-mark="rework">返工</span>' in row(html, case.number)


def test_a_tab_asked_for_is_kept_even_when_empty(as_user, street):
    case_in(street, State.RESOLVED)
    html = as_user("dispatcher").get("/staff/?tab=new").content.decode()
    assert tab(html) == "new"
    assert tab(as_user("dispatcher").get("/staff/").content.decode()) == "to_verify"


def test_with_no_work_anywhere_the_home_opens_on_the_first_tab(as_user, street):
    assert tab(as_user("hangtian").get("/staff/").content.decode()) == "to_accept"


def test_a_returned_case_is_marked_in_the_dispatchers_lists(as_user, street):
    case = case_in(street, State.DISPATCHED)
    act(street, case, "return", "hangtian", reason="不属本单位")
    for url in ("/staff/?tab=returned", "/staff/cases/"):
        html = as_user("dispatcher").get(url).content.decode()
        assert 'data-mark="returned">退单</span>' in row(html, case.number), url


def test_an_unmarked_case_carries_no_mark(as_user, street):
    case = case_in(street, State.IN_PROGRESS)
    html = as_user("hangtian").get("/staff/?tab=in_progress").content.decode()
    assert "data-mark" not in row(html, case.number)


def test_a_new_case_shows_its_intake_deadline_in_the_queue_and_on_its_page(as_user, street):
    case = new_case(street, at=MONDAY_9)
    client = as_user("dispatcher")
    html = client.get("/staff/?tab=new").content.decode()
    assert "11-23 11:00" in row(html, case.number)
    page = client.get(f"/staff/cases/{case.number}/").content.decode()
    assert re.search(r"<span>派遣时限</span> <time[^>]*>2026-11-23 11:00</time>", page)


def test_the_primary_button_is_the_step_the_case_waits_for(as_user, street):
    case = case_in(street, State.IN_PROGRESS)
    html = as_user("hangtian").get(f"/staff/cases/{case.number}/").content.decode()
    summaries = re.findall(r'<summary class="([^"]*)" data-action="(\w+)"', html)
    assert summaries[0] == ("button small", "resolve")
    assert ("button small secondary", "escalate") in summaries


def test_the_lead_handler_sees_the_co_party_rule_from_dispatch_on(as_user, street):
    # 永兆居委 is a co-party (tests/factories.py) that has not reported yet.
    case = case_in(street, State.DISPATCHED)
    html = as_user("hangtian").get(f"/staff/cases/{case.number}/").content.decode()
    assert 'id="share-hint"' in html
    assert "协办单位须先反馈协办情况，才能反馈处置结果：永兆居委会。" in html
    case = act(street, case, "accept", "hangtian")
    html = as_user("hangtian").get(f"/staff/cases/{case.number}/").content.decode()
    assert 'id="share-hint"' in html
    # The reason field is in the resolve form before any refusal.
    assert 'name="resolve-open_shares_reason"' in html


def test_the_co_party_and_the_dispatcher_see_no_hint_nor_after_the_share_is_reported(
    as_user, street
):
    case = case_in(street, State.IN_PROGRESS)
    for username in ("yongzhao", "dispatcher"):
        html = as_user(username).get(f"/staff/cases/{case.number}/").content.decode()
        assert 'id="share-hint"' not in html, username
    act(street, case, "report_share", "yongzhao", note="协办部分已完成")
    html = as_user("hangtian").get(f"/staff/cases/{case.number}/").content.decode()
    assert 'id="share-hint"' not in html
    assert 'name="resolve-open_shares_reason"' not in html


def test_the_case_page_labels_each_photo_and_draws_the_point(as_user, street):
    case = new_case(street, photos=[photo()])
    case = act(street, case, "dispatch", "dispatcher", lead_party=street.parties["rc-hangtian"])
    case = act(street, case, "accept", "hangtian")
    act(street, case, "resolve", "hangtian", note="已清理", photos=[photo()])
    html = as_user("hangtian").get(f"/staff/cases/{case.number}/").content.decode()
    kinds = re.findall(r'data-photo-kind="(\w+)"', html)
    assert kinds == ["report", "evidence"]
    captions = [c.strip() for c in re.findall(r"<figcaption[^>]*>([^<·]+)", html)]
    with translation.override("zh-hans"):
        labels = [str(Attachment.Kind.REPORT.label), str(Attachment.Kind.EVIDENCE.label)]
    assert captions == labels and labels[1] == "处置结果照片"
    assert 'id="case-point"' in html and 'id="case-point-config"' in html
    assert "js/case-point.js" in html and "<script>" not in html


def test_the_bell_counts_cases_not_messages_and_opening_one_reads_them_all(as_user, street):
    case = case_in(street, State.DISPATCHED)
    act(
        street,
        case,
        "reassign",
        "dispatcher",
        lead_party=street.parties["rc-qinbei"],
        reason="属钦北",
    )
    act(
        street,
        case,
        "reassign",
        "dispatcher",
        lead_party=street.parties["rc-hangtian"],
        reason="改回",
    )
    other = case_in(street, State.DISPATCHED)
    user = street.users["hangtian"]
    unread = Notification.objects.unread(user)
    assert unread.filter(case=case).count() == 2 and unread.filter(case=other).count() == 1
    assert notifications.unread_count(user) == 2
    client = as_user("hangtian")
    html = client.get("/staff/notifications/").content.decode()
    assert re.findall(r'data-group="([^"]+)"', html) == [other.number, case.number]
    assert "本案件另有 1 条较早的通知" in html
    newest = unread.filter(case=case).order_by("-created_at", "-pk").first()
    client.post(f"/staff/notifications/{newest.pk}/open/")
    assert not Notification.objects.unread(user).filter(case=case).exists()
    assert Notification.objects.unread(user).filter(case=other).count() == 1
    assert notifications.unread_count(user) == 1
