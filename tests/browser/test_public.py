"""The public pages in headless Chromium on a 360-px phone: file a case with a photo and a
map point, follow it, rate it once the workflow has closed it, switch languages; and the
form without JavaScript."""

import io

import pytest
from django.core.cache import cache
from PIL import Image
from playwright.sync_api import expect

from cases import workflow
from cases.models import Case, Follower, Reporter, State
from cases.workflow import Actor
from public import views as views_public
from tests import factories
from tests.cases.test_images import gps_exif, jpeg
from tests.factories import HANGTIAN_POINT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _fresh(settings, tmp_path):
    cache.clear()
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def photo_files(tmp_path):
    """Two phone photos on disk, one with GPS and camera details."""
    first, second = tmp_path / "IMG_0001.jpg", tmp_path / "IMG_0002.jpg"
    first.write_bytes(jpeg(size=(640, 480), exif=gps_exif()))
    second.write_bytes(jpeg(size=(480, 640), color="blue"))
    return str(first), str(second)


def choose(page, category):
    page.locator("label.choice", has=page.locator(f"#cat-{category}")).click()


def tap_map(page, fx=0.4, fy=0.3):
    """Tap the map inside 航天新苑一村小区 (the map always fits the street's outline)."""
    expect(page.locator("#map.leaflet-container")).to_be_visible()
    box = page.locator("#map").bounding_box()
    page.locator("#map").tap(position={"x": box["width"] * fx, "y": box["height"] * fy})


def fits_the_screen(page):
    return page.evaluate("document.documentElement.scrollWidth") <= 360


def test_a_resident_files_a_case_with_a_photo_and_a_map_point_and_tracks_it(
    phone, live_server, photo_files
):
    factories.street()
    page = phone
    page.goto(f"{live_server.url}/")
    expect(page.locator("h1")).to_have_text("反映街面问题")
    assert fits_the_screen(page)
    choose(page, "litter")
    page.fill("#id_description", "路边绿化带里有大量暴露垃圾")
    page.set_input_files("#id_photos", photo_files[0])
    expect(page.locator("#photo-previews li")).to_have_count(1)
    tap_map(page)
    expect(page.locator("#where .place")).to_contain_text("航天新苑一村小区")
    page.fill("#id_phone", "13800138000")
    page.click("#send")

    expect(page.locator("h1")).to_have_text("谢谢！您的反映已收到")
    number = page.locator(".case-number").inner_text()
    expect(page.locator(".qr svg")).to_be_visible()
    expect(page.locator(".sent")).to_contain_text("138****8000")
    assert fits_the_screen(page)
    case = Case.objects.get(number=number)
    assert case.area.code == "compound-hangtian-1" and case.lat and case.lng
    assert (case.state, case.lead_party.code) == (State.DISPATCHED, "property-hongmei")
    stored = case.attachments.get().file.read()
    assert dict(Image.open(io.BytesIO(stored)).getexif()) == {}
    assert b"PhoneModel" not in stored

    page.click("text=打开跟踪页面")
    expect(page).to_have_url(f"{live_server.url}/t/{case.token}/")
    timeline = page.locator(".timeline")
    expect(timeline).to_contain_text("已收到您的反映")
    expect(timeline).to_contain_text("已转交虹梅物业服务公司处理")
    expect(page.locator(".state-words")).to_contain_text("虹梅物业服务公司")
    assert fits_the_screen(page)


def test_a_refused_send_keeps_the_photos_and_a_removed_photo_is_not_sent(
    phone, live_server, photo_files
):
    factories.street()
    page = phone
    page.goto(f"{live_server.url}/")
    choose(page, "litter")
    page.set_input_files("#id_photos", list(photo_files))
    expect(page.locator("#photo-previews li")).to_have_count(2)
    page.locator("#photo-previews li").nth(1).get_by_role("button").click()
    expect(page.locator("#photo-previews li")).to_have_count(1)
    page.fill("#id_name", "王先生")
    page.click("#send")  # no description, no place

    expect(page.locator("#errors-description")).to_contain_text("请描述问题")
    expect(page.locator("#where")).to_contain_text("请告诉我们问题在哪里")
    expect(page.locator("#photo-previews li")).to_have_count(1)
    expect(page.locator("[data-photos-lost]")).to_have_count(0)
    expect(page.locator("#id_name")).to_have_value("王先生")
    assert Case.objects.count() == 0

    page.fill("#id_description", "垃圾堆在路边")
    tap_map(page)
    expect(page.locator("#where .place")).to_be_visible()
    page.click("#send")
    expect(page.locator("h1")).to_have_text("谢谢！您的反映已收到")
    case = Case.objects.get()
    assert case.attachments.count() == 1 and case.reporter.name == "王先生"


def test_the_reporter_rates_a_case_the_workflow_has_closed(phone, live_server):
    street = factories.street()
    case = factories.case_in(street, State.CLOSED)
    page = phone
    page.goto(f"{live_server.url}/t/{case.token}/")
    expect(page.locator(".state-words")).to_have_text("已办结：处理结果已经核查。")
    page.get_by_label("满意", exact=True).check()
    page.fill("textarea[name=note]", "处理很及时")
    page.click("text=提交评价")

    expect(page.locator(".messages")).to_contain_text("感谢您的评价。")
    expect(page.locator(".timeline")).to_contain_text("已评价处理结果：满意")
    case.refresh_from_db()
    assert case.satisfaction == Case.Satisfaction.SATISFIED
    assert case.events.get(kind="rate").note == "处理很及时"
    assert fits_the_screen(page)


def test_the_reporter_switches_to_english_and_back(phone, live_server):
    factories.street()
    page = phone
    page.goto(f"{live_server.url}/")
    page.get_by_role("button", name="English").click()
    expect(page.locator("h1")).to_have_text("Report a street problem")
    expect(page.locator("#field-category")).to_contain_text("Shop signboard")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("button", name="简体中文").click()
    expect(page.locator("h1")).to_have_text("反映街面问题")
    expect(page.locator("#field-category")).to_contain_text("店招店牌")


def test_use_my_location_shows_a_case_nearby_and_the_reporter_follows_it(phone, live_server):
    street = factories.street()
    reporter = Reporter.objects.create(name="张先生", phone="13700137000")
    original = workflow.file_case(
        actor=Actor.anonymous_reporter(),
        category=street.categories["litter"],
        description="楼下垃圾",
        channel=Case.Channel.WEB,
        reporter=reporter,
        lat=HANGTIAN_POINT[0],
        lng=HANGTIAN_POINT[1],
    )
    page = phone
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation(
        {"latitude": HANGTIAN_POINT[0] + 0.0002, "longitude": HANGTIAN_POINT[1]}
    )
    page.goto(f"{live_server.url}/")
    choose(page, "litter")
    page.click("#locate")
    nearby = page.locator("#where .nearby")
    expect(nearby).to_contain_text(original.number)
    expect(nearby).not_to_contain_text("张先生")
    page.fill("#id_email", "me@example.com")
    nearby.get_by_role("button", name="关注这一件，不重复反映").click()

    expect(page.locator("h1")).to_have_text("您已关注这个案件")
    follower = Follower.objects.get()
    assert (follower.case, follower.reporter.email) == (original, "me@example.com")
    assert Case.objects.count() == 1
    page.click("text=打开跟踪页面")
    expect(page.locator(".timeline")).to_contain_text("已收到您的反映")
    expect(page.get_by_text("您关注了这个案件")).to_be_visible()


def test_the_form_works_without_javascript(chromium, live_server):
    factories.street()
    context = chromium.new_context(
        java_script_enabled=False,
        locale="zh-CN",
        viewport={"width": 360, "height": 740},
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/")
        expect(page.locator("#map")).to_be_hidden()
        choose(page, "signboard")
        expect(page.locator(".questions[data-for=signboard]")).to_be_visible()
        expect(page.locator(".questions[data-for=noise]")).to_be_hidden()
        page.select_option("#id_area", "road-hongmei-hangtian")
        page.click("#send")  # no description: the page comes back with the focus on it
        description = page.locator("#id_description")
        expect(description).to_be_focused()
        expect(description).to_have_attribute("aria-invalid", "true")
        expect(description).to_have_attribute("aria-describedby", "id_description_error")
        expect(page.locator("#id_description_error")).to_contain_text("请描述问题")
        description.fill("店招破损，有掉落危险")
        page.fill("#id_q-signboard-shop_name", "老王面馆")
        page.click("#send")
        expect(page.locator("h1")).to_have_text("谢谢！您的反映已收到")
        case = Case.objects.get()
        assert case.answers == {"shop_name": "老王面馆"}
        assert (case.area.code, case.lead_party.code) == ("road-hongmei-hangtian", "cityops")
    finally:
        context.close()


def test_a_big_photo_travels_scaled_down(phone, live_server, tmp_path, monkeypatch):
    factories.street()
    noise = Image.effect_noise((4000, 3000), 80).convert("RGB")
    big = tmp_path / "IMG_BIG.jpg"
    noise.save(big, "JPEG", quality=75)  # about 6.5 MB: under the limit, slow to send
    size = big.stat().st_size
    assert size > 5_000_000
    received = []
    send = views_public._send

    def measuring_send(request, categories):
        received.append(int(request.META["CONTENT_LENGTH"]))
        return send(request, categories)

    monkeypatch.setattr(views_public, "_send", measuring_send)
    page = phone
    page.goto(f"{live_server.url}/")
    choose(page, "litter")
    page.fill("#id_description", "大照片")
    page.set_input_files("#id_photos", str(big))
    tap_map(page)
    expect(page.locator("#where .place")).to_be_visible()
    page.click("#send")
    expect(page.locator("h1")).to_have_text("谢谢！您的反映已收到")
    assert len(received) == 1 and received[0] < size / 2
    attachment = Case.objects.get().attachments.get()
    assert (attachment.width, attachment.height) == (2560, 1920)
