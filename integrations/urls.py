"""The doors for other systems: Open311 GeoReport v2, the staff REST API, the 12345 import,
the text-message gateway's delivery receipts."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from integrations import api, sms_receipts, views

FMT = r"\.(?P<fmt>json|xml)$"

open311_patterns = [
    re_path(r"^discovery" + FMT, views.discovery, name="discovery"),
    re_path(r"^services" + FMT, views.services, name="services"),
    re_path(r"^services/(?P<code>[-\w]+)" + FMT, views.service_definition, name="service"),
    re_path(r"^requests" + FMT, views.requests, name="requests"),
    re_path(r"^requests/(?P<number>[-\w]+)" + FMT, views.service_request, name="request"),
    re_path(r"^tokens/(?P<token>[-\w]+)" + FMT, views.token, name="token"),
    re_path(r"^.*$", views.not_found),
]

router = DefaultRouter()
router.register("cases", api.CaseViewSet, basename="case")
router.register("categories", api.CategoryViewSet, basename="category")
router.register("parties", api.PartyViewSet, basename="party")
router.register("areas", api.AreaViewSet, basename="area")

api_patterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("", include(router.urls)),
    re_path(r"^.*$", api.not_found),
]

urlpatterns = [
    path("open311/v2/", include((open311_patterns, "open311"))),
    path("api/", include((api_patterns, "api"))),
    path("integrations/sms/aliyun/<str:token>/", sms_receipts.aliyun, name="sms_receipts"),
    path("staff/imports/12345/", views.hotline_import, name="hotline_import"),
    re_path(
        r"^staff/imports/12345/template\.(?P<fmt>csv|xlsx)$",
        views.hotline_template,
        name="hotline_template",
    ),
]
