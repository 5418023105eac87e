"""The public pages for a 60-year-old resident on a 360-px phone (issue 16): a report
without a shop's name, the focus on the first error, finding a case again by its number
and a code, 我的反映, a map that does not trap the page, tap targets and text sizes."""

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from cases import sms
from cases.models import Case, Reporter
from tests import factories
from tests.browser.test_public import choose, fits_the_screen, tap_map

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = "13800138000"


@pytest.fixture(autouse=True)
def _fresh(settings, tmp_path):
    cache.clear()
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.HONGMEI_SMS_BACKEND = "cases.sms.MemoryBackend"
    sms.MemoryBackend.outbox = []


def test_a_fumes_report_without_the_shops_name_goes_through(phone, live_server):
    factories.street()
    page = phone
    page.goto(f"{live_server.url}/")
    choose(page, "cooking-fumes")
    shop = page.locator("#id_q-cooking-fumes-shop_name")
    expect(shop).to_be_visible()
    expect(page.locator("label[for=id_q-cooking-fumes-shop_name]")).to_have_text("店铺名称（选填）")
    page.fill("#id_description", "楼下饭店油烟很大，不知道店名")
    tap_map(page)
    expect(page.locator("#where .place")).to_be_visible()
    page.click("#send")
    expect(page.locator("h1")).to_have_text("谢谢！您的反映已收到")
    case = Case.objects.get()
    assert (case.category.code, case.answers) == ("cooking-fumes", {})


def test_the_focus_moves_to_the_first_invalid_field_after_a_refused_send(phone, live_server):
    factories.street()
    page = phone
    page.goto(f"{live_server.url}/")
    page.fill("#id_phone", "123")
    page.click("#send")  # nothing chosen: the first choice of problem takes the focus
    first_choice = page.locator("input[name=category]").first
    expect(first_choice).to_be_focused()
    expect(first_choice).to_have_attribute("aria-describedby", "id_category_error")
    expect(page.locator("#id_category_error")).to_contain_text("请选择问题类别")

    choose(page, "litter")
    tap_map(page)
    expect(page.locator("#where .place")).to_be_visible()
    page.click("#send")  # no description, and a bad phone number further down
    description = page.locator("#id_description")
    expect(description).to_be_focused()
    expect(description).to_have_attribute("aria-invalid", "true")
    expect(description).to_have_attribute("aria-describedby", "id_description_error")
    phone_input = page.locator("#id_phone")
    expect(phone_input).to_have_attribute("aria-invalid", "true")
    expect(phone_input).to_have_attribute("aria-describedby", "id_phone_error")
    expect(first_choice).not_to_have_attribute("aria-invalid", "true")

    description.fill("路边有垃圾")
    page.fill("#id_phone", "")
    page.click("#send")
    expect(page.locator("h1")).to_have_text("谢谢！您的反映已收到")


def test_a_lost_link_is_found_again_by_the_case_number_and_a_texted_code(phone, live_server):
    street = factories.street()
    case = factories.new_case(street, reporter=Reporter.objects.create(phone=PHONE))
    page = phone
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="链接丢了？查找案件").click()
    expect(page.locator("h1")).to_have_text("查找案件")
    page.fill("#id_number", case.number.lower())
    page.fill("#id_contact", "138 0013 8000")
    page.get_by_role("button", name="获取验证码").click()

    expect(page.locator("h1")).to_have_text("输入验证码")
    expect(page.locator(".intro")).to_contain_text("如果信息与案件相符")
    codes = [(to, text) for to, text in sms.MemoryBackend.outbox if "验证码" in text]
    assert [to for to, _ in codes] == [PHONE]
    page.fill("#id_code", re.search(r"验证码是 (\d{6})", codes[0][1]).group(1))
    page.get_by_role("button", name="验证").click()
    expect(page).to_have_url(f"{live_server.url}/t/{case.token}/")
    expect(page.locator("h1")).to_contain_text(case.number)
    assert fits_the_screen(page)


def test_my_reports_lists_every_case_of_an_email_after_the_code(phone, live_server, mailoutbox):
    street = factories.street()
    filed = [
        factories.new_case(street, kind, reporter=Reporter.objects.create(email="w@example.com"))
        for kind in ("litter", "noise")
    ]
    somebody_else = factories.new_case(street)
    page = phone
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="我的反映").click()
    expect(page.locator("h1")).to_have_text("我的反映")
    page.fill("#id_contact", "W@example.com")
    page.get_by_role("button", name="获取验证码").click()
    expect(page.locator(".intro")).to_contain_text("电子邮箱")
    codes = [m for m in mailoutbox if "验证码" in m.subject]
    assert [m.to for m in codes] == [["w@example.com"]]
    page.fill("#id_code", re.search(r"\d{6}", codes[0].body).group(0))
    page.get_by_role("button", name="验证").click()

    expect(page).to_have_url(f"{live_server.url}/mine/")
    items = page.locator(".mine-list li")
    expect(items).to_have_count(2)
    for case in filed:
        expect(page.locator(".mine-list")).to_contain_text(case.number)
    expect(page.locator(".mine-list")).not_to_contain_text(somebody_else.number)
    expect(items.first).to_contain_text("已收到，正在安排处理")
    assert fits_the_screen(page)
    page.get_by_role("link", name=re.compile(filed[0].number)).click()
    expect(page).to_have_url(f"{live_server.url}/t/{filed[0].token}/")


def test_the_map_names_places_leaves_one_finger_to_the_page_and_says_so(phone, live_server):
    factories.street()
    page = phone
    page.goto(f"{live_server.url}/")
    expect(page.locator(".leaflet-control-zoom-in")).to_have_attribute("title", "放大")
    expect(page.locator(".leaflet-control-zoom-out")).to_have_attribute("title", "缩小")
    expect(page.get_by_text("用两个手指移动地图。")).to_be_visible()
    expect(page.locator(".area-label").first).to_be_attached()
    assert page.locator(".area-label", has_text="航天新苑一村小区").count() == 1
    locate = page.locator("#locate").bounding_box()
    places = page.locator("#id_area").bounding_box()
    the_map = page.locator("#map").bounding_box()
    assert locate["y"] < places["y"] < the_map["y"]
    # One finger on the map scrolls the page: Leaflet's own dragging is off on a phone.
    assert page.locator("#map.leaflet-container:not(.leaflet-grab)").count() == 1


TAP_TARGETS = (
    "button:not(.hp *), .button, select, summary, .choice span, .inline-choices label, "
    "input[type=text], input[type=tel], input[type=email], textarea, .leaflet-bar a"
)
BODY_TEXT = "main p, main li, main label, main dd, main dt, main legend, main .help, footer p"


def measure(page):
    """The visible tap targets lower than 44 px, and body text smaller than 16 px."""
    return page.evaluate(
        """([targets, text]) => {
          const shown = (el) => el.offsetParent !== null && el.getClientRects().length;
          const low = [...document.querySelectorAll(targets)].filter(shown)
            .filter((el) => el.getBoundingClientRect().height < 43.5)
            .map((el) => el.outerHTML.slice(0, 80));
          const small = [...document.querySelectorAll(text)].filter(shown)
            .filter((el) => !el.closest(".leaflet-container"))
            .filter((el) => parseFloat(getComputedStyle(el).fontSize) < 16)
            .map((el) => el.outerHTML.slice(0, 80));
          return { low, small };
        }""",
        [TAP_TARGETS, BODY_TEXT],
    )


def test_public_pages_have_44_px_tap_targets_and_16_px_text(phone, live_server, client):
    street = factories.street()
    case = factories.case_in(street, "closed")
    urls = ["/", f"/t/{case.token}/sent/", f"/t/{case.token}/", "/find/", "/mine/"]
    for url in urls:
        phone.goto(f"{live_server.url}{url}")
        found = measure(phone)
        assert found == {"low": [], "small": []}, url
