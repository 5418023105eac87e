from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from portal import views_twofactor

# Plain pages for a server error; 503 while the database is away (hongmei/errors.py).
handler500 = "hongmei.errors.server_error"

admin.site.site_header = _("Hongmei Street case tracker")
admin.site.site_title = _("Hongmei case tracker")
admin.site.index_title = _("Configuration")

urlpatterns = [
    path("staff/login/", views_twofactor.SignInView.as_view(), name="login"),
    path("staff/two-factor/", views_twofactor.setup, name="two_factor_setup"),
    path("staff/two-factor/qr.svg", views_twofactor.qr, name="two_factor_qr"),
    path("staff/two-factor/verify/", views_twofactor.verify, name="two_factor_verify"),
    path(
        "staff/two-factor/recovery-codes/",
        views_twofactor.renew_codes,
        name="two_factor_renew",
    ),
    path("staff/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("staff/meetings/", include("meetings.urls")),
    path("staff/dashboard/", include("dashboard.urls")),
    path("staff/", include("portal.urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # Browsers ask for /favicon.ico on pages without a <link rel=icon> (JSON, files).
    path("favicon.ico", lambda request: redirect(static("img/favicon.svg"), permanent=True)),
    path("ledger/", include("ledger.urls")),
    path("", include("integrations.urls")),
    path("", include("public.urls")),
]
