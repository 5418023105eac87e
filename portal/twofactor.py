"""Two-factor sign-in for staff: who must give a code, and the gate that asks for it.

django-otp does the cryptography (TOTP devices, recovery codes as a static device); this
module holds the street's rule (docs/security.md):

- Anyone with a confirmed device gives a code after the password, at every sign-in.
- With HONGMEI_2FA_ENFORCED, the roles in HONGMEI_2FA_REQUIRED_ROLES ("superuser" for
  admins) and the handlers of the parties in HONGMEI_2FA_PARTIES must enrol before any
  other page. Without it (the demo street), nobody must.

What a session owes is decided once, at sign-in, and kept in the session, so pages pay no
query for it; the gate then sends a session that owes a code or an enrolment to that page.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import devices_for_user, user_has_device

from cases import people

STATE_KEY = "hongmei_2fa"
CLEAR, CODE, ENROL = "clear", "code", "enrol"

# Pages a signed-in user reaches before giving a code: sign-in and out, the two-factor
# pages themselves, the language switch and the static files.
EXEMPT_PREFIXES = ("/staff/login/", "/staff/logout/", "/staff/two-factor/", "/i18n/", "/static/")


def must_enrol(user: Any) -> bool:
    """Whether the street's rule obliges this user to use two-factor sign-in."""
    if not settings.HONGMEI_2FA_ENFORCED:
        return False
    required = set(settings.HONGMEI_2FA_REQUIRED_ROLES)
    if user.is_superuser and "superuser" in required:
        return True
    if people.roles_of(user) & required:
        return True
    codes = set(settings.HONGMEI_2FA_PARTIES)
    return any(party.code in codes for party in people.handler_parties(user))


def owed(user: Any) -> str:
    """What a freshly signed-in user owes: nothing, a code, or an enrolment."""
    if user_has_device(user, confirmed=True):
        return CODE
    return ENROL if must_enrol(user) else CLEAR


def note_sign_in(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[STATE_KEY] = owed(user)


def mark_verified(request) -> None:
    request.session[STATE_KEY] = CLEAR


def confirmed_devices(user: Any) -> list:
    return list(devices_for_user(user, confirmed=True))


class TwoFactorMiddleware:
    """Sends a signed-in session that owes a code to the code page, and one that must
    enrol to the enrolment page, whatever it asked for (staff pages, admin, API, files)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        state = self._state(request)
        if state == CLEAR or request.path.startswith(EXEMPT_PREFIXES):
            return self.get_response(request)
        target = "two_factor_verify" if state == CODE else "two_factor_setup"
        query = urlencode({"next": request.get_full_path()})
        return redirect(f"{reverse(target)}?{query}")

    @staticmethod
    def _state(request) -> str:
        if SESSION_KEY not in request.session:
            return CLEAR  # nobody signed in: no query, nothing owed
        state = request.session.get(STATE_KEY)
        if state is None:
            # A session signed in before this rule existed: decide once, as at sign-in.
            if not request.user.is_authenticated:
                return CLEAR
            state = request.session[STATE_KEY] = owed(request.user)
        return state
