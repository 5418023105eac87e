"""One case from a resident's phone to closure, across every page on its way: the public
form, the dispatcher's queue, the handler's case page, the inspector's queue, and back to
the reporter's tracking page."""

import pytest
from django.core import mail
from django.core.cache import cache
from playwright.sync_api import expect

from cases.models import Case, State
from tests import factories
from tests.browser.test_portal import open_action
from tests.browser.test_public import choose, tap_map

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def staff(desktop):
    return desktop


def test_a_report_travels_from_the_public_form_to_closure(phone, staff, live_server, sign_in):
    cache.clear()
    factories.street()
    resident = phone
    resident.goto(f"{live_server.url}/")
    choose(resident, "noise")  # no automatic rule: the dispatcher decides
    resident.fill("#id_description", "夜间施工噪声很大，影响休息")
    tap_map(resident)
    resident.fill("#id_email", "resident@example.com")
    expect(resident.locator("#where .place")).to_contain_text("航天新苑")
    resident.click("#send")
    expect(resident.locator("h1")).to_have_text("谢谢！您的反映已收到")
    number = resident.locator(".case-number").inner_text()
    tracking = resident.url.replace("sent/", "")
    assert Case.objects.get(number=number).state == State.REPORTED
    # The receipt reaches the reporter with the private link (the notification outbox).
    receipt = [m for m in mail.outbox if m.to == ["resident@example.com"]]
    assert len(receipt) == 1 and number in receipt[0].subject + receipt[0].body
    assert tracking.replace(live_server.url, "") in receipt[0].body

    sign_in(staff, "dispatcher")
    staff.click(f"text={number}")
    form = open_action(staff, "dispatch")
    form.locator("select[name=dispatch-lead_party]").select_option(label="虹梅城管执法中队")
    form.locator("button[type=submit]").click()
    expect(staff.locator("#case-state")).to_have_text("待签收")
    staff.context.clear_cookies()

    sign_in(staff, "cityops")
    staff.click(f"text={number}")
    open_action(staff, "accept").locator("button[type=submit]").click()
    expect(staff.locator("#case-state")).to_have_text("处置中")
    form = open_action(staff, "resolve")
    form.locator("textarea").fill("已责令施工单位停止夜间施工。")
    form.locator("button[type=submit]").click()
    expect(staff.locator("#case-state")).to_have_text("待核查")
    staff.context.clear_cookies()

    sign_in(staff, "inspector")
    staff.click("a[data-queue=to_verify]")
    staff.click(f"text={number}")
    open_action(staff, "verify").locator("button[type=submit]").click()
    expect(staff.locator("#case-state")).to_have_text("已结案")

    resident.goto(tracking)
    expect(resident.locator(".state-words")).to_contain_text("已办结")
    expect(resident.locator(".timeline")).to_contain_text("已责令施工单位停止夜间施工")
    expect(resident.locator(".timeline")).not_to_contain_text("cityops")
    assert Case.objects.get(number=number).state == State.CLOSED
    to_resident = [m.subject for m in mail.outbox if m.to == ["resident@example.com"]]
    assert len(to_resident) == 4, to_resident  # received, dispatched, resolved, closed
