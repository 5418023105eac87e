"""The street ledger and a case's verifiable history in headless Chromium on a 360-px
phone: the month's figures, the map's points, another month; the reporter prints the history
of their case and checks the downloaded file with the offline verifier."""

import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from cases import ledger, rollup
from cases.models import State
from tests import factories
from tests.factories import aware

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _fresh():
    cache.clear()
    yield
    cache.clear()


def fits_the_screen(page):
    return page.evaluate("document.documentElement.scrollWidth") <= 360


def _errors(page):
    found = []
    page.on("console", lambda m: found.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: found.append(str(e)))
    return found


def test_a_resident_reads_the_ledger_on_a_phone(phone, live_server):
    street = factories.street()
    now = timezone.now()
    for days in (1, 2, 40):
        factories.case_in(street, State.CLOSED, at=now - timedelta(days=days))
    factories.new_case(street, "group-renting", at=now - timedelta(days=1))
    rollup.rebuild()
    ledger.seal_days(since=timezone.localdate(now - timedelta(days=3)))
    errors = _errors(phone)

    phone.goto(f"{live_server.url}/ledger/")
    expect(phone.locator("h1")).to_have_text("街道公开台账：群众反映了什么，办得怎么样")
    expect(phone.locator("[data-figure=received]")).to_be_visible()
    expect(phone.locator("text=按期完成的处置时限 ÷ 当月到期的处置时限。")).to_be_visible()
    # Three litter cases at one point within 90 days, one grid cell; group renting is left out.
    expect(phone.locator("#ledger-map.leaflet-container")).to_be_visible()
    expect(phone.locator("#ledger-map")).to_have_attribute("data-loaded", "1")
    expect(phone.locator("#ledger-map-status")).to_have_text("3 件案件在图上")
    expect(phone.locator(".ledger-roots code").first).to_be_visible()
    assert fits_the_screen(phone)

    months = phone.locator(".ledger-months a")
    assert months.count() >= 2
    months.nth(1).click()
    expect(phone.locator(".ledger-months a[aria-current=page]")).to_have_text(
        months.nth(1).inner_text()
    )
    assert fits_the_screen(phone)
    phone.goto(f"{live_server.url}/ledger/data/")
    expect(phone.locator("h1")).to_have_text("街道公开台账：开放数据")
    assert fits_the_screen(phone)
    assert errors == []


def test_a_reporter_prints_their_cases_history_and_checks_the_file(phone, live_server, tmp_path):
    street = factories.street()
    case = factories.case_in(street, State.CLOSED, at=aware(2026, 11, 23, 9, 0))
    ledger.seal_day(aware(2026, 11, 23, 9, 0).date())
    errors = _errors(phone)

    phone.goto(f"{live_server.url}/t/{case.token}/")
    phone.get_by_role("link", name="核验办理记录：可核查的记录文件").click()
    expect(phone.locator("h1")).to_have_text(f"案件 {case.number} 的可核查办理记录")
    expect(phone.locator(".ledger-qr svg")).to_be_visible()
    expect(phone.locator(".ledger-seal")).to_contain_text("2026-11-23")
    assert fits_the_screen(phone)
    with phone.expect_download() as download:
        phone.get_by_role("link", name="下载记录文件（JSON）").click()
    path = tmp_path / "history.json"
    download.value.save_as(path)
    result = subprocess.run(
        [sys.executable, "-m", "cases.verify", str(path)],
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        check=False,
    )
    assert result.stdout.splitlines()[0] == "OK", result.stdout
    assert errors == []
