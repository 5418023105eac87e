"""Runs a background task's function in a process of its own, repeatedly, for a fixed time
or number of calls, and prints the latencies and the process's peak memory as JSON.

    DJANGO_SETTINGS_MODULE=bench.settings python -m bench.task < spec.json

spec: callable ("module:function"), kwargs, duration, max_calls, warmup (calls not counted).
"""

import importlib
import json
import resource
import sys
import time


def run(spec):
    import django

    django.setup()
    module, name = spec["callable"].split(":")
    function = getattr(importlib.import_module(module), name)
    for _ in range(spec.get("warmup", 1)):
        function(**spec.get("kwargs", {}))
    latencies, start = [], time.perf_counter()
    while len(latencies) < spec["max_calls"] and time.perf_counter() - start < spec["duration"]:
        began = time.perf_counter()
        function(**spec.get("kwargs", {}))
        latencies.append(time.perf_counter() - began)
    elapsed = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"latencies": latencies, "errors": 0, "elapsed": elapsed, "peak_mb": peak_mb}


if __name__ == "__main__":
    json.dump(run(json.load(sys.stdin)), sys.stdout)
