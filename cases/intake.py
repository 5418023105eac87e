"""Reports from the public form (docs/public.md): where a report is, which open cases of
the same kind are nearby, and filing or following exactly once per send.

A send carries an idempotency key made when the form was shown. The first send with a key
stores a Submission with the case filed (or the follower made); any later send with the
same key (a double tap, a refresh, the back button) gets that Submission back and files
nothing. Concurrent sends with one key meet at the key's unique index: the second waits
for the first to commit, then reads its result.
"""

from __future__ import annotations

import math
import re
import secrets
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import get_language

from cases import ratelimit, workflow
from cases.memo import ttl_cached
from cases.models import Area, Case, Category, Reporter, Submission

NEARBY_METRES = 100
NEARBY_LIMIT = 5
# Candidates read from the bounding box before the exact distance is checked.
NEARBY_CANDIDATES = 50
METRES_PER_DEGREE = 111_320
DAY = 86400
KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{22,64}")
SELECTABLE_KINDS = (Area.Kind.COMPOUND, Area.Kind.ROAD)


def new_key() -> str:
    """A fresh idempotency key for one showing of the form (128 random bits)."""
    return secrets.token_urlsafe(16)


def is_key(value: str | None) -> bool:
    return value is not None and KEY_PATTERN.fullmatch(value) is not None


def submission_for(key: str | None) -> Submission | None:
    """The Submission already stored for `key`, or None."""
    if not is_key(key):
        return None
    return Submission.objects.select_related("case", "follower").filter(key=key).first()


# ---------------------------------------------------------------------------- where


def selectable_areas() -> QuerySet[Area]:
    """The compounds and roads a reporter may pick instead of a map point."""
    return Area.objects.filter(is_selectable=True, kind__in=SELECTABLE_KINDS).order_by(
        "kind", "name"
    )


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Metres between two nearby points (equirectangular; exact enough within a street)."""
    x = math.radians(lng2 - lng1) * math.cos(math.radians((lat1 + lat2) / 2))
    y = math.radians(lat2 - lat1)
    return math.hypot(x, y) * 6_371_000


def nearby(
    category: Category,
    *,
    lat: float | None = None,
    lng: float | None = None,
    area: Area | None = None,
    limit: int = NEARBY_LIMIT,
) -> list[Case]:
    """Open cases of `category` within about 100 m of (lat, lng), nearest first, each with
    `distance` set in metres; without a point, the newest open cases of `category` in
    `area`. A bounding box on (category, lat, lng) serves the point query (index
    case_category_point)."""
    if category is None or not category.is_public:
        return []
    cases = Case.objects.open().filter(category=category).select_related("area")
    if lat is not None and lng is not None:
        dlat = NEARBY_METRES / METRES_PER_DEGREE
        dlng = dlat / max(math.cos(math.radians(lat)), 0.01)
        box = cases.filter(
            lat__range=(lat - dlat, lat + dlat), lng__range=(lng - dlng, lng + dlng)
        )[:NEARBY_CANDIDATES]
        found = []
        for case in box:
            case.distance = round(distance_m(lat, lng, case.lat, case.lng))
            if case.distance <= NEARBY_METRES:
                found.append(case)
        found.sort(key=lambda c: (c.distance, c.pk))
        return found[:limit]
    if area is not None:
        return list(cases.filter(area=area).order_by("-created_at", "-id")[:limit])
    return []


@ttl_cached
def area_outlines() -> dict[str, Any]:
    """The street's area outlines as a GeoJSON FeatureCollection for the public map, with
    names in both languages (the page picks one), outermost first."""
    features = []
    for area in Area.objects.exclude(boundary=None).order_by("depth", "name"):
        features.append(
            {
                "type": "Feature",
                "geometry": area.boundary,
                "properties": {
                    "code": area.code,
                    "kind": area.kind,
                    "depth": area.depth,
                    "name": area.name,
                    "name_en": area.name_en,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


# ---------------------------------------------------------------------------- send


def file_report(
    *,
    key: str,
    reporter: Reporter,
    category: Category,
    description: str,
    answers: dict[str, Any],
    lat: float | None,
    lng: float | None,
    area: Area | None,
    address: str,
    photos: Sequence[Any],
) -> Submission:
    """File the case of one send of the public form, once per `key`. `reporter` is an
    unsaved Reporter (personal data stays there, never in an event); `photos` are cleaned
    (cases.images). Returns the Submission. Raises WorkflowError, storing nothing, when the
    workflow refuses the case."""

    def make(submission):
        reporter.language = get_language() or reporter.language
        reporter.save()
        submission.case = workflow.file_case(
            actor=workflow.Actor.anonymous_reporter(),
            category=category,
            description=description,
            channel=Case.Channel.WEB,
            reporter=reporter,
            lat=lat,
            lng=lng,
            area=area,
            address=address,
            answers=answers,
            photos=photos,
            route=True,
        )

    return _once(key, reporter, make)


def follow_case(*, key: str, reporter: Reporter, case: Case) -> Submission:
    """Make the sender a follower of the open case `case` instead of filing a new one, once
    per `key`. Returns the Submission."""

    def make(submission):
        reporter.language = get_language() or reporter.language
        reporter.save()
        submission.follower = workflow.follow(case, reporter)

    return _once(key, reporter, make)


def _once(key, reporter, make):
    if not is_key(key):
        raise ValueError("not an idempotency key")
    existing = submission_for(key)
    if existing is not None:
        return existing
    stored = []
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    submission = Submission.objects.create(key=key)
            except IntegrityError:
                # A concurrent send with this key committed first: show its result.
                return submission_for(key)
            make(submission)
            if submission.case is not None:
                stored = [a.file for a in submission.case.attachments.all()]
            submission.save()
    except BaseException:
        # file_case() removes its own files when it fails; these are the files of a case
        # whose filing transaction failed after it.
        for f in stored:
            if f.name:
                f.storage.delete(f.name)
        raise
    for contact in _contacts(reporter):
        ratelimit.hit("report-contact", contact, limit=_contact_limit(), period=DAY)
    return submission


# ---------------------------------------------------------------------------- limits


def _contacts(reporter):
    return [value for value in (reporter.phone, reporter.email.lower()) if value]


def _contact_limit():
    return settings.HONGMEI_REPORTS_PER_CONTACT_DAY


def contact_over_limit(reporter: Reporter) -> bool:
    """Whether the reporter's mobile number or e-mail has filed (or followed) as many cases
    today as one contact may (HONGMEI_REPORTS_PER_CONTACT_DAY)."""
    return any(
        ratelimit.exceeded("report-contact", contact, limit=_contact_limit(), period=DAY)
        for contact in _contacts(reporter)
    )
