"""The load generator: a separate process that sends one scenario's requests to the
server on loopback from a few threads, for a fixed time or a fixed number of requests,
whichever comes first, and prints what it measured as JSON.

    python -m bench.load < spec.json

spec: host, port, method, paths (used in turn), headers, body (latin-1 text of the raw
body), concurrency, duration, max_requests, warmup (seconds not counted), expect.
"""

import http.client
import itertools
import json
import sys
import threading
import time


def run(spec):
    paths = itertools.cycle(spec["paths"])
    lock = threading.Lock()
    latencies, errors, statuses = [], [0], {}
    body = spec.get("body")
    body = body.encode("latin-1") if body is not None else None
    expect = set(spec.get("expect", [200]))
    start = time.perf_counter()
    counting_from = start + spec.get("warmup", 0)
    stop_at = counting_from + spec["duration"]

    def worker():
        while True:
            with lock:
                if len(latencies) >= spec["max_requests"]:
                    return
                path = next(paths)
            now = time.perf_counter()
            if now >= stop_at:
                return
            connection = http.client.HTTPConnection(spec["host"], spec["port"], timeout=120)
            try:
                began = time.perf_counter()
                connection.request(spec["method"], path, body=body, headers=spec["headers"])
                response = connection.getresponse()
                response.read()
                took = time.perf_counter() - began
                status = response.status
            except OSError:
                took, status = None, 0
            finally:
                connection.close()
            if began < counting_from:
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
