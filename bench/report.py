"""Figures and tables of a benchmark run: pure functions, unit-tested in tests/test_bench.py.

A row's figures are p50 and p95 latency (ms), requests per second and the peak resident
memory of a worker (MB); each is also given as a ratio to the row's floor measured in the
same run: latency and memory as row ÷ floor (× the floor; lower is better), throughput as
row ÷ floor (the share of the floor's throughput the row reaches; higher is better).
"""

import math

COLUMNS = ("p50_ms", "p95_ms", "rps", "peak_mb")


def percentile(values, p):
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(p * len(ordered)), 1) - 1]


def summarize(latencies, elapsed, errors=0, peak_mb=None):
    """Figures of one measured scenario from its latencies (seconds) and wall time."""
    return {
        "requests": len(latencies),
        "errors": errors,
        "p50_ms": _ms(percentile(latencies, 0.5)),
        "p95_ms": _ms(percentile(latencies, 0.95)),
        "rps": round(len(latencies) / elapsed, 1) if elapsed > 0 and latencies else None,
        "peak_mb": peak_mb,
    }


def _ms(seconds):
    return None if seconds is None else round(seconds * 1000, 2)


def ratios(row, floor):
    """Each figure of `row` as a ratio to the same figure of its floor (None if missing)."""
    out = {}
    for column in COLUMNS:
        value, base = row.get(column), (floor or {}).get(column)
        out[column] = round(value / base, 2) if value is not None and base else None
    return out


def _cell(value, ratio=None, suffix="×"):
    if value is None:
        return "—"
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return f"{text} ({ratio:g}{suffix})" if ratio is not None else text


def table(title, rows):
    """A Markdown table of one run: rows are dicts with name, floor, figures, note."""
    by_name = {r["name"]: r for r in rows}
    lines = [
        f"### {title}",
        "",
        "| scenario | floor | p50 ms (× floor) | p95 ms (× floor) | req/s (share of floor) "
        "| peak MB/worker (× floor) | requests | errors | note |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        figures = r.get("figures")
        if not figures:
            lines.append(
                f"| {r['name']} | {r.get('floor') or '—'} | — | — | — | — | — | — "
                f"| {r.get('note', '')} |"
            )
            continue
        floor = by_name.get(r.get("floor"), {}).get("figures")
        q = ratios(figures, floor) if floor else dict.fromkeys(COLUMNS)
        lines.append(
            f"| {r['name']} | {r.get('floor') or '—'} "
            f"| {_cell(figures['p50_ms'], q['p50_ms'])} "
            f"| {_cell(figures['p95_ms'], q['p95_ms'])} "
            f"| {_cell(figures['rps'], q['rps'])} "
            f"| {_cell(figures['peak_mb'], q['peak_mb'])} "
            f"| {figures['requests']} | {figures['errors']} | {r.get('note', '')} |"
        )
    return "\n".join(lines) + "\n"


def comparison(runs, target=1.5):
    """How each scenario's p50 and p95 at the largest size compare with the smallest.
    runs: {size: [rows]}."""
    sizes = sorted(runs)
    if len(sizes) < 2:
        return ""
    small, large = sizes[0], sizes[-1]
    before = {r["name"]: r.get("figures") for r in runs[small]}
    lines = [
        f"### {large:,} cases against {small:,}",
        "",
        f"| scenario | p50 ms at {small:,} | p50 ms at {large:,} | ratio | p95 ratio "
        f"| req/s ratio | within {target:g}× |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in runs[large]:
        a, b = before.get(r["name"]), r.get("figures")
        if not a or not b:
            continue
        p50 = round(b["p50_ms"] / a["p50_ms"], 2) if a["p50_ms"] else None
        p95 = round(b["p95_ms"] / a["p95_ms"], 2) if a["p95_ms"] else None
        rps = round(b["rps"] / a["rps"], 2) if a["rps"] and b["rps"] else None
        verdict = "yes" if p50 is not None and p50 <= target else "no"
        lines.append(
            f"| {r['name']} | {a['p50_ms']} | {b['p50_ms']} | {_cell(p50, None)} "
            f"| {_cell(p95, None)} | {_cell(rps, None)} | {verdict} |"
        )
    return "\n".join(lines) + "\n"
