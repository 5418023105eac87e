"""The time left on a deadline reads as people say it on the case page: never
"剩余 0.0 个工作小时"."""

from datetime import datetime

import pytest
from django.utils import translation

from portal.views_case import Deadline

DUE = datetime(2026, 11, 23, 17, 0)


@pytest.mark.parametrize(
    ("hours_left", "calendar", "words"),
    [
        (3.5, False, "剩余3.5个工作小时"),
        (3.0, False, "剩余3个工作小时"),
        (3.26, False, "剩余3.5个工作小时"),
        (0.04, False, "剩余不足1个工作小时"),
        (0.0, False, "剩余不足1个工作小时"),
        (-0.2, False, "已超期，不足1个工作小时"),
        (-2.0, False, "已超期2个工作小时"),
        (5.0, True, "剩余5小时"),
        (0.5, True, "剩余不足1小时"),
        (-30.0, True, "已超期30小时"),
    ],
)
def test_time_left_is_said_in_whole_or_half_hours(hours_left, calendar, words):
    with translation.override("zh-hans"):
        assert str(Deadline("处置时限", DUE, hours_left, calendar).remaining) == words


def test_english_says_it_too():
    with translation.override("en"):
        assert Deadline("Resolve by", DUE, 0.3, False).remaining == (
            "less than one working hour left"
        )
