"""The ledger's open data (/ledger/data/): the page's figures, map, decisions and daily roots
as tables with fixed columns, written as CSV or JSON. The columns are the documented schema
(the data page and docs/ledger.md list them); change one only with both."""

from __future__ import annotations

from typing import Any

from ledger import figures

# name: (columns, description) — the schema shown on /ledger/data/.
SCHEMAS = {
    "figures": (
        "group",
        "key",
        "name",
        "received",
        "dispatched",
        "closed",
        "due",
        "on_time",
        "on_time_rate",
        "rated",
        "satisfied",
        "satisfaction_rate",
    ),
    "points": ("lat", "lng", "state", "count"),
    "decisions": (
        "decided",
        "meeting",
        "topic",
        "lead",
        "co_parties",
        "deadline",
        "progress",
        "done_on",
        "measures",
        "done_note",
        "follow_ups",
    ),
    "roots": ("day", "root", "cases"),
}


def _percent(ratio):
    return ratio.percent


def _figure_row(group, key, name, f):
    return {
        "group": group,
        "key": key,
        "name": name,
        "received": f.filed,
        "dispatched": f.dispatched,
        "closed": f.closed,
        "due": f.resolve_due,
        "on_time": f.resolve_met,
        "on_time_rate": _percent(f.on_time),
        "rated": f.rated,
        "satisfied": f.satisfaction.numerator,
        "satisfaction_rate": _percent(f.satisfaction),
    }


def figure_rows(month: figures.Month) -> list[dict[str, Any]]:
    shown = figures.month_figures(month)
    rows = [_figure_row("total", None, "", shown.total)]
    for group in figures.GROUPS:
        rows += [
            _figure_row(group, line.key, line.label, line.figures) for line in shown.groups[group]
        ]
    return rows


def point_rows() -> list[dict[str, Any]]:
    return [
        {"lat": lat, "lng": lng, "state": state, "count": n}
        for lat, lng, state, n in figures.map_points()
    ]


def decision_rows() -> list[dict[str, Any]]:
    return [
        {
            "decided": d.decided.isoformat(),
            "meeting": d.meeting,
            "topic": d.topic,
            "lead": d.lead,
            "co_parties": d.co_parties,
            "deadline": d.deadline.isoformat(),
            "progress": d.progress,
            "done_on": d.done_on.isoformat() if d.done_on else None,
            "measures": d.measures,
            "done_note": d.done_note,
            "follow_ups": [
                {"meeting_day": f.day.isoformat(), "done": f.done, "minutes": f.minutes}
                for f in d.follow_ups
            ],
        }
        for d in figures.decisions()
    ]


def root_rows() -> list[dict[str, Any]]:
    return [
        {"day": r.day.isoformat(), "root": r.root, "cases": r.leaves}
        for r in figures.roots(limit=None)
    ]


def rows(name: str, month: figures.Month) -> list[dict[str, Any]]:
    if name == "figures":
        return figure_rows(month)
    if name == "points":
        return point_rows()
    if name == "decisions":
        return decision_rows()
    return root_rows()


def csv_cell(value: Any) -> Any:
    """Lists are joined with 、; follow-ups read "day: done/open" each."""
    if isinstance(value, list):
        return "、".join(
            f"{v['meeting_day']}:{'done' if v['done'] else 'open'}" if isinstance(v, dict) else v
            for v in value
        )
    return "" if value is None else value
