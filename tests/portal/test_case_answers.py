"""The staff case page shows the reporter's answers in question order, moments in the
street's local time, in the page's language: the same rows as the tracking page."""

import re

import pytest

from tests import factories
from tests.portal.helpers import signed_in

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
QUESTIONS = [
    {
        "code": "seen_at",
        "label": "发现时间",
        "label_en": "Seen at",
        "datatype": "datetime",
        "order": 2,
    },
    {"code": "shop_name", "label": "店铺名称", "label_en": "Shop name", "order": 1},
    {
        "code": "time_of_day",
        "label": "通常发生时段",
        "label_en": "When it usually happens",
        "datatype": "multivaluelist",
        "order": 3,
        "values": [
            {"key": "morning", "name": "早上", "name_en": "Morning"},
            {"key": "night", "name": "夜间", "name_en": "Night"},
        ],
    },
]


@pytest.fixture
def answered(street):
    category = street.categories["signboard"]
    category.questions = QUESTIONS
    category.save()
    return factories.new_case(
        street,
        "signboard",
        answers={
            "time_of_day": ["night", "morning"],
            "seen_at": "2026-11-23T02:30:00+00:00",
            "shop_name": "老王面馆",
        },
    )


def answer_rows(html):
    """The (label, answer) rows of the page's answers list."""
    block = re.search(r'<dl class="facts answers">(.*?)</dl>', html, re.S)
    assert block, "the page shows no answers"
    return re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", block.group(1), re.S)


def test_the_staff_page_shows_the_answers_in_question_order_and_local_time(
    client, street, answered
):
    html = signed_in(client, street, "dispatcher").get(f"/staff/cases/{answered.number}/")
    assert answer_rows(html.content.decode()) == [
        ("店铺名称", "老王面馆"),
        ("发现时间", "2026年11月23日 10:30"),
        ("通常发生时段", "夜间、早上"),
    ]


def test_the_staff_page_shows_the_answers_in_english_to_an_english_reader(client, street, answered):
    signed_in(client, street, "dispatcher")
    html = client.get(f"/staff/cases/{answered.number}/", **ENGLISH).content.decode()
    assert answer_rows(html) == [
        ("Shop name", "老王面馆"),
        ("Seen at", "11/23/2026 10:30 a.m."),
        ("When it usually happens", "Night, Morning"),
    ]


def test_the_staff_page_never_prints_a_stored_moment_raw(client, street, answered):
    html = signed_in(client, street, "dispatcher").get(f"/staff/cases/{answered.number}/")
    assert "2026-11-23T02:30" not in html.content.decode()


def test_the_staff_page_and_the_tracking_page_show_the_same_answers(client, street, answered):
    tracking = client.get(f"/t/{answered.token}/").content.decode()
    staff = signed_in(client, street, "dispatcher").get(f"/staff/cases/{answered.number}/")
    shown = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", tracking, re.S)
    rows = answer_rows(staff.content.decode())
    assert [row for row in shown if row in rows] == rows


def test_a_case_without_answers_shows_no_answers_list(client, street):
    case = factories.new_case(street, "litter")
    html = signed_in(client, street, "dispatcher").get(f"/staff/cases/{case.number}/")
    assert 'class="facts answers"' not in html.content.decode()
