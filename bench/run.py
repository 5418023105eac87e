"""`make bench`: seed N cases into a database of the benchmark's own, serve the app with
gunicorn on PostgreSQL, drive each scenario from a separate process on loopback, and print
one table per size (docs/performance.md).

    python -m bench.run [--sizes 10000,1000000] [--duration 15] [--concurrency 2]

Only the database named by BENCH_DATABASE_URL (default hongmei_bench_run; the name must
start with hongmei_bench) is created and dropped; no other is touched.
"""

import argparse
import http.client
import io
import json
import math
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path
from urllib.parse import urlparse

from bench import report
from bench.scenarios import SCENARIOS

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/hongmei_bench_run"
USERS = ("supervisor", "dispatcher", "hangtian")
# One key for the whole run: the sessions made by prepare() must hold in every size's server.
SECRET_KEY = "bench-only-" + uuid.uuid4().hex


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# ---------------------------------------------------------------------------- database


def database_url():
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    name = urlparse(url).path.lstrip("/")
    if not re.fullmatch(r"hongmei_bench[a-z0-9_]*", name):
        raise SystemExit(f"BENCH_DATABASE_URL must name a database hongmei_bench…, not {name!r}")
    return url, name


def recreate(url, name, *, drop_only=False):
    import psycopg

    parsed = urlparse(url)
    maintenance = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


def environment(url):
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="bench.settings",
        DEBUG="0",
        SECRET_KEY=SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        CELERY_TASK_ALWAYS_EAGER="1",
        PYTHONPATH=str(ROOT),
    )
    return env


def manage(env, *args):
    log("manage.py " + " ".join(args))
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)


def seed(env, url, size):
    import psycopg

    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "seed_demo", "--cases", "0")
    started = time.monotonic()
    manage(env, "generate_cases", "--count", str(size), "--days", "365")
    generated = time.monotonic() - started
    started = time.monotonic()
    manage(env, "rollup_indicators")
    rolled = time.monotonic() - started
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return {"generate_s": round(generated, 1), "rollup_s": round(rolled, 1)}


# ---------------------------------------------------------------------------- server


class Server:
    """gunicorn serving the app (bench settings) on loopback, sync workers."""

    def __init__(self, env, port, workers):
        self.port = port
        self.process = subprocess.Popen(
            [
                str(Path(PYTHON).parent / "gunicorn"),
                "hongmei.wsgi:application",
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{port}",
                "--timeout",
                "300",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if len(self.workers()) == workers and self.get("/bench/floor/plain/")[0] == 200:
                return
            time.sleep(0.5)
        self.stop()
        raise SystemExit("gunicorn did not start")

    def workers(self):
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(p) for p in path.read_text().split()] if path.exists() else []

    def get(self, path, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        try:
            connection.request("GET", path, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        except OSError:
            return 0, [], b""
        finally:
            connection.close()

    def reset_peaks(self):
        for pid in self.workers():
            Path(f"/proc/{pid}/clear_refs").write_text("5")

    def peak_mb(self):
        peaks = []
        for pid in self.workers():
            status = Path(f"/proc/{pid}/status").read_text()
            peaks.append(int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024)
        return round(max(peaks), 1) if peaks else None

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=60)


# ---------------------------------------------------------------------------- inputs


def prepare(env):
    """Sessions of the demo accounts, case numbers and the form's values, read from the
    benchmark database through Django (bench settings)."""
    for key in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"):
        os.environ[key] = env[key]
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connections
    from django.db.models import Max, Min
    from django.test import Client

    from cases.models import Area, Case, Category

    connections.close_all()
    sessions = {}
    for username in USERS:
        client = Client()
        client.force_login(get_user_model().objects.get(username=username))
        sessions[username] = client.cookies["sessionid"].value
    bounds = Case.objects.aggregate(low=Min("id"), high=Max("id"))
    ids = random.Random(7).sample(range(bounds["low"], bounds["high"] + 1), 400)
    numbers = list(Case.objects.filter(id__in=ids).values_list("number", flat=True))
    values = {"category": Category.objects.get(code="litter").code}
    points = grid(Area.objects.get(depth=0).boundary)
    values["lat"], values["lng"] = points[len(points) // 2]
    connections.close_all()
    return sessions, numbers, values, points


def grid(boundary, spacing_m=130):
    """Points inside the street's outline whose neighbours lie more than 100 m away."""
    from shapely.geometry import Point, shape

    outline = shape(boundary)
    west, south, east, north = outline.bounds
    dlat = spacing_m / 111_320
    dlng = dlat / math.cos(math.radians((south + north) / 2))
    points = []
    lat = south + dlat / 2
    while lat < north:
        lng = west + dlng / 2
        while lng < east:
            if outline.contains(Point(lng, lat)):
                points.append((f"{lat:.6f}", f"{lng:.6f}"))
            lng += dlng
        lat += dlat
    random.Random(11).shuffle(points)
    return points


def photo():
    """A phone-sized JPEG (about 0.5 MB) for the submit-with-photo row."""
    from PIL import Image

    rng = random.Random(3)
    image = Image.effect_noise((1600, 1200), 40).convert("RGB")
    image = Image.blend(image, Image.new("RGB", image.size, (rng.randrange(256), 140, 90)), 0.5)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def fill(text, values):
    return text.format(**values) if isinstance(text, str) else text


def csrf(server, path, cookie):
    """The CSRF cookie and form token a page hands out (the harness posts like a browser)."""
    status, headers, body = server.get(path, {"Cookie": cookie} if cookie else {})
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    jar = [v for k, v in headers if k.lower() == "set-cookie" and v.startswith("csrftoken=")]
    if status != 200 or not token or not jar:
        return None, None
    return jar[0].split(";")[0], token.group(1).decode()


# ---------------------------------------------------------------------------- scenarios


def form_at(scenario, values, lat, lng, token):
    place = {**values, "lat": lat, "lng": lng}
    return {**{k: fill(v, place) for k, v in scenario.form.items()}, "csrfmiddlewaretoken": token}


def measure(scenario, server, env, context, args):
    """(figures, note) of one scenario; figures None when it was skipped."""
    values = {**context["values"], "case": context["numbers"][0]}
    if scenario.task:
        return measure_task(scenario, env, context, args)
    cookie = f"sessionid={context['sessions'][scenario.user]}" if scenario.user else ""
    paths = [fill(scenario.path, {**values, "case": n}) for n in context["numbers"]]
    status, _, _ = server.get(paths[0], {"Cookie": cookie} if cookie else {})
    if status == 404:
        return None, f"skipped: {paths[0]} answers 404"
    headers = {"Cookie": cookie} if cookie else {}
    spec = {
        "host": "127.0.0.1",
        "port": server.port,
        "method": scenario.method,
        "paths": paths,
        "headers": headers,
        "concurrency": args.concurrency,
        "duration": args.duration,
        "max_requests": args.max_requests,
        "warmup": args.warmup,
        "expect": list(scenario.expect),
    }
    if scenario.method == "POST":
        jar, token = csrf(server, paths[0], cookie)
        if token is None:
            return None, f"skipped: no form with a CSRF token at {paths[0]}"
        headers["Cookie"] = "; ".join(c for c in (cookie, jar) if c)
        headers["Referer"] = f"http://127.0.0.1:{server.port}{paths[0]}"
        places = context["points"] if scenario.nearby else [(values["lat"], values["lng"])]
        spec["forms"] = [form_at(scenario, values, lat, lng, token) for lat, lng in places]
        if scenario.nearby:
            spec["nearby"] = [
                fill(scenario.nearby, {**values, "lat": lat, "lng": lng}) for lat, lng in places
            ]
        spec["paths"] = paths[:1]
        spec["files"] = dict.fromkeys(scenario.files, context["photo"])
        spec["fresh"] = list(scenario.fresh)
    server.reset_peaks()
    result = subprocess.run(
        [PYTHON, "-m", "bench.load"],
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    measured = json.loads(result.stdout)
    note = ""
    if measured["errors"]:
        note = f"unexpected answers: {measured['statuses']}"
    figures = report.summarize(
        measured["latencies"], measured["elapsed"], measured["errors"], server.peak_mb()
    )
    return figures, note


def measure_task(scenario, env, context, args):
    module = scenario.task.split(":")[0]
    check = subprocess.run(
        [
            PYTHON,
            "-c",
            f"import django; django.setup(); import {module} as m; "
            f"getattr(m, {scenario.task.split(':')[1]!r})",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
    )
    if check.returncode:
        return None, f"skipped: {scenario.task} cannot be imported"
    values = {**context["values"], "case": context["numbers"][0]}
    spec = {
        "callable": scenario.task,
        "kwargs": {k: fill(v, values) for k, v in scenario.kwargs.items()},
        "duration": args.duration,
        "max_calls": args.max_requests,
        "warmup": 1,
    }
    result = subprocess.run(
        [PYTHON, "-m", "bench.task"],
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
    )
    if result.returncode:
        failure = (result.stderr.strip().splitlines() or ["no output"])[-1]
        return None, f"failed: {failure}"
    measured = json.loads(result.stdout)
    figures = report.summarize(
        measured["latencies"], measured["elapsed"], 0, round(measured["peak_mb"], 1)
    )
    return figures, "in-process calls, one after another"


def run_size(size, args, url, name):
    log(f"{size:,} cases: preparing {name}")
    recreate(url, name)
    env = environment(url)
    timings = seed(env, url, size)
    server = Server(env, args.port, args.workers)
    rows = []
    scratch = tempfile.TemporaryDirectory(prefix="hongmei-bench-")
    try:
        sessions, numbers, values, points = prepare(env)
        picture = Path(scratch.name) / "photo.jpg"
        picture.write_bytes(photo())
        context = {
            "sessions": sessions,
            "numbers": numbers,
            "values": values,
            "points": points,
            "photo": str(picture),
        }
        for scenario in SCENARIOS:
            log(f"{size:,} cases: {scenario.name}")
            figures, note = measure(scenario, server, env, context, args)
            if figures:
                # Other work on the machine moves every figure: say how busy it was.
                load = os.getloadavg()[0]
                note = f"{note}; load {load:.1f}" if note else f"load {load:.1f}"
            rows.append(
                {"name": scenario.name, "floor": scenario.floor, "figures": figures, "note": note}
            )
    finally:
        server.stop()
        scratch.cleanup()
    return {"size": size, "rows": rows, "seeding": timings}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,1000000")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per scenario")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds not counted")
    parser.add_argument("--max-requests", type=int, default=20000)
    parser.add_argument("--concurrency", type=int, default=2, help="client connections")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=8790)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args(argv)
    url, name = database_url()
    sizes = [int(s) for s in args.sizes.split(",")]
    stamp = datetime.now().strftime("%Y-%m-%d-%H%M")
    runs = {}
    try:
        for size in sizes:
            result = run_size(size, args, url, name)
            runs[size] = result
            title = (
                f"{size:,} cases · {args.workers} gunicorn workers · {args.concurrency} "
                f"connections · {args.duration:g} s per row"
            )
            print("\n" + report.table(title, result["rows"]), flush=True)
    finally:
        if not args.keep:
            recreate(url, name, drop_only=True)
    write(stamp, runs, args)


def write(stamp, runs, args):
    RESULTS.mkdir(parents=True, exist_ok=True)
    machine = f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}"
    lines = [f"# Benchmark {stamp}", "", f"Machine: {machine}. Settings: {vars(args)}.", ""]
    for size, result in sorted(runs.items()):
        seeding = result["seeding"]
        lines.append(
            report.table(
                f"{size:,} cases (generated in {seeding['generate_s']} s, rolled up "
                f"in {seeding['rollup_s']} s)",
                result["rows"],
            )
        )
    lines.append(report.comparison({s: r["rows"] for s, r in runs.items()}))
    text = "\n".join(lines)
    (RESULTS / f"{stamp}.md").write_text(text)
    (RESULTS / f"{stamp}.json").write_text(json.dumps(runs, indent=1, default=str))
    print(report.comparison({s: r["rows"] for s, r in runs.items()}))
    log(f"results in bench/results/{stamp}.md")


if __name__ == "__main__":
    main()
