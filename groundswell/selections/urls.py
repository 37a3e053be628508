from __future__ import annotations

from django.urls import path

from . import views

app_name = "selections"

urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.create, name="create"),
    path("statistics/", views.statistics, name="statistics"),
    # Members: the transparency page, challenging the eligible list, applying, saying they are coming.
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/challenge/", views.challenge, name="challenge"),
    path("<int:pk>/apply/", views.apply, name="apply"),
    path("hustings/<int:pk>/coming/", views.coming, name="coming"),
    # The panel.
    path("<int:pk>/panel/", views.panel, name="panel"),
    # The procedures secretary.
    path("<int:pk>/manage/", views.manage, name="manage"),
    path("<int:pk>/snapshot/", views.snapshot, name="snapshot"),
    path("<int:pk>/roll/", views.roll, name="roll"),
    path("<int:pk>/flags/", views.flags, name="flags"),
    path("flags/<int:pk>/", views.flag, name="flag"),
    path("challenges/<int:pk>/decide/", views.decide_challenge, name="decide_challenge"),
    path("applicants/<int:pk>/decide/", views.decide_applicant, name="decide_applicant"),
    path("<int:pk>/publish/<str:which>/", views.publish, name="publish"),
    path("<int:pk>/nominations/", views.nomination, name="nomination"),
    path("<int:pk>/panel/add/", views.add_panel, name="add_panel"),
    path("<int:pk>/hustings/", views.hustings, name="hustings"),
    path("hustings/<int:pk>/remind/", views.remind, name="remind"),
    path("<int:pk>/ballot/", views.open_ballot, name="open_ballot"),
]
