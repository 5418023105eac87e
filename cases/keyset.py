"""Keyset pagination: the next page starts after the last row shown, found through the
index that serves the ordering, however deep the reader goes (no OFFSET, no COUNT).

An ordering is a tuple of (field, descending) pairs ending with the primary key, or
(field, descending, nullable) where a queue's filter guarantees a nullable column is set.
Nullable fields sort NULLS LAST in both directions, the same on PostgreSQL and SQLite.
"""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.db.models import DateTimeField, F, Field, Func, Q, Value
from django.db.models.lookups import GreaterThan, LessThan

BIGINT = (-(2**63), 2**63 - 1)


@dataclass(frozen=True)
class Page:
    items: list
    next_cursor: str | None
    cursor: str | None

    @property
    def has_next(self):
        return self.next_cursor is not None


def order_by(model, ordering):
    """ORDER BY terms. NULLS LAST is spelled out only for nullable columns: on a NOT NULL
    column PostgreSQL would not match "DESC NULLS LAST" to a plain index scanned backward."""
    terms = []
    for name, descending, *rest in ordering:
        nullable = rest[0] if rest else model._meta.get_field(name).null
        term = F(name).desc(nulls_last=True) if descending else F(name).asc(nulls_last=True)
        if not nullable:
            term = F(name).desc() if descending else F(name).asc()
        terms.append(term)
    return terms


def paginate(queryset, ordering, cursor=None, size=50):
    """One page of `queryset` in `ordering`, after `cursor` (from a previous page)."""
    after = decode(queryset.model, ordering, cursor)
    qs = queryset.order_by(*order_by(queryset.model, ordering))
    if after is not None:
        qs = qs.filter(_after(queryset.model, ordering, after))
    rows = list(qs[: size + 1])
    items = rows[:size]
    next_cursor = encode(ordering, items[-1]) if len(rows) > size else None
    return Page(items=items, next_cursor=next_cursor, cursor=cursor if after else None)


def chunks(queryset, ordering, size=2000):
    """Every row of `queryset` in `ordering`, fetched `size` at a time (for exports)."""
    qs = queryset.order_by(*order_by(queryset.model, ordering))
    after = None
    while True:
        part = qs if after is None else qs.filter(_after(queryset.model, ordering, after))
        rows = list(part[:size])
        yield from rows
        if len(rows) < size:
            return
        after = [_value(rows[-1], name) for name, *_ in ordering]


def _value(row, name):
    return row[name] if isinstance(row, dict) else getattr(row, name)


class _Row(Func):
    """A row value, (a, b): compared as a whole, it is one index condition."""

    function = ""
    template = "(%(expressions)s)"
    output_field = Field()


def _nullable(model, entry):
    name, _descending, *rest = entry
    return rest[0] if rest else model._meta.get_field(name).null


def _after(model, ordering, values):
    """Rows strictly after `values` in `ordering` (lexicographic, NULLS LAST)."""
    directions = {descending for _name, descending, *_ in ordering}
    if len(directions) == 1 and not any(_nullable(model, e) for e in ordering):
        # (created_at, id) < (v, x): the index on those columns seeks straight to it.
        row = _Row(*[F(name) for name, *_ in ordering])
        after = _Row(*[Value(v) for v in values])
        return Q(LessThan(row, after) if directions == {True} else GreaterThan(row, after))
    condition = Q(pk__in=[])
    equal = Q()
    for entry, value in zip(ordering, values, strict=True):
        name, descending, *rest = entry
        nullable = rest[0] if rest else model._meta.get_field(name).null
        if value is None:
            beyond = Q(pk__in=[])  # nothing comes after NULL but more NULLs
            same = Q(**{f"{name}__isnull": True})
        else:
            op = "lt" if descending else "gt"
            beyond = Q(**{f"{name}__{op}": value})
            if nullable:
                beyond |= Q(**{f"{name}__isnull": True})
            same = Q(**{name: value})
        condition |= equal & beyond
        equal &= same
    # The same bound on the first column alone, which an index range scan can seek to.
    name, descending, *rest = ordering[0]
    nullable = rest[0] if rest else model._meta.get_field(name).null
    if values[0] is not None and not nullable:
        condition &= Q(**{f"{name}__{'lte' if descending else 'gte'}": values[0]})
    return condition


def encode(ordering, row):
    values = []
    for name, *_ in ordering:
        value = _value(row, name)
        values.append(value.isoformat() if isinstance(value, datetime) else value)
    raw = json.dumps(values, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(model, ordering, cursor):
    """The values a cursor holds, or None for a missing or unreadable cursor (page one).
    A cursor comes from the address bar: every value is checked against its column, so a
    forged one (a text for an id, a year beyond 9999 in UTC) is page one, not an error."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != len(ordering):
            return None
        return [
            _column_value(model._meta.get_field(name), value)
            for (name, *_), value in zip(ordering, values, strict=True)
        ]
    except (ValueError, TypeError, OverflowError, ValidationError, binascii.Error):
        return None


def _column_value(field, value):
    """`value` as `field` stores it; ValueError where it cannot be one of its values."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError("not a column value")
    if isinstance(field, DateTimeField):
        return moment(value)
    value = field.to_python(value)
    if isinstance(value, int) and not BIGINT[0] <= value <= BIGINT[1]:
        raise ValueError("out of range")
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("NUL")
    return value


def moment(text):
    """An aware datetime from ISO 8601 text that UTC can hold too; ValueError otherwise."""
    value = datetime.fromisoformat(text)
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("a moment needs its offset")
    value.astimezone(UTC)  # OverflowError near year 1 and 9999
    return value
