"""The benchmark's arithmetic and tables (bench/report.py); the benchmark itself runs with
`make bench`, outside the suite."""

import re

from bench import load, report, run
from bench.scenarios import SCENARIOS
from cases.intake import distance_m


def test_percentiles_take_the_nearest_rank():
    values = [0.004, 0.001, 0.003, 0.002]
    assert report.percentile(values, 0.5) == 0.002
    assert report.percentile(values, 0.95) == 0.004
    assert report.percentile([], 0.5) is None


def test_summary_gives_milliseconds_and_requests_per_second():
    figures = report.summarize([0.010] * 90 + [0.050] * 10, elapsed=2.0, errors=1, peak_mb=80.5)
    assert figures == {
        "requests": 100,
        "errors": 1,
        "p50_ms": 10.0,
        "p95_ms": 50.0,
        "rps": 50.0,
        "peak_mb": 80.5,
    }


def test_ratios_compare_each_figure_with_the_floor():
    floor = {"p50_ms": 4.0, "p95_ms": 10.0, "rps": 400.0, "peak_mb": 80.0}
    row = {"p50_ms": 10.0, "p95_ms": 25.0, "rps": 100.0, "peak_mb": 88.0}
    assert report.ratios(row, floor) == {"p50_ms": 2.5, "p95_ms": 2.5, "rps": 0.25, "peak_mb": 1.1}
    assert report.ratios(row, {"p50_ms": 0})["p50_ms"] is None


def test_table_shows_ratios_and_says_why_a_row_was_skipped():
    rows = [
        {"name": "floor: list", "floor": None, "figures": report.summarize([0.01] * 10, 1.0)},
        {
            "name": "queue",
            "floor": "floor: list",
            "figures": report.summarize([0.02] * 10, 2.0),
            "note": "",
        },
        {"name": "detail", "floor": "floor: list", "figures": None, "note": "skipped: 404"},
    ]
    text = report.table("10,000 cases", rows)
    assert "| queue | floor: list | 20 (2×) | 20 (2×) | 5 (0.5×) | — | 10 | 0 |" in text
    assert "| detail | floor: list | — | — | — | — | — | — | skipped: 404 |" in text


def test_comparison_checks_the_large_run_against_the_small_one():
    small = [{"name": "dashboard", "figures": {"p50_ms": 40.0, "p95_ms": 80.0, "rps": 40.0}}]
    large = [{"name": "dashboard", "figures": {"p50_ms": 52.0, "p95_ms": 100.0, "rps": 30.0}}]
    text = report.comparison({10_000: small, 1_000_000: large})
    assert "| dashboard | 40.0 | 52.0 | 1.3 | 1.25 | 0.75 | yes |" in text
    assert report.comparison({10_000: small}) == ""


def test_every_page_row_names_a_floor_that_exists():
    floors = {s.name for s in SCENARIOS if s.is_floor}
    assert all(s.floor in floors for s in SCENARIOS if not s.is_floor)
    # The rows issue 7 asks for, beside the floors.
    assert {s.name for s in SCENARIOS} >= {
        "dashboard, this month (supervisor)",
        "staff queue (dispatcher)",
        "case detail",
        "deadline sweep, nothing due",
        "public submit, no photo",
        "public submit, with photo",
    }


def test_every_send_carries_a_fresh_key_and_the_nearby_check():
    sends = [s for s in SCENARIOS if s.path == "/" and s.method == "POST"]
    assert len(sends) == 2
    for send in sends:
        assert send.fresh == ("key",)
        assert send.nearby.startswith("/report/where/?")
        assert send.expect == (302, 303)


def test_the_points_of_the_sends_lie_more_than_100_metres_apart():
    boundary = {
        "type": "Polygon",
        "coordinates": [[[121.385, 31.157], [121.41, 31.157], [121.41, 31.182],
                         [121.385, 31.182], [121.385, 31.157]]],
    }  # fmt: skip
    points = [(float(lat), float(lng)) for lat, lng in run.grid(boundary)]
    assert len(points) > 300
    closest = min(
        distance_m(a[0], a[1], b[0], b[1]) for i, a in enumerate(points) for b in points[i + 1 :]
    )
    assert closest > 100


def test_each_send_gets_its_own_key_and_the_cases_the_check_listed(tmp_path):
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8jpeg")
    exchange = load.Exchange(
        {
            "host": "127.0.0.1",
            "port": 9,
            "paths": ["/"],
            "headers": {"Cookie": "csrftoken=x"},
            "forms": [{"description": "垃圾", "key": ""}],
            "files": {"photos": str(photo)},
            "fresh": ["key"],
        }
    )
    turn = next(exchange.turns)
    first = exchange.prepare(turn)
    second = exchange.prepare(turn)
    path, body, headers = first
    assert path == "/"
    assert headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert "垃圾".encode() in body and b"\xff\xd8jpeg" in body
    keys = [re.search(rb'name="key"\r\n\r\n([^\r]+)', b[1]).group(1) for b in (first, second)]
    assert keys[0] != keys[1] and len(keys[0]) == 32
