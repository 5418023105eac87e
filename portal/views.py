"""Staff portal: my queue, the case list with its map and export, saved filters and bulk
actions. Case detail and actions are in views_staff_case.py (docs/portal.md)."""

import csv
from datetime import date

from django.conf import settings
from django.contrib import messages
from django.db.models import Avg, Count, F
from django.db.models.functions import Floor
from django.http import JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from cases import exports, keyset, routing, workflow
from cases.access import staff_required
from cases.choices import PartyChoices
from cases.models import Case, ExportRecord, Role, SavedFilter, State
from cases.people import roles_of
from cases.spreadsheet import safe_row
from cases.workflow import Actor, WorkflowError
from portal import queues
from portal.forms import BulkForm, SaveFilterForm
from portal.listing import FilterForm

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAP_POINTS = 2000
MAP_CELL = 0.001  # degrees, about 100 m: the grid big result sets are clustered on
EXPORT_CHUNK = 2000


def page_size(request):
    try:
        size = int(request.GET.get("size", PAGE_SIZE))
    except ValueError:
        return PAGE_SIZE
    return min(max(size, 1), MAX_PAGE_SIZE)


# What a list row shows (staff/_case_table.html) and what the queues' keysets order by.
ROW_FIELDS = (
    "number",
    "state",
    "description",
    "category",
    "area",
    "lead_party",
    "created_at",
    "due_at",
    "supervised_at",
    "disputed_at",
    "rework_count",
    "return_count",
    # The related rows' names only: an area's outline or a category's questions are large.
    "category__name",
    "category__name_en",
    "area__name",
    "area__name_en",
    "lead_party__name",
    "lead_party__name_en",
)


def rows(queryset):
    """What a list row shows, in one query, reading only the columns it shows."""
    return queryset.select_related("category", "area", "lead_party").only(*ROW_FIELDS)


def _table_context(request, page):
    now = timezone.now()
    # Bulk dispatch and reject apply to new cases: offered where the page shows some.
    can_bulk = Role.DISPATCHER in roles_of(request.user) and any(
        case.state == State.REPORTED for case in page.items
    )
    return {
        "page": page,
        "now": now,
        "soon": queues.due_soon_limit(now),
        "can_bulk": can_bulk,
        "bulk_parties": PartyChoices().party_choices() if can_bulk else [],
    }


@staff_required
@require_GET
def home(request):
    user, now = request.user, timezone.now()
    tabs = queues.queues_for(user)
    numbers = [queues.capped_count(queue.cases(user, now)) for queue in tabs]
    # Without a tab asked for, the page opens on the first one that holds work.
    first_with_work = next((q for q, n in zip(tabs, numbers, strict=True) if n), tabs[0])
    current = next((q for q in tabs if q.code == request.GET.get("tab")), first_with_work)
    counts = [(queue, queues.count_label(n)) for queue, n in zip(tabs, numbers, strict=True)]
    page = keyset.paginate(
        rows(current.cases(user, now)),
        current.ordering,
        request.GET.get("after"),
        page_size(request),
    )
    roles = roles_of(user)
    context = {
        **_table_context(request, page),
        "tabs": counts,
        "current": current,
        "can_file": bool(roles & {Role.INSPECTOR, Role.DISPATCHER}),
        "is_inspector": Role.INSPECTOR in roles,
        "overdue_decisions": queues.overdue_decisions(user, now),
        "decisions_shown": queues.OVERDUE_DECISIONS_SHOWN,
    }
    return render(request, "staff/home.html", context)


def _filtered(request):
    form = FilterForm(request.GET)
    return form, form.filter(Case.objects.visible_to(request.user))


def _query_without(request, *names):
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


@staff_required
@require_GET
def case_list(request):
    form, queryset = _filtered(request)
    page = keyset.paginate(
        rows(queryset), form.ordering, request.GET.get("after"), page_size(request)
    )
    context = {
        **_table_context(request, page),
        "form": form,
        "query": _query_without(request, "after"),
        "saved": list(SavedFilter.objects.filter(user=request.user)),
        "save_form": SaveFilterForm(initial={"query": _query_without(request, "after")}),
    }
    return render(request, "staff/case_list.html", context)


class _Echo:
    def write(self, value):
        return value


EXPORT_FIELDS = [
    ("number", "case number"),
    ("created_at", "filed"),
    ("category__name", "category"),
    ("state", "state"),
    ("area__name", "area"),
    ("address", "address"),
    ("description", "description"),
    ("lead_party__name", "lead party"),
    ("channel", "channel"),
    ("due_at", "current deadline"),
    ("closed_at", "closed"),
]


def _export_header():
    labels = {
        "case number": _("Case number"),
        "filed": _("Filed at"),
        "category": _("Category"),
        "state": _("State"),
        "area": _("Area"),
        "address": _("Address"),
        "description": _("Description"),
        "lead party": _("Lead party"),
        "channel": _("Channel"),
        "current deadline": _("Current deadline"),
        "closed": _("Closed"),
    }
    return [labels[key] for _f, key in EXPORT_FIELDS]


def _stamp(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def export_rows(queryset, ordering, header, states, channels):
    """The CSV lines of `queryset`: a UTF-8 byte-order mark (so Excel reads Chinese
    correctly), the header, then the rows fetched in keyset chunks."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(safe_row(header))
    names = [name for name, _k in EXPORT_FIELDS]
    values = queryset.values("id", *names)
    for row in keyset.chunks(values, ordering, EXPORT_CHUNK):
        yield writer.writerow(
            safe_row(
                [
                    row["number"],
                    _stamp(row["created_at"]),
                    row["category__name"],
                    states.get(row["state"], row["state"]),
                    row["area__name"] or "",
                    row["address"],
                    row["description"],
                    row["lead_party__name"] or "",
                    channels.get(row["channel"], row["channel"]),
                    _stamp(row["due_at"]),
                    _stamp(row["closed_at"]),
                ]
            )
        )


@staff_required
@require_GET
def export_csv(request):
    form, queryset = _filtered(request)
    # Labels are translated now: the rows are written after the view has returned.
    states = {k: str(v) for k, v in State.choices}
    channels = {k: str(v) for k, v in Case.Channel.choices}
    lines = export_rows(queryset, form.ordering, _export_header(), states, channels)
    record = exports.record_export(
        user=request.user, kind=ExportRecord.Kind.CASE_LIST, query=request.GET
    )
    response = StreamingHttpResponse(
        exports.counted(record, lines), content_type="text/csv; charset=utf-8"
    )
    name = f"hongmei-cases-{date.today():%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _outlines():
    """The communities and the park, as GeoJSON features for the map."""
    features = []
    for area in routing.all_areas():
        if area.boundary and area.depth <= 1:
            features.append(
                {
                    "type": "Feature",
                    "geometry": area.boundary,
                    "properties": {"name": area.label, "depth": area.depth},
                }
            )
    return {"type": "FeatureCollection", "features": features}


@staff_required
@require_GET
def case_map(request):
    form, _queryset = _filtered(request)
    context = {
        "form": form,
        "query": _query_without(request, "after"),
        "outlines": _outlines(),
        "map_config": {
            "center": settings.HONGMEI_MAP_CENTER,
            "bounds": routing.street_bounds(),
            "tiles": settings.HONGMEI_TILE_URL,
            "data": reverse("staff:case_map_data") + "?" + _query_without(request, "after"),
            "detail": reverse("staff:case_detail", args=["HM-0000-000000"]),
        },
    }
    return render(request, "staff/case_map.html", context)


@staff_required
@require_GET
def case_map_data(request):
    """The filtered cases as map points; past MAP_POINTS, as counts on a ~100 m grid, so
    the answer stays small whatever the filter matches."""
    _form, queryset = _filtered(request)
    located = queryset.filter(lat__isnull=False, lng__isnull=False).order_by()
    points = list(located.values_list("lat", "lng", "number", "state")[: MAP_POINTS + 1])
    if len(points) <= MAP_POINTS:
        return JsonResponse({"points": points})
    cells = (
        located.annotate(gy=Floor(F("lat") / MAP_CELL), gx=Floor(F("lng") / MAP_CELL))
        .values("gy", "gx")
        .annotate(n=Count("id"), lat=Avg("lat"), lng=Avg("lng"))
        .values_list("lat", "lng", "n")
    )
    return JsonResponse({"clusters": list(cells[:MAP_POINTS])})


@staff_required
@require_POST
def save_filter(request):
    form = SaveFilterForm(request.POST)
    if form.is_valid():
        SavedFilter.objects.update_or_create(
            user=request.user,
            name=form.cleaned_data["name"].strip(),
            defaults={"query": form.cleaned_data["query"]},
        )
        messages.success(request, _("Filter saved."))
        return redirect(reverse("staff:case_list") + "?" + form.cleaned_data["query"])
    messages.error(request, _("Give the filter a name."))
    return redirect(reverse("staff:case_list") + "?" + request.POST.get("query", ""))


@staff_required
@require_POST
def delete_filter(request, pk):
    get_object_or_404(SavedFilter, pk=pk, user=request.user).delete()
    messages.success(request, _("Filter deleted."))
    return redirect("staff:case_list")


@staff_required
@require_POST
def bulk(request):
    """Dispatch or reject several cases; each goes through perform() on its own, so one
    refused case leaves the others done and is reported by number."""
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}):
        back = ""
    back = back or reverse("staff:case_list")
    form = BulkForm(request.POST, source=PartyChoices())
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    data = form.cleaned_data
    done, actor = [], Actor.staff(request.user)
    visible = {
        c.number: c
        for c in Case.objects.visible_to(request.user).filter(number__in=data["numbers"])
    }
    for number in data["numbers"]:
        case = visible.get(number)
        if case is None:
            messages.error(request, _("%(number)s: there is no such case.") % {"number": number})
            continue
        try:
            if data["operation"] == BulkForm.DISPATCH:
                workflow.perform(case, "dispatch", actor=actor, lead_party=data["lead_party"])
            else:
                workflow.perform(case, "reject", actor=actor, reason=data["reason"])
        except WorkflowError as error:
            messages.error(request, f"{number}: {error}")
        else:
            done.append(number)
    if done:
        template = (
            ngettext("%(n)d case dispatched.", "%(n)d cases dispatched.", len(done))
            if data["operation"] == BulkForm.DISPATCH
            else ngettext("%(n)d case rejected.", "%(n)d cases rejected.", len(done))
        )
        messages.success(request, template % {"n": len(done)})
    return redirect(back)
