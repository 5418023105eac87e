"""The 12345 import page and the API docs in a real browser."""

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from cases.models import Case
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"


def test_a_dispatcher_imports_the_sample_file_on_a_phone(phone, live_server, sign_in):
    factories.street()
    page = phone
    sign_in(page, "dispatcher")
    page.goto(f"{live_server.url}/staff/imports/12345/")
    expect(page.locator("h1")).to_have_text("导入 12345 工单")
    page.set_input_files("input[type=file]", str(SAMPLES / "12345-sample.csv"))
    page.get_by_role("button", name="导入", exact=True).click()
    expect(page.locator("[data-count=created]")).to_have_text("已生成 4 件案件")
    expect(page.locator("[data-count=errors]")).to_have_text("0 行无法读取")
    assert Case.objects.filter(channel="12345").count() == 4
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    # The same orders again, as Excel: nothing new.
    page.set_input_files("input[type=file]", str(SAMPLES / "12345-sample.xlsx"))
    page.get_by_role("button", name="导入", exact=True).click()
    expect(page.locator("[data-count=skipped]")).to_have_text("4 条工单此前已导入")
    expect(page.locator("[data-count=created]")).to_have_text("已生成 0 件案件")
    assert Case.objects.filter(channel="12345").count() == 4
    first = Case.objects.order_by("number").first()
    expect(page.locator(f"a[href='/staff/cases/{first.number}/']")).to_be_visible()


def test_a_wrong_file_is_refused_next_to_the_field(phone, live_server, sign_in):
    factories.street()
    page = phone
    sign_in(page, "supervisor")
    page.goto(f"{live_server.url}/staff/imports/12345/")
    page.set_input_files(
        "input[type=file]",
        files=[
            {
                "name": "orders.csv",
                "mimeType": "text/csv",
                "buffer": "工单编号,地址\n1,x\n".encode(),
            }
        ],
    )
    page.get_by_role("button", name="导入", exact=True).click()
    expect(page.locator("#file-errors")).to_contain_text("标题行缺少以下列")
    assert not Case.objects.exists()


def test_the_api_docs_render_from_the_app_alone(desktop, live_server):
    factories.street()
    hosts = set()
    desktop.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    desktop.goto(f"{live_server.url}/api/docs/")
    expect(desktop.locator(".swagger-ui .info .title")).to_contain_text("Hongmei")
    expect(desktop.locator(".opblock-summary-path").first).to_be_visible()
    assert hosts == {urlsplit(live_server.url).netloc}
