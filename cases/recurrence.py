"""Recurring problems (docs/learning.md): the same problem reported again and again at one
place or one shop, or one case that keeps coming back.

For each category, its recent cases (filed within the category's `recurrence_days`, not
rejected) are grouped: a case joins the first group whose first case lies within
`recurrence_metres` of it (leader clustering, oldest first, so a group does not creep along
a road), and groups that name the same shop (questions.shop_key) are joined. A group of at
least `recurrence_reports` cases is a recurring place. Separately, every case reworked or
reopened twice (open, or closed within the window) is a recurring case of its own.

The cost is bounded whatever the size of the history: per category one indexed query on
(category, created_at) reads at most WINDOW_MAX cases, and the grouping is linear in them
(a grid of cells of the radius finds the groups near a point). meetings.proposals turns the
groups into proposals for the joint meeting's agenda.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from cases.intake import distance_m
from cases.models import OPEN_STATES, Case, Category, State
from cases.questions import shop_key

WINDOW_MAX = 5000  # the newest cases of one category looked at
REPEATS = 2  # reworks + reopenings that make one case a recurring problem
# Cases reworked or reopened at least twice between them (the index case_repeated serves it).
REPEATED = Case.REPEATED


class Kind:
    PLACE = "place"
    SHOP = "shop"
    REPEAT = "repeat"


@dataclass
class Cluster:
    """One recurring problem: its category, kind, cases (ids, oldest first), when they were
    filed, where (the first case's point) and the shop, if one."""

    category: Category
    kind: str
    case_ids: list[int]
    first_at: datetime
    last_at: datetime
    lat: float | None = None
    lng: float | None = None
    shop: str = ""
    shops: set[str] = field(default_factory=set, repr=False)

    @property
    def size(self):
        return len(self.case_ids)


def _cell(lat, lng, metres):
    """The grid cell of a point, cells `metres` wide (longitude scaled at the street)."""
    step = metres / 111_320
    return math.floor(lat / step), math.floor(lng * math.cos(math.radians(lat)) / step)


def _window(category, since):
    return list(
        Case.objects.filter(category=category, created_at__gte=since)
        .exclude(state=State.REJECTED)
        .order_by("-created_at", "-id")
        .values_list("id", "created_at", "lat", "lng", "answers")[:WINDOW_MAX]
    )[::-1]


def group(category, rows):
    """Groups of `rows` (id, created_at, lat, lng, answers; oldest first) by place and shop."""
    metres = category.recurrence_metres or 100
    groups: list[Cluster] = []
    cells: dict[tuple[int, int], list[Cluster]] = {}
    by_shop: dict[str, Cluster] = {}
    parent: dict[int, int] = {}  # union of groups (by index) naming the same shop
    index: dict[int, int] = {}  # id(group) → its index in groups

    def root(i):
        while parent.get(i, i) != i:
            i = parent[i]
        return i

    for pk, at, lat, lng, answers in rows:
        shop = shop_key(category, answers)
        home = None
        if lat is not None and lng is not None:
            row, col = _cell(lat, lng, metres)
            near = [
                g
                for dr in (-1, 0, 1)
                for dc in (-1, 0, 1)
                for g in cells.get((row + dr, col + dc), ())
                if distance_m(lat, lng, g.lat or 0.0, g.lng or 0.0) <= metres
            ]
            if near:
                home = min(near, key=lambda g: distance_m(lat, lng, g.lat or 0.0, g.lng or 0.0))
        if home is None and shop and shop in by_shop:
            home = by_shop[shop]
        if home is None:
            home = Cluster(category, Kind.PLACE, [], at, at, lat, lng)
            groups.append(home)
            index[id(home)] = parent[len(groups) - 1] = len(groups) - 1
            if lat is not None and lng is not None:
                cells.setdefault(_cell(lat, lng, metres), []).append(home)
        home.case_ids.append(pk)
        home.last_at = at
        if shop:
            home.shops.add(shop)
            other = by_shop.setdefault(shop, home)
            if other is not home:
                a, b = root(index[id(other)]), root(index[id(home)])
                parent[max(a, b)] = min(a, b)
    merged: dict[int, Cluster] = {}
    for i, g in enumerate(groups):
        top = merged.setdefault(root(i), g)
        if top is not g:
            top.case_ids += g.case_ids
            top.shops |= g.shops
            top.first_at, top.last_at = min(top.first_at, g.first_at), max(top.last_at, g.last_at)
    for g in merged.values():
        g.case_ids.sort()
        if len(g.shops) == 1:
            g.kind, g.shop = Kind.SHOP, next(iter(g.shops))
    return list(merged.values())


def repeated(category, since):
    """Cases of `category` reworked or reopened twice, open or closed since `since`."""
    rows = (
        Case.objects.filter(category=category)
        .filter(REPEATED)
        .filter(Q(state__in=OPEN_STATES) | Q(closed_at__gte=since))
        .order_by("-created_at", "-id")
        .values_list("id", "created_at", "updated_at", "lat", "lng")[:WINDOW_MAX]
    )
    return [
        Cluster(category, Kind.REPEAT, [pk], created, updated, lat, lng)
        for pk, created, updated, lat, lng in rows
    ]


def detect(
    *, now: datetime | None = None, categories: Iterable[Category] | None = None
) -> list[Cluster]:
    """Every recurring problem now, per active category with a threshold, largest first."""
    now = now or timezone.now()
    if categories is None:
        categories = Category.objects.filter(is_active=True, parent__isnull=False)
    found = []
    for category in categories:
        if not category.recurrence_reports:
            continue
        since = now - timedelta(days=category.recurrence_days or 30)
        found += [
            g for g in group(category, _window(category, since))
            if g.size >= category.recurrence_reports
        ]  # fmt: skip
        found += repeated(category, since)
    return sorted(found, key=lambda g: (-g.size, g.first_at))
