"""/find/ and /mine/ (我的反映): a reporter who lost the private link gets their cases back
with a one-time code sent to the contact they gave; the pages answer alike whether or not
the details match, and asking is rate-limited."""

import re

import pytest
from django.core.cache import cache
from django.test import Client

from cases import sms
from cases.models import Reporter
from tests import factories

PHONE = "13800138000"


@pytest.fixture(autouse=True)
def texts(settings):
    cache.clear()
    settings.HONGMEI_SMS_BACKEND = "cases.sms.MemoryBackend"
    sms.MemoryBackend.outbox = []
    return sms.MemoryBackend.outbox


@pytest.fixture
def cases(street):
    """Two cases of one mobile number, one of another."""
    mine = [
        factories.new_case(street, category, reporter=Reporter.objects.create(phone=PHONE))
        for category in ("litter", "noise")
    ]
    other = factories.new_case(street, reporter=Reporter.objects.create(phone="13900139000"))
    return mine, other


def input_tag(page, field):
    return re.search(rf'<input[^>]*id="id_{field}"[^>]*>', page).group(0)


def code_in(texts):
    """The code of the last code message (other messages carry case numbers)."""
    (text,) = [text for _, text in texts if "验证码" in text][-1:]
    return re.search(r"验证码是 (\d{6})", text).group(1)


def without_echoes(html):
    return re.sub(
        r'(csrfmiddlewaretoken" value=|X-CSRFToken": |name="next" value=)"[^"]+"', "", html
    )


def test_a_case_is_found_by_its_number_and_a_code_sent_to_the_phone(client, cases, texts):
    case = cases[0][1]
    asked = client.post("/find/", {"number": case.number, "contact": "138 0013 8000"})
    assert (asked.status_code, asked["Location"]) == (302, "/find/code/")
    assert [phone for phone, _ in texts] == [PHONE]
    assert "如果信息与案件相符" in client.get("/find/code/").content.decode()
    opened = client.post("/find/code/", {"code": code_in(texts)})
    assert (opened.status_code, opened["Location"]) == (302, f"/t/{case.token}/")


def test_details_that_match_nothing_get_the_same_answer_and_no_message(client, cases, texts):
    case, other = cases[0][0], cases[1]
    answers = []
    for number, contact in [(case.number, PHONE), (other.number, PHONE)]:
        response = client.post("/find/", {"number": number, "contact": contact})
        page = without_echoes(client.get(response["Location"]).content.decode())
        answers.append((response.status_code, response["Location"], page))
    assert answers[0] == answers[1]
    assert len(texts) == 1  # only for the matching pair


def test_a_wrong_code_is_said_next_to_the_field_and_five_end_the_code(client, cases, texts):
    client.post("/find/", {"number": cases[0][0].number, "contact": PHONE})
    code = code_in(texts)
    wrong = "000000" if code != "000000" else "111111"
    page = client.post("/find/code/", {"code": wrong}).content.decode()
    assert "验证码不正确" in page
    tag = input_tag(page, "code")
    assert 'aria-invalid="true"' in tag and 'aria-describedby="id_code_error"' in tag
    assert 'id="id_code_error"' in page and "autofocus" in tag
    for _ in range(4):
        page = client.post("/find/code/", {"code": wrong}).content.decode()
    assert "输错次数过多" in page
    assert "输错次数过多" in client.post("/find/code/", {"code": code}).content.decode()


def test_the_code_page_without_a_question_leads_back_to_find(client, db):
    response = client.get("/find/code/")
    assert (response.status_code, response["Location"]) == (302, "/find/")


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"number": "", "contact": PHONE}, "number", "请填写案件编号"),
        ({"number": "case 12", "contact": PHONE}, "number", "HM-2026-000123"),
        ({"number": "HM-2026-000001", "contact": "12345"}, "contact", "11 位"),
        ({"number": "HM-2026-000001", "contact": ""}, "contact", "11 位"),
    ],
)
def test_bad_input_is_answered_next_to_its_field(client, db, texts, data, field, message):
    page = client.post("/find/", data).content.decode()
    error = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', page, re.S)
    assert error and message in error.group(1)
    tag = input_tag(page, field)
    assert 'aria-invalid="true"' in tag and "autofocus" in tag
    assert f'aria-describedby="id_{field}_helptext id_{field}_error"' in tag or (
        f'aria-describedby="id_{field}_error"' in tag
    )
    assert texts == []


def test_the_first_invalid_field_takes_the_focus(client, db):
    page = client.post("/find/", {"number": "", "contact": ""}).content.decode()
    assert page.count("autofocus") == 1
    assert "autofocus" in input_tag(page, "number")


def test_asking_for_codes_is_limited_per_contact(client, cases, texts, settings):
    settings.HONGMEI_CODES_PER_CONTACT_HOUR = 2
    number = cases[0][0].number
    statuses = [
        client.post("/find/", {"number": number, "contact": PHONE}).status_code for _ in range(3)
    ]
    assert statuses == [302, 302, 429]
    assert len(texts) == 2


def test_asking_for_codes_is_limited_per_address(client, cases, texts, settings):
    settings.HONGMEI_CODES_PER_IP_HOUR = 2
    contacts = ["13900000001", "13900000002", PHONE]
    statuses = [client.post("/mine/", {"contact": contact}).status_code for contact in contacts]
    assert statuses == [302, 302, 429]
    assert texts == []  # the third, the only one that matches, was never asked


def test_my_reports_lists_every_case_of_the_contact_after_the_code(client, cases, texts):
    (first, second), other = cases
    assert "获取验证码" in client.get("/mine/").content.decode()
    client.post("/mine/", {"contact": PHONE})
    response = client.post("/find/code/", {"code": code_in(texts)})
    assert response["Location"] == "/mine/"
    page = client.get("/mine/").content.decode()
    for case in (first, second):
        assert case.number in page and f'href="/t/{case.token}/"' in page
    assert other.number not in page and other.token not in page
    assert page.count("已收到，正在安排处理") == 2 and "待受理" not in page


def test_the_list_closes_on_request(client, cases, texts):
    client.post("/mine/", {"contact": PHONE})
    client.post("/find/code/", {"code": code_in(texts)})
    client.post("/mine/end/")
    page = client.get("/mine/").content.decode()
    assert cases[0][0].number not in page and "获取验证码" in page


def test_the_list_needs_the_code_of_this_browser(client, cases, texts):
    client.post("/mine/", {"contact": PHONE})
    client.post("/find/code/", {"code": code_in(texts)})
    stranger = Client()
    assert cases[0][0].number not in stranger.get("/mine/").content.decode()


def test_the_form_and_the_confirmation_link_to_find_and_mine(client, street):
    for html in (client.get("/").content.decode(),):
        assert 'href="/find/"' in html and 'href="/mine/"' in html and "我的反映" in html
    case = factories.new_case(street)
    sent = client.get(f"/t/{case.token}/sent/").content.decode()
    assert 'href="/find/"' in sent and 'href="/mine/"' in sent
    assert "截屏" in sent and "收藏" in sent
