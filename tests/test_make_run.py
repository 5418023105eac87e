"""The `make run` path on a fresh SQLite database: migrations, the demo seed, and the admin
served by the development server with the demo street in it."""

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_fresh_sqlite_database_serves_the_admin_with_the_demo_street(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE",)}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        MEDIA_ROOT=str(tmp_path),
        REDIS_URL="",
        CELERY_BROKER_URL="",
        CELERY_TASK_ALWAYS_EAGER="",
        DEBUG="1",
    )

    def manage(*args):
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    manage("migrate", "--noinput")
    assert "with 40 demo cases" in manage("seed_demo", "--cases", "40")
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        for _ in range(100):
            try:
                login = opener.open(f"{base}/admin/login/", timeout=5).read().decode()
                break
            except OSError:
                time.sleep(0.2)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login).group(1)
        form = urllib.parse.urlencode(
            {
                "username": "admin",
                "password": "hongmei-demo",
                "csrfmiddlewaretoken": token,
                "next": "/admin/",
            }
        )
        opener.open(
            urllib.request.Request(
                f"{base}/admin/login/?next=/admin/",
                form.encode(),
                headers={"Referer": f"{base}/admin/login/"},
            )
        )
        cases = opener.open(f"{base}/admin/cases/case/", timeout=10).read().decode()
        assert cases.count(">HM-") >= 40
        areas = (
            opener.open(
                f"{base}/admin/cases/area/?q=航天新苑".replace(
                    "航天新苑", urllib.parse.quote("航天新苑")
                ),
                timeout=10,
            )
            .read()
            .decode()
        )
        assert "航天新苑二村小区" in areas
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_make_run_says_debug_and_a_development_key_itself():
    """The settings fail closed; `make run` turns DEBUG on and gives a development key for
    every command it runs with the app, whatever the environment holds."""
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY")}
    result = subprocess.run(
        ["make", "-n", "run"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    commands = [line for line in result.stdout.splitlines() if "manage.py" in line]
    assert [c.split("manage.py ")[1].split()[0] for c in commands][-3:] == [
        "migrate",
        "seed_demo",
        "runserver",
    ]
    for command in commands:
        assert command.startswith('DEBUG=1 SECRET_KEY="${SECRET_KEY:-hongmei-development-key'), (
            command
        )
