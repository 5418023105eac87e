"""Who may see what in the staff pages. Views ask here; they never filter cases themselves.
Who a user is (roles, parties, street-wide) is cases.people's; this module turns it into
answers for requests.

- staff_required: a signed-in user with at least one active membership (or a superuser);
  anyone else signed in gets 403, anyone signed out goes to the sign-in page.
- case_for(request, number): the case if the user may see it, else 404 — the same answer
  whether the case exists or not, so case numbers of other parties cannot be probed.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from cases.models import Case, CaseQuerySet
from cases.people import is_staff_member


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_staff_member(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def case_for(request: HttpRequest, number: str, queryset: CaseQuerySet | None = None) -> Case:
    """The case numbered `number` if request.user may see it; Http404 otherwise."""
    queryset = queryset if queryset is not None else Case.objects.all()
    return get_object_or_404(queryset.visible_to(request.user), number=number)


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check for sign-ins that come with a request (the sign-in page,
    the API). Calls without one (Django's test client login, management commands) have
    no address to lock out and pass to the next backend unchecked."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def locked_out(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """django-axes' answer to a locked-out sign-in: a page in the reader's language."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "cooloff_minutes": minutes}
    return render(request, "registration/locked_out.html", context, status=429)
