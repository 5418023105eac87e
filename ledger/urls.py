"""The street ledger (/ledger/) and its open data (/ledger/data/): public, no sign-in."""

from django.urls import path

from ledger import views

app_name = "ledger"

urlpatterns = [
    path("", views.page, name="page"),
    path("map.json", views.map_data, name="map"),
    path("data/", views.data, name="data"),
    path("data/<slug:name>.<str:fmt>", views.data_file, name="data_file"),
]
