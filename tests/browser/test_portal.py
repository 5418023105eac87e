"""The staff portal in a real browser: a case from dispatch to closure, each step by the
person whose job it is, and a handler of another party kept out."""

import pytest
from playwright.sync_api import expect

from cases.models import Attachment, Case, State
from tests import factories
from tests.portal.helpers import jpeg_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_action(page, name):
    page.click(f"summary[data-action={name}]")
    return page.locator(f"#action-{name} form")


def test_dispatcher_dispatches_a_new_case(desktop, live_server, sign_in):
    street = factories.street()
    case = factories.new_case(street, description="小区门口有暴露垃圾")
    page = desktop
    sign_in(page, "dispatcher")
    expect(page.locator(f"a:has-text('{case.number}')")).to_be_visible()
    page.click(f"text={case.number}")
    form = open_action(page, "dispatch")
    form.locator("select[name=dispatch-lead_party]").select_option(
        str(street.parties["rc-hangtian"].pk)
    )
    form.locator("button[type=submit]").click()
    expect(page.locator("#case-state")).to_have_text("待签收")
    expect(page.locator(".timeline")).to_contain_text("派遣")
    case.refresh_from_db()
    assert case.state == State.DISPATCHED and case.lead_party == street.parties["rc-hangtian"]


def test_handler_accepts_contacts_and_resolves_with_a_photo(phone, live_server, sign_in, tmp_path):
    street = factories.street()
    case = factories.case_in(street, State.DISPATCHED)
    photo = tmp_path / "result.jpg"
    photo.write_bytes(jpeg_bytes("blue"))
    page = phone
    sign_in(page, "hangtian")
    page.goto(f"{live_server.url}/staff/cases/{case.number}/")
    expect(page.locator(".contact-phone")).to_have_text("138****8000")
    open_action(page, "accept").locator("button[type=submit]").click()
    expect(page.locator("#case-state")).to_have_text("处置中")
    form = open_action(page, "contact")
    form.locator("textarea").fill("已电话联系报告人，约定明早处理。")
    form.locator("button[type=submit]").click()
    expect(page.locator(".timeline")).to_contain_text("已电话联系报告人")
    form = open_action(page, "resolve")
    form.locator("button[type=submit]").click()
    expect(page.locator("#action-resolve .errorlist")).to_contain_text("请填写说明。")
    form = page.locator("#action-resolve form")
    form.locator("textarea[name=resolve-note]").fill("保洁人员已到场清理完毕。")
    # The co-party (永兆居委) has not reported on its share: the lead party says why.
    form.locator("textarea[name=resolve-open_shares_reason]").fill("楼道部分已由我方一并清理。")
    form.locator("input[type=file]").set_input_files(str(photo))
    form.locator("button[type=submit]").click()
    expect(page.locator("#case-state")).to_have_text("待核查")
    case.refresh_from_db()
    assert case.state == State.RESOLVED
    assert case.attachments.filter(kind=Attachment.Kind.EVIDENCE).count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_inspector_verifies_a_resolved_case(desktop, live_server, sign_in):
    street = factories.street()
    case = factories.case_in(street, State.RESOLVED)
    page = desktop
    sign_in(page, "inspector")
    page.click("a[data-queue=to_verify]")
    page.click(f"text={case.number}")
    open_action(page, "verify").locator("button[type=submit]").click()
    expect(page.locator("#case-state")).to_have_text("已结案")
    assert Case.objects.get(pk=case.pk).state == State.CLOSED


def test_handler_of_another_party_gets_404(desktop, live_server, sign_in):
    street = factories.street()
    case = factories.case_in(street, State.DISPATCHED)
    page = desktop
    sign_in(page, "qinbei")
    response = page.goto(f"{live_server.url}/staff/cases/{case.number}/")
    assert response.status == 404


def test_map_shows_the_filtered_cases(desktop, live_server, sign_in):
    street = factories.street()
    for _ in range(3):
        factories.new_case(street)
    page = desktop
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, "dispatcher")
    page.goto(f"{live_server.url}/staff/cases/map/?state=open")
    expect(page.locator("#map-status")).to_have_text("3 案件")
    expect(page.locator(".leaflet-marker-icon").first).to_be_visible()
    assert errors == []
