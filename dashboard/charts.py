"""Geometry for the dashboard's charts, drawn as SVG by templates (dashboard/chart_*.html).

Charts are laid out in a 320-unit-wide viewBox, about the width of a phone, so that text is
legible at 360 px and simply grows with the screen on a wall display. Everything here is
plain numbers; the templates draw and label them.
"""

import math
from dataclasses import dataclass, field

WIDTH = 320


def nice_ceiling(value):
    """The smallest of 1, 2, 5 × 10^k at or above `value` (at least 1): a round axis top."""
    if value <= 1:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    return next(step * magnitude for step in (1, 2, 5, 10) if value <= step * magnitude)


def _ticks(top):
    """Axis labels: 0, the top, and the middle when it is a whole number."""
    return [0, top // 2, top] if top % 2 == 0 else [0, top]


@dataclass
class Trend:
    """Bars of new and closed cases per day (or week) and a line of the on-time rate."""

    width: int = WIDTH
    height: int = 200
    left: int = 34
    right: int = 40
    top: int = 10
    bottom: int = 26
    bars: list = field(default_factory=list)
    segments: list = field(default_factory=list)
    dots: list = field(default_factory=list)
    y_ticks: list = field(default_factory=list)
    rate_ticks: list = field(default_factory=list)
    x_labels: list = field(default_factory=list)

    @property
    def plot_bottom(self):
        return self.height - self.bottom

    @property
    def plot_right(self):
        return self.width - self.right


def trend(points):
    """points: [(date, new, closed, on-time rate or None)] in order."""
    chart = Trend()
    plot_w = chart.width - chart.left - chart.right
    plot_h = chart.height - chart.top - chart.bottom
    top = nice_ceiling(max([1] + [max(p[1], p[2]) for p in points]))
    slot = plot_w / max(len(points), 1)
    bar = max(slot * 0.36, 0.8)

    def y(value):
        return chart.top + plot_h * (1 - value / top)

    def y_rate(rate):
        return chart.top + plot_h * (1 - rate)

    segment = []
    for i, (day, new, closed, rate) in enumerate(points):
        x = chart.left + i * slot + slot / 2
        chart.bars.append(
            {
                "day": day,
                "new": new,
                "closed": closed,
                "rate": rate,
                "new_x": round(x - bar, 2),
                "closed_x": round(x, 2),
                "width": round(bar, 2),
                "new_y": round(y(new), 2),
                "new_h": round(chart.top + plot_h - y(new), 2),
                "closed_y": round(y(closed), 2),
                "closed_h": round(chart.top + plot_h - y(closed), 2),
            }
        )
        if rate is None:
            if segment:
                chart.segments.append(" ".join(segment))
            segment = []
            continue
        point = f"{x:.2f},{y_rate(rate):.2f}"
        segment.append(point)
        chart.dots.append({"x": round(x, 2), "y": round(y_rate(rate), 2)})
    if segment:
        chart.segments.append(" ".join(segment))
    chart.y_ticks = [{"value": v, "y": round(y(v), 2)} for v in _ticks(top)]
    chart.rate_ticks = [{"value": int(f * 100), "y": round(y_rate(f), 2)} for f in (0, 0.5, 1)]
    every = max(math.ceil(len(points) / 5), 1)
    chart.x_labels = [
        {"day": p[0], "x": round(chart.left + i * slot + slot / 2, 2)}
        for i, p in enumerate(points)
        if i % every == 0
    ]
    return chart


@dataclass
class Columns:
    """Stacked columns: one per bucket, one stack per series."""

    width: int = WIDTH
    height: int = 190
    left: int = 34
    top: int = 16
    bottom: int = 30
    columns: list = field(default_factory=list)
    y_ticks: list = field(default_factory=list)

    @property
    def plot_bottom(self):
        return self.height - self.bottom


def stacked(buckets, series):
    """buckets: [(label, {series: count})]; series: the stacking order."""
    chart = Columns()
    plot_w = chart.width - chart.left - 6
    plot_h = chart.height - chart.top - chart.bottom
    top = nice_ceiling(max([1] + [sum(counts.values()) for _, counts in buckets]))
    slot = plot_w / max(len(buckets), 1)
    for i, (label, counts) in enumerate(buckets):
        x = chart.left + i * slot + slot * 0.15
        base = chart.top + plot_h
        parts = []
        for name in series:
            height = plot_h * counts.get(name, 0) / top
            if height:
                parts.append(
                    {"series": name, "y": round(base - height, 2), "height": round(height, 2)}
                )
            base -= height
        chart.columns.append(
            {
                "label": label,
                "total": sum(counts.values()),
                "x": round(x, 2),
                "width": round(slot * 0.7, 2),
                "center": round(x + slot * 0.35, 2),
                "top": round(base, 2),
                "parts": parts,
            }
        )
    chart.y_ticks = [
        {"value": v, "y": round(chart.top + plot_h * (1 - v / top), 2)} for v in _ticks(top)
    ]
    return chart


# ---------------------------------------------------------------------------- maps


def heat_class(count, highest):
    """0 for none, else 1–5 by the share of the busiest area."""
    if not count or not highest:
        return 0
    return min(max(math.ceil(5 * count / highest), 1), 5)


def _rings(geometry):
    if geometry["type"] == "Polygon":
        return geometry["coordinates"]
    if geometry["type"] == "MultiPolygon":
        return [ring for polygon in geometry["coordinates"] for ring in polygon]
    return []


def outline_map(shapes, width=WIDTH):
    """SVG paths for GeoJSON outlines: shapes [(item, geometry)] → (height, [(item, path)]).
    An equirectangular projection is exact enough for a street a few kilometres across."""
    points = [pt for _, geometry in shapes for ring in _rings(geometry) for pt in ring]
    if not points:
        return 0, []
    west, east = min(p[0] for p in points), max(p[0] for p in points)
    south, north = min(p[1] for p in points), max(p[1] for p in points)
    squeeze = math.cos(math.radians((south + north) / 2))
    span_x = max((east - west) * squeeze, 1e-9)
    scale = (width - 2) / span_x
    height = round((north - south) * scale + 2)
    drawn = []
    for item, geometry in shapes:
        path = []
        for ring in _rings(geometry):
            coords = [
                f"{1 + (lng - west) * squeeze * scale:.1f},{1 + (north - lat) * scale:.1f}"
                for lng, lat in ring
            ]
            path.append("M" + " L".join(coords) + " Z")
        drawn.append((item, " ".join(path)))
    return height, drawn
