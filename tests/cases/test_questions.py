"""A category's questions and the answers as every page shows them (cases/questions.py),
stated from what a reader expects: question order, the street's local time, the page's
language, and nothing shown for what was not answered."""

import pytest
from django.utils import translation

from cases.i18n import localised
from cases.models import Case, Category
from cases.questions import answers_shown, form_field, is_required, ordered

SHOP = {"code": "shop", "label": "店铺名称", "label_en": "Shop name", "order": 1}
SEEN = {
    "code": "seen",
    "label": "发现时间",
    "label_en": "Seen at",
    "datatype": "datetime",
    "order": 2,
}
KINDS = {
    "code": "kinds",
    "label": "车辆类型",
    "label_en": "Kind of bikes",
    "datatype": "multivaluelist",
    "order": 3,
    "values": [
        {"key": "shared", "name": "共享单车", "name_en": "Shared bikes"},
        {"key": "ebike", "name": "电动自行车", "name_en": "E-bikes"},
    ],
}
WHEN = {
    "code": "when",
    "label": "时段",
    "datatype": "singlevaluelist",
    "order": 4,
    "values": [{"key": "night", "name": "夜间"}],
}
# Stored out of order, as an admin may well have typed them.
QUESTIONS = [KINDS, SEEN, WHEN, SHOP]


def case_with(answers, questions=QUESTIONS):
    return Case(category=Category(code="x", name="x", questions=questions), answers=answers)


def shown(answers, language="zh-hans", questions=QUESTIONS):
    with translation.override(language):
        return answers_shown(case_with(answers, questions))


# ---------------------------------------------------------------------------- order


def test_answers_follow_the_order_of_the_questions_not_the_order_stored():
    answers = {"when": "night", "shop": "老王面馆", "kinds": ["ebike"]}
    assert [label for label, _ in shown(answers)] == ["店铺名称", "车辆类型", "时段"]


def test_questions_are_asked_by_their_order_and_ties_keep_the_order_stored():
    first = {"code": "b", "order": 1}
    second = {"code": "a", "order": 1}
    unordered = {"code": "c"}
    category = Category(questions=[first, second, unordered])
    assert ordered(category) == [unordered, first, second]


def test_a_category_without_questions_asks_none_and_shows_none():
    assert ordered(Category(questions=None)) == []
    assert shown({"shop": "老王面馆"}, questions=[]) == []


# ---------------------------------------------------------------------------- formatting


def test_a_moment_is_shown_in_shanghai_time_in_the_short_format():
    assert shown({"seen": "2026-11-23T02:30:00+00:00"}) == [("发现时间", "2026年11月23日 10:30")]
    english = shown({"seen": "2026-11-23T02:30:00+00:00"}, "en")
    assert english == [("Seen at", "11/23/2026 10:30 a.m.")]


def test_a_moment_given_without_a_zone_is_taken_to_be_shanghai_time():
    assert shown({"seen": "2026-11-23T21:05"}) == [("发现时间", "2026年11月23日 21:05")]


def test_a_date_alone_is_shown_as_a_date():
    assert shown({"seen": "2026-11-23"}) == [("发现时间", "2026年11月23日")]


def test_text_that_is_not_a_moment_is_shown_as_given():
    assert shown({"seen": "昨天晚上"}) == [("发现时间", "昨天晚上")]


def test_text_that_looks_like_a_date_stays_as_typed_in_a_text_answer():
    assert shown({"shop": "2026-11-23"}) == [("店铺名称", "2026-11-23")]


def test_a_list_answer_shows_the_names_of_its_values_one_after_the_other():
    answers = {"kinds": ["shared", "ebike"]}
    assert shown(answers) == [("车辆类型", "共享单车、电动自行车")]
    assert shown(answers, "en") == [("Kind of bikes", "Shared bikes, E-bikes")]


def test_a_number_is_shown_as_stored_even_when_it_is_zero():
    questions = [{"code": "floors", "label": "楼层", "datatype": "number"}]
    assert shown({"floors": 0}, questions=questions) == [("楼层", "0")]


# ---------------------------------------------------------------------------- language


def test_labels_and_value_names_are_in_the_pages_language():
    answers = {"shop": "老王面馆", "kinds": ["shared"]}
    assert shown(answers, "en") == [("Shop name", "老王面馆"), ("Kind of bikes", "Shared bikes")]
    assert shown(answers, "zh-hans") == [("店铺名称", "老王面馆"), ("车辆类型", "共享单车")]


def test_the_english_page_falls_back_to_chinese_where_no_english_is_given():
    assert shown({"when": "night"}, "en") == [("时段", "夜间")]


def test_localised_takes_english_only_on_english_pages_and_only_when_given():
    with translation.override("en"):
        assert localised("航天新苑", "Hangtian") == "Hangtian"
        assert localised("航天新苑", "") == "航天新苑"
    with translation.override("zh-hans"):
        assert localised("航天新苑", "Hangtian") == "航天新苑"


def test_the_form_asks_a_question_with_its_label_and_choices_in_the_pages_language():
    with translation.override("en"):
        field = form_field(KINDS)
        assert field.label == "Kind of bikes (optional)"
        assert list(field.choices) == [("shared", "Shared bikes"), ("ebike", "E-bikes")]
    with translation.override("zh-hans"):
        assert form_field({**SHOP, "required": True}).label == "店铺名称"


# ---------------------------------------------------------------------------- missing


@pytest.mark.parametrize("empty", [None, "", []])
def test_unanswered_questions_are_left_out(empty):
    assert shown({"shop": empty, "when": "night"}) == [("时段", "夜间")]


def test_a_case_without_answers_shows_none():
    assert shown({}) == []
    assert shown(None) == []


def test_answers_to_questions_the_category_no_longer_asks_are_left_out():
    assert shown({"retired": "旧问题的回答", "shop": "老王面馆"}) == [("店铺名称", "老王面馆")]


def test_a_value_the_question_no_longer_offers_is_shown_by_its_key():
    assert shown({"when": "dawn"}) == [("时段", "dawn")]


@pytest.mark.parametrize(
    ("question", "required"),
    [
        ({"code": "building", "required": True}, True),
        ({"code": "building", "required": False}, False),
        ({"code": "building"}, False),
        # A shop, a company or a plate names somebody else: never required.
        ({"code": "shop_name", "required": True}, False),
        ({"code": "plate_number", "required": True}, False),
        ({"code": "owner", "required": True, "third_party": True}, False),
        # A question may say it names nobody, whatever its code.
        ({"code": "shop_name", "required": True, "third_party": False}, True),
    ],
)
def test_a_question_naming_a_third_party_is_never_required(question, required):
    assert is_required(question) is required


def test_an_optional_question_says_so_and_a_third_partys_name_may_be_left_empty():
    with translation.override("zh-hans"):
        shop = form_field({**SHOP, "code": "shop_name", "required": True})
        building = form_field({"code": "building", "label": "楼号", "required": True})
        assert str(shop.help_text) == "不知道可以不填。"
    assert (str(shop.label), shop.required) == ("店铺名称（选填）", False)
    assert (str(building.label), building.help_text) == ("楼号", "")
