"""The product's URLs plus the floors, under /bench/floor/ (bench settings only)."""

from django.urls import path

from bench import floors
from hongmei.urls import urlpatterns as product

urlpatterns = [
    path("bench/floor/plain/", floors.plain),
    path("bench/floor/read/<str:number>/", floors.read),
    path("bench/floor/list/", floors.list_50),
    path("bench/floor/insert/", floors.insert),
    *product,
]
