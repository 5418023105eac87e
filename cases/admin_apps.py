"""Other packages' apps named in the page's language in the admin.

django-axes (the sign-in lockout) and django-otp (two-factor devices) ship no Chinese, and
Django's own admin lacks a few: the apps get names here (the configs below, listed in
INSTALLED_APPS), and the words their tables and columns use are listed so that our own
catalogue carries their Chinese (Django looks a message up in every catalogue, ours first).
"""

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from django_otp.plugins.otp_static.apps import DefaultConfig as StaticConfig
from django_otp.plugins.otp_totp.apps import DefaultConfig as TotpConfig


class AxesConfig(AxesAppConfig):
    verbose_name = _("Sign-in lockout")


class AuthenticatorAppsConfig(TotpConfig):
    verbose_name = _("Authenticator apps")

    def ready(self):
        super().ready()
        _name(self.get_model("TOTPDevice"), _("authenticator app"), _("authenticator apps"))


class RecoveryCodesConfig(StaticConfig):
    verbose_name = _("Recovery codes")

    def ready(self):
        super().ready()
        _name(self.get_model("StaticDevice"), _("recovery code set"), _("recovery code sets"))


def _name(model, one, many):
    """django-otp names its devices in plain English strings, which no catalogue reaches."""
    model._meta.verbose_name, model._meta.verbose_name_plural = one, many


# The column headers of the admin's list of apps, which Django's catalogue lacks.
DJANGO_ADMIN_WORDS = (
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
)


# django-axes's own messages, as its models and admin word them.
AXES_WORDS = (
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("Access Attempt"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("User Agent"),
    gettext_noop("IP Address"),
    gettext_noop("Username"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Path"),
    gettext_noop("Attempt Time"),
    gettext_noop("Access lock out"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("Failed Logins"),
    gettext_noop("Expires At"),
    gettext_noop("The time when access attempt expires and is no longer valid."),
    gettext_noop("Logout Time"),
    gettext_noop("Session key hash (sha256)"),
    gettext_noop("Locked Out"),
    gettext_noop("Form Data"),
    gettext_noop("Meta Data"),
    gettext_noop("Clean up expired attempts"),
    gettext_noop("Not set"),
    gettext_noop("Attempt Remaining"),
)
