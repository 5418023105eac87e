"""The dashboard in a real browser: it fits a phone, draws its charts and its map."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import State
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def some_cases(street):
    past = timezone.now() - timedelta(days=3)
    for i, state in enumerate([State.CLOSED, State.IN_PROGRESS, State.RESOLVED, State.CLOSED]):
        factories.case_in(street, state, at=past + timedelta(hours=i))


def test_dashboard_fits_a_phone_and_draws_charts_and_map(phone, live_server, sign_in):
    some_cases(factories.street())
    sign_in(phone, "supervisor")
    phone.goto(f"{live_server.url}/staff/dashboard/")
    expect(phone.locator(".tile").first).to_be_visible()
    expect(phone.locator("svg.chart rect.bar-new").first).to_be_attached()
    expect(phone.locator("#hotspot-map path.leaflet-interactive").first).to_be_attached()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 360


def test_handler_switches_the_period_and_sees_their_party_only(desktop, live_server, sign_in):
    some_cases(factories.street())
    sign_in(desktop, "hangtian")
    desktop.goto(f"{live_server.url}/staff/dashboard/")
    desktop.select_option("select[name=period]", "week")
    desktop.click(".dashboard-filters button[type=submit]")
    expect(desktop.locator("select[name=period]")).to_have_value("week")
    assert "period=week" in desktop.url
    ranking = desktop.locator("table.ranking tbody tr")
    expect(ranking).to_have_count(1)
    expect(ranking.first).to_contain_text("航天新苑居委会")
