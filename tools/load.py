"""A steady stream of public sends and staff actions against the production stack, with a
record of every outcome, for the fault drills (tools/drills.py) and the soak (tools/soak.py).

Each public send is one resident's: the form is fetched (its CSRF token and idempotency
key), then sent with a marker in the description. A send that fails for the server's
sake (a connection refused or reset, 502/503/504) is sent again with the same key, as a
phone that lost its network would, until it is answered or the run ends. So "accepted"
means the client saw the confirmation page, and the checks afterwards can ask: has every
accepted send exactly one case (lost 0, duplicated 0)?

The staff side signs in as the dispatcher and dispatches the cases the senders filed.
"""

from __future__ import annotations

import http.cookiejar
import io
import random
import re
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field

from PIL import Image

RETRY_STATUSES = {502, 503, 504}
PASSWORD = "hongmei-demo"  # the demo seed's accounts


def _context():
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """Cookies, CSRF, no automatic redirects; answers (status, headers, body)."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=_context()),
            urllib.request.HTTPCookieProcessor(self.jar),
            _NoRedirect,
        )

    def request(self, method, path, data=None, headers=None, timeout=60):
        headers = {"Referer": self.base + "/", **(headers or {})}
        request = urllib.request.Request(
            self.base + path, data=data, method=method, headers=headers
        )
        try:
            with self.opener.open(request, timeout=timeout) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def csrf(self):
        return next((c.value for c in self.jar if c.name == "csrftoken"), "")


def multipart(fields: list[tuple[str, str]], files: list[tuple[str, str, bytes]]):
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in fields:
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
        out.write(value.encode() + b"\r\n")
    for name, filename, data in files:
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: image/jpeg\r\n\r\n".encode()
        )
        out.write(data + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def jpeg(seed: int) -> bytes:
    buffer = io.BytesIO()
    rng = random.Random(seed)
    Image.new("RGB", (800, 600), tuple(rng.randrange(256) for _ in range(3))).save(
        buffer, "JPEG", quality=80
    )
    return buffer.getvalue()


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    return match.group(1) if match else ""


@dataclass
class Send:
    marker: str
    key: str = ""
    attempts: int = 0
    status: int | None = None
    accepted: bool = False
    number: str = ""
    errors: list[str] = field(default_factory=list)


CATEGORIES = ["litter", "noise", "bike-parking", "corridor-clutter"]
AREAS = ["compound-hangtian-1", "compound-huating-1", "compound-heping-1"]


class Load:
    """`senders` threads of public sends (one in `photo_every` with a photo) and one staff
    thread of dispatches, until stop()."""

    def __init__(
        self,
        base: str,
        *,
        run: str,
        senders: int = 2,
        photo_every: int = 3,
        staff: bool = True,
        party_ids: list[int] | None = None,
        pause: float = 0.2,
    ):
        self.base, self.run, self.senders, self.photo_every = base, run, senders, photo_every
        self.staff, self.party_ids, self.pause = staff, party_ids or [], pause
        self.sends: list[Send] = []
        self.actions = {"sent": 0, "done": 0, "failed": 0}
        self.errors: dict[str, int] = {}
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._counter = 0

    # -------------------------------------------------------------- control

    def start(self):
        for i in range(self.senders):
            self._threads.append(threading.Thread(target=self._sender, args=(i,), daemon=True))
        if self.staff:
            self._threads.append(threading.Thread(target=self._dispatcher, daemon=True))
        for thread in self._threads:
            thread.start()
        return self

    def stop(self, *, settle: float = 120):
        """Stop sending new reports; let sends in flight finish (or give up after `settle`)."""
        self._stop.set()
        deadline = time.monotonic() + settle
        for thread in self._threads:
            thread.join(max(0.1, deadline - time.monotonic()))

    def _error(self, what):
        with self._lock:
            self.errors[what] = self.errors.get(what, 0) + 1

    # -------------------------------------------------------------- residents

    def _sender(self, index):
        while not self._stop.is_set():
            with self._lock:
                self._counter += 1
                n = self._counter
            send = Send(marker=f"[{self.run}-{n}]")
            with self._lock:
                self.sends.append(send)
            self._send(send, n)
            time.sleep(self.pause)

    def _send(self, send: Send, n: int):
        browser = Browser(self.base)
        photo = [("photos", f"IMG_{n}.jpg", jpeg(n))] if n % self.photo_every == 0 else []
        give_up = None
        while True:
            if self._stop.is_set():
                # After stop, a send already begun keeps trying for a while (a phone
                # keeps its form), but no longer than the settling time.
                give_up = give_up or time.monotonic() + 90
                if time.monotonic() > give_up:
                    send.errors.append("gave up at the end of the run")
                    return
            send.attempts += 1
            try:
                if not send.key:
                    status, _, body = browser.request("GET", "/")
                    if status != 200:
                        raise _Retry(f"form {status}")
                    html = body.decode()
                    send.key = hidden(html, "key")
                fields = [
                    ("csrfmiddlewaretoken", browser.csrf()),
                    ("key", send.key),
                    ("category", CATEGORIES[n % len(CATEGORIES)]),
                    ("description", f"演练负载：路边问题需要处理 {send.marker}"),
                    ("area", AREAS[n % len(AREAS)]),
                    ("kind", "resident"),
                    ("email", f"load-{self.run}-{n}@example.com"),
                ]
                data, content_type = multipart(fields, photo)
                status, headers, body = browser.request(
                    "POST", "/", data, {"Content-Type": content_type}
                )
                if status == 200 and b'name="seen_nearby"' in body:
                    seen = hidden(body.decode(), "seen_nearby")
                    data, content_type = multipart([*fields, ("seen_nearby", seen)], photo)
                    status, headers, body = browser.request(
                        "POST", "/", data, {"Content-Type": content_type}
                    )
                send.status = status
                if status in RETRY_STATUSES:
                    raise _Retry(f"send {status}")
                if status == 302 and "/sent/" in headers.get("Location", ""):
                    status, _, page = browser.request(
                        "GET", urllib.parse.urlsplit(headers["Location"]).path
                    )
                    match = re.search(r'class="case-number"[^>]*>([^<]+)<', page.decode())
                    send.number = match.group(1).strip() if match else ""
                    send.accepted = True
                    return
                send.errors.append(f"answered {status}")
                self._error(f"send answered {status}")
                return
            except _Retry as retry:
                self._error(str(retry))
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as error:
                self._error(f"send: {type(error).__name__}")
            time.sleep(1)

    # -------------------------------------------------------------- staff

    def _dispatcher(self):
        browser = None
        done: set[str] = set()
        while not self._stop.is_set():
            try:
                if browser is None:
                    browser = Browser(self.base)
                    browser.request("GET", "/staff/login/")
                    body = urllib.parse.urlencode(
                        {
                            "csrfmiddlewaretoken": browser.csrf(),
                            "username": "dispatcher",
                            "password": PASSWORD,
                        }
                    ).encode()
                    status, _, _ = browser.request(
                        "POST",
                        "/staff/login/",
                        body,
                        {"Content-Type": "application/x-www-form-urlencoded"},
                    )
                    if status != 302:
                        browser = None
                        raise _Retry(f"sign-in {status}")
                with self._lock:
                    waiting = [
                        s.number
                        for s in self.sends
                        if s.accepted and s.number and s.number not in done
                    ]
                for number in waiting[:5]:
                    party = random.choice(self.party_ids) if self.party_ids else None
                    self.actions["sent"] += 1
                    body = urllib.parse.urlencode(
                        {"csrfmiddlewaretoken": browser.csrf(), "dispatch-lead_party": party or ""}
                    ).encode()
                    status, _, _ = browser.request(
                        "POST",
                        f"/staff/cases/{number}/actions/dispatch/",
                        body,
                        {"Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true"},
                    )
                    if status in (200, 302):
                        self.actions["done"] += 1
                        done.add(number)
                    else:
                        self.actions["failed"] += 1
                        self._error(f"dispatch {status}")
                        if status in RETRY_STATUSES:
                            break
                        done.add(number)  # a case already dispatched (by the rule) stays so
            except _Retry as retry:
                self._error(str(retry))
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as error:
                self._error(f"staff: {type(error).__name__}")
            time.sleep(1)

    # -------------------------------------------------------------- summary

    def summary(self) -> dict:
        accepted = [s for s in self.sends if s.accepted]
        return {
            "sent": len(self.sends),
            "accepted": len(accepted),
            "unanswered": len(self.sends) - len(accepted),
            "retried": sum(1 for s in self.sends if s.attempts > 1),
            "actions": dict(self.actions),
            "errors": dict(self.errors),
        }


class _Retry(Exception):
    pass
