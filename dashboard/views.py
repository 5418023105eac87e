"""The operations dashboard (/staff/dashboard/), its printable monthly report and the CSV
of its table. What they show is assembled by dashboard.board; these views only read the
filters and render."""

import csv
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from cases import exports
from cases.access import staff_required
from cases.models import ExportRecord
from cases.spreadsheet import safe_row
from dashboard import board, charts
from dashboard.forms import FilterForm, ReportForm


def _form(request, form_class):
    config = board.Config.load()
    form = form_class(
        request.GET or None,
        config=config,
        scope=board.scope(request.user),
        today=timezone.localdate(),
    )
    return config, form


@staff_required
def home(request):
    config, form = _form(request, FilterForm)
    selection, period, by = form.choice()
    shown = board.build(request.user, selection, config, by=by, recurring=True)
    filters = form.filters()
    return render(
        request,
        "dashboard/home.html",
        {
            "form": form,
            "board": shown,
            "period": period,
            "features": board.map_features(shown.hotspots),
            "tile_url": settings.HONGMEI_TILE_URL,
            "case_query": urlencode(filters),
            "report_query": urlencode({"month": selection.end.strftime("%Y-%m"), **filters}),
        },
    )


@staff_required
def report(request):
    config, form = _form(request, ReportForm)
    selection = form.choice()
    shown = board.build(request.user, selection, config, by="category")
    height, shapes = board.outline_map(shown.hotspots)
    return render(
        request,
        "dashboard/report.html",
        {
            "form": form,
            "board": shown,
            "map_width": charts.WIDTH,
            "map_height": height,
            "map_shapes": shapes,
            "now": timezone.now(),
        },
    )


@staff_required
def export(request):
    config, form = _form(request, FilterForm)
    selection, _period, by = form.choice()
    rows = board.table(selection, config, by)
    name = f"hongmei-{by}-{selection.start:%Y%m%d}-{selection.end:%Y%m%d}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response.write("\ufeff")  # a byte-order mark, so that Excel reads UTF-8
    writer = csv.writer(response)
    lines = list(board.csv_rows(rows, by))
    for line in lines:
        writer.writerow([str(cell) for cell in safe_row(line)])
    exports.record_export(
        user=request.user,
        kind=ExportRecord.Kind.DASHBOARD,
        query=request.GET,
        rows=max(len(lines) - 1, 0),
    )
    return response
