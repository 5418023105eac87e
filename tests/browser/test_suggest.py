"""The category suggestion on the public form, in headless Chromium on a 360-px phone."""

import pytest
from playwright.sync_api import expect

from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_typing_a_fumes_complaint_suggests_the_fumes_category(phone, live_server):
    street = factories.street()
    factories.stored_category_model()
    assert street.categories["cooking-fumes"].name == "油烟扰民"
    page = phone
    page.goto(f"{live_server.url}/")
    expect(page.locator("#category-suggest")).to_be_hidden()
    page.locator("textarea[name=description]").press_sequentially("楼下饭店油烟太大")
    first = page.locator("#category-suggest button.suggestion").first
    expect(first).to_be_visible()
    expect(first).to_have_attribute("data-code", "cooking-fumes")
    expect(first).to_contain_text("油烟扰民")
    first.click()
    expect(page.locator("#cat-cooking-fumes")).to_be_checked()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_without_a_model_the_form_offers_its_plain_list(phone, live_server):
    factories.street()
    page = phone
    page.goto(f"{live_server.url}/")
    page.locator("textarea[name=description]").press_sequentially("楼下饭店油烟太大")
    page.wait_for_timeout(800)
    expect(page.locator("#category-suggest")).to_be_hidden()
    expect(page.locator("#cat-cooking-fumes")).not_to_be_checked()
    page.locator("label.choice", has=page.locator("#cat-cooking-fumes")).click()
    expect(page.locator("#cat-cooking-fumes")).to_be_checked()
