"""The public street ledger (/ledger/, docs/ledger.md): its figures are the dashboard's,
it shows nothing of a person or a case's text, and its open data says the same."""

import csv
import io
import json

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import ledger, rollup
from cases.models import Reporter
from dashboard import board
from ledger import figures
from meetings import minutes
from tests.factories import act, aware, new_case
from tests.indicator_story import after_the_story, build
from tests.meetings import helpers

LEDGER = "/ledger/"
MONTHS = ("2026-09", "2026-10", "2026-11", "2026-12")


@pytest.fixture(autouse=True)
def _clock_after_the_story():
    """The story is dated autumn 2026; now is held just after it (1 December 2026)."""
    cache.clear()
    with after_the_story():
        yield
    cache.clear()


def _dashboard(street, month, by):
    """The dashboard's figures for `month` as the supervisor sees them, grouped `by`."""
    first = figures.Month.parse(month).first
    start, end = board.month_dates(first, aware(2026, 12, 1, 10, 0).date())
    config = board.Config.load()
    selection = config.selection(start, end)
    shown = board.build(street.users["supervisor"], selection, config, by=by)
    return shown.total, {row.key: row.figures for row in shown.breakdown}


def _same(ledger_figures, dashboard_figures):
    for name in ("filed", "dispatched", "closed", "resolve_due", "resolve_met"):
        assert getattr(ledger_figures, name) == getattr(dashboard_figures, name), name
    assert ledger_figures.on_time == dashboard_figures.on_time
    assert ledger_figures.satisfaction == dashboard_figures.satisfaction


@pytest.mark.parametrize("rolled_up", [True, False])
def test_every_ledger_figure_equals_the_dashboards_for_the_same_month_and_grain(street, rolled_up):
    build(street)
    if rolled_up:
        rollup.rebuild()
    assert [str(m) for m in figures.months()] == list(reversed(MONTHS))
    compared = 0
    for month in MONTHS:
        shown = figures.month_figures(figures.Month.parse(month))
        for grouping in ("category", "area", "party"):
            total, rows = _dashboard(street, month, grouping)
            _same(shown.total, total)
            lines = {line.key: line.figures for line in shown.groups[grouping]}
            assert set(lines) == set(rows) - ({None} if grouping == "party" else set())
            for key, line in lines.items():
                _same(line, rows[key])
                compared += 1
    assert compared > 10
    october = figures.month_figures(figures.Month.parse("2026-10")).total
    assert october.filed == 3  # B, D and E


def test_the_page_states_each_figure_with_its_formula_in_words(client, street):
    build(street)
    page = client.get(LEDGER, {"month": "2026-10"}).content.decode()
    october = figures.month_figures(figures.Month.parse("2026-10")).total
    assert f'data-figure="received">{october.filed}<' in page
    assert f"{october.on_time.percent}%" in page
    assert "按期处置率" in page and "按期完成的处置时限 ÷ 当月到期的处置时限" in page
    assert "满意率" in page and "（满意＋基本满意）÷ 当月评价数" in page
    assert "航天新苑居委会" in page  # by party


def test_a_bad_month_is_refused_plainly_and_an_unknown_one_is_not_found(client, street):
    assert client.get(LEDGER, {"month": "October"}).status_code == 400
    assert client.get(LEDGER, {"month": "2026-13"}).status_code == 400
    assert client.get(LEDGER, {"month": "2031-01"}).status_code == 404
    assert client.get("/ledger/data/figures.csv", {"month": "x"}).status_code == 400
    assert client.get("/ledger/data/secrets.csv").status_code == 404
    assert client.get("/ledger/data/figures.xml").status_code == 404


def _approved_meeting(street):
    meeting, item, decision = helpers.meeting_with_decided_case(street, measures="找王先生谈")
    minutes.approve(meeting, user=helpers.secretary(street))
    return meeting, item, decision


def test_nothing_of_a_person_or_a_cases_text_leaves_through_the_ledger(client, street):
    build(street)
    who = Reporter.objects.create(name="张秘密", phone="13912345678", email="zhang@example.com")
    case = new_case(
        street,
        description="隔壁王某某家门口堆满杂物",
        address="虹梅路秘密弄88号",
        at=aware(2026, 11, 20, 9, 0),
    )
    case.reporter = who
    case.save(update_fields=["reporter"])
    act(
        street,
        case,
        "dispatch",
        "dispatcher",
        lead_party=street.parties["rc-hangtian"],
        note="内部备注：请联系王先生",
        at=aware(2026, 11, 20, 9, 30),
    )
    new_case(street, "group-renting", point=(31.1701, 121.4001), at=aware(2026, 11, 21, 9, 0))
    _meeting, item, decision = _approved_meeting(street)
    ledger.seal_days(since=aware(2026, 9, 1, 0, 0).date())
    rollup.rebuild()

    bodies = [client.get(LEDGER).content.decode(), client.get("/ledger/map.json").content.decode()]
    for name in ("figures", "points", "decisions", "roots"):
        for fmt in ("csv", "json"):
            response = client.get(f"/ledger/data/{name}.{fmt}")
            assert response.status_code == 200
            bodies.append(response.content.decode())
    text = "\n".join(bodies)
    for secret in (
        "张秘密",
        "13912345678",
        "13800138000",
        "zhang@example.com",
        "王某某",
        "秘密弄",
        "王先生",
        case.number,
        case.token,
        item.title,  # a case item's title carries its number and address
        item.description,
        decision.measures,  # a case decision's measures stay with the case
        "dispatcher",
        "hangtian",
    ):
        assert secret not in text, secret
    points = json.loads(bodies[1])["points"]
    assert points and all(len(p) == 4 for p in points)
    assert not any(abs(p[0] - 31.1701) < 0.001 and abs(p[1] - 121.4001) < 0.001 for p in points)
    # The decided case shows as its category and area only, with the meeting's deadline.
    assert f"暴露垃圾/道路不洁 · {decision.case.area.label}" in bodies[0]


def test_the_map_snaps_points_to_about_fifty_metres_and_leaves_sensitive_categories_out(
    client, street
):
    new_case(street, "litter", point=(31.17812, 121.39549), at=aware(2026, 11, 25, 9, 0))
    new_case(street, "litter", point=(31.17808, 121.39551), at=aware(2026, 11, 25, 9, 5))
    new_case(street, "group-renting", point=(31.1785, 121.3955), at=aware(2026, 11, 25, 9, 0))
    new_case(street, "litter", point=(31.1785, 121.3955), at=aware(2026, 8, 1, 9, 0))  # >90 d
    points = client.get("/ledger/map.json").json()["points"]
    assert points == [[31.178, 121.3955, "reported", 2]]


def test_the_open_data_holds_the_pages_figures_with_the_documented_columns(client, street):
    build(street)
    rows = list(
        csv.reader(
            io.StringIO(
                client.get("/ledger/data/figures.csv?month=2026-10").content.decode("utf-8-sig")
            )
        )
    )
    assert rows[0] == [
        "group",
        "key",
        "name",
        "received",
        "dispatched",
        "closed",
        "due",
        "on_time",
        "on_time_rate",
        "rated",
        "satisfied",
        "satisfaction_rate",
    ]
    october = figures.month_figures(figures.Month.parse("2026-10")).total
    assert rows[1][:6] == [
        "total",
        "",
        "",
        str(october.filed),
        str(october.dispatched),
        str(october.closed),
    ]
    data = client.get("/ledger/data/figures.json?month=2026-10").json()
    assert data["month"] == "2026-10"
    assert data["rows"][0]["on_time_rate"] == october.on_time.percent
    page = client.get("/ledger/data/").content.decode()
    for column in rows[0]:
        assert f"<code>{column}</code>" in page


def test_the_daily_roots_are_published(client, street):
    new_case(street, at=aware(2026, 11, 30, 9, 0))
    sealed = ledger.seal_days(since=aware(2026, 11, 30, 9, 0).date())
    assert [d.leaves for d in sealed] == [1]
    assert sealed[0].root in client.get(LEDGER).content.decode()
    roots = client.get("/ledger/data/roots.json").json()["rows"]
    assert roots == [{"day": "2026-11-30", "root": sealed[0].root, "cases": 1}]


def test_the_page_reads_a_fixed_number_of_queries_and_then_the_cache(client, street):
    build(street)
    rollup.rebuild()
    client.get(LEDGER)  # warms the configuration caches
    cache.clear()
    with CaptureQueriesContext(connection) as first:
        assert client.get(LEDGER).status_code == 200
    for i in range(5):
        new_case(street, at=aware(2026, 11, 10 + i, 9, 0))
    cache.clear()
    with CaptureQueriesContext(connection) as more:
        client.get(LEDGER)
    with CaptureQueriesContext(connection) as cached:
        client.get(LEDGER)
    assert len(more) == len(first)
    assert len(cached) < len(first)
    # Cached, the page reads no case history at all.
    assert not any("cases_event" in q["sql"] for q in cached)
