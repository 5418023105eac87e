"""The admin works in a real browser: sign in, see the demo street's cases read-only."""

import pytest
from playwright.sync_api import expect

from cases.models import State
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_signs_in_and_reads_a_case(desktop, live_server):
    street = factories.street()
    case = factories.case_in(street, State.CLOSED)
    page = desktop
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "hongmei-demo")
    page.click("input[type=submit]")
    page.goto(f"{live_server.url}/admin/cases/case/")
    page.click(f"text={case.number}")
    expect(page.locator("#content")).to_contain_text("已结案")
    expect(page.locator("#content")).to_contain_text("航天新苑居委会")
    expect(page.locator("input[name=_save]")).to_have_count(0)
