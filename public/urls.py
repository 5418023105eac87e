"""The public pages: the report form and the private tracking links (no namespace: the
names `report` and `track` are part of the URL contract)."""

from django.urls import path

from public import views, views_find

urlpatterns = [
    path("", views.report, name="report"),
    path("report/where/", views.where, name="report_where"),
    path("report/suggest/", views.suggest_category, name="report_suggest"),
    path("report/questions.css", views.questions_css, name="report_questions_css"),
    path("report/areas.geojson", views.area_outlines, name="area_outlines"),
    path("find/", views_find.find, name="find"),
    path("find/code/", views_find.code, name="find_code"),
    path("mine/", views_find.mine, name="mine"),
    path("mine/end/", views_find.mine_end, name="mine_end"),
    path("t/<str:token>/", views.track, name="track"),
    path("t/<str:token>/sent/", views.sent, name="track_sent"),
    path("t/<str:token>/photos/<int:pk>/", views.track_photo, name="track_photo"),
    path("t/<str:token>/history.json", views.track_history_json, name="track_history_json"),
    path("t/<str:token>/history/", views.track_history, name="track_history"),
    path("t/<str:token>/<slug:action>/", views.track_action, name="track_action"),
]
