from django.urls import path

from . import views

app_name = "targeting"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("map.geojson", views.map_geojson, name="map"),
    path("targets/", views.targets, name="targets"),
    path("allocation/", views.allocate, name="allocation"),
    path("polls/", views.poll_tracker, name="polls"),
    path("seats/<str:code>/", views.seat, name="seat"),
    path("nearest/", views.nearest, name="nearest"),
]
