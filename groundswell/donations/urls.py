from __future__ import annotations

from django.urls import path

from . import views

app_name = "donations"

urlpatterns = [
    path("", views.ledger, name="ledger"),
    path("new/", views.new, name="new"),
    path("units/", views.register_unit, name="register_unit"),
    path("clock/", views.clock_view, name="clock"),
    path("reports/", views.reports_view, name="reports"),
    path("reports/<str:kind>.csv", views.download, name="download"),
    path("import/", views.import_view, name="import"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/check/", views.check, name="check"),
    path("<int:pk>/accept/", views.accept, name="accept"),
    path("<int:pk>/return/", views.return_view, name="return"),
]
