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
