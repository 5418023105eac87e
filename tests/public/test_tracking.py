"""The private tracking page at /t/<token>/: plain words, public history only, the
reporter's own actions, and one plain 404 for every token that is not a case's."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from cases import workflow
from cases.images import Photo
from cases.models import Case, Event, Reporter, State, new_token
from tests import factories
from tests.cases.test_images import jpeg
from tests.factories import act, case_in

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


def photo():
    return Photo(data=jpeg(), width=64, height=48)


def page(client, token, **extra):
    response = client.get(f"/t/{token}/", **extra)
    assert response.status_code == 200
    return response.content.decode()


def without_echoes(html):
    """The page without its CSRF tokens (new on every response) and the language switch's
    return path (the address as requested)."""
    return re.sub(
        r'(csrfmiddlewaretoken" value=|X-CSRFToken": |name="next" value=)"[^"]+"', "", html
    )


@pytest.fixture
def leaky(street):
    """A resolved case whose history holds everything a reporter must not see, and a
    follower with personal data of their own."""
    get_user_model().objects.filter(username__in=["hangtian", "dispatcher", "yongzhao"]).update(
        first_name="职员", last_name="甲乙丙"
    )
    case = factories.new_case(street)
    Reporter.objects.filter(pk=case.reporter_id).update(name="赵女士")
    hangtian, yongzhao = street.parties["rc-hangtian"], street.parties["rc-yongzhao"]
    act(street, case, "dispatch", "dispatcher", lead_party=hangtian, co_parties=[yongzhao])
    act(street, case, "note", "dispatcher", note="内部备注：报告人很难缠")
    act(street, case, "accept", "hangtian")
    act(street, case, "contact", "hangtian", note="已电话联系13800138000")
    act(street, case, "report_share", "yongzhao", note="协办单位内部意见")
    later = timezone.now() + timedelta(days=30)
    act(street, case, "request_extension", "hangtian", deadline=later, reason="内部延期理由")
    act(street, case, "deny_extension", "dispatcher", reason="内部驳回理由")
    internal = workflow.perform(
        case, "note", actor=factories.staff(street, "hangtian"), note="现场照片", photos=[photo()]
    )
    case = act(street, case, "resolve", "hangtian", note="已清理完毕", photos=[photo()])
    follower = workflow.follow(case, Reporter.objects.create(name="钱先生", phone="13600136000"))
    internal_photo = internal.attachments.get()
    return case, follower, internal_photo


SECRETS = [
    "内部备注",
    "报告人很难缠",
    "13800138000",
    "r@example.com",
    "赵女士",
    "协办单位内部意见",
    "内部延期理由",
    "内部驳回理由",
    "钱先生",
    "13600136000",
    "职员",
    "甲乙丙",
    "hangtian",
    "dispatcher",
    "永兆",
]


def test_tracking_page_shows_the_state_in_plain_words_the_history_and_the_deadline(client, street):
    case = case_in(street, State.IN_PROGRESS)
    due = case.resolve_due + timedelta(days=3)
    act(street, case, "request_extension", "hangtian", deadline=due, reason="等商户配合")
    act(street, case, "approve_extension", "dispatcher")
    html = page(client, case.token)
    assert "航天新苑居委会正在处理。" in html
    assert "处理期限" in html
    titles = re.findall(r"</time>\s*<strong>([^<]+)</strong>", html)
    assert titles[:3] == ["已收到您的反映", "已转交航天新苑居委会处理", "航天新苑居委会已接手"]
    assert titles[3].startswith("处理期限已延长至 ")
    assert "等商户配合" not in html and case.number in html
    assert "路边有暴露垃圾" in html  # the reporter's own description


def test_tracking_page_never_shows_personal_data_staff_notes_or_internal_discussion(client, leaky):
    case, follower, internal_photo = leaky
    for token in (case.token, follower.token):
        html = page(client, token)
        for secret in SECRETS:
            assert secret not in html, (token == case.token, secret)
        assert "已清理完毕" in html  # the result note is public
        assert "航天新苑居委会已与您联系" in html  # the contact, without its note
        assert f"/photos/{internal_photo.pk}/" not in html
        evidence = case.attachments.get(kind="evidence")
        assert f"/t/{token}/photos/{evidence.pk}/" in html


def test_a_follower_watches_the_case_but_may_not_act_or_read_the_description(client, leaky):
    case, follower, _ = leaky
    html = page(client, follower.token)
    assert case.number in html and "您关注了这个案件" in html
    assert "路边有暴露垃圾" not in html
    assert "/verify/" not in html and "/dispute/" not in html
    response = client.post(f"/t/{follower.token}/verify/")
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).state == State.RESOLVED
    followed = client.get(response["Location"]).content.decode()
    assert "这不是您的案件" in followed or "not your case" in followed


@pytest.mark.parametrize(
    "token",
    [
        "unknown",
        "abc",
        "a" * 31 + "~",
        "x" * 65,
        "HM-2026-000001",
        "case-token-minus-one",
        "follower-token-plus-one",
    ],
)
def test_unknown_and_malformed_tokens_get_one_plain_404(client, leaky, token):
    case, follower, _ = leaky
    token = {
        "unknown": new_token(),
        "case-token-minus-one": case.token[:-1],
        "follower-token-plus-one": follower.token + "A",
    }.get(token, token)
    reference = client.get(f"/t/{new_token()}/")
    for response in (
        client.get(f"/t/{token}/"),
        client.get(f"/t/{token}/sent/"),
        client.post(f"/t/{token}/verify/"),
    ):
        assert response.status_code == 404
        assert without_echoes(response.content.decode()) == without_echoes(
            reference.content.decode()
        )
    html = reference.content.decode()
    assert "这个链接没有对应的案件" in html and case.number not in html


def test_the_reporter_confirms_the_fix_and_the_case_closes(client, street):
    case = case_in(street, State.RESOLVED)
    assert "是的，已经解决" in page(client, case.token)
    response = client.post(f"/t/{case.token}/verify/")
    assert response["Location"] == f"/t/{case.token}/"
    case.refresh_from_db()
    assert case.state == State.CLOSED
    event = case.events.get(kind="verify")
    assert (event.actor_role, event.actor_id) == (workflow.REPORTER, None)
    html = page(client, case.token)
    assert "谢谢！您已确认问题解决，已办结。" in html
    assert "已确认问题解决，已办结" in html


def test_the_reporter_disputes_the_fix_with_a_reason(client, street):
    case = case_in(street, State.RESOLVED)
    response = client.post(f"/t/{case.token}/dispute/", {"reason": "垃圾还在"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.RESOLVED and case.disputed_at is not None
    html = page(client, case.token)
    assert "对处理结果提出了异议" in html and "垃圾还在" in html
    assert "/dispute/" not in html  # once only


def test_a_dispute_without_a_reason_gets_the_workflows_answer_next_to_the_field(client, street):
    case = case_in(street, State.RESOLVED)
    response = client.post(f"/t/{case.token}/dispute/", {"reason": "  "}, **ENGLISH)
    assert response.status_code == 200  # not 400: the path, with its token, would be logged
    form = response.context["forms"]["dispute"]
    assert form.errors["reason"] == ["Please give a reason."]
    assert "Please give a reason." in response.content.decode()
    assert not Event.objects.filter(case=case, kind="dispute").exists()


def test_the_reporter_rates_a_closed_case_and_reopens_it_when_dissatisfied(client, street):
    case = case_in(street, State.CLOSED)
    html = page(client, case.token)
    assert "/rate/" in html and "/reopen/" not in html
    data = {"rating": "dissatisfied", "note": "没有彻底清理"}
    assert client.post(f"/t/{case.token}/rate/", data).status_code == 302
    case.refresh_from_db()
    assert case.satisfaction == Case.Satisfaction.DISSATISFIED
    html = page(client, case.token)
    assert "已评价处理结果：不满意" in html and "/rate/" not in html and "/reopen/" in html
    response = client.post(f"/t/{case.token}/reopen/", {"reason": "又堆满了"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.state, case.reopen_count) == (State.REPORTED, 1)
    assert case.events.get(kind="reopen").note == "又堆满了"


def test_a_rating_needs_a_choice(client, street):
    case = case_in(street, State.CLOSED)
    response = client.post(f"/t/{case.token}/rate/", {"note": "还行"}, **ENGLISH)
    assert response.status_code == 200
    assert response.context["forms"]["rate"].errors["rating"] == ["Choose a rating."]
    assert "还行" in response.content.decode()  # what was typed is kept


def test_reopening_is_not_offered_more_than_seven_days_after_closing(client, street):
    case = case_in(street, State.CLOSED, at=timezone.now() - timedelta(days=10))
    client.post(f"/t/{case.token}/rate/", {"rating": "dissatisfied"})
    assert "/reopen/" not in page(client, case.token)
    response = client.post(f"/t/{case.token}/reopen/", {"reason": "还是没修好"}, **ENGLISH)
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).state == State.CLOSED
    html = client.get(response["Location"], **ENGLISH).content.decode()
    assert "only within 7 days of closing" in html


def test_unknown_actions_are_not_found_and_a_get_goes_back_to_the_page(client, street):
    case = case_in(street, State.RESOLVED)
    assert client.post(f"/t/{case.token}/accept/").status_code == 404
    assert client.post(f"/t/{case.token}/rework/", {"reason": "x"}).status_code == 404
    assert client.get(f"/t/{case.token}/verify/")["Location"] == f"/t/{case.token}/"
    assert Case.objects.get(pk=case.pk).state == State.RESOLVED


def test_the_tracking_page_needs_the_same_few_queries_however_long_the_history(
    client, street, django_assert_max_num_queries
):
    case = case_in(street, State.RESOLVED)
    with django_assert_max_num_queries(6):
        page(client, case.token)
    for i in range(15):
        act(street, case, "note", "dispatcher", note=f"备注{i}")
    act(street, case, "rework", "inspector", reason="未整改到位")
    act(street, case, "resolve", "hangtian", note="已再次清理", photos=[photo()])
    with django_assert_max_num_queries(6):
        page(client, case.token)


def test_the_tracking_page_is_neither_cached_nor_indexed(client, street):
    case = case_in(street, State.DISPATCHED)
    response = client.get(f"/t/{case.token}/")
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert '<meta name="robots" content="noindex">' in response.content.decode()
    assert response["Referrer-Policy"] == "same-origin"


def test_the_confirmation_shows_the_number_the_link_a_qr_code_and_the_contact_masked(
    client, street
):
    case = factories.new_case(street)
    html = client.get(f"/t/{case.token}/sent/").content.decode()
    assert case.number in html
    assert f"http://testserver/t/{case.token}/" in html
    assert re.search(r'<svg viewBox="0 0 \d+ \d+" class="segno">', html)
    assert "138****8000" in html and "r***@example.com" in html
    assert "13800138000" not in html and "r@example.com" not in html


def test_a_rejected_duplicates_reporter_follows_the_original(client, street):
    original = factories.case_in(street, State.IN_PROGRESS)
    duplicate = factories.new_case(street)
    act(street, duplicate, "reject", "dispatcher", reason="重复报告", duplicate_of=original)
    html = page(client, duplicate.token)
    follower = original.followers.get()
    assert "未予受理" in html and "重复报告" in html
    assert f'href="/t/{follower.token}/"' in html and original.number in html
    assert original.number in page(client, follower.token)


# ---------------------------------------------------------------------------- plain words

STAFF_STATE_NAMES = ["待受理", "待签收", "处置中", "待联席会议", "待核查", "已结案", "不予立案"]


@pytest.mark.parametrize(
    ("state", "status"),
    [
        ("reported", "已收到，正在安排处理"),
        ("dispatched", "已转交处理单位"),
        ("in_progress", "正在处理"),
        ("awaiting_meeting", "已提交街区联席会议协调"),
        ("resolved", "处理单位已反馈结果，等待核查"),
        ("closed", "已办结"),
        ("rejected", "未予受理"),
    ],
)
def test_residents_read_the_state_in_plain_words_never_the_staff_name(
    client, street, state, status
):
    case = case_in(street, state)
    html = page(client, case.token)
    badge = re.search(r'<span class="badge state-[a-z_]+">([^<]*)</span>', html).group(1)
    assert badge == status
    # (等待核查, "waiting to be checked", is a resident's sentence, not the state's name)
    assert [name for name in STAFF_STATE_NAMES if re.search(f"(?<!等){name}", html)] == []
