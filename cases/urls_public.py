"""The public pages: the report form and the private tracking links (no namespace: the
names `report` and `track` are part of the URL contract)."""

from django.urls import path

from cases import views_public

urlpatterns = [
    path("", views_public.report, name="report"),
    path("report/where/", views_public.where, name="report_where"),
    path("report/areas.geojson", views_public.area_outlines, name="area_outlines"),
    path("t/<str:token>/", views_public.track, name="track"),
    path("t/<str:token>/sent/", views_public.sent, name="track_sent"),
    path("t/<str:token>/<slug:action>/", views_public.track_action, name="track_action"),
]
