"""The joint meeting in a real browser, each step by the person whose job it is, through
the real pages: a handler escalates a case; the secretary builds the meeting and records a
decision with a co-party; the lead party's handler sees the decided deadline; the co-party
reports its share; the case is resolved and verified; the next meeting shows the decision
done."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Case, Notification, State
from meetings import agenda
from meetings.models import Decision, Meeting
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_action(page, name):
    page.click(f"summary[data-action={name}]")
    return page.locator(f"#action-{name} form")


def local(moment, fmt="%Y-%m-%dT%H:%M"):
    return timezone.localtime(moment).strftime(fmt)


def plan_meeting(page, live_server, title, starts_at):
    page.goto(f"{live_server.url}/staff/meetings/")
    page.click("a[href='/staff/meetings/new/']")
    page.fill("input[name=title]", title)
    page.fill("input[name=starts_at]", local(starts_at))
    page.fill("input[name=place]", "虹梅街道办事处三楼会议室")
    page.click("form.meeting-form button[type=submit]")
    expect(page.locator("#meeting-state")).to_have_text("待召开")


def test_a_case_goes_from_escalation_through_the_meeting_to_a_decision_done(
    desktop, phone, live_server, sign_in
):
    street = factories.street()
    case = factories.case_in(street, State.IN_PROGRESS, description="小区门口餐馆油烟和垃圾")

    # The lead party's handler escalates the case from its page, on a phone.
    sign_in(phone, "hangtian")
    phone.goto(f"{live_server.url}/staff/cases/{case.number}/")
    form = open_action(phone, "escalate")
    form.locator("textarea").fill("涉及商户、物业和城管，需联席会议协调。")
    form.locator("button[type=submit]").click()
    expect(phone.locator("#case-state")).to_have_text("待联席会议")

    # The secretary plans the meeting, puts the case on the agenda, holds it, decides.
    page = desktop
    sign_in(page, "secretary")
    plan_meeting(page, live_server, "12月街区治理联席会议", timezone.now() + timedelta(hours=1))
    page.click(f"button[data-add-case='{case.number}']")
    expect(page.locator(".agenda-item")).to_contain_text(case.number)
    page.click("button[data-step=invite]")
    expect(page.locator("#invited")).to_be_visible()
    page.click("button[data-step=hold]")
    # An hour before its date: asked to confirm first.
    expect(page.locator("h1")).to_have_text("会议时间未到，确认已召开？")
    page.click("button[data-step=hold-confirm]")
    expect(page.locator("#meeting-state")).to_have_text("已召开")
    page.click("summary[data-action=decide]")
    form = page.locator(".agenda-item form[action$='/decide/']")
    form.locator("select[name$=lead_party]").select_option(label="虹梅城管执法中队")
    form.locator("button[type=submit]").click()  # no deadline yet: refused, nothing lost
    expect(page.locator(".agenda-item .errorlist")).to_contain_text("请填写期限。")
    form = page.locator(".agenda-item form[action$='/decide/']")
    deadline = (timezone.now() + timedelta(days=6)).replace(hour=17, minute=0)
    form.get_by_role("checkbox", name="虹梅市场监管所").check()
    form.locator("input[name$=deadline]").fill(local(deadline))
    form.locator("textarea[name$=measures]").fill("城管牵头约谈商户，市场监管所检查油烟净化设施。")
    form.locator("button[type=submit]").click()
    expect(page.locator(".decision .decision-lead")).to_have_text("虹梅城管执法中队")
    page.click("button[data-step=approve]")
    expect(page.locator("#meeting-state")).to_have_text("纪要已审定")

    # The lead party's handler sees the case with the decided deadline and accepts it.
    sign_in(phone, "cityops")
    phone.goto(f"{live_server.url}/staff/cases/{case.number}/")
    expect(phone.locator("#case-state")).to_have_text("待签收")
    expect(phone.locator(".deadlines")).to_contain_text(local(deadline, "%Y-%m-%d %H:%M"))
    open_action(phone, "accept").locator("button[type=submit]").click()
    expect(phone.locator("#case-state")).to_have_text("处置中")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360

    # The co-party reports on its share.
    market = desktop.context.browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    co = market.new_page()
    sign_in(co, "market")
    co.goto(f"{live_server.url}/staff/cases/{case.number}/")
    expect(co.locator("[data-share=market]")).to_contain_text("未反馈")
    form = open_action(co, "report_share")
    form.locator("textarea").fill("已检查油烟净化设施，责令商户清洗。")
    form.locator("button[type=submit]").click()
    expect(co.locator("[data-share=market]")).to_contain_text("已反馈")
    market.close()

    # The lead resolves, the inspector verifies.
    phone.reload()
    form = open_action(phone, "resolve")
    expect(form.locator("textarea[name$=open_shares_reason]")).to_have_count(0)
    form.locator("textarea[name$=note]").fill("商户已安装油烟净化设施，现场已清理。")
    form.locator("button[type=submit]").click()
    expect(phone.locator("#case-state")).to_have_text("待核查")
    sign_in(phone, "inspector")
    phone.goto(f"{live_server.url}/staff/cases/{case.number}/")
    open_action(phone, "verify").locator("button[type=submit]").click()
    expect(phone.locator("#case-state")).to_have_text("已结案")

    # At the next meeting the decision shows done.
    plan_meeting(page, live_server, "1月街区治理联席会议", timezone.now() + timedelta(days=14))
    follow_up = page.locator(".agenda-item.kind-follow_up")
    expect(follow_up).to_contain_text(case.number)
    expect(follow_up.locator("[data-status]")).to_have_attribute("data-status", "done")
    expect(follow_up.locator(".follow-up-status")).to_have_text("已落实")

    invited = Notification.objects.filter(kind="meeting", channel="app")
    assert invited.filter(user__username="hangtian").exists()  # its party presented the case
    case.refresh_from_db()
    decision = Decision.objects.get()
    assert case.state == State.CLOSED and decision.is_done and decision.case == case
    assert Meeting.objects.count() == 2
    assert list(case.events.values_list("kind", flat=True).order_by("created_at", "id"))[-6:] == [
        "escalate",
        "decide",
        "accept",
        "report_share",
        "resolve",
        "verify",
    ]


def test_a_handler_of_a_party_outside_the_meeting_gets_404(desktop, live_server, sign_in):
    street = factories.street()
    meeting = agenda.create_meeting(
        user=street.users["secretary"],
        title="联席会议",
        starts_at=timezone.now() + timedelta(days=1),
        place="会议室",
        convener=street.parties["street-office"],
        members=[street.parties["rc-hangtian"]],
    )
    sign_in(desktop, "qinbei")
    response = desktop.goto(f"{live_server.url}/staff/meetings/{meeting.pk}/")
    assert response.status == 404
    assert Case.objects.count() == 0


def test_the_meeting_page_fits_a_phone(phone, live_server, sign_in):
    street = factories.street()
    case = factories.case_in(street, State.IN_PROGRESS)
    factories.act(street, case, "escalate", "hangtian", reason="需要协调")
    sign_in(phone, "secretary")
    plan_meeting(phone, live_server, "街区治理联席会议", timezone.now() + timedelta(hours=2))
    phone.click(f"button[data-add-case='{case.number}']")
    phone.click("button[data-step=hold]")
    # Two hours early: the confirmation fits the phone too.
    expect(phone.locator("button[data-step=hold-confirm]")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.click("button[data-step=hold-confirm]")
    phone.click("summary[data-action=decide]")
    expect(phone.locator(".agenda-item form[action$='/decide/']")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.click("a[href$='/minutes/']")
    expect(phone.locator(".sheet-head")).to_contain_text("会议纪要")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
