"""The public report form at /: every field validated, every photo attack refused with
nothing stored, one case per send, rate limits, honeypot and CSRF, nearby cases."""

import io
import re
import zipfile

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from cases import images, intake, workflow
from cases.models import (
    Attachment,
    Case,
    Category,
    Event,
    Follower,
    Reporter,
    State,
    Submission,
)
from cases.workflow import Actor
from tests import factories
from tests.cases.test_images import gps_exif, jpeg
from tests.factories import HANGTIAN_POINT

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
OUTSIDE_POINT = (31.20, 121.40)  # north of the street
NEAR_POINT = (HANGTIAN_POINT[0] + 0.00027, HANGTIAN_POINT[1])  # about 30 m north
FAR_POINT = (HANGTIAN_POINT[0] - 0.003, HANGTIAN_POINT[1])  # about 330 m south


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


@pytest.fixture
def media(settings, tmp_path):
    """Files stored during the test, as paths relative to MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"

    def stored():
        root = settings.MEDIA_ROOT
        return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())

    return stored


def upload(data, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def report(point=HANGTIAN_POINT, **fields):
    data = {
        "key": intake.new_key(),
        "category": "litter",
        "description": "路边有暴露垃圾，很久没人清理。",
        "lat": "" if point is None else str(point[0]),
        "lng": "" if point is None else str(point[1]),
        "area": "",
        "address": "",
        "kind": "resident",
        "name": "",
        "phone": "",
        "email": "",
        "website": "",
    }
    data.update(fields)
    return data


def send(client, data, **extra):
    return client.post("/", data, **{**ENGLISH, **extra})


def errors(response):
    return response.context["form"].errors


def nothing_filed():
    return (Case.objects.count(), Reporter.objects.count(), Submission.objects.count()) == (0, 0, 0)


# ---------------------------------------------------------------------------- the page


def test_form_is_in_chinese_by_default_with_common_categories_as_large_choices(client, street):
    response = client.get("/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "反映街面问题" in page and 'lang="zh-hans"' in page
    common = page.index("choice-small") if "choice-small" in page else len(page)
    assert page.index("店招店牌") < common and page.index("油烟扰民") < common
    assert page.index("违法搭建") > common  # not a common one: listed further down
    assert 'name="website"' in page and "English" in page
    assert re.search(r'name="key" value="[A-Za-z0-9_-]{22}"', page)


def test_every_showing_of_the_form_has_its_own_key_and_is_never_cached(client, street):
    first, second = client.get("/"), client.get("/")
    keys = {r.context["form"]["key"].value() for r in (first, second)}
    assert len(keys) == 2 and all(intake.is_key(k) for k in keys)
    assert "no-store" in first["Cache-Control"] and "private" in first["Cache-Control"]


def test_form_page_is_english_after_the_switch(client, street):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/").content.decode()
    assert "Report a street problem" in page and "Shop signboard" in page


def test_form_page_needs_the_same_few_queries_whatever_the_cases(
    client, street, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):
        client.get("/")
    for _ in range(5):
        factories.new_case(street)
    with django_assert_max_num_queries(4):
        client.get("/")


# ---------------------------------------------------------------------------- filing


def test_a_report_files_a_routed_case_with_its_reporter_and_a_clean_photo(client, street, media):
    photo = jpeg(size=(320, 240), exif=gps_exif())
    data = report(
        phone="+86 138-0013-8000",
        email="li@example.com",
        name="李女士",
        kind="merchant",
        photos=[upload(photo, name="IMG_0001.JPG")],
    )
    response = send(client, data)

    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/t/{case.token}/sent/"
    assert (case.channel, case.category.code, case.area.code) == (
        Case.Channel.WEB,
        "litter",
        "compound-hangtian-2",
    )
    assert (case.state, case.lead_party.code) == (State.DISPATCHED, "property-hongmei")
    assert (case.lat, case.lng) == HANGTIAN_POINT
    reporter = case.reporter
    assert (reporter.kind, reporter.name, reporter.phone, reporter.email, reporter.language) == (
        "merchant",
        "李女士",
        "13800138000",
        "li@example.com",
        "en",
    )
    assert [e.kind for e in case.events.order_by("id")] == ["file", "dispatch"]
    for event in case.events.all():
        text = f"{event.note} {event.data}"
        assert "13800138000" not in text and "李女士" not in text and "li@" not in text
    attachment = Attachment.objects.get(case=case)
    stored = attachment.file.read()
    assert attachment.kind == Attachment.Kind.REPORT and attachment.is_public
    assert b"PhoneModel" not in stored and dict(Image.open(io.BytesIO(stored)).getexif()) == {}
    assert "IMG_0001" not in attachment.file.name
    assert media() == [attachment.file.name]
    assert Submission.objects.get(key=data["key"]).case == case


def test_a_report_can_name_the_compound_instead_of_a_point(client, street):
    response = send(client, report(point=None, area="compound-yongzhao-1"))
    case = Case.objects.get()
    assert response.status_code == 302
    assert (case.area.code, case.lat, case.lng) == ("compound-yongzhao-1", None, None)


def test_a_listed_compound_wins_over_a_point_outside_it(client, street):
    send(client, report(point=HANGTIAN_POINT, area="compound-yongzhao-1"))
    case = Case.objects.get()
    assert (case.area.code, case.lat, case.lng) == ("compound-yongzhao-1", None, None)


def test_category_questions_are_stored_as_answers(client, street):
    data = report(category="cooking-fumes")
    data["q-cooking-fumes-shop_name"] = "老王面馆"
    data["q-cooking-fumes-time_of_day"] = "evening"
    data["q-signboard-shop_name"] = "another category's answer is ignored"
    send(client, data)
    assert Case.objects.get().answers == {"shop_name": "老王面馆", "time_of_day": "evening"}


def test_a_fumes_or_signboard_report_goes_through_without_the_shops_name(client, street):
    for category in ("cooking-fumes", "signboard"):
        data = report(category=category)
        data[f"q-{category}-shop_name"] = ""
        assert send(client, data).status_code == 302
    assert sorted(Case.objects.values_list("category__code", "answers")) == [
        ("cooking-fumes", {}),
        ("signboard", {}),
    ]


def test_a_question_naming_a_third_party_is_optional_even_when_marked_required(client, street):
    signboard = Category.objects.get(code="signboard")
    signboard.questions = [{**signboard.questions[0], "required": True}]
    signboard.save()
    assert send(client, report(category="signboard")).status_code == 302


# ---------------------------------------------------------------------------- bad input


@pytest.fixture
def building_required(street):
    """Corridor clutter asks for the building, and (for these tests) insists on it."""
    category = Category.objects.get(code="corridor-clutter")
    category.questions = [{**category.questions[0], "required": True}]
    category.save()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"category": ""}, "category", "Choose what the problem is."),
        ({"category": "no-such-thing"}, "category", "Choose one of the categories."),
        ({"category": "city-appearance"}, "category", "Choose one of the categories."),
        ({"description": "   "}, "description", "Please describe the problem."),
        ({"description": "x" * 4001}, "description", "at most 4000 characters"),
        ({"category": "corridor-clutter"}, "q-corridor-clutter-building", "Please answer this"),
        ({"category": "noise", "q-noise-time_of_day": "midnight"}, "q-noise-time_of_day", "valid"),
        ({"lat": "", "lng": ""}, "lat", "Show where it is"),
        ({"lat": "31.17", "lng": ""}, "lat", "Show where it is"),
        ({"lat": "north", "lng": "121.39"}, "lat", "Enter a number."),
        ({"lat": "91", "lng": "121.39"}, "lat", "less than or equal to 90"),
        ({"lat": "nan", "lng": "121.39"}, "lat", "Enter a number."),
        ({"lat": str(OUTSIDE_POINT[0]), "lng": str(OUTSIDE_POINT[1])}, "lat", "outside Hongmei"),
        ({"area": "hongmei"}, "area", "Choose a compound or road from the list."),
        ({"kind": "tourist"}, "kind", "Choose one."),
        ({"kind": ""}, "kind", "Tell us who you are."),
        ({"name": "名" * 51}, "name", "at most 50 characters"),
        ({"phone": "12345"}, "phone", "11 digits starting with 1"),
        ({"phone": "23800138000"}, "phone", "11 digits starting with 1"),
        ({"phone": "1380013800"}, "phone", "11 digits starting with 1"),
        ({"phone": "12800138000"}, "phone", "11 digits starting with 1"),
        ({"email": "not-an-address"}, "email", "valid email"),
    ],
)
def test_bad_input_is_answered_next_to_its_field_and_nothing_is_filed(
    client, street, fields, field, message, building_required
):
    response = send(client, report(**fields))
    assert response.status_code == 200
    assert message in " ".join(errors(response)[field])
    assert f'id="errors-{field}"' in response.content.decode() or field in ("lat", "area")
    assert nothing_filed()


def test_messages_are_in_the_pages_language(client, street):
    response = client.post("/", report(description="", phone="123"))
    page = response.content.decode()
    assert "请描述问题" in page and "以 1 开头的 11 位数字" in page


def test_a_refused_send_keeps_what_was_typed_and_the_key(client, street):
    data = report(description="", name="王先生", phone="13900139000", address="12号门口")
    page = send(client, data).content.decode()
    for typed in ("王先生", "13900139000", "12号门口", data["key"]):
        assert typed in page
    assert re.search(r'value="litter" id="cat-litter"\s+checked', page)


@pytest.mark.parametrize(
    "phone", ["13800138000", "138 0013 8000", "138-0013-8000", "+8613800138000", "008613800138000"]
)
def test_mobile_numbers_are_taken_in_their_usual_spellings(client, street, phone):
    send(client, report(phone=phone))
    assert Reporter.objects.get().phone == "13800138000"


def test_the_honeypot_refuses_the_send(client, street):
    response = send(client, report(website="http://spam.example"))
    assert "Your report could not be sent." in errors(response)["__all__"]
    assert nothing_filed()


def test_csrf_is_enforced(street):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/", report(), **ENGLISH)
    assert response.status_code == 403
    assert nothing_filed()


def test_a_send_without_a_valid_key_asks_to_send_again_with_a_new_key(client, street):
    data = report(key="short")
    response = send(client, data)
    assert errors(response)["__all__"] == ["This form has expired. Please press send again."]
    new_key = response.context["form"]["key"].value()
    assert intake.is_key(new_key) and new_key != "short"
    assert nothing_filed()
    assert send(client, {**data, "key": new_key}).status_code == 302
    assert Case.objects.count() == 1


# ---------------------------------------------------------------------------- photos


def gif():
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, "GIF")
    return out.getvalue()


def bomb():
    out = io.BytesIO()
    Image.new("1", (12000, 12000)).save(out, "PNG")  # 144 Mpx in a few KB
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (bomb(), "bomb.png", "too many pixels"),
        (gif(), "photo.jpg", "Please send a photo (JPEG, PNG, WebP or HEIC)."),
        (b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", "photo.jpg", "not a photo"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "x.jpg",
            "read",
        ),
        (b"MZ\x90\x00 an executable", "photo.jpg", "not a photo we can read"),
        (jpeg(size=(200, 200))[:300], "photo.jpg", "not a photo we can read"),
        (b"", "empty.jpg", "This file is empty."),
    ],
    ids=["bomb", "gif", "pdf", "svg", "exe", "corrupt", "empty"],
)
def test_a_refused_photo_refuses_the_send_and_stores_nothing(
    client, street, media, data, name, message
):
    good = upload(jpeg(), name="good.jpg")
    response = send(client, report(photos=[good, upload(data, name=name)]))
    photo_errors = " ".join(errors(response)["photos"])
    assert response.status_code == 200
    assert photo_errors.startswith(f"{name}: ") and message in photo_errors
    assert nothing_filed() and Attachment.objects.count() == 0 and media() == []


def test_an_oversized_photo_is_refused(client, street, media, monkeypatch):
    monkeypatch.setattr(images, "MAX_BYTES", 2000)
    big = jpeg(size=(300, 300), color="red") + b"\0" * 3000
    response = send(client, report(photos=[upload(big)]))
    assert "photo.jpg: This photo is larger than 10 MB." in errors(response)["photos"]
    assert nothing_filed() and media() == []


def test_photos_too_large_together_are_refused(client, street, media, monkeypatch):
    monkeypatch.setattr(images, "MAX_CASE_BYTES", 1000)
    photos = [upload(jpeg(size=(200, 200)), name=f"p{i}.jpg") for i in range(3)]
    response = send(client, report(photos=photos))
    assert errors(response)["photos"] == ["These photos are larger than 40 MB together."]
    assert nothing_filed() and media() == []


def test_at_most_five_photos(client, street, media):
    photos = [upload(jpeg(), name=f"p{i}.jpg") for i in range(6)]
    response = send(client, report(photos=photos))
    assert errors(response)["photos"] == ["Please send at most 5 photos."]
    assert nothing_filed() and media() == []


def test_a_polyglot_is_stored_without_what_rode_along(client, street, media):
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("payload.html", "<script>alert(1)</script>")
    polyglot = jpeg() + zipped.getvalue() + b"<script>alert(2)</script>"
    send(client, report(photos=[upload(polyglot, name="evil.html.jpg")]))
    stored = Attachment.objects.get().file.read()
    assert b"<script>" not in stored and b"payload.html" not in stored
    assert stored.startswith(b"\xff\xd8") and stored.endswith(b"\xff\xd9")


def test_heic_png_and_webp_are_welcome(client, street, media):
    import pillow_heif  # noqa: F401 - registers HEIF writing

    photos = []
    for fmt in ("HEIF", "PNG", "WEBP"):
        out = io.BytesIO()
        Image.new("RGB", (40, 30), "blue").save(out, fmt)
        photos.append(upload(out.getvalue(), name=f"x.{fmt.lower()}", content_type="image/heic"))
    assert send(client, report(photos=photos)).status_code == 302
    assert [a.content_type for a in Attachment.objects.all()] == ["image/jpeg"] * 3
    assert len(media()) == 3


def test_a_category_that_needs_a_photo_refuses_a_send_without_one(client, street):
    category = street.categories["litter"]
    category.report_photo_required = True
    category.save()
    response = send(client, report())
    assert errors(response)["photos"] == ["This kind of problem needs at least one photo."]
    assert nothing_filed()


def test_the_page_asks_for_the_photos_again_after_a_refused_send(client, street):
    page = send(client, report(description="", photos=[upload(jpeg())])).content.decode()
    assert "data-photos-lost" in page


# ---------------------------------------------------------------------------- one case per send


def test_sending_twice_files_one_case_and_shows_the_first_confirmation(client, street, media):
    data = report(photos=[upload(jpeg())])
    first = send(client, data)
    data["photos"] = [upload(jpeg())]
    second = send(client, data)
    assert first["Location"] == second["Location"] == f"/t/{Case.objects.get().token}/sent/"
    assert (Reporter.objects.count(), Attachment.objects.count(), len(media())) == (1, 1, 1)


def test_refreshing_the_confirmation_files_nothing(client, street):
    location = send(client, report())["Location"]
    for _ in range(2):
        assert client.get(location).status_code == 200
    assert Case.objects.count() == 1


def test_a_send_after_a_refused_one_keeps_the_key_and_files_once(client, street):
    data = report(description="")
    page = send(client, data)
    assert page.context["form"]["key"].value() == data["key"]
    data["description"] = "垃圾"
    assert send(client, data).status_code == send(client, data).status_code == 302
    assert Case.objects.count() == 1


# ---------------------------------------------------------------------------- rate limits


def test_too_many_sends_from_one_address_get_a_polite_answer(client, street, settings):
    settings.HONGMEI_SENDS_PER_IP_HOUR = 2
    send(client, report())
    send(client, report(point=FAR_POINT))
    response = send(client, report(point=OUTSIDE_POINT))
    assert response.status_code == 429
    assert "please try again a little later" in response.content.decode()
    assert Case.objects.count() == 2
    other = send(client, report(category="noise"), REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 302 and Case.objects.count() == 3


def test_the_proxys_address_header_is_used_when_configured(client, street, settings):
    settings.HONGMEI_SENDS_PER_IP_HOUR = 1
    settings.HONGMEI_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    assert send(client, report(), HTTP_X_REAL_IP="1.2.3.4").status_code == 302
    assert send(client, report(point=FAR_POINT), HTTP_X_REAL_IP="1.2.3.4").status_code == 429
    assert send(client, report(point=FAR_POINT), HTTP_X_REAL_IP="5.6.7.8").status_code == 302


def test_too_many_reports_with_one_mobile_number_get_a_polite_answer(client, street, settings):
    settings.HONGMEI_REPORTS_PER_CONTACT_DAY = 2
    first = report(phone="13800138000")
    send(client, first)
    send(client, first)  # a repeat of the same send does not count
    send(client, report(category="noise", phone="138 0013 8000"))
    response = send(client, report(category="street-vending", phone="13800138000"))
    assert response.status_code == 429
    assert "already sent several reports today" in " ".join(errors(response)["phone"])
    assert Case.objects.count() == 2
    assert send(client, report(category="street-vending", phone="13900139000")).status_code == 302


def test_rate_limit_counters_hold_no_phone_number_or_address(street, settings):
    from cases import ratelimit

    key = ratelimit._key("report-contact", "13800138000", 86400)
    assert "13800138000" not in key and "report-contact" in key


# ---------------------------------------------------------------------------- nearby


@pytest.fixture
def open_case(street):
    """An open litter case filed by someone else, with their personal data."""
    reporter = Reporter.objects.create(name="张先生", phone="13700137000", email="z@example.com")
    return workflow.file_case(
        actor=Actor.anonymous_reporter(),
        category=street.categories["litter"],
        description="我家楼下的垃圾（张先生 13700137000）",
        channel=Case.Channel.WEB,
        reporter=reporter,
        lat=HANGTIAN_POINT[0],
        lng=HANGTIAN_POINT[1],
        route=False,
    )


def test_open_cases_nearby_are_shown_before_filing_without_anyones_personal_data(
    client, street, open_case
):
    data = report(point=NEAR_POINT)
    response = send(client, data)
    page = response.content.decode()
    assert response.status_code == 200
    assert Case.objects.count() == 1  # nothing new
    assert open_case.number in page and "about 30 m away" in page
    for private in ("张先生", "13700137000", "z@example.com", "我家楼下"):
        assert private not in page
    seen = re.search(r'name="seen_nearby" value="([^"]*)"', page).group(1)
    assert open_case.number in seen.split(",")
    assert send(client, {**data, "seen_nearby": seen}).status_code == 302
    assert Case.objects.count() == 2


def test_far_closed_and_other_kinds_of_cases_are_not_nearby(street):
    far = factories.new_case(street, point=FAR_POINT)
    closed = factories.case_in(street, State.CLOSED)
    noise = factories.new_case(street, "noise")
    found = intake.nearby(street.categories["litter"], lat=NEAR_POINT[0], lng=NEAR_POINT[1])
    assert found == [] and {far.state, closed.state, noise.state} == {"reported", "closed"}
    near = factories.new_case(street)
    found = intake.nearby(street.categories["litter"], lat=NEAR_POINT[0], lng=NEAR_POINT[1])
    assert [(c.pk, c.distance) for c in found] == [(near.pk, 30)]


def test_the_reporter_may_follow_a_nearby_case_instead(client, street, open_case):
    data = report(point=NEAR_POINT, description="", phone="13900139000", follow=open_case.number)
    response = send(client, data)
    follower = Follower.objects.get()
    assert response["Location"] == f"/t/{follower.token}/sent/"
    assert (follower.case, follower.reporter.phone) == (open_case, "13900139000")
    assert Case.objects.count() == 1  # nothing new filed
    assert Event.objects.filter(case=open_case, kind="merge").count() == 1
    assert send(client, data)["Location"] == response["Location"]
    assert Follower.objects.count() == 1


def test_only_a_case_open_nearby_can_be_followed(client, street, open_case):
    far = factories.new_case(street, point=FAR_POINT)
    response = send(client, report(point=NEAR_POINT, follow=far.number))
    assert "no longer open near this place" in " ".join(errors(response)["__all__"])
    assert Follower.objects.count() == 0


def test_the_live_check_names_the_place_and_the_cases_nearby(client, street, open_case):
    near = f"lat={NEAR_POINT[0]}&lng={NEAR_POINT[1]}"
    page = client.get(f"/report/where/?category=litter&{near}", **ENGLISH).content.decode()
    assert "Place: Hangtian Xinyuan Estate 2" in page and open_case.number in page
    assert "张先生" not in page
    outside = f"lat={OUTSIDE_POINT[0]}&lng={OUTSIDE_POINT[1]}"
    page = client.get(f"/report/where/?category=litter&{outside}", **ENGLISH).content.decode()
    assert "outside Hongmei Street" in page
    page = client.get("/report/where/?area=compound-hangtian-2&category=litter").content.decode()
    assert open_case.number in page


def test_the_map_outlines_are_served_as_cached_geojson(client, street):
    response = client.get("/report/areas.geojson")
    data = response.json()
    assert response["Content-Type"] == "application/geo+json"
    assert "max-age=600" in response["Cache-Control"]
    names = {f["properties"]["name"] for f in data["features"]}
    assert {"虹梅街道", "航天新苑二村小区", "漕河泾开发区"} <= names
    assert data["features"][0]["properties"]["kind"] == "street"


# ---------------------------------------------------------------------------- focus


def tag_of(page, element_id):
    return re.search(rf'<(?:input|select|textarea)[^>]*id="{element_id}"[^>]*>', page).group(0)


def test_without_javascript_the_first_invalid_field_takes_the_focus_and_names_its_message(
    client, street
):
    page = send(client, report(description="", phone="123")).content.decode()
    assert page.count("autofocus") == 1
    description = tag_of(page, "id_description")
    assert "autofocus" in description and 'aria-invalid="true"' in description
    assert 'aria-describedby="id_description_error"' in description
    phone = tag_of(page, "id_phone")
    assert 'aria-invalid="true"' in phone and 'aria-describedby="id_phone_error"' in phone
    assert 'id="id_description_error"' in page and 'id="id_phone_error"' in page
    assert "aria-invalid" not in tag_of(page, "id_name")


def test_a_missing_category_puts_the_focus_on_the_first_choice(client, street):
    page = send(client, report(category="", description="")).content.decode()
    first = re.search(r'<input type="radio" name="category"[^>]*>', page).group(0)
    assert "autofocus" in first and 'aria-describedby="id_category_error"' in first
    assert page.count("autofocus") == 1 and 'id="id_category_error"' in page


def test_a_missing_place_puts_the_focus_on_the_list_of_places(client, street):
    page = send(client, report(point=None)).content.decode()
    places = tag_of(page, "id_area")
    assert "autofocus" in places and 'aria-invalid="true"' in places
    assert 'aria-describedby="id_lat_error"' in places and 'id="id_lat_error"' in page
