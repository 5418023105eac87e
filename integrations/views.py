"""Open311 GeoReport v2 views (/open311/v2/) and the 12345 import page."""

import io
import json
from functools import wraps

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render as render_page
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt

from cases import people
from cases.access import staff_required
from cases.models import Role
from cases.workflow import Actor
from integrations import hotline, keys, open311
from integrations.open311 import Open311Error


def render(fmt, root, data, status=200, headers=None):
    body = json.dumps(data, ensure_ascii=False) if fmt == "json" else open311.to_xml(root, data)
    content_type = f"{open311.FORMATS[fmt]}; charset=utf-8"
    return HttpResponse(body, status=status, content_type=content_type, headers=headers)


def open311_view(*methods):
    """Answer `methods` only; render every Open311Error the spec's way in the requested
    format (XML, the spec's required format, where none was named)."""

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request, *args, fmt="xml", **kwargs):
            try:
                if request.method not in methods:
                    raise Open311Error.bad(
                        _("This resource does not answer %(method)s.") % {"method": request.method},
                        code=405,
                    )
                jurisdiction = (request.GET.get("jurisdiction_id") or "").strip()
                if request.method == "POST":
                    jurisdiction = jurisdiction or (request.POST.get("jurisdiction_id") or "")
                if jurisdiction and jurisdiction != settings.HONGMEI_OPEN311_JURISDICTION:
                    raise Open311Error.not_found(_("jurisdiction_id was not found."))
                return view(request, *args, fmt=fmt, **kwargs)
            except Open311Error as error:
                return render(fmt, "errors", error.as_list(), error.status, error.headers)

        return wrapper

    return decorate


@open311_view("GET")
def discovery(request, fmt):
    endpoint = request.build_absolute_uri("/open311/v2")
    return render(fmt, "discovery", open311.discovery(endpoint))


@open311_view("GET")
def services(request, fmt):
    return render(fmt, "services", [open311.service_dict(c) for c in open311.services()])


@open311_view("GET")
def service_definition(request, code, fmt):
    category = open311.service_for(code)
    return render(fmt, "service_definition", open311.definition_dict(category))


@open311_view("GET", "POST")
def requests(request, fmt):
    if request.method == "POST":
        return _create(request, fmt)
    cases = open311.find_requests(open311.parse_query(request.GET))
    return render(fmt, "service_requests", [open311.request_dict(c) for c in cases])


def _create(request, fmt):
    key = keys.authenticate(request.POST.get("api_key") or request.GET.get("api_key"))
    if key is None:
        raise Open311Error.forbidden(_("api_key is missing, wrong or revoked."))
    allowance = keys.take_request(key)
    if not allowance.allowed:
        raise Open311Error(
            429,
            (429, _("Too many requests with this api_key; try again in a minute.")),
            headers={"Retry-After": str(allowance.retry_after)},
        )
    case = open311.create_request(key, request.POST)
    answer = {
        "service_request_id": case.number,
        "service_notice": open311.service_notice(case),
        "account_id": None,
    }
    return render(fmt, "service_requests", [answer], status=201)


@open311_view("GET")
def service_request(request, number, fmt):
    case = open311.request_for(number)
    return render(fmt, "service_requests", [open311.request_dict(case)])


@open311_view("GET")
def token(request, token, fmt):
    return render(fmt, "service_requests", [open311.request_for_token(token)])


@open311_view("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
def not_found(request, fmt="xml", **kwargs):
    raise Open311Error.not_found(_("There is no such resource."))


# ---------------------------------------------------------------------------- 12345 import


class HotlineImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Work-order file (CSV or Excel .xlsx)"),
        help_text=gettext_lazy("At most 2000 work orders and 5 MB per file."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Choose a .csv or .xlsx file."))
        return upload


def importer_required(view):
    """Dispatchers and supervisors (and superusers) import work orders."""

    @staff_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not people.may_import_work_orders(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _import_actor(user):
    """A dispatcher files as themself; anyone else (a supervisor) through the system, named."""
    if Role.DISPATCHER in people.roles_of(user):
        return Actor.staff(user)
    return Actor.system(f"12345 import by {user.get_username()}")


@importer_required
def hotline_import(request):
    form = HotlineImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = hotline.import_orders(
                form.cleaned_data["file"], actor=_import_actor(request.user)
            )
        except hotline.ImportFileError as error:
            form.add_error("file", str(error))
    context = {"form": form, "result": result, "columns": hotline.COLUMNS}
    return render_page(request, "integrations/hotline_import.html", context)


@importer_required
def hotline_template(request, fmt):
    out = io.BytesIO()
    rows = hotline.template_rows(sample=True)
    if fmt == "csv":
        hotline.write_csv(rows, out)
        content_type = "text/csv; charset=utf-8"
    else:
        hotline.write_xlsx(rows, out)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(out.getvalue(), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="12345-template.{fmt}"'
    return response
