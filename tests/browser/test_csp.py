"""Every main page, public and staff, loads in Chromium under the Content-Security-Policy
without a single violation (docs/security.md): no inline script or style left, nothing
loaded from outside."""

import pytest
from playwright.sync_api import expect

from cases.models import State
from tests import factories
from tests.meetings.helpers import meeting_with_decided_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(
    `${e.violatedDirective} ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`
  );
});
"""


def watched(page):
    """The page, reporting CSP violations from the console and from the DOM event."""
    reported = []

    def on_console(message):
        if message.type == "error" and "Content Security Policy" in message.text:
            reported.append(message.text)

    page.add_init_script(LISTEN)
    page.on("console", on_console)
    return reported


def visit(page, reported, url):
    response = page.goto(url)
    assert response.status < 400, url
    assert "default-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_load_state("networkidle")
    seen = page.evaluate("window.__cspViolations") + reported
    assert seen == [], f"{url}: {seen}"
    reported.clear()


def test_public_pages_load_without_a_violation(phone, live_server):
    street = factories.street()
    case = factories.case_in(street, State.IN_PROGRESS)
    reported = watched(phone)
    for path in ("/", f"/t/{case.token}/", "/staff/login/", "/api/docs/"):
        visit(phone, reported, f"{live_server.url}{path}")
    # The report form's questions still show for the chosen category (their style sheet).
    phone.goto(f"{live_server.url}/")
    phone.locator("label.choice", has=phone.locator("#cat-signboard")).click()
    expect(phone.locator(".questions[data-for=signboard]")).to_be_visible()
    expect(phone.locator(".questions[data-for=noise]")).to_be_hidden()
    assert phone.evaluate("window.__cspViolations") + reported == []


def test_staff_pages_load_without_a_violation(desktop, live_server, sign_in):
    street = factories.street()
    case = factories.case_in(street, State.IN_PROGRESS)
    meeting, _item, _decision = meeting_with_decided_case(street)
    reported = watched(desktop)
    sign_in(desktop, "admin")
    for path in (
        "/staff/",
        "/staff/cases/",
        "/staff/cases/map/",
        f"/staff/cases/{case.number}/",
        "/staff/dashboard/",
        "/staff/dashboard/report/",
        "/staff/meetings/",
        f"/staff/meetings/{meeting.pk}/",
        "/staff/meetings/decisions/",
        "/staff/notifications/",
        "/staff/imports/12345/",
        "/staff/two-factor/",
        "/admin/",
        "/admin/cases/case/",
        f"/admin/cases/case/{case.pk}/change/",
        "/admin/cases/category/",
        "/admin/otp_totp/totpdevice/",
    ):
        visit(desktop, reported, f"{live_server.url}{path}")


def test_a_handlers_pages_load_without_a_violation_on_a_phone(phone, live_server, sign_in):
    street = factories.street()
    case = factories.case_in(street, State.DISPATCHED)
    reported = watched(phone)
    sign_in(phone, "hangtian")
    for path in ("/staff/", f"/staff/cases/{case.number}/", "/staff/notifications/"):
        visit(phone, reported, f"{live_server.url}{path}")


def test_an_action_sent_by_htmx_swaps_the_case_panel_without_a_violation(
    desktop, live_server, sign_in
):
    """The case panel holds a Leaflet map, which gives its element a style attribute; htmx
    must not copy it onto the new panel while settling (prod-smoke caught it)."""
    street = factories.street()
    case = factories.new_case(street, description="小区门口有暴露垃圾")
    reported = watched(desktop)
    sign_in(desktop, "dispatcher")
    visit(desktop, reported, f"{live_server.url}/staff/cases/{case.number}/")
    expect(desktop.locator("#case-point.leaflet-container")).to_be_visible()
    desktop.click("summary[data-action=dispatch]")
    form = desktop.locator("#action-dispatch form")
    form.locator("select[name=dispatch-lead_party]").select_option(
        str(street.parties["rc-hangtian"].pk)
    )
    with desktop.expect_response(lambda r: "/actions/dispatch/" in r.url):
        form.locator("button[type=submit]").click()
    expect(desktop.locator("#case-state")).to_have_text("待签收")
    desktop.wait_for_load_state("networkidle")
    assert desktop.evaluate("window.__cspViolations") + reported == []
