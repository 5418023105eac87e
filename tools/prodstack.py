"""The production configuration on this machine: nginx (Debian's package) with TLS in front
of gunicorn, one Celery worker and beat, `DEBUG` off, PostgreSQL and Redis, all on loopback.

    python tools/prodstack.py run      # start, serve until Ctrl-C, stop (`make prod`)
    python tools/prodstack.py start    # start in the background (`make prod-start`)
    python tools/prodstack.py stop     # stop what start started (`make prod-stop`)
    python tools/prodstack.py status

nginx runs deploy/nginx/hongmei.conf itself, with only its machine-specific values
(ports, paths, the certificate) replaced: `render_site()` refuses to start if one of them
is not found exactly once, so the file a server installs and the file CI runs cannot drift
apart. gunicorn reads deploy/gunicorn.conf.py. Mail goes over SMTP to tools/mailsink.py,
which keeps each message as a file, so a test can count what was delivered.

Everything lives under var/prod/ (PROD_DIR): the rendered nginx configuration, a
self-signed certificate for 127.0.0.1, the generated SECRET_KEY, logs, pid files, media
and the delivered mail. The database (PROD_DATABASE_URL, default `hongmei_prod` on the
local server) is created, migrated and seeded with the demo street on first start.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
BIN = BASE / ".venv" / "bin"
PYTHON = str(BIN / "python") if (BIN / "python").exists() else sys.executable
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
BROTLI_MODULES = (
    "/usr/lib/nginx/modules/ngx_http_brotli_filter_module.so",
    "/usr/lib/nginx/modules/ngx_http_brotli_static_module.so",
)


@dataclass
class Stack:
    """Where the local production stack lives and what it listens on."""

    directory: Path = field(
        default_factory=lambda: Path(os.environ.get("PROD_DIR", BASE / "var" / "prod"))
    )
    https_port: int = field(default_factory=lambda: int(os.environ.get("PROD_HTTPS_PORT", "8443")))
    http_port: int = field(default_factory=lambda: int(os.environ.get("PROD_HTTP_PORT", "8080")))
    app_port: int = field(default_factory=lambda: int(os.environ.get("PROD_APP_PORT", "8801")))
    mail_port: int = field(default_factory=lambda: int(os.environ.get("PROD_MAIL_PORT", "2525")))
    database_url: str = field(
        default_factory=lambda: os.environ.get(
            "PROD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hongmei_prod"
        )
    )
    redis_url: str = field(
        default_factory=lambda: os.environ.get("PROD_REDIS_URL", "redis://127.0.0.1:6379/8")
    )
    web_workers: int = field(default_factory=lambda: int(os.environ.get("PROD_WEB_WORKERS", "3")))
    # Extra settings for the app processes, e.g. the drills' higher rate limits.
    extra: dict[str, str] = field(default_factory=dict)

    def __post_init__(self):
        # nginx and the processes run with their own working directories: absolute paths.
        self.directory = (BASE / self.directory).resolve()

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    @property
    def mail(self) -> Path:
        return self.directory / "mail"

    @property
    def media(self) -> Path:
        return self.directory / "media"

    @property
    def logs(self) -> Path:
        return self.directory / "logs"

    def pidfile(self, name: str) -> Path:
        return self.directory / "run" / f"{name}.pid"

    # ------------------------------------------------------------------ environment

    def secret_key(self) -> str:
        path = self.directory / "secret_key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(50))
            path.chmod(0o600)
        return path.read_text().strip()

    def environment(self) -> dict[str, str]:
        """The production settings (docs/deploy.md), for loopback."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "HONGMEI_"))}
        env.pop("DEBUG", None)
        origin = self.url
        env.update(
            SECRET_KEY=self.secret_key(),
            ALLOWED_HOSTS="127.0.0.1,localhost",
            CSRF_TRUSTED_ORIGINS=f"{origin},https://localhost:{self.https_port}",
            SITE_URL=origin,
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis_url,
            MEDIA_ROOT=str(self.media),
            HONGMEI_MEDIA_ACCEL_PREFIX="/protected-media/",
            HONGMEI_NUM_PROXIES="1",
            HONGMEI_CLIENT_IP_HEADER="HTTP_X_REAL_IP",
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(self.mail_port),
            EMAIL_TIMEOUT="10",
            CELERY_BEAT_SCHEDULE_FILENAME=str(self.directory / "run" / "celerybeat-schedule"),
            GUNICORN_BIND=f"127.0.0.1:{self.app_port}",
            GUNICORN_WORKERS=str(self.web_workers),
            GUNICORN_PIDFILE=str(self.pidfile("web")),
            PYTHONUNBUFFERED="1",
        )
        env.update(self.extra)
        return env

    def manage(
        self, *args: str, debug: bool = False, check: bool = True
    ) -> subprocess.CompletedProcess:
        env = self.environment()
        if debug:
            env["DEBUG"] = "1"
        return subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=BASE,
            env=env,
            check=check,
            text=True,
            capture_output=True,
        )

    # ------------------------------------------------------------------ set-up

    def prepare(self, *, seed: bool = True) -> None:
        for path in (self.directory, self.logs, self.directory / "run", self.media, self.mail):
            path.mkdir(parents=True, exist_ok=True)
        self._certificate()
        self._database()
        say("checking the production settings (check --deploy)")
        out = self.manage("check", "--deploy", "--fail-level", "WARNING")
        say("  " + (out.stdout.strip().splitlines() or ["ok"])[-1])
        fingerprint = static_fingerprint()
        stamp = BASE / "staticfiles" / ".fingerprint"
        if not stamp.exists() or stamp.read_text() != fingerprint:
            say("collecting static files (hashed names, gzip and brotli beside each)")
            self.manage("collectstatic", "--noinput", "-v0")
            stamp.write_text(fingerprint)
        say("migrating")
        self.manage("migrate", "--noinput", "-v0")
        self.manage("load_calendar", "-v0")
        if seed:
            say("seeding the demo street (once; idempotent)")
            self.manage("seed_demo", debug=True)
        self._nginx_config()

    def _certificate(self) -> None:
        cert, key = self.directory / "tls.crt", self.directory / "tls.key"
        if cert.exists() and key.exists():
            return
        say("making a self-signed certificate for 127.0.0.1")
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "30",
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1,DNS:localhost",
                "-keyout",
                str(key),
                "-out",
                str(cert),
            ],
            check=True,
            capture_output=True,
        )
        key.chmod(0o600)

    def _database(self) -> None:
        import psycopg

        parts = urllib.parse.urlsplit(self.database_url)
        name = parts.path.lstrip("/")
        admin = parts._replace(path="/postgres").geturl()
        with psycopg.connect(admin, autocommit=True) as connection:
            exists = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [name]
            ).fetchone()
            if not exists:
                say(f"creating database {name}")
                connection.execute(f'CREATE DATABASE "{name}"')

    def render_site(self) -> str:
        """deploy/nginx/hongmei.conf with this machine's ports, paths and certificate."""
        site = (BASE / "deploy" / "nginx" / "hongmei.conf").read_text()
        replacements = [
            ("server 127.0.0.1:8001", f"server 127.0.0.1:{self.app_port}"),
            ("listen 80;", f"listen 127.0.0.1:{self.http_port};"),
            ("listen 443 ssl http2;", f"listen 127.0.0.1:{self.https_port} ssl http2;"),
            (
                "return 301 https://$host$request_uri;",
                f"return 301 https://$host:{self.https_port}$request_uri;",
            ),
            ("/etc/ssl/hongmei/fullchain.pem", str(self.directory / "tls.crt")),
            ("/etc/ssl/hongmei/privkey.pem", str(self.directory / "tls.key")),
            ("/srv/hongmei/app/staticfiles/", f"{BASE / 'staticfiles'}/"),
            ("/srv/hongmei/media/", f"{self.media}/"),
            ("/srv/hongmei/app/deploy/nginx", str(BASE / "deploy" / "nginx")),
            (
                "/etc/nginx/snippets/hongmei-brotli*.conf",
                str(self.directory / "nginx" / "brotli*.conf"),
            ),
        ]
        for old, new in replacements:
            if old not in site:
                raise SystemExit(
                    f"deploy/nginx/hongmei.conf no longer holds {old!r}: update tools/prodstack.py"
                )
            site = site.replace(old, new)
        site = site.replace("server_name cases.example.gov.cn;", "server_name 127.0.0.1 localhost;")
        return site

    def _nginx_config(self) -> None:
        conf = self.directory / "nginx"
        for sub in ("temp", "logs"):
            (conf / sub).mkdir(parents=True, exist_ok=True)
        (conf / "site.conf").write_text(self.render_site())
        modules = [m for m in BROTLI_MODULES if Path(m).exists()]
        brotli = conf / "brotli.conf"
        if len(modules) == len(BROTLI_MODULES):
            shutil.copy(BASE / "deploy" / "nginx" / "brotli.conf", brotli)
        else:
            brotli.unlink(missing_ok=True)
        user = "user root root;" if os.geteuid() == 0 else ""
        temp = conf / "temp"
        (conf / "nginx.conf").write_text(
            "\n".join(
                [
                    "# Rendered by tools/prodstack.py; the site is deploy/nginx/hongmei.conf.",
                    *[f"load_module {m};" for m in modules],
                    user,
                    "worker_processes 2;",
                    f"pid {self.pidfile('nginx')};",
                    f"error_log {self.logs / 'nginx-error.log'} warn;",
                    "events { worker_connections 512; }",
                    "http {",
                    "    include /etc/nginx/mime.types;",
                    "    default_type application/octet-stream;",
                    "    types { application/geo+json geojson; }",
                    "    sendfile on;",
                    f"    access_log {self.logs / 'nginx-access.log'};",
                    f"    client_body_temp_path {temp}/body;",
                    f"    proxy_temp_path {temp}/proxy;",
                    f"    fastcgi_temp_path {temp}/fastcgi;",
                    f"    uwsgi_temp_path {temp}/uwsgi;",
                    f"    scgi_temp_path {temp}/scgi;",
                    f"    include {conf / 'site.conf'};",
                    "}",
                    "",
                ]
            )
        )

    # ------------------------------------------------------------------ processes

    def commands(self) -> dict[str, list[str]]:
        conf = self.directory / "nginx" / "nginx.conf"
        return {
            "mail": [
                PYTHON,
                str(BASE / "tools" / "mailsink.py"),
                "--port",
                str(self.mail_port),
                "--directory",
                str(self.mail),
                "--delay",
                self.extra.get("PROD_MAIL_DELAY", "0"),
            ],
            "web": [
                str(BIN / "gunicorn"),
                "hongmei.wsgi",
                "--config",
                str(BASE / "deploy" / "gunicorn.conf.py"),
            ],
            "worker": [
                str(BIN / "celery"),
                "-A",
                "hongmei",
                "worker",
                "--loglevel=INFO",
                "--concurrency=2",
                f"--hostname=prod-worker@{os.uname().nodename}",
            ],
            "beat": [str(BIN / "celery"), "-A", "hongmei", "beat", "--loglevel=INFO"],
            "nginx": [
                NGINX,
                "-p",
                str(self.directory / "nginx"),
                "-c",
                str(conf),
                "-g",
                "daemon off;",
            ],
        }

    def start_process(self, name: str) -> int:
        with open(self.logs / f"{name}.log", "ab") as log:
            process = subprocess.Popen(
                self.commands()[name],
                cwd=BASE,
                env=self.environment(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        if name != "web" and name != "nginx":
            self.pidfile(name).write_text(str(process.pid))
        else:
            # gunicorn and nginx write their own pid files; keep ours for the session.
            (self.directory / "run" / f"{name}.session").write_text(str(process.pid))
        return process.pid

    def stop_process(self, name: str) -> None:
        pid = self.pid(name)
        if pid:
            terminate(pid, name)
        for path in (self.pidfile(name), self.directory / "run" / f"{name}.session"):
            path.unlink(missing_ok=True)

    def pid(self, name: str) -> int | None:
        for path in (self.pidfile(name), self.directory / "run" / f"{name}.session"):
            try:
                pid = int(path.read_text().strip())
            except (FileNotFoundError, ValueError):
                continue
            if alive(pid):
                return pid
        return None

    def start(self, *, seed: bool = True) -> None:
        if self.pid("web") or self.pid("nginx"):
            raise SystemExit(
                "The production stack is already running: python tools/prodstack.py stop"
            )
        self.prepare(seed=seed)
        for name in ("mail", "worker", "beat", "web", "nginx"):
            say(f"starting {name}")
            self.start_process(name)
        self.wait_until_ready()
        say(f"ready: {self.url}/ (self-signed certificate), staff at {self.url}/staff/")

    def wait_until_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            for name in ("web", "nginx", "worker", "beat", "mail"):
                if not self.pid(name):
                    last = f"{name} is not running (see {self.logs / (name + '.log')})"
                    break
            else:
                status = fetch_status(self.url + "/")
                if status == 200 and self.worker_ready():
                    return
                last = f"{self.url}/ answered {status}"
            time.sleep(0.5)
        self.stop()
        raise SystemExit(f"The production stack did not come up: {last}")

    def worker_ready(self) -> bool:
        log = self.logs / "worker.log"
        return log.exists() and b" ready." in log.read_bytes()[-20000:]

    def stop(self) -> None:
        for name in ("nginx", "web", "beat", "worker", "mail"):
            pid = self.pid(name)
            if not pid:
                continue
            say(f"stopping {name} ({pid})")
            self.stop_process(name)

    def status(self) -> dict[str, int | None]:
        return {name: self.pid(name) for name in ("mail", "worker", "beat", "web", "nginx")}


# ---------------------------------------------------------------------- helpers


def static_fingerprint() -> str:
    """What collectstatic's result depends on: the project's static files, the front-end
    packages and the locked Python packages (whose apps bring static files)."""
    import hashlib

    digest = hashlib.sha256((BASE / "requirements.lock").read_bytes())
    sources = [BASE / "static", BASE / "node_modules", *BASE.glob("*/static")]
    for source in sources:
        for path in sorted(source.rglob("*")):
            if path.is_file():
                stat = path.stat()
                digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def say(text: str) -> None:
    print(f"prod: {text}", flush=True)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie is not alive
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def terminate(pid: int, name: str, timeout: float = 30) -> None:
    """Stop a process group politely (QUIT for nginx, TERM otherwise), then firmly."""
    polite = signal.SIGQUIT if name == "nginx" else signal.SIGTERM
    try:
        os.killpg(pid, polite)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive(pid):
            return
        time.sleep(0.2)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def fetch_status(url: str) -> int | None:
    import ssl

    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with urllib.request.urlopen(url, context=context, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (urllib.error.URLError, OSError):
        return None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="The production configuration on loopback.")
    parser.add_argument("command", choices=("run", "start", "stop", "status", "render"))
    parser.add_argument("--no-seed", action="store_true", help="do not load the demo street")
    arguments = parser.parse_args(argv)
    stack = Stack()
    if arguments.command == "render":
        print(stack.render_site())
    elif arguments.command == "status":
        for name, pid in stack.status().items():
            print(f"{name:7} {'running, pid ' + str(pid) if pid else 'stopped'}")
    elif arguments.command == "stop":
        stack.stop()
    elif arguments.command == "start":
        stack.start(seed=not arguments.no_seed)
    else:
        stack.start(seed=not arguments.no_seed)
        say("serving; Ctrl-C stops everything")
        try:
            while all(stack.status().values()):
                time.sleep(1)
            down = [name for name, pid in stack.status().items() if not pid]
            say(f"{', '.join(down)} stopped on its own; see {stack.logs}")
        except KeyboardInterrupt:
            pass
        finally:
            stack.stop()


if __name__ == "__main__":
    main()
