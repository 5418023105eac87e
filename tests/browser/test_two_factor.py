"""Two-factor sign-in in a real browser (docs/security.md): a supervisor who must enrol
scans the QR code, confirms with a first code, keeps the recovery codes, and signs in with
a code next time, on a 360-px phone."""

import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests import factories
from tests.portal.helpers import code_for, wrong_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def enforced(settings):
    settings.HONGMEI_2FA_ENFORCED = True


def fits_the_phone(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_a_supervisor_enrols_then_signs_in_with_a_code(phone, live_server, sign_in, enforced):
    street = factories.street()
    page = phone
    sign_in(page, "supervisor")
    expect(page).to_have_url(re.compile(r"/staff/two-factor/\?next="))
    qr = page.locator("img.two-factor-qr")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.naturalWidth") > 0
    expect(page.locator("#two-factor-secret")).not_to_be_empty()
    fits_the_phone(page)

    device = TOTPDevice.objects.get(user=street.users["supervisor"])
    page.fill("input[name=code]", code_for(device))
    page.click("button:has-text('开启两步验证')")
    codes = page.locator("#recovery-codes li")
    expect(codes).to_have_count(10)
    fits_the_phone(page)
    page.click("text=我已保存，继续")
    expect(page).to_have_url(f"{live_server.url}/staff/")

    page.click("button:has-text('退出')")
    sign_in(page, "supervisor")
    expect(page).to_have_url(re.compile(r"/staff/two-factor/verify/\?next="))
    fits_the_phone(page)
    # The enrolment used this 30-second step's code; the app shows the next one soon.
    page.fill("input[name=code]", code_for(device, steps_ahead=1))
    page.click("button:has-text('继续')")
    expect(page).to_have_url(f"{live_server.url}/staff/")


def test_a_wrong_code_is_refused_and_a_recovery_code_lets_one_in(
    desktop, live_server, sign_in, enforced
):
    street = factories.street()
    page = desktop
    sign_in(page, "admin")
    device = TOTPDevice.objects.get(user=street.users["admin"])
    page.fill("input[name=code]", code_for(device))
    page.click("button:has-text('开启两步验证')")
    recovery = page.locator("#recovery-codes li code").first.inner_text()
    page.click("text=我已保存，继续")

    page.goto(f"{live_server.url}/staff/")
    page.click("button:has-text('退出')")
    sign_in(page, "admin")
    page.fill("input[name=code]", wrong_code(device))
    page.click("button:has-text('继续')")
    expect(page.locator(".errorlist")).to_contain_text("验证码不正确")
    page.fill("input[name=code]", recovery)
    page.click("button:has-text('继续')")
    expect(page).to_have_url(f"{live_server.url}/staff/")
    page.goto(f"{live_server.url}/admin/")
    expect(page.locator("#site-name")).to_be_visible()


def test_the_demo_street_says_two_factor_is_not_enforced(phone, live_server, sign_in):
    factories.street()
    phone.goto(f"{live_server.url}/staff/login/")
    expect(phone.locator("#two-factor-demo")).to_contain_text("未强制两步验证")
    fits_the_phone(phone)
    sign_in(phone, "admin")
    expect(phone).to_have_url(f"{live_server.url}/staff/")
