"""Fault drills: break the production stack on purpose, under load, and count the damage.

    python tools/drills.py [worker] [redis] [postgres] [web] [backup]     # `make drills`

The drills run against a production stack of their own (tools/prodstack.py: nginx with
TLS, gunicorn, a Celery worker and beat, DEBUG off) backed by a PostgreSQL cluster and a
Redis server of their own on other ports, so stopping them disturbs nothing else on the
machine. During each drill tools/load.py keeps sending public reports (some with photos)
and the dispatcher keeps dispatching them. Each drill prints what it did and checked, and
a line: requests sent, accepted, lost (must be 0), duplicated (must be 0).

1. worker   kill -9 the Celery worker while it delivers (the mail sink answers slowly,
            so a delivery is in flight); restart it: every e-mail the outbox holds as sent
            arrives exactly once at the sink (counted by the notification's Message-ID).
2. redis    stop Redis for 30 s: sends and actions still commit; the queued work drains
            when it is back.
3. postgres stop PostgreSQL for 15 s: the web answers a plain 503 (no traceback) while it
            is down, recovers by itself, and no accepted send is lost.
4. web      kill -9 gunicorn workers mid-request (sends with photos in flight): no case
            without its filing event, no row without its file; files a killed request left
            without a row are counted (the nightly task removes them).
5. backup   back up during load, restore into a fresh database, prove every restored
            case's state replays from its events and every photo it names exists.

Every drill is bounded in time (a few minutes); the whole run takes about a quarter of an
hour. Exit status 1 if any drill lost or duplicated anything or found the records broken.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools import backup as backups
from tools.load import Load
from tools.prodstack import BASE, Stack, fetch_status, say

PG_PORT = int(os.environ.get("DRILL_PG_PORT", "5440"))
REDIS_PORT = int(os.environ.get("DRILL_REDIS_PORT", "6390"))
DIRECTORY = BASE / "var" / "prod-drills"


def pg_bin(name: str) -> str:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for directory in versions:
        if (directory / name).exists():
            return str(directory / name)
    return shutil.which(name) or name


class Postgres:
    """A PostgreSQL cluster of the drills' own, on PG_PORT, owned by `postgres` when run
    as root (PostgreSQL refuses to run as root)."""

    def __init__(self, directory: Path):
        self.root = directory / "pg"
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"

    def _as_owner(self, *command: str) -> subprocess.CompletedProcess:
        if os.geteuid() == 0:
            command = ("runuser", "-u", "postgres", "--", *command)
        return subprocess.run(command, check=True, capture_output=True, text=True)

    def start(self):
        if not (self.data / "PG_VERSION").exists():
            self.data.mkdir(parents=True, exist_ok=True)
            if os.geteuid() == 0:
                shutil.chown(self.root, "postgres", "postgres")
                shutil.chown(self.data, "postgres", "postgres")
            self._as_owner(
                pg_bin("initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
            )
        self._as_owner(
            pg_bin("pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-w",
            "-t",
            "60",
            "-o",
            f"-p {PG_PORT} -k {self.data} -c listen_addresses=127.0.0.1 -c max_connections=100",
            "start",
        )

    def stop(self, mode: str = "fast"):
        self._as_owner(pg_bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def running(self) -> bool:
        result = subprocess.run(
            [pg_bin("pg_isready"), "-h", "127.0.0.1", "-p", str(PG_PORT)], capture_output=True
        )
        return result.returncode == 0

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{PG_PORT}/hongmei_drills"


class Redis:
    def __init__(self, directory: Path):
        self.directory = directory / "redis"
        self.process: subprocess.Popen | None = None

    def ping(self) -> bool:
        return (
            subprocess.run(
                ["redis-cli", "-p", str(REDIS_PORT), "ping"], capture_output=True
            ).returncode
            == 0
        )

    def start(self):
        self.directory.mkdir(parents=True, exist_ok=True)
        if self.ping():  # left by an interrupted run: the port is the drills' own
            self.shutdown()
        # As a production Redis would be: the queue survives a restart (append-only file).
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(REDIS_PORT),
                "--dir",
                str(self.directory),
                "--appendonly",
                "yes",
                "--save",
                "",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for _ in range(50):
            if self.ping():
                return
            time.sleep(0.1)
        raise SystemExit("the drills' Redis did not start")

    def shutdown(self):
        subprocess.run(
            ["redis-cli", "-p", str(REDIS_PORT), "shutdown", "nosave"], capture_output=True
        )
        for _ in range(100):
            if not self.ping():
                break
            time.sleep(0.1)

    def stop(self):
        self.shutdown()
        if self.process:
            self.process.wait(20)
            self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{REDIS_PORT}/0"


class Drills:
    def __init__(self):
        self.pg = Postgres(DIRECTORY)
        self.redis = Redis(DIRECTORY)
        self.stack = Stack(
            directory=DIRECTORY,
            https_port=8446,
            http_port=8083,
            app_port=8804,
            mail_port=2528,
            database_url=self.pg.url,
            redis_url=self.redis.url,
            web_workers=3,
            extra={
                # The load comes from one address and a handful of addresses.
                "HONGMEI_SENDS_PER_IP_HOUR": "1000000",
                "HONGMEI_REPORTS_PER_CONTACT_DAY": "1000000",
                "AXES_FAILURE_LIMIT": "1000",
                # A crashed worker's claimed messages are taken back after 20 s, and the
                # outbox is swept every 5 s, so the drills see the whole cycle in minutes.
                "HONGMEI_NOTIFICATION_CLAIM_SECONDS": "20",
                "HONGMEI_OUTBOX_SWEEP_SECONDS": "5",
                "DB_CONN_MAX_AGE": "60",
            },
        )
        self.failed = False
        self.party_ids: list[int] = []

    # ------------------------------------------------------------------ set-up

    def up(self):
        say("starting the drills' own PostgreSQL and Redis")
        self.pg.start()
        self.redis.start()
        self.stack.start(seed=True)
        with psycopg.connect(self.pg.url) as connection:
            self.party_ids = [
                r[0]
                for r in connection.execute(
                    "SELECT id FROM cases_party WHERE code IN ('rc-hangtian', 'cityops', 'property-hongmei')"
                )
            ]

    def down(self):
        self.stack.stop()
        self.redis.stop()
        if self.pg.running():
            self.pg.stop()

    def load(self, name: str, **kwargs) -> Load:
        return Load(
            self.stack.url, run=f"{name}{int(time.time())}", party_ids=self.party_ids, **kwargs
        ).start()

    # ------------------------------------------------------------------ checks

    def query(self, sql: str, params=()) -> list[tuple]:
        with psycopg.connect(self.pg.url) as connection:
            return connection.execute(sql, params).fetchall()

    def lost_and_duplicated(self, load: Load) -> tuple[int, int, int]:
        """(cases found, accepted sends without a case, sends with more than one case)."""
        found = dict(
            self.query(
                "SELECT substring(description from '\\[[a-z]+[0-9]+-[0-9]+\\]'), count(*) FROM cases_case "
                "WHERE description LIKE %s GROUP BY 1",
                [f"%[{load.run}-%"],
            )
        )
        lost = sum(1 for s in load.sends if s.accepted and not found.get(s.marker))
        duplicated = sum(1 for n in found.values() if n > 1)
        return sum(found.values()), lost, duplicated

    def wait_for_outbox(self, timeout: float = 240) -> int:
        """Wait until no e-mail waits in the outbox; answer how many still do."""
        deadline = time.monotonic() + timeout
        waiting = -1
        while time.monotonic() < deadline:
            waiting = self.query(
                "SELECT count(*) FROM cases_notification WHERE channel = 'email' AND status IN ('pending', 'sending')"
            )[0][0]
            if waiting == 0:
                return 0
            time.sleep(2)
        return waiting

    def delivered_once(self) -> tuple[int, int, int, int]:
        """(sent rows, messages at the sink, sent rows missing at the sink, duplicates)."""
        sent = {
            r[0]
            for r in self.query(
                "SELECT id FROM cases_notification WHERE channel = 'email' AND status = 'sent'"
            )
        }
        ids = Counter()
        for path in self.stack.mail.glob("*.eml"):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            mid = message["Message-ID"] or ""
            if mid.startswith("<notification-"):
                ids[int(mid.split("-", 1)[1].split("@", 1)[0])] += 1
        missing = len(sent - set(ids))
        duplicates = sum(n - 1 for n in ids.values() if n > 1)
        return len(sent), sum(ids.values()), missing, duplicates

    def records(self) -> tuple[bool, list[str]]:
        result = self.stack.manage("check_records", check=False)
        lines = (result.stdout + result.stderr).strip().splitlines()
        return result.returncode == 0, lines

    def report(self, name: str, load: Load, extra_ok: bool = True, notes: list[str] | None = None):
        summary = load.summary()
        cases, lost, duplicated = self.lost_and_duplicated(load)
        ok = lost == 0 and duplicated == 0 and summary["unanswered"] == 0 and extra_ok
        for note in notes or []:
            print(f"  {note}")
        print(
            f"  load: {summary['sent']} sends, {summary['accepted']} accepted, {summary['retried']} retried by the "
            f"client, {summary['unanswered']} unanswered; {summary['actions']['done']} of "
            f"{summary['actions']['sent']} dispatches done; transient errors seen: {summary['errors'] or 'none'}"
        )
        print(
            f"  {name}: requests sent {summary['sent']}, accepted {summary['accepted']}, lost {lost}, "
            f"duplicated {duplicated} (cases found {cases}) -> {'PASS' if ok else 'FAIL'}"
        )
        self.failed |= not ok

    # ------------------------------------------------------------------ the drills

    def drill_worker(self):
        say("drill 1: kill -9 the Celery worker while it delivers")
        self.stack.stop_process("mail")
        self.stack.extra["PROD_MAIL_DELAY"] = "0.5"
        self.stack.start_process("mail")
        load = self.load("worker")
        warm = time.monotonic() + 30  # some sends first, so their e-mails are on their way
        while time.monotonic() < warm and sum(s.accepted for s in load.sends) < 5:
            time.sleep(0.5)
        in_flight = 0
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            in_flight = self.query(
                "SELECT count(*) FROM cases_notification WHERE status = 'sending'"
            )[0][0]
            if in_flight:
                break
            time.sleep(0.2)
        pid = self.stack.pid("worker")
        os.killpg(pid, signal.SIGKILL)
        killed_at = time.monotonic()
        print(f"  killed the worker (pid {pid}) with {in_flight} e-mail(s) being sent")
        time.sleep(10)
        self.stack.start_process("worker")
        print(f"  worker restarted after {time.monotonic() - killed_at:.0f} s")
        time.sleep(10)
        load.stop()
        waiting = self.wait_for_outbox()
        time.sleep(5)
        sent, at_sink, missing, duplicates = self.delivered_once()
        self.stack.stop_process("mail")
        self.stack.extra.pop("PROD_MAIL_DELAY")
        self.stack.start_process("mail")
        ok = waiting == 0 and missing == 0 and duplicates == 0
        self.report(
            "worker",
            load,
            ok,
            [
                f"outbox after restart: {waiting} e-mail(s) waiting; {sent} sent rows, {at_sink} messages at the "
                f"sink, {missing} sent but not arrived, {duplicates} arrived twice"
            ],
        )

    def drill_redis(self):
        say("drill 2: stop Redis for 30 s")
        load = self.load("redis")
        time.sleep(5)
        before = len([s for s in load.sends if s.accepted])
        self.redis.stop()
        stopped = time.monotonic()
        time.sleep(30)
        during = len([s for s in load.sends if s.accepted]) - before
        self.redis.start()
        print(
            f"  Redis was away {time.monotonic() - stopped:.0f} s; {during} sends accepted meanwhile"
        )
        time.sleep(10)
        load.stop()
        waiting = self.wait_for_outbox()
        _, _, missing, duplicates = self.delivered_once()
        ok = during > 0 and waiting == 0 and missing == 0 and duplicates == 0
        self.report(
            "redis",
            load,
            ok,
            [
                f"queued work drained: {waiting} e-mail(s) waiting; {missing} sent but not arrived, {duplicates} twice"
            ],
        )

    def drill_postgres(self):
        say("drill 3: stop PostgreSQL for 15 s")
        load = self.load("postgres")
        time.sleep(5)
        self.pg.stop(mode="fast")
        stopped = time.monotonic()
        answers = Counter()
        plain = True
        while time.monotonic() - stopped < 15:
            for path in ("/", "/staff/login/"):
                status, body = self.fetch(path)
                answers[status] += 1
                if status == 503 and (
                    b"Traceback" in body or "系统暂时无法使用".encode() not in body
                ):
                    plain = False
            time.sleep(1)
        self.pg.start()
        recovered = None
        while time.monotonic() - stopped < 90:
            if fetch_status(self.stack.url + "/") == 200:
                recovered = time.monotonic() - stopped
                break
            time.sleep(0.5)
        time.sleep(10)
        load.stop()
        whole, lines = self.records()
        # Pages that need no database (the form, the sign-in page: configuration cached in
        # the process) may still answer 200; anything that needs it must be the plain 503.
        ok = (
            plain
            and 503 in answers
            and set(answers) <= {200, 503}
            and recovered is not None
            and whole
        )
        self.report(
            "postgres",
            load,
            ok,
            [
                f"while down the web answered {dict(answers)} (plain page without traceback: {plain})",
                f"back to 200 {recovered:.0f} s after the stop, by itself"
                if recovered
                else "did not recover",
                *lines[-7:],
            ],
        )

    def fetch(self, path: str) -> tuple[int | None, bytes]:
        import ssl
        import urllib.error
        import urllib.request

        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        try:
            with urllib.request.urlopen(self.stack.url + path, context=context, timeout=10) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()
        except OSError:
            return None, b""

    def drill_web(self):
        say("drill 4: kill -9 gunicorn workers mid-request")
        load = self.load("web", senders=3, photo_every=1, pause=0)
        time.sleep(8)
        master = int((self.stack.pidfile("web")).read_text())
        killed = 0
        for _ in range(4):
            children = [
                int(p) for p in Path(f"/proc/{master}/task/{master}/children").read_text().split()
            ]
            if children:
                os.kill(children[0], signal.SIGKILL)
                killed += 1
            time.sleep(3)
        print(f"  killed {killed} gunicorn workers; the master started new ones")
        time.sleep(5)
        load.stop()
        _, lines = self.records()
        orphans = next((line for line in lines if line.startswith("files without a row")), "")
        # Files a killed request saved before it could commit have no row: expected, and
        # removed by the nightly task. Anything else must be whole.
        problems = [
            line
            for line in lines
            if line.startswith(("cases without", "cases whose", "rows whose"))
            and not line.endswith(": 0")
        ]
        self.report(
            "web",
            load,
            not problems,
            [*lines[:6], f"({orphans.split(':')[-1].strip()} left by killed requests)"],
        )

    def drill_backup(self):
        say("5: back up during load, restore into a fresh database")
        load = self.load("backup")
        time.sleep(8)
        env_before = dict(os.environ)
        os.environ["DATABASE_URL"], os.environ["MEDIA_ROOT"] = self.pg.url, str(self.stack.media)
        try:
            target = backups.backup(DIRECTORY / "backups")
            time.sleep(5)
            load.stop()
            restored_url = self.pg.url.rsplit("/", 1)[0] + f"/hongmei_restored_{int(time.time())}"
            restored_media = DIRECTORY / "restored" / target.stem / "media"
            backups.restore(target, database_url=restored_url, media_root=restored_media)
            result = backups.check(restored_url, restored_media)
        finally:
            os.environ.clear()
            os.environ.update(env_before)
        lines = (result.stdout + result.stderr).strip().splitlines()
        self.report("backup", load, result.returncode == 0, [f"restored {target.name}", *lines])


def main() -> None:
    parser = argparse.ArgumentParser(description="Fault drills against the production stack.")
    names = ["worker", "redis", "postgres", "web", "backup"]
    parser.add_argument("drills", nargs="*", choices=names, default=names)
    arguments = parser.parse_args()
    drills = Drills()
    started = time.monotonic()
    try:
        drills.up()
        for name in arguments.drills:
            getattr(drills, f"drill_{name}")()
    finally:
        drills.down()
    print(
        f"drills: {'FAILED' if drills.failed else 'all passed'} in {time.monotonic() - started:.0f} s"
    )
    raise SystemExit(1 if drills.failed else 0)


if __name__ == "__main__":
    main()
