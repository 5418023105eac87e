"""The staff portal's addresses (docs/portal.md). The names staff:home, staff:case_list,
staff:case_detail and staff:case_action are a contract other parts link to."""

from django.contrib.auth import views as auth_views
from django.urls import include, path, reverse_lazy

from cases.access import staff_required
from portal import views, views_case

app_name = "staff"

urlpatterns = [
    path("", views.home, name="home"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/export.csv", views.export_csv, name="case_export"),
    path("cases/map/", views.case_map, name="case_map"),
    path("cases/map/data/", views.case_map_data, name="case_map_data"),
    path("cases/bulk/", views.bulk, name="bulk"),
    path("cases/new/", views_case.file_patrol_case, name="file_case"),
    path("filters/", views.save_filter, name="save_filter"),
    path("filters/<int:pk>/delete/", views.delete_filter, name="delete_filter"),
    path("cases/<str:number>/", views_case.case_detail, name="case_detail"),
    path(
        "cases/<str:number>/history.json",
        views_case.case_history_json,
        name="case_history_json",
    ),
    path("cases/<str:number>/history/", views_case.case_history_print, name="case_history"),
    path(
        "cases/<str:number>/actions/<str:action>/",
        views_case.case_action,
        name="case_action",
    ),
    path(
        "cases/<str:number>/photos/<int:pk>/",
        views_case.case_photo,
        name="case_photo",
    ),
    path("notifications/", include("portal.urls_notifications")),
    path(
        "password/",
        staff_required(
            auth_views.PasswordChangeView.as_view(success_url=reverse_lazy("staff:password_done"))
        ),
        name="password_change",
    ),
    path(
        "password/done/",
        staff_required(auth_views.PasswordChangeDoneView.as_view()),
        name="password_done",
    ),
]
