from django.urls import path

from cases import views_dashboard

app_name = "dashboard"

urlpatterns = [
    path("", views_dashboard.home, name="home"),
    path("report/", views_dashboard.report, name="report"),
    path("export.csv", views_dashboard.export, name="export"),
]
