"""The public street ledger (docs/ledger.md): the page, its map's points and the open data.
What they show is assembled by ledger.figures; these views read the month and render."""

import csv
import json

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from cases import routing
from cases.models import State
from cases.spreadsheet import safe_row
from ledger import figures, opendata

PUBLIC = {"public": True, "max_age": 300}


def _month(request):
    """The month asked for (this month when none is), or a 400/404 response."""
    text = request.GET.get("month")
    shown = figures.months()
    if text is None:
        return shown[0], None
    month = figures.Month.parse(text)
    if month is None:
        return None, HttpResponseBadRequest(_("Give the month as YYYY-MM, for example 2026-11."))
    if month not in shown:
        raise Http404
    return month, None


@require_GET
@cache_control(**PUBLIC)
def page(request):
    month, refused = _month(request)
    if refused:
        return refused
    return render(
        request,
        "ledger/page.html",
        {
            "month": month,
            "months": figures.months(),
            "shown": figures.month_figures(month),
            "decisions": figures.decisions(),
            "roots": figures.roots(),
            "map_states": [(s.value, s.label) for s in figures.MAP_STATES],
            "map_days": figures.MAP_DAYS,
            "tile_url": settings.HONGMEI_TILE_URL,
            "bounds": routing.street_bounds(),
        },
    )


@require_GET
@cache_control(**PUBLIC)
def map_data(request):
    return JsonResponse({"points": figures.map_points()})


@require_GET
@cache_control(**PUBLIC)
def data(request):
    return render(
        request,
        "ledger/data.html",
        {
            "months": figures.months(),
            "schemas": opendata.SCHEMAS,
            "states": [(s.value, s.label) for s in State],
        },
    )


@require_GET
@cache_control(**PUBLIC)
def data_file(request, name, fmt):
    if name not in opendata.SCHEMAS or fmt not in ("csv", "json"):
        raise Http404
    month, refused = _month(request)
    if refused:
        return refused
    rows = opendata.rows(name, month)
    stem = f"hongmei-{name}-{month}" if name == "figures" else f"hongmei-{name}"
    if fmt == "json":
        body = {"dataset": name, "columns": list(opendata.SCHEMAS[name]), "rows": rows}
        if name == "figures":
            body |= {"month": str(month)}
        response = HttpResponse(
            json.dumps(body, ensure_ascii=False, indent=1),
            content_type="application/json; charset=utf-8",
        )
    else:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response.write("\ufeff")  # a byte-order mark, so that Excel reads UTF-8
        writer = csv.writer(response)
        columns = opendata.SCHEMAS[name]
        writer.writerow(columns)
        for row in rows:
            writer.writerow(safe_row([opendata.csv_cell(row[c]) for c in columns]))
    response["Content-Disposition"] = f'inline; filename="{stem}.{fmt}"'
    return response
