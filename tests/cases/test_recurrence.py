"""Recurring problems found in the cases (cases/recurrence.py): the same place within the
category's radius, the same shop however it is written, N reports in D days per category,
and one case reworked or reopened twice."""

from datetime import timedelta

from cases import recurrence
from cases.models import Category
from cases.questions import shop_key
from tests import factories
from tests.factories import HANGTIAN_POINT

NOW = factories.aware(2026, 11, 20, 10)


def metres_north(point, metres, east=0.0):
    """A point `metres` north (and `east` metres east) of `point`."""
    return (point[0] + metres / 111_320, point[1] + east / (111_320 * 0.8557))


def report(street, category="noise", *, days_ago=1, point=HANGTIAN_POINT, **kwargs):
    return factories.new_case(
        street, category, point=point, at=NOW - timedelta(days=days_ago), **kwargs
    )


def found(street, code):
    category = Category.objects.get(code=code)  # as saved, not the shared fixture's copy
    return recurrence.detect(now=NOW, categories=[category])


def test_five_reports_within_100_metres_in_the_window_are_one_recurring_place(street):
    cases = [
        report(street, days_ago=d, point=metres_north(HANGTIAN_POINT, 20 * i, east=10 * i))
        for i, d in enumerate((9, 7, 5, 3, 1))
    ]
    [cluster] = found(street, "noise")
    assert cluster.kind == recurrence.Kind.PLACE
    assert cluster.case_ids == sorted(c.pk for c in cases)
    assert (cluster.first_at, cluster.last_at) == (cases[0].created_at, cases[-1].created_at)
    assert (cluster.lat, cluster.lng) == (cases[0].lat, cases[0].lng)


def test_four_reports_are_not_yet_recurring(street):
    for d in (4, 3, 2, 1):
        report(street, days_ago=d)
    assert found(street, "noise") == []


def test_reports_beyond_the_radius_or_the_window_do_not_count(street):
    for d in (4, 3, 2, 1):
        report(street, days_ago=d)
    report(street, days_ago=1, point=metres_north(HANGTIAN_POINT, 150))  # too far
    report(street, days_ago=31)  # before the 30-day window
    report(street, "litter", days_ago=1)  # another category
    assert found(street, "noise") == []


def test_rejected_reports_do_not_count(street):
    for d in (4, 3, 2, 1):
        report(street, days_ago=d)
    rejected = report(street, days_ago=1)
    factories.act(
        street, rejected, "reject", "dispatcher", reason="重复", at=NOW - timedelta(hours=1)
    )
    assert found(street, "noise") == []


def test_the_thresholds_are_the_categorys_own(street):
    Category.objects.filter(code="noise").update(
        recurrence_reports=3, recurrence_days=7, recurrence_metres=300
    )
    report(street, days_ago=6)
    report(street, days_ago=5, point=metres_north(HANGTIAN_POINT, 250))
    report(street, days_ago=8)  # outside 7 days
    assert found(street, "noise") == []
    report(street, days_ago=1)
    [cluster] = found(street, "noise")
    assert cluster.size == 3


def test_a_category_with_no_threshold_is_never_recurring(street):
    Category.objects.filter(code="noise").update(recurrence_reports=0)
    for d in range(1, 8):
        report(street, days_ago=d)
    assert found(street, "noise") == []


def test_one_shop_written_two_ways_is_one_recurring_shop_wherever_reported(street):
    names = ["老王面馆", "老王面馆（虹梅路店）", "老王 面馆", "老王面馆", "老王面馆。"]
    for i, name in enumerate(names):
        far = metres_north(HANGTIAN_POINT, 300 * i)  # each beyond the radius of the last
        report(street, "signboard", days_ago=i + 1, point=far, answers={"shop_name": name})
    [cluster] = found(street, "signboard")
    assert (cluster.kind, cluster.shop, cluster.size) == (recurrence.Kind.SHOP, "老王面馆", 5)


def test_shop_names_are_normalised():
    class Signboard:
        questions = [{"code": "shop_name"}]

    class Litter:
        questions = []

    assert shop_key(Signboard, {"shop_name": " 川味小厨(虹梅路店) "}) == "川味小厨"
    assert shop_key(Signboard, {"shop_name": "ＫＦＣ 肯德基"}) == "kfc肯德基"
    assert shop_key(Signboard, {}) == ""
    assert shop_key(Litter, {"shop_name": "川味小厨"}) == ""


def test_a_case_reworked_twice_is_recurring_on_its_own(street):
    case = factories.case_in(street, "resolved", category="noise", at=NOW - timedelta(days=5))
    at = NOW - timedelta(days=4)
    case = factories.act(street, case, "rework", "inspector", reason="未整改", at=at)
    assert found(street, "noise") == []
    case = factories.act(
        street, case, "resolve", "hangtian", note="已整改", open_shares_reason="无", at=at
    )
    case = factories.act(street, case, "rework", "inspector", reason="仍未整改", at=at)
    [cluster] = found(street, "noise")
    assert (cluster.kind, cluster.case_ids) == (recurrence.Kind.REPEAT, [case.pk])


def test_the_window_read_is_bounded(street, django_assert_max_num_queries):
    for d in (4, 3, 2, 1):
        report(street, days_ago=d)
    categories = [street.categories[c] for c in ("noise", "litter", "signboard")]
    with django_assert_max_num_queries(2 * len(categories)):
        recurrence.detect(now=NOW, categories=categories)
