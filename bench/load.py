"""The load generator: a separate process that sends one scenario's requests to the
server on loopback from a few threads, for a fixed time or a fixed number of requests,
whichever comes first, and prints what it measured as JSON.

    python -m bench.load < spec.json

spec: host, port, method, paths (used in turn), headers, concurrency, duration,
max_requests, warmup (seconds not counted), expect; for a POST: forms (field dicts, used in
turn, each sent as multipart/form-data), files (field name → path of a file sent with every
form), fresh (fields given a new random token on every request: idempotency keys), and
nearby (paths, one per form, asked first, untimed, the way the public form's live check
does before a send: the open cases it lists go into the form's `seen_nearby`).
"""

import http.client
import itertools
import json
import re
import secrets
import sys
import threading
import time
import uuid
from pathlib import Path

SEEN = re.compile(rb'name="seen_nearby" value="([^"]*)"')


def multipart(form, files):
    boundary = "bench" + uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in form.items()
    ]
    for name, data in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="photo.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'.encode()
            + data
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Exchange:
    """One request of the scenario: what to send, and the untimed step before it."""

    def __init__(self, spec):
        self.spec = spec
        self.files = {k: Path(v).read_bytes() for k, v in spec.get("files", {}).items()}
        forms = spec.get("forms") or [None]
        nearby = spec.get("nearby") or [None] * len(forms)
        paths = spec["paths"] * (len(forms) // len(spec["paths"]) + 1)
        self.turns = itertools.cycle(zip(paths, forms, nearby, strict=False))

    def connection(self):
        return http.client.HTTPConnection(self.spec["host"], self.spec["port"], timeout=120)

    def prepare(self, turn):
        """(path, body, headers) of the next request; the live check's GET happens here."""
        path, form, nearby = turn
        headers = dict(self.spec["headers"])
        if form is None:
            return path, None, headers
        form = dict(form)
        for name in self.spec.get("fresh", []):
            form[name] = secrets.token_urlsafe(24)
        if nearby:
            connection = self.connection()
            try:
                connection.request("GET", nearby, headers=headers)
                found = SEEN.search(connection.getresponse().read())
            finally:
                connection.close()
            form["seen_nearby"] = found.group(1).decode() if found else ""
        body, headers["Content-Type"] = multipart(form, self.files)
        return path, body, headers

    def send(self, method, turn):
        """(began, seconds, status) of one request, the step before it untimed; seconds
        None and status 0 when the connection failed."""
        try:
            path, body, headers = self.prepare(turn)
        except OSError:
            return time.perf_counter(), None, 0
        connection = self.connection()
        began = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            return began, time.perf_counter() - began, response.status
        except OSError:
            return began, None, 0
        finally:
            connection.close()


def run(spec):
    exchange = Exchange(spec)
    lock = threading.Lock()
    latencies, errors, statuses = [], [0], {}
    expect = set(spec.get("expect", [200]))
    start = time.perf_counter()
    counting_from = start + spec.get("warmup", 0)
    stop_at = counting_from + spec["duration"]

    def worker():
        while True:
            with lock:
                if len(latencies) >= spec["max_requests"]:
                    return
                turn = next(exchange.turns)
            if time.perf_counter() >= stop_at:
                return
            began, took, status = exchange.send(spec["method"], turn)
            if began < counting_from or began >= stop_at:
                continue
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                if status in expect and took is not None:
                    latencies.append(took)
                else:
                    errors[0] += 1

    threads = [threading.Thread(target=worker) for _ in range(spec["concurrency"])]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = min(time.perf_counter(), stop_at) - counting_from
    return {"latencies": latencies, "errors": errors[0], "elapsed": elapsed, "statuses": statuses}


if __name__ == "__main__":
    json.dump(run(json.load(sys.stdin)), sys.stdout)
