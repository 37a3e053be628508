"""Mounted at the site root: organisers' pages under /fundraising/, the public appeal pages under /give/."""

from django.urls import path

from . import views

app_name = "fundraising"

urlpatterns = [
    path("fundraising/", views.home, name="home"),
    path("fundraising/appeals/new/", views.appeal_edit, name="appeal_new"),
    path("fundraising/appeals/<int:pk>/", views.appeal_detail, name="appeal_detail"),
    path("fundraising/appeals/<int:pk>/edit/", views.appeal_edit, name="appeal_edit"),
    path("fundraising/appeals/<int:pk>/export.csv", views.appeal_export, name="appeal_export"),
    path("give/gift/<str:token>/", views.manage, name="manage"),
    path("give/<slug:slug>/", views.appeal_page, name="appeal"),
    path("give/<slug:slug>/progress/", views.appeal_progress, name="progress"),
    path("give/<slug:slug>/thanks/<str:token>/", views.thanks, name="thanks"),
]
