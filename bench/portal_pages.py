"""Time the staff portal's pages on whatever database DATABASE_URL names.

    DATABASE_URL=postgres://…/big python bench/portal_pages.py [runs]

Signs in as the dispatcher and as a handler with the Django test client, asks each page
`runs` times (after one warm-up) and prints the median time and the number of queries.
"""

import os
import statistics
import sys
import time

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hongmei.settings")
os.environ.setdefault("DEBUG", "1")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from cases.models import Case, State  # noqa: E402


def pages(user):
    visible = Case.objects.visible_to(user)
    open_case = visible.filter(state=State.IN_PROGRESS).order_by("-created_at").first()
    old_case = visible.order_by("created_at").first()
    second = Client()
    second.force_login(user)
    first_list = second.get("/staff/cases/")
    after = first_list.context["page"].next_cursor
    overdue = "overdue" if user.username == "dispatcher" else "our_overdue"
    return [
        ("queue", "/staff/"),
        ("queue: overdue tab", f"/staff/?tab={overdue}"),
        ("list", "/staff/cases/"),
        ("list, page 2", f"/staff/cases/?after={after}"),
        ("list, open, deadline first", "/staff/cases/?state=open&sort=due"),
        ("list, search 油烟", "/staff/cases/?q=油烟"),
        ("list, search 共享单车 + open", "/staff/cases/?q=共享单车&state=open"),
        ("detail, in progress", f"/staff/cases/{open_case.number}/"),
        ("detail, oldest case", f"/staff/cases/{old_case.number}/"),
        ("map data, open", "/staff/cases/map/data/?state=open"),
    ]


def timed(client, url, runs):
    client.get(url)
    times, queries = [], 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get(url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code, body[:200])
        queries = len(ctx)
    return statistics.median(times), queries


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    setup_test_environment()
    count = Case.objects.order_by("-id").values_list("id", flat=True).first()
    print(f"cases: about {count:,}")
    User = get_user_model()
    for username in ("dispatcher", "hangtian"):
        user = User.objects.get(username=username)
        client = Client()
        client.force_login(user)
        for label, url in pages(user):
            ms, queries = timed(client, url, runs)
            print(f"{username:10} {label:32} {ms:8.1f} ms  {queries:2d} queries")


if __name__ == "__main__":
    main()
