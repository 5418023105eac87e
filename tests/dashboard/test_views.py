import csv
import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from cases import rollup
from cases.models import Case, State
from tests.factories import act, case_in
from tests.indicator_story import after_the_story, build

DASHBOARD = "/staff/dashboard/"
REPORT = "/staff/dashboard/report/"
EXPORT = "/staff/dashboard/export.csv"
STORY = {"start": "2026-09-28", "end": "2026-10-31"}


@pytest.fixture(autouse=True)
def _clock_after_the_story():
    """The story is dated autumn 2026 and its figures are read as of now: now is held just
    after it, whatever the day the suite runs."""
    with after_the_story():
        yield


@pytest.fixture
def signed_in(client, street):
    def as_user(username):
        client.force_login(street.users[username])
        return client

    return as_user


def test_strangers_sign_in_first_and_non_staff_are_refused(client, street, django_user_model):
    assert client.get(DASHBOARD).status_code == 302
    assert client.get(DASHBOARD)["Location"].startswith("/staff/login/")
    client.force_login(django_user_model.objects.create_user("nobody"))
    assert client.get(DASHBOARD).status_code == 403
    assert client.get(EXPORT).status_code == 403
    assert client.get(REPORT).status_code == 403


def test_supervisor_sees_the_hand_computed_figures(signed_in, street):
    build(street)
    page = signed_in("supervisor").get(DASHBOARD, STORY).content.decode()
    # On-time 5 of 7, closure 4 of 5, return 1 of 6 (tests/cases/test_indicators.py).
    assert "71.4%" in page and "80%" in page and "16.7%" in page
    assert "航天新苑居委会" in page and "钦北居委会" in page


def test_handler_sees_only_their_own_partys_figures(signed_in, street):
    build(street)
    client = signed_in("qinbei")
    page = client.get(DASHBOARD, STORY).content.decode()
    assert "钦北居委会" in page
    assert "航天新苑居委会" not in page  # neither ranked nor offered as a filter
    # 钦北 received one dispatch and returned it.
    assert "100%" in page
    other = street.parties["rc-hangtian"].pk
    refused = client.get(DASHBOARD, {**STORY, "party": other}).content.decode()
    assert "航天新苑居委会" not in refused
    assert 'class="errorlist"' in refused


def test_handler_lists_hold_only_cases_they_may_see(signed_in, street):
    overdue = case_in(street, State.IN_PROGRESS, at=timezone.now() - timedelta(days=20))
    assert overdue.is_overdue()
    seen = signed_in("hangtian").get(DASHBOARD).content.decode()
    assert f'href="/staff/cases/{overdue.number}/"' in seen
    hidden = signed_in("qinbei").get(DASHBOARD).content.decode()
    assert overdue.number not in hidden


def test_supervised_cases_are_listed(signed_in, street):
    case = case_in(street, State.IN_PROGRESS, at=timezone.now() - timedelta(days=20))
    act(street, case, "supervise", "supervisor", note="请加快")
    page = signed_in("dispatcher").get(DASHBOARD).content.decode()
    supervised = page.split('id="supervised-heading"')[1]
    assert case.number in supervised
    assert "/staff/cases/?supervised=1" in supervised


def test_a_bad_range_is_explained_next_to_the_field_and_this_month_shown(signed_in):
    page = signed_in("supervisor").get(DASHBOARD, {"start": "2026-10-09", "end": "2026-10-01"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "起始日期不能晚于截止日期。" in text
    assert 'value="2026-10-09"' in text  # nothing the user typed is lost
    assert page.context["board"].selection.start == timezone.localdate().replace(day=1)


def test_english_pages_speak_english(signed_in):
    client = signed_in("supervisor")
    page = client.get(DASHBOARD, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "On-time resolution" in page and "Ranking of parties" in page


def test_csv_has_a_byte_order_mark_and_one_row_per_party(signed_in, street):
    build(street)
    response = signed_in("supervisor").get(EXPORT, {**STORY, "by": "party"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body[1:])))
    assert rows[0][0] == "责任单位"
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {"航天新苑居委会", "永兆居委会", "钦北居委会"}
    header = rows[0]
    hangtian = dict(zip(header, by_name["航天新苑居委会"], strict=True))
    assert hangtian["按期处置率（%）"] == "66.7"
    assert hangtian["处置用时中位数（工作小时）"] == "45.0"


def test_handlers_csv_is_limited_to_their_party(signed_in, street):
    build(street)
    body = signed_in("yongzhao").get(EXPORT, {**STORY, "by": "category"}).content.decode()
    rows = list(csv.reader(io.StringIO(body[1:])))
    # 永兆 handled B once after reopening: one garbage-sorting case, on time.
    assert [row[0] for row in rows[1:]] == ["垃圾分类"]


def test_monthly_report_shows_the_months_figures(signed_in, street):
    build(street)
    page = signed_in("supervisor").get(REPORT, {"month": "2026-10"}).content.decode()
    assert "虹梅街道案件月度报告（2026-10）" in page
    assert "71.4%" in page
    assert '<svg class="chart outline-map"' in page
    assert "垃圾分类" in page  # the table by category


def test_report_refuses_a_month_to_come(signed_in):
    next_month = (timezone.localdate().replace(day=28) + timedelta(days=7)).strftime("%Y-%m")
    page = signed_in("supervisor").get(REPORT, {"month": next_month}).content.decode()
    assert "请选择本月或更早的月份。" in page


def many_cases(street, count):
    """Cases in every state of the workflow, some overdue and some supervised."""
    past = timezone.now() - timedelta(days=10)
    for i in range(count):
        state = [State.CLOSED, State.IN_PROGRESS, State.DISPATCHED, State.RESOLVED][i % 4]
        case = case_in(street, state, at=past + timedelta(hours=i))
        if state == State.IN_PROGRESS:
            act(street, case, "supervise", "supervisor")


@pytest.mark.parametrize("username", ["supervisor", "hangtian"])
def test_dashboard_queries_stay_the_same_whatever_the_data(
    signed_in, street, username, django_assert_num_queries
):
    client = signed_in(username)
    client.get(DASHBOARD)  # warm the configuration caches
    many_cases(street, 4)
    rollup.rebuild()
    with django_assert_num_queries(QUERIES[username]):
        assert (
            client.get(DASHBOARD, {"category": street.categories["litter"].pk}).status_code == 200
        )
    many_cases(street, 12)
    rollup.rebuild(now=timezone.now() - timedelta(days=5))
    assert Case.objects.count() == 16
    with django_assert_num_queries(QUERIES[username]):
        assert (
            client.get(DASHBOARD, {"category": street.categories["litter"].pk}).status_code == 200
        )


# Session, user, memberships, parties, areas, the watermark (three times), four figure
# groupings, two histograms and their live part, the trend and its live part, aging, the
# overdue and the supervised list and counts; the notification bell's unread count. A handler's
# parties come with their memberships (cases.people), so both roles cost the same.
# The supervisor's page also reads the recurring places (one query over proposals).
QUERIES = {"supervisor": 24, "hangtian": 23}


def test_report_and_csv_queries_stay_the_same(signed_in, street, django_assert_num_queries):
    client = signed_in("supervisor")
    client.get(REPORT)
    client.get(EXPORT)
    many_cases(street, 4)
    rollup.rebuild()
    with django_assert_num_queries(23):
        assert client.get(REPORT).status_code == 200
    with django_assert_num_queries(10):  # 9 and the export's audit row
        assert client.get(EXPORT).status_code == 200
    many_cases(street, 12)
    with django_assert_num_queries(23):
        assert client.get(REPORT).status_code == 200
    with django_assert_num_queries(10):
        assert client.get(EXPORT).status_code == 200


def test_each_figure_carries_its_definition_and_the_filters_fold(signed_in, street):
    html = signed_in("supervisor").get(DASHBOARD).content.decode()
    assert html.count('<p class="definition">') == 9
    assert "按已结案案件计" in html  # the rework rate says it counts closed cases
    assert 'data-indicator="on_time_dispatch"' in html and "按期派遣率" in html
    assert '<details class="card dashboard-filters no-print" id="dashboard-filters" open>' in html
    # The hotspot map is a named region, not an image holding Leaflet's controls.
    assert re.search(r'<div id="hotspot-map" class="map hotspot-map" [^>]*role="region"', html)
