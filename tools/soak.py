"""A steady mixed load against the production stack for MINUTES minutes (`make soak`).

    python tools/soak.py --minutes 10 [--readers 3] [--out bench/results/soak-....md]

Against a stack of its own (tools/prodstack.py: nginx, gunicorn, a worker and beat,
DEBUG off): public sends (every third with a photo) and the dispatcher's dispatches from
tools/load.py, and readers going round the dispatcher's queue, a handler's queue, case
pages, the REST API and Open311 `requests.json`. Every answer is timed at the client.

Reported: throughput, p50/p95/p99 per kind of request, the error count (any answer 400 or
above, or none: must be 0), and the resident memory (RSS) of every process of the stack
each minute, so that growth can be seen to level off. The run ends by itself.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import statistics
import sys
import threading
import time
import urllib.parse
from collections import defaultdict
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools.load import PASSWORD, Browser, Load
from tools.prodstack import BASE, Stack, say

SOAK = {
    "PROD_DIR": "var/prod-soak",
    "PROD_HTTPS_PORT": "8447",
    "PROD_HTTP_PORT": "8084",
    "PROD_APP_PORT": "8805",
    "PROD_MAIL_PORT": "2529",
    "PROD_DATABASE_URL": "postgres://postgres@127.0.0.1:5432/hongmei_prod_soak",
    "PROD_REDIS_URL": "redis://127.0.0.1:6379/11",
}


class Timings:
    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)

    def add(self, kind: str, seconds: float, status: int | None):
        with self.lock:
            self.times[kind].append(seconds)
            if status is None or status >= 400:
                self.errors[f"{kind} {status}"] += 1


def timed(timings: Timings, kind: str, browser: Browser, method: str, path: str, **kwargs):
    start = time.perf_counter()
    try:
        status, headers, body = browser.request(method, path, **kwargs)
    except OSError:
        status, headers, body = None, {}, b""
    timings.add(kind, time.perf_counter() - start, status)
    return status, headers, body


def sign_in(base: str, username: str) -> Browser:
    browser = Browser(base)
    browser.request("GET", "/staff/login/")
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": browser.csrf(), "username": username, "password": PASSWORD}
    ).encode()
    browser.request(
        "POST", "/staff/login/", body, {"Content-Type": "application/x-www-form-urlencoded"}
    )
    return browser


def reader(base: str, timings: Timings, stop: threading.Event, numbers: list[str], seed: int):
    rng = random.Random(seed)
    dispatcher, handler = sign_in(base, "dispatcher"), sign_in(base, "hangtian")
    anonymous = Browser(base)
    while not stop.is_set():
        choice = rng.random()
        if choice < 0.25:
            timed(timings, "staff queue", dispatcher, "GET", "/staff/")
        elif choice < 0.45:
            timed(timings, "handler queue", handler, "GET", "/staff/")
        elif choice < 0.7 and numbers:
            timed(timings, "case page", dispatcher, "GET", f"/staff/cases/{rng.choice(numbers)}/")
        elif choice < 0.85:
            timed(timings, "api cases", dispatcher, "GET", "/api/cases/?page_size=20")
        else:
            timed(timings, "open311 requests", anonymous, "GET", "/open311/v2/requests.json")
        time.sleep(0.05)


def processes(stack: Stack) -> dict[str, int]:
    """RSS in KiB of every process of the stack, by name."""
    out: dict[str, int] = {}
    for name in ("web", "worker", "beat", "nginx", "mail"):
        pid = stack.pid(name)
        if not pid:
            continue
        for member in [pid, *children(pid)]:
            try:
                status = Path(f"/proc/{member}/status").read_text()
            except FileNotFoundError:
                continue
            rss = next(
                (int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS")),
                0,
            )
            role = "master" if member == pid else f"child {member}"
            out[f"{name} {role}"] = rss
    return out


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(FileNotFoundError):
            found += [int(p) for p in (task / "children").read_text().split()]
    return found + [c for child in found for c in children(child)]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description="A steady mixed load against the production stack."
    )
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--readers", type=int, default=3)
    parser.add_argument("--senders", type=int, default=1)
    parser.add_argument("--out", type=Path)
    arguments = parser.parse_args()
    if not 0 < arguments.minutes <= 240:
        raise SystemExit("--minutes: from 0 to 240")
    for name, value in SOAK.items():
        os.environ.setdefault(name, value)
    stack = Stack(
        extra={
            "HONGMEI_SENDS_PER_IP_HOUR": "1000000",
            "HONGMEI_REPORTS_PER_CONTACT_DAY": "1000000",
            "API_THROTTLE_ANON": "100000/minute",
            "API_THROTTLE_USER": "100000/minute",
        }
    )
    stack.stop()
    stack.start()
    timings, stop = Timings(), threading.Event()
    with psycopg.connect(stack.database_url) as connection:
        numbers = [
            r[0]
            for r in connection.execute("SELECT number FROM cases_case ORDER BY id DESC LIMIT 200")
        ]
    memory = [(0.0, processes(stack))]
    load = Load(stack.url, run=f"soak{int(time.time())}", senders=arguments.senders, pause=0.5)
    started = time.monotonic()
    try:
        load.start()
        threads = [
            threading.Thread(
                target=reader, args=(stack.url, timings, stop, numbers, i), daemon=True
            )
            for i in range(arguments.readers)
        ]
        for thread in threads:
            thread.start()
        end = started + arguments.minutes * 60
        while time.monotonic() < end:
            time.sleep(min(60, max(0.1, end - time.monotonic())))
            memory.append(((time.monotonic() - started) / 60, processes(stack)))
            say(
                f"soak: {memory[-1][0]:.1f} min, {sum(len(v) for v in timings.times.values())} reads, "
                f"{len(load.sends)} sends"
            )
        stop.set()
        load.stop(settle=60)
        for thread in threads:
            thread.join(30)
    finally:
        stack.stop()
    elapsed = time.monotonic() - started
    report = render(arguments.minutes, elapsed, timings, load, memory)
    print(report)
    out = arguments.out or BASE / "bench" / "results" / f"soak-{time.strftime('%Y-%m-%d-%H%M')}.md"
    out.write_text(report)
    print(f"soak: written to {out}")
    errors = sum(timings.errors.values()) + load.summary()["unanswered"]
    raise SystemExit(1 if errors else 0)


def render(minutes, elapsed, timings: Timings, load: Load, memory) -> str:
    summary = load.summary()
    lines = [
        f"# Soak: {minutes:g} minutes against `make prod` ({time.strftime('%Y-%m-%d %H:%M')})",
        "",
        f"Machine: {os.cpu_count()} cores. Stack: nginx (TLS) → gunicorn, one Celery worker and beat, DEBUG off,",
        "PostgreSQL and Redis on the same machine. Load from this machine too (tools/soak.py).",
        "",
        "| requests | count | per second | p50 ms | p95 ms | p99 ms |",
        "|---|---|---|---|---|---|",
    ]
    for kind, values in sorted(timings.times.items()):
        lines.append(
            f"| {kind} | {len(values)} | {len(values) / elapsed:.1f} | {1000 * statistics.median(values):.0f} | "
            f"{1000 * percentile(values, 0.95):.0f} | {1000 * percentile(values, 0.99):.0f} |"
        )
    lines += [
        "",
        f"Public sends: {summary['sent']} sent, {summary['accepted']} accepted, {summary['unanswered']} unanswered, "
        f"{summary['retried']} retried; dispatches {summary['actions']['done']} of {summary['actions']['sent']}.",
        f"Errors (answers ≥ 400 or none): {sum(timings.errors.values())} {dict(timings.errors) or ''}; "
        f"send errors: {summary['errors'] or 0}.",
        "",
        "## Memory (RSS, MiB) by minute",
        "",
    ]
    names = sorted({name for _, sample in memory for name in sample})
    columns = [0, *range(1, len(memory))]
    header = "| process | " + " | ".join(f"{memory[i][0]:.0f} min" for i in columns) + " |"
    lines += [header, "|---|" + "---|" * len(columns)]
    for name in names:
        row = [f"{memory[i][1][name] / 1024:.0f}" if name in memory[i][1] else "–" for i in columns]
        lines.append(f"| {name} | " + " | ".join(row) + " |")
    total = [sum(sample.values()) / 1024 for _, sample in memory]
    lines.append("| **all** | " + " | ".join(f"**{t:.0f}**" for t in total) + " |")
    lines.append("")
    lines.append(
        "gunicorn recycles a worker after ~2,000 requests (deploy/gunicorn.conf.py): a child's pid changes."
    )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
