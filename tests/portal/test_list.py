"""The case list: filters, Chinese search, keyset pages, constant queries, saved filters,
the map's data and the CSV export."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases import search
from cases.models import Case, SavedFilter, State
from portal import queues
from portal import views as views_staff
from tests import factories
from tests.portal.helpers import signed_in


def numbers(response):
    html = response.content.decode()
    return {n for n in Case.objects.values_list("number", flat=True) if f">{n}</a>" in html}


@pytest.fixture
def cases(street):
    """A small street of cases with distinct words and places."""
    fumes = factories.new_case(street, "cooking-fumes", description="川味小厨油烟直排，楼上住户")
    noise = factories.new_case(street, "noise", description="夜间施工噪声很大，影响休息")
    litter = factories.case_in(street, State.IN_PROGRESS, description="绿化带里有暴露垃圾")
    park = factories.new_case(
        street, "bike-parking", description="地铁口共享单车堆成一片", point=(31.16, 121.405)
    )
    return {"fumes": fumes, "noise": noise, "litter": litter, "park": park}


def test_search_finds_two_character_chinese_words(client, street, cases):
    signed_in(client, street, "dispatcher")
    assert numbers(client.get("/staff/cases/?q=油烟")) == {cases["fumes"].number}
    assert numbers(client.get("/staff/cases/?q=噪声")) == {cases["noise"].number}
    assert numbers(client.get("/staff/cases/?q=共享单车")) == {cases["park"].number}


def test_search_finds_substrings_words_do_not_cover(client, street, cases):
    signed_in(client, street, "dispatcher")
    # "烟直" is no word; the character pairs find it, and three characters the trigrams.
    assert numbers(client.get("/staff/cases/?q=烟直")) == {cases["fumes"].number}
    assert numbers(client.get("/staff/cases/?q=小厨油")) == {cases["fumes"].number}
    assert numbers(client.get("/staff/cases/?q=油烟 噪声")) == set()


def test_search_by_case_number_is_exact(client, street, cases):
    signed_in(client, street, "dispatcher")
    number = cases["noise"].number
    assert numbers(client.get(f"/staff/cases/?q={number.lower()}")) == {number}


def test_search_text_is_never_read_as_query_syntax(street, cases):
    """Operators are searched as text (no error, and no case has them); the words around
    them still find their case."""
    for query in ("'", "a:*", "\\", "|||", "& ! |"):
        assert list(search.matching(Case.objects.all(), query)) == [], query
    found = search.matching(Case.objects.all(), "油烟 & !")
    assert {c.number for c in found} == {cases["fumes"].number}


def test_without_postgresql_search_falls_back_to_substrings(street, cases, monkeypatch):
    monkeypatch.setattr(search, "uses_postgres", lambda: False)
    found = search.matching(Case.objects.all(), "油烟直排")
    assert [c.number for c in found] == [cases["fumes"].number]


def test_tokens_hold_words_and_character_pairs():
    words = search.tokens("油烟机噪声扰民")
    assert {"油烟", "油烟机", "噪声", "扰民", "烟机", "声扰"} <= set(words)


def test_filters_narrow_the_list(client, street, cases):
    signed_in(client, street, "dispatcher")
    get = lambda query: numbers(client.get(f"/staff/cases/?{query}"))  # noqa: E731
    assert get(f"state={State.IN_PROGRESS}") == {cases["litter"].number}
    assert get("state=open") == {c.number for c in cases.values()}
    city = street.categories["city-appearance"]  # main category: litter and cooking fumes
    assert get(f"category={city.pk}") == {cases["litter"].number, cases["fumes"].number}
    hangtian = street.areas["community-hangtian"]  # covers its compounds
    assert get(f"area={hangtian.pk}") == {cases[k].number for k in ("fumes", "noise", "litter")}
    assert get(f"party={street.parties['rc-hangtian'].pk}") == {cases["litter"].number}
    assert get(f"party={street.parties['rc-yongzhao'].pk}") == {cases["litter"].number}
    assert get("channel=patrol") == set()
    today = timezone.localdate()
    assert len(get(f"filed_from={today}&filed_to={today}")) == 4
    assert get(f"filed_to={today - timedelta(days=1)}") == set()


def test_overdue_and_due_soon_filters(client, street):
    old = timezone.now() - timedelta(days=30)
    overdue = factories.case_in(street, State.DISPATCHED, at=old)
    fresh = factories.case_in(street, State.IN_PROGRESS)
    signed_in(client, street, "dispatcher")
    assert numbers(client.get("/staff/cases/?overdue=on")) == {overdue.number}
    assert fresh.number not in numbers(client.get("/staff/cases/?overdue=on"))


def test_supervised_filter_lists_open_cases_under_supervision(client, street):
    supervised = factories.case_in(street, State.IN_PROGRESS)
    factories.act(street, supervised, "supervise", "supervisor", note="请加快")
    closed = factories.case_in(street, State.RESOLVED)
    factories.act(street, closed, "supervise", "supervisor", note="请核查")
    factories.act(street, closed, "verify", "inspector")
    factories.case_in(street, State.IN_PROGRESS)
    signed_in(client, street, "dispatcher")
    # The dashboard links here with ?supervised=1.
    assert numbers(client.get("/staff/cases/?supervised=1")) == {supervised.number}


def test_keyset_pages_walk_every_case_once_in_order(client, street):
    # New cases have no deadline (NULL due_at, sorted last), dispatched ones have one.
    made = [factories.new_case(street) for _ in range(3)]
    made += [factories.case_in(street, State.DISPATCHED) for _ in range(3)]
    signed_in(client, street, "dispatcher")
    for sort in ("newest", "oldest", "due"):
        seen, url = [], f"/staff/cases/?sort={sort}&size=2"
        while url:
            page = client.get(url)
            seen.extend(sorted(numbers(page)))
            after = page.context["page"].next_cursor
            url = f"/staff/cases/?sort={sort}&size=2&after={after}" if after else None
        assert sorted(seen) == sorted(c.number for c in made), sort


def test_a_broken_cursor_shows_the_first_page(client, street, cases):
    signed_in(client, street, "dispatcher")
    assert len(numbers(client.get("/staff/cases/?after=%%%not-base64"))) == 4


def queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


@pytest.mark.parametrize("username", ["dispatcher", "hangtian", "supervisor", "inspector"])
def test_list_and_queue_pages_run_the_same_queries_whatever_the_page_size(client, street, username):
    for _ in range(6):
        factories.case_in(street, State.DISPATCHED)
        factories.new_case(street)
    signed_in(client, street, username)
    client.get("/staff/")  # memberships cached on the user, sessions warmed
    for url in ("/staff/cases/?state=open", "/staff/", "/staff/cases/?q=垃圾"):
        small, large = (
            queries(client, f"{url}&size=2" if "?" in url else f"{url}?size=2"),
            (queries(client, f"{url}&size=50" if "?" in url else f"{url}?size=50")),
        )
        assert small == large, url
        assert large <= 12, url


def test_queue_tab_counts_stop_at_the_cap(street):
    for _ in range(4):
        factories.new_case(street)
    assert queues.capped_count(Case.objects.all(), cap=3) == 3
    assert queues.count_label(3, cap=3) == "2+"
    assert queues.count_label(2, cap=3) == "2"


def test_handler_queues_are_within_what_the_handler_sees(street):
    factories.case_in(street, State.DISPATCHED)
    factories.case_in(street, State.IN_PROGRESS)
    factories.new_case(street)
    for username in ("hangtian", "yongzhao", "qinbei"):
        user = street.users[username]
        visible = set(Case.objects.visible_to(user).values_list("pk", flat=True))
        for queue in queues.queues_for(user):
            assert set(queue.cases(user).values_list("pk", flat=True)) <= visible


def test_queues_by_role(client, street):
    new = factories.new_case(street)
    dispatched = factories.case_in(street, State.DISPATCHED)
    resolved = factories.case_in(street, State.RESOLVED)
    disputed = factories.case_in(street, State.RESOLVED)
    factories.act(street, disputed, "dispute", "reporter", reason="没有处理")
    signed_in(client, street, "dispatcher")
    assert numbers(client.get("/staff/?tab=new")) == {new.number}
    assert numbers(client.get("/staff/?tab=to_verify")) == {resolved.number, disputed.number}
    signed_in(client, street, "hangtian")
    assert numbers(client.get("/staff/?tab=to_accept")) == {dispatched.number}
    signed_in(client, street, "yongzhao")
    assert dispatched.number in numbers(client.get("/staff/?tab=shared"))
    signed_in(client, street, "inspector")
    page = client.get("/staff/")
    assert page.context["current"].code == "disputed"
    assert numbers(page) == {disputed.number}


def test_saved_filters_belong_to_their_user(client, street, cases):
    signed_in(client, street, "dispatcher")
    client.post("/staff/filters/", {"name": "油烟", "query": "q=油烟&state=open"})
    saved = SavedFilter.objects.get(user=street.users["dispatcher"])
    assert saved.query == "q=油烟&state=open"
    assert "q=油烟&amp;state=open" in client.get("/staff/cases/").content.decode()
    signed_in(client, street, "inspector")
    assert client.post(f"/staff/filters/{saved.pk}/delete/").status_code == 404
    signed_in(client, street, "dispatcher")
    client.post(f"/staff/filters/{saved.pk}/delete/")
    assert not SavedFilter.objects.exists()


def export(client, query=""):
    response = client.get(f"/staff/cases/export.csv?{query}")
    assert response.streaming and response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    return b"".join(response.streaming_content)


def test_export_is_utf8_csv_with_a_bom_in_keyset_chunks(client, street, cases, monkeypatch):
    monkeypatch.setattr(views_staff, "EXPORT_CHUNK", 2)
    signed_in(client, street, "dispatcher")
    with CaptureQueriesContext(connection) as ctx:
        body = export(client, "sort=oldest")
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:4] == ["案件编号", "上报时间", "类别", "状态"]
    assert [r[0] for r in rows[1:]] == sorted(c.number for c in cases.values())
    fumes = next(r for r in rows if r[0] == cases["fumes"].number)
    assert fumes[2] == "油烟扰民" and fumes[3] == "待受理" and "油烟直排" in fumes[6]
    assert sum("cases_case" in q["sql"] for q in ctx.captured_queries) == 3  # 2 + 2 + 0 rows
    assert "13800138000" not in body.decode("utf-8-sig")


def test_export_follows_the_filters(client, street, cases):
    signed_in(client, street, "dispatcher")
    rows = list(csv.reader(io.StringIO(export(client, "q=噪声").decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == [cases["noise"].number]


def test_map_data_sends_points_or_grid_counts(client, street, cases, monkeypatch):
    signed_in(client, street, "dispatcher")
    data = client.get("/staff/cases/map/data/").json()
    assert sorted(p[2] for p in data["points"]) == sorted(c.number for c in cases.values())
    monkeypatch.setattr(views_staff, "MAP_POINTS", 2)
    data = client.get("/staff/cases/map/data/").json()
    assert "points" not in data and sum(c[2] for c in data["clusters"]) == 4
    page = client.get("/staff/cases/map/?state=open").content.decode()
    assert 'id="map-outlines"' in page and "vendor/markercluster" in page


def test_bulk_dispatch_reports_the_bad_case_and_does_the_others(client, street):
    good = [factories.new_case(street) for _ in range(2)]
    bad = factories.case_in(street, State.DISPATCHED)
    cityops = street.parties["cityops"]
    signed_in(client, street, "dispatcher")
    response = client.post(
        "/staff/cases/bulk/",
        {
            "operation": "dispatch",
            "lead_party": cityops.pk,
            "numbers": [good[0].number, bad.number, good[1].number],
            "next": "/staff/?tab=new",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/staff/?tab=new"
    for case in good:
        case.refresh_from_db()
        assert case.state == State.DISPATCHED and case.lead_party == cityops
    bad.refresh_from_db()
    assert bad.lead_party == street.parties["rc-hangtian"]
    shown = [str(m) for m in response.context["messages"]]
    assert any(m.startswith(bad.number) for m in shown)
    assert "2 件案件已派遣。" in shown


def states(cases):
    return set(Case.objects.filter(pk__in=[c.pk for c in cases]).values_list("state", flat=True))


def test_bulk_reject_without_a_reason_rejects_nothing(client, street):
    made = [factories.new_case(street) for _ in range(2)]
    signed_in(client, street, "dispatcher")
    client.post("/staff/cases/bulk/", {"operation": "reject", "numbers": [c.number for c in made]})
    assert states(made) == {State.REPORTED}
    client.post(
        "/staff/cases/bulk/",
        {"operation": "reject", "numbers": [c.number for c in made], "reason": "重复报告"},
    )
    assert states(made) == {State.REJECTED}
