"""Finding one's cases again without the private link (docs/public.md): /find/ (one case,
by its number and the contact given) and /mine/ (我的反映: every case of a contact), each
after a one-time code sent to that contact (cases/recovery.py)."""

from django.conf import settings
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from cases import ratelimit, recovery
from cases.models import Case
from public.forms import CodeForm, ContactForm, FindForm

HOUR = 3600
CHALLENGE = "hongmei-recovery"  # session keys
GRANT = "hongmei-mine"
TOO_MANY = _(
    "Many codes have been asked for from here or for this contact in the last hour. "
    "Please try again later."
)
REFUSED = {
    "wrong": _("This code is not right. Please check it and try again."),
    "exhausted": _("Too many wrong tries for this code. Please ask for a new one."),
    "expired": _("This code has expired or was already used. Please ask for a new one."),
}


def _ask_page(request, form, purpose, *, status=200):
    form.focus_first_error()
    return render(request, f"public/{purpose}.html", {"form": form}, status=status)


def _ask(request, form, purpose):
    """Asks for a code: rate-limited, and the same answer whether or not the details match."""
    if not form.is_valid():
        return _ask_page(request, form, purpose)
    contact = form.cleaned_data["contact"]
    ip = ratelimit.client_ip(request)
    per_ip = ratelimit.hit("code-ip", ip, limit=settings.HONGMEI_CODES_PER_IP_HOUR, period=HOUR)
    per_contact = ratelimit.hit(
        "code-contact", contact.value, limit=settings.HONGMEI_CODES_PER_CONTACT_HOUR, period=HOUR
    )
    if not (per_ip and per_contact):
        form.add_error(None, TOO_MANY)
        return _ask_page(request, form, purpose, status=429)
    challenge = recovery.start(contact, form.cleaned_data.get("number"))
    request.session[CHALLENGE] = {"id": challenge, "purpose": purpose, "kind": contact.kind}
    return redirect("find_code")


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def find(request):
    if request.method == "POST":
        return _ask(request, FindForm(request.POST), "find")
    return _ask_page(request, FindForm(), "find")


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def code(request):
    asked = request.session.get(CHALLENGE)
    if not asked:
        return redirect("find")
    form = CodeForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        checked = recovery.check(asked["id"], form.cleaned_data["code"])
        if checked.ok:
            del request.session[CHALLENGE]
            return _opened(request, asked["purpose"], checked.case_ids)
        form.add_error("code", REFUSED[checked.refused])
    form.focus_first_error()
    return render(request, "public/code.html", {"form": form, "asked": asked})


def _opened(request, purpose, case_ids):
    request.session.cycle_key()  # a new session id once the code proved who this is
    request.session[GRANT] = recovery.grant(case_ids)
    if purpose == "find":
        case = Case.objects.filter(id__in=case_ids).only("token").first()
        if case is not None:
            return redirect("track", case.token)
    return redirect("mine")


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def mine(request):
    ids = recovery.granted(request.session.get(GRANT))
    if ids is None:
        if request.method == "POST":
            return _ask(request, ContactForm(request.POST), "mine")
        return _ask_page(request, ContactForm(), "mine")
    cases = (
        Case.objects.filter(id__in=ids)
        .select_related("category", "area", "lead_party")
        .defer("search")
        .order_by("-created_at", "-id")
    )
    return render(request, "public/mine_list.html", {"cases": cases})


@require_POST
def mine_end(request):
    """Closes the list on this device (a shared phone, a family computer)."""
    request.session.pop(GRANT, None)
    return redirect("mine")
