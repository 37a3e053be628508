from __future__ import annotations

from django.urls import path

from . import views

app_name = "tours"

urlpatterns = [
    path("", views.home, name="home"),
    path("<int:pk>/", views.tour, name="tour"),
    path("<int:pk>/days/", views.add_day, name="add_day"),
    path("<int:pk>/position/", views.position, name="position"),
    path("days/<int:pk>/stops/", views.add_stop, name="add_stop"),
    path("days/<int:pk>/plan/", views.plan, name="plan"),
    path("days/<int:pk>/map.json", views.day_map, name="day_map"),
    path("days/<int:pk>/on-the-day/", views.on_the_day, name="on_the_day"),
    path("days/sw.js", views.service_worker, name="sw"),
    path("days/<int:pk>/sheet.pdf", views.sheet, name="sheet"),
    path("stops/<int:pk>/", views.stop, name="stop"),
    path("stops/<int:pk>/<str:action>/", views.stop_action, name="stop_action"),
    path("checklist/<int:pk>/", views.checklist, name="checklist"),
    path("attributions/<int:pk>/", views.decide, name="decide"),
    path("sync/", views.sync, name="sync"),
]
