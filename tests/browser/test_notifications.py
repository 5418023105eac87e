"""A handler meets a new case through the bell, on a phone."""

import pytest
from playwright.sync_api import expect

from cases.models import State
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_handler_sees_the_bell_and_reads_the_notice_on_a_phone(phone, live_server, sign_in):
    street = factories.street()
    case = factories.case_in(street, State.DISPATCHED)
    sign_in(phone, "hangtian")
    phone.goto(f"{live_server.url}/staff/notifications/")
    expect(phone.locator(".bell .badge")).to_have_text("1 未读")
    expect(phone.locator(".notification.unread")).to_contain_text(case.number)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    phone.click("text=全部标为已读")
    expect(phone.locator(".messages")).to_contain_text("已将 1 条通知标为已读")
    expect(phone.locator(".bell .badge")).to_have_count(0)
    expect(phone.locator(".notification.unread")).to_have_count(0)
