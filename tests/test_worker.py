"""Real Celery workers on a real broker (Redis by default; set HONGMEI_TEST_BROKER_URL to
try another, e.g. amqp://guest:guest@127.0.0.1:5672//) against the test database.

The web side runs as its own process too (manage.py shell), with the settings a web
server has: tasks go to the broker, never run eagerly. Each test uses its own queue, so
parallel runs on the same broker cannot take each other's tasks.
"""

import contextlib
import email
import email.policy
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest
from amqp.exceptions import ChannelError
from django.db import connection
from kombu import Connection

from cases.models import Notification, State
from tests import factories

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent
BROKER = os.environ.get("HONGMEI_TEST_BROKER_URL") or os.environ["REDIS_URL"]
WORKER = [
    *(sys.executable, "-m", "celery", "-A", "hongmei", "worker", "--pool=solo"),
    *("--without-gossip", "--without-mingle", "--loglevel=INFO"),
]


def dead_broker():
    """The broker's address with a port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    parsed = urlparse(BROKER)
    netloc = parsed.netloc.rsplit("@", 1)
    host = f"127.0.0.1:{port}"
    return urlunparse(parsed._replace(netloc=f"{netloc[0]}@{host}" if len(netloc) > 1 else host))


def database_url_of_tests():
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return f"postgres://{db['USER']}{password}@{host}:{port}/{db['NAME']}"


@pytest.fixture
def services(tmp_path):
    """Start workers and run web-side code against the test database and one queue."""
    queue = f"hongmei-test-{uuid.uuid4().hex[:12]}"
    mail = tmp_path / "mail"
    workers = []

    def environment(broker):
        env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
        env.update(
            DATABASE_URL=database_url_of_tests(),
            CELERY_BROKER_URL=broker,
            CELERY_QUEUE=queue,
            CELERY_TASK_ALWAYS_EAGER="0",
            CACHE_URL="locmem://",
            EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
            EMAIL_FILE_PATH=str(mail),
        )
        return env

    class Services:
        mail_dir = mail

        def start_worker(self):
            log = open(tmp_path / f"worker-{len(workers)}.log", "w")  # noqa: SIM115
            workers.append(
                subprocess.Popen(
                    [*WORKER, "-Q", queue, "-n", f"{queue}-{len(workers)}@localhost"],
                    cwd=ROOT,
                    env=environment(BROKER),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )

        def web(self, code, broker=BROKER):
            """Run `code` in a web-like process; returns its last line of output."""
            result = subprocess.run(
                [sys.executable, "manage.py", "shell", "-v", "0", "-c", code],
                cwd=ROOT,
                env=environment(broker),
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert result.returncode == 0, result.stdout + result.stderr
            return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""

        def queued(self):
            with Connection(BROKER) as conn:
                try:
                    return conn.default_channel.queue_declare(queue, passive=True).message_count
                except ChannelError:
                    return 0  # never declared: nothing in it

    yield Services()
    for worker in workers:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    with Connection(BROKER) as conn, contextlib.suppress(ChannelError):
        conn.default_channel.queue_delete(queue)


def read_mail(folder):
    """Every message the file-based e-mail backend wrote, in order."""
    messages = []
    for path in sorted(folder.glob("*.log")) if folder.exists() else []:
        for raw in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if raw.strip():
                messages.append(email.message_from_bytes(raw, policy=email.policy.default))
    return messages


def wait_for(condition, timeout=90, message="timed out"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(message)


def dispatch_code(case):
    return f"""
import time
from cases import workflow
from cases.models import Party
from django.contrib.auth import get_user_model
started = time.monotonic()
workflow.perform(
    {case.pk},
    "dispatch",
    actor=workflow.Actor.staff(get_user_model().objects.get(username="dispatcher")),
    lead_party=Party.objects.get(code="rc-hangtian"),
)
print(f"{{time.monotonic() - started:.2f}}")
"""


def settled(services, case):
    """Wait until the queue is drained and no delivery of `case` is still in flight."""
    wait_for(lambda: services.queued() == 0, message="the worker did not drain the queue")
    time.sleep(1.5)  # the last task taken off the queue finishes
    rows = Notification.objects.filter(case=case).exclude(channel="app")
    return not rows.filter(status__in=["pending", "sending"]).exists()


def test_a_dispatch_is_emailed_to_the_handler_by_a_real_worker(services):
    street = factories.street()
    case = factories.case_in(street, State.REPORTED)
    services.start_worker()
    services.web(dispatch_code(case))
    messages = wait_for(
        lambda: len(read_mail(services.mail_dir)) >= 2 and read_mail(services.mail_dir)
    )
    by_address = {m["To"]: m for m in messages}
    assert set(by_address) == {"hangtian@demo.hongmei.invalid", "r@example.com"}
    handler = by_address["hangtian@demo.hongmei.invalid"]
    assert handler["Subject"].strip() == f"新派遣案件 {case.number}：暴露垃圾/道路不洁"
    plain = handler.get_body(("plain",)).get_content()
    assert f"/staff/cases/{case.number}/" in plain
    assert case.number in handler.get_body(("html",)).get_content()
    sent = Notification.objects.filter(case=case, kind="dispatch").exclude(channel="app")
    wait_for(lambda: set(sent.values_list("status", "attempts")) == {("sent", 1)})
    app = Notification.objects.get(case=case, kind="dispatch", channel="app")
    assert app.user.username == "hangtian" and app.read_at is None


def test_with_the_broker_down_the_action_commits_and_the_sweep_delivers_exactly_once(services):
    street = factories.street()
    case = factories.case_in(street, State.REPORTED)
    elapsed = float(services.web(dispatch_code(case), broker=dead_broker()))
    assert elapsed < 5, f"the dispatch waited {elapsed}s for a broker that is down"
    case.refresh_from_db()
    assert case.state == State.DISPATCHED
    waiting = Notification.objects.filter(case=case, kind="dispatch").exclude(channel="app")
    assert set(waiting.values_list("status", "attempts")) == {("pending", 0)}
    assert waiting.count() == 2

    services.start_worker()
    sweep = (
        "from datetime import timedelta; from django.utils import timezone; "
        "from cases import notifications; "
        "print(notifications.sweep_outbox(now=timezone.now() + timedelta(minutes=2)))"
    )
    assert services.web(sweep) == "2"
    services.web(sweep)  # a second sweep before the worker is done queues them again
    wait_for(lambda: len(read_mail(services.mail_dir)) >= 2)
    wait_for(lambda: settled(services, case), message="deliveries still in flight")
    assert sorted(m["To"] for m in read_mail(services.mail_dir)) == [
        "hangtian@demo.hongmei.invalid",
        "r@example.com",
    ]
    assert set(waiting.values_list("status", "attempts")) == {("sent", 1)}


def test_a_delivery_task_run_twice_by_the_worker_sends_once(services):
    street = factories.street()
    case = factories.case_in(street, State.REPORTED)
    services.web(dispatch_code(case), broker=dead_broker())
    row = Notification.objects.get(case=case, kind="dispatch", channel="email", user__isnull=False)
    services.start_worker()
    services.web(
        "from cases import tasks; "
        f"tasks.deliver_notification.delay({row.pk}); tasks.deliver_notification.delay({row.pk})"
    )
    wait_for(lambda: read_mail(services.mail_dir))
    wait_for(lambda: services.queued() == 0)
    time.sleep(1.5)
    assert [m["To"] for m in read_mail(services.mail_dir)] == ["hangtian@demo.hongmei.invalid"]
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 1)
