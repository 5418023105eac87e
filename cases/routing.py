"""Where a case belongs and who should handle it (docs/routing.md).

- area_for_point(): a point resolves to the deepest area whose boundary contains it.
- rule_for(): among the active rules matching (category, area), the most specific wins:
  the deeper area first, then a sub-category over its main category over "any", then the
  higher priority, then the older rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models.signals import m2m_changed
from shapely import prepare
from shapely.geometry import Point, shape

from cases.memo import clear_now_and_after_commit, ttl_cached
from cases.models import Area, Case, Category, Party, RoutingRule


@dataclass(frozen=True)
class _Outline:
    area_id: int
    depth: int
    geometry: Any


@ttl_cached
def _outlines() -> list[_Outline]:
    outlines = []
    for area in Area.objects.exclude(boundary=None).only("id", "depth", "boundary"):
        geometry = shape(area.boundary)
        prepare(geometry)
        outlines.append(_Outline(area.id, area.depth, geometry))
    # Deepest first: the first outline that contains a point is the answer.
    outlines.sort(key=lambda o: (-o.depth, o.area_id))
    return outlines


@ttl_cached
def _areas() -> dict[int, Area]:
    return {area.id: area for area in Area.objects.all()}


def area_by_id(area_id: int | None) -> Area | None:
    return _areas().get(area_id)


def all_areas() -> list[Area]:
    """Every area (cached), for pickers and area filters."""
    return list(_areas().values())


def area_for_point(lat: float, lng: float) -> Area | None:
    """The deepest area containing (lat, lng), or None when the point is outside them all."""
    point = Point(lng, lat)
    for outline in _outlines():
        if outline.geometry.covers(point):
            return area_by_id(outline.area_id)
    return None


def street_bounds() -> tuple[float, float, float, float] | None:
    """(south, west, north, east) around every outline, for maps; None without outlines."""
    outlines = _outlines()
    if not outlines:
        return None
    west = min(o.geometry.bounds[0] for o in outlines)
    south = min(o.geometry.bounds[1] for o in outlines)
    east = max(o.geometry.bounds[2] for o in outlines)
    north = max(o.geometry.bounds[3] for o in outlines)
    return south, west, north, east


@ttl_cached
def _rules() -> list[RoutingRule]:
    rules = list(
        RoutingRule.objects.filter(is_active=True, lead_party__is_active=True)
        .select_related("lead_party", "category", "area")
        .prefetch_related("co_parties")
    )
    return rules


def _area_chain_ids(area: Area | None) -> list[int]:
    """The area's id and its ancestors' ids, deepest first."""
    ids: list[int] = []
    areas = _areas()
    while area is not None:
        ids.append(area.id)
        area = areas.get(area.parent_id)
    return ids


def rule_for(category: Category | None, area: Area | None) -> RoutingRule | None:
    """The most specific active rule for a case of `category` in `area` (either may be
    None), or None when no rule matches."""
    area_ids = _area_chain_ids(area)
    best: RoutingRule | None = None
    best_rank: tuple[int, int, int, int] | None = None
    for rule in _rules():
        if rule.category_id is None:
            category_rank = 0
        elif category is not None and rule.category_id == category.id:
            category_rank = 2
        elif category is not None and rule.category_id == category.parent_id:
            category_rank = 1
        else:
            continue
        if rule.area_id is None:
            area_rank = -1
        elif rule.area_id in area_ids:
            area_rank = _areas()[rule.area_id].depth
        else:
            continue
        rank = (area_rank, category_rank, rule.priority, -rule.id)
        if best_rank is None or rank > best_rank:
            best, best_rank = rule, rank
    return best


@dataclass(frozen=True)
class Suggestion:
    """What routing proposes for a case: shown pre-filled to dispatchers, or acted on at
    once when the rule says so."""

    rule: RoutingRule
    lead_party: Party
    co_parties: tuple[Party, ...]
    auto_dispatch: bool


def suggest(case: Case) -> Suggestion | None:
    rule = rule_for(case.category, case.area)
    if rule is None:
        return None
    co_parties = tuple(p for p in rule.co_parties.all() if p.is_active and p != rule.lead_party)
    return Suggestion(rule, rule.lead_party, co_parties, rule.auto_dispatch)


m2m_changed.connect(
    clear_now_and_after_commit,
    sender=RoutingRule.co_parties.through,
    dispatch_uid="memo-rule-co-parties",
)
