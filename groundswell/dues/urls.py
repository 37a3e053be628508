from __future__ import annotations

from django.urls import path

from . import views

app_name = "dues"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("arrears.csv", views.arrears_csv, name="arrears_csv"),
    path("memberships/<int:pk>/", views.membership, name="membership"),
    path("memberships/<int:pk>/payments/", views.record_payment, name="record_payment"),
    path("rules/", views.rules, name="rules"),
    path("rules/rates/", views.add_rate, name="add_rate"),
    path("rules/standing/", views.set_rules, name="set_rules"),
    path("me/", views.me, name="me"),
    path("me/<int:pk>/set-up/", views.set_up, name="set_up"),
    path("me/<int:pk>/change/", views.change, name="change"),
    path("me/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("me/done/<int:pk>/", views.done, name="done"),
]
