"""Floors: bare Django views on the same stack (middleware, session, database) as the
pages measured, each doing the least a page of its kind must do. A page's figures are
reported as ratios to its floor, measured in the same run."""

from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template import engines
from django.views.decorators.http import require_http_methods

from cases.models import Case, Reporter

LIST = engines["django"].from_string(
    "<ul>{% for c in cases %}<li>{{ c.number }} {{ c.state }} {{ c.created_at }}</li>"
    "{% endfor %}</ul>"
)


def plain(request):
    """A response and nothing else."""
    return HttpResponse("ok")


def read(request, number):
    """One case read by its unique number."""
    case = Case.objects.only("number", "state").get(number=number)
    return HttpResponse(f"{case.number} {case.state}")


def list_50(request):
    """The 50 newest cases, in one query, through a template."""
    cases = Case.objects.only("number", "state", "created_at").order_by("-created_at", "-id")
    return HttpResponse(LIST.render({"cases": cases[:50]}))


@require_http_methods(["GET", "POST"])
def insert(request):
    """One row inserted from a posted form (GET hands out the CSRF token)."""
    if request.method == "GET":
        return HttpResponse(f'<input name="csrfmiddlewaretoken" value="{get_token(request)}">')
    Reporter.objects.create(kind=Reporter.Kind.OTHER, name=request.POST.get("name", "")[:50])
    return HttpResponse("created", status=201)


def task_read(number):
    """The floor of a background task: one case read by key, called in-process."""
    return Case.objects.only("number").get(number=number).number


def sweep_due(due):
    """The deadline sweep with `due` alarms to fire (fewer if fewer are set): the sweep
    runs at the moment the `due`-th next deadline alarm falls due, and everything it
    writes is rolled back, so every call does the same work."""
    from django.db import transaction

    from cases import sweeps
    from cases.models import Alarm

    coming = Alarm.objects.filter(kind__in=sweeps.DEADLINE_KINDS).order_by("fire_at", "pk")
    at = list(coming.values_list("fire_at", flat=True)[:due])[-1]
    with transaction.atomic():
        acted = sweeps.sweep(sweeps.DEADLINE_KINDS, now=at)
        transaction.set_rollback(True)
    return acted
