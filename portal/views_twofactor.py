"""Two-factor sign-in pages: enrol an authenticator app, give a code after the password.

The rule of who must, and the gate, live in portal/twofactor.py; django-otp checks codes.
"""

from base64 import b32encode
from io import BytesIO

import segno
from django import forms
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import verify_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases.access import staff_required
from portal import twofactor

NOT_RIGHT_AT_ENROLMENT = _("That code is not right. Check the time on your phone and try again.")


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_code(self):
        # People copy codes with spaces or dashes ("123 456", "abcd-efgh").
        code = "".join(ch for ch in self.cleaned_data["code"] if ch.isalnum()).lower()
        if not code:
            raise forms.ValidationError(_("Enter the code."))
        return code


class SignInView(auth_views.LoginView):
    """Django's sign-in, telling in demo mode that a password alone is enough."""

    def get_context_data(self, **kwargs):
        return super().get_context_data(two_factor_enforced=settings.HONGMEI_2FA_ENFORCED, **kwargs)


def _next_url(request):
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(url, {request.get_host()}, request.is_secure()):
        return url
    return settings.LOGIN_REDIRECT_URL


@never_cache
@login_required
def verify(request):
    """The second step of sign-in: a code from the app, or a recovery code once."""
    form = CodeForm(request.POST or None)
    if form.is_valid():
        device = _device_accepting(request.user, form.cleaned_data["code"])
        if device is not None:
            twofactor.mark_verified(request)
            return redirect(_next_url(request))
        form.add_error("code", _("That code is not right, or was used already. Try again."))
    return render(
        request, "staff/two_factor_verify.html", {"form": form, "next": _next_url(request)}
    )


def _device_accepting(user, code):
    # Six digits are the app's code; anything else can only be a recovery code. Trying only
    # the devices of that kind keeps a typo from slowing down the other kind (throttling).
    kind = TOTPDevice if code.isdigit() and len(code) == 6 else StaticDevice
    for device in kind.objects.devices_for_user(user, confirmed=True):
        accepted = verify_token(user, device.persistent_id, code)
        if accepted is not None:
            return accepted
    return None


@never_cache
@staff_required
def setup(request):
    """Enrol an authenticator app: scan, confirm with a first code, keep the recovery codes."""
    user = request.user
    if TOTPDevice.objects.devices_for_user(user, confirmed=True).exists():
        return _two_factor_on(request, CodeForm())
    device = _pending_device(user)
    form = CodeForm(request.POST or None)
    if form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            codes = _confirm(device)
            twofactor.mark_verified(request)
            return render(
                request,
                "staff/two_factor_codes.html",
                {"codes": codes, "next": _next_url(request)},
            )
        form.add_error("code", NOT_RIGHT_AT_ENROLMENT)
    secret = b32encode(device.bin_key).decode()
    return render(
        request,
        "staff/two_factor_setup.html",
        {
            "form": form,
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "next": _next_url(request),
            "must": twofactor.must_enrol(user),
        },
    )


def _two_factor_on(request, form, status=200):
    remaining = StaticToken.objects.filter(
        device__user=request.user, device__confirmed=True
    ).count()
    return render(
        request, "staff/two_factor_on.html", {"remaining": remaining, "form": form}, status=status
    )


@never_cache
@staff_required
@require_POST
def renew_codes(request):
    """A fresh set of recovery codes, in exchange for a code from the app (so a session left
    open on a shared PC cannot take them): the old ones stop working at once."""
    app = TOTPDevice.objects.devices_for_user(request.user, confirmed=True).first()
    if app is None:
        return redirect("two_factor_setup")
    form = CodeForm(request.POST)
    code = form.cleaned_data["code"] if form.is_valid() else ""
    if code.isdigit() and verify_token(request.user, app.persistent_id, code) is not None:
        codes = _issue_recovery_codes(request.user)
        return render(
            request,
            "staff/two_factor_codes.html",
            {"codes": codes, "next": reverse("two_factor_setup"), "renewed": True},
        )
    if form.is_valid():
        form.add_error("code", _("That code is not right, or was used already. Try again."))
    return _two_factor_on(request, form, status=400)


def _pending_device(user):
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


@transaction.atomic
def _confirm(device):
    """Confirm the app and issue a fresh set of recovery codes; returns the codes."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return _issue_recovery_codes(device.user)


@transaction.atomic
def _issue_recovery_codes(user):
    """Replace the user's recovery codes with a fresh set; returns the codes."""
    StaticDevice.objects.filter(user=user).delete()
    recovery = StaticDevice.objects.create(user=user, name="recovery", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(settings.HONGMEI_2FA_RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=recovery, token=c) for c in codes)
    return codes


@never_cache
@staff_required
def qr(request):
    """The QR code of the pending device's otpauth address, as an SVG image."""
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).order_by("pk").first()
    if device is None:
        raise Http404
    out = BytesIO()
    segno.make(device.config_url, error="m").save(out, kind="svg", scale=5, border=2)
    return HttpResponse(out.getvalue(), content_type="image/svg+xml")
