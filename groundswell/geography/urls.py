from django.urls import path

from . import views

app_name = "geography"
urlpatterns = [
    path("lookup", views.lookup, name="lookup"),
    path("constituencies/<str:code>.geojson", views.constituency_geojson, name="constituency-geojson"),
]
