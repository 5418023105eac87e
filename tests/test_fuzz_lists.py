"""Fuzz every GET parameter of the staff and public lists (docs/security.md, finding 6):
whatever a client puts in the query string, the answer is never a server error. Hypothesis
draws texts with control characters, huge numbers, dates of any year, moments with any
offset and forged keyset cursors; a bounded, derandomised run keeps it to seconds."""

import base64
import json
from datetime import UTC, timedelta, timezone

import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cases.models import State
from tests import factories

STAFF_LIST = [
    "q", "state", "category", "area", "party", "channel", "filed_from", "filed_to",
    "overdue", "due_soon", "supervised", "sort", "after", "size",
]  # fmt: skip
TARGETS = [
    ("/staff/cases/", STAFF_LIST, "dispatcher"),
    ("/staff/cases/export.csv", STAFF_LIST, "supervisor"),
    ("/staff/cases/map/", STAFF_LIST, "hangtian"),
    ("/staff/cases/map/data/", STAFF_LIST, "dispatcher"),
    ("/staff/", ["tab", "after", "size"], "inspector"),
    ("/staff/meetings/", ["after"], "secretary"),
    ("/staff/meetings/decisions/", ["show", "after"], "secretary"),
    ("/staff/dashboard/", ["period", "start", "end", "by", "party", "category", "area"],
     "supervisor"),
    ("/staff/dashboard/export.csv", ["period", "start", "end", "by", "party", "category"],
     "supervisor"),
    ("/staff/dashboard/report/", ["month", "party", "category", "area"], "supervisor"),
    ("/api/cases/", ["state", "category", "party", "area", "channel", "priority", "overdue",
                     "created_after", "created_before", "number", "cursor", "page_size"],
     "dispatcher"),
    ("/open311/v2/requests.json", ["service_request_id", "service_code", "start_date",
                                    "end_date", "status", "page", "page_size",
                                    "jurisdiction_id"], None),
    ("/open311/v2/requests.xml", ["start_date", "end_date", "page", "status"], None),
    ("/report/where/", ["category", "lat", "lng", "area"], None),
]  # fmt: skip


def _cursor(values):
    raw = json.dumps(values).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False),
    st.text(max_size=30),
    st.datetimes().map(lambda d: d.isoformat()),
    st.datetimes(timezones=st.just(UTC)).map(lambda d: d.isoformat()),
)
OFFSETS = st.integers(min_value=-23 * 60 + 1, max_value=23 * 60 - 1).map(
    lambda m: timezone(timedelta(minutes=m))
)
# Values that broke a page once (docs/security.md), tried first and often.
KNOWN = st.sampled_from(
    [
        "", "0", "-1", "1e400", "nan", "true", "open", "%00", "\x00", "a\x0b\x01b", "=1+1",
        "100000000000000000000", "9999-12-31", "0001-01-01", "2026-13-45", "cD14",
        _cursor(["2026-11-20T09:00:00+08:00", "abc"]),
        _cursor(["9999-12-31T23:59:59-12:00", 1]),
        _cursor(["0001-01-01T00:00:00+14:00", 1]),
        _cursor(["2026-11-20T09:00:00+08:00", 10**30]),
    ]
)  # fmt: skip
OTHER = st.one_of(
    st.text(max_size=40),
    st.integers(min_value=-(10**25), max_value=10**25).map(str),
    st.dates().map(str),
    st.datetimes(timezones=OFFSETS).map(lambda d: d.isoformat()),
    st.lists(SCALARS, min_size=2, max_size=2).map(_cursor),
    st.lists(SCALARS, max_size=3).map(_cursor),
)
VALUES = st.one_of(KNOWN, OTHER)  # half of them known to have broken a page once


@pytest.mark.parametrize(("path", "names", "user"), TARGETS, ids=[t[0] for t in TARGETS])
def test_no_get_parameter_makes_a_server_error(client, street, path, names, user):
    factories.case_in(street, State.IN_PROGRESS)
    factories.new_case(street)
    if user:
        client.force_login(street.users[user])

    @settings(
        max_examples=30,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.dictionaries(st.sampled_from(names), VALUES, min_size=1, max_size=3))
    def check(params):
        cache.clear()  # rate limits are not what this test is about
        response = client.get(path, params)
        if response.streaming:
            b"".join(response.streaming_content)
        assert response.status_code < 500, (path, params)

    check()
