"""Who exported what: every CSV or XLSX download of cases or figures writes one
ExportRecord (docs/security.md). The contact reveal is an event of the case instead
(`show_contact`, cases.privacy)."""

from collections.abc import Iterable, Iterator
from typing import Any

from django.http import QueryDict

from cases.models import ExportRecord
from cases.text import clean_text

# The filter is kept as the address bar said it, within bounds: it comes from the client.
MAX_PARAMETERS = 40
MAX_VALUE = 200


def parameters(query: QueryDict) -> dict[str, Any]:
    """The query string as JSON: one value or a list, without control characters (a NUL
    cannot be stored in PostgreSQL's jsonb) and cut to a sensible length."""
    kept: dict[str, Any] = {}
    for key in list(query)[:MAX_PARAMETERS]:
        values = [clean_text(v, multiline=False)[:MAX_VALUE] for v in query.getlist(key)]
        kept[clean_text(key, multiline=False)[:MAX_VALUE]] = (
            values[0] if len(values) == 1 else values[:MAX_PARAMETERS]
        )
    return kept


def record_export(
    *, user: Any, kind: str, query: QueryDict, rows: int | None = None
) -> ExportRecord:
    return ExportRecord.objects.create(
        user=user, kind=kind, parameters=parameters(query), rows=rows
    )


def counted(record: ExportRecord, lines: Iterable[str], *, header: int = 1) -> Iterator[str]:
    """`lines` as they are streamed; after the last, the record gets its row count (the
    lines less the `header` ones)."""
    count = 0
    for line in lines:
        count += 1
        yield line
    ExportRecord.objects.filter(pk=record.pk).update(rows=max(count - header, 0))
