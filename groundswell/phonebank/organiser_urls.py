"""Organisers' pages: campaigns, target lists, sessions, the live dashboard, results export."""

from __future__ import annotations

from django.urls import path

from . import organiser_views as v

urlpatterns: list = [
    path("campaigns/", v.campaign_list, name="campaigns"),
    path("campaigns/new/", v.campaign_create, name="campaign_create"),
    path("campaigns/count/", v.filter_count, name="filter_count"),
    path("campaigns/<int:pk>/", v.campaign_detail, name="campaign"),
    path("campaigns/<int:pk>/edit/", v.campaign_edit, name="campaign_edit"),
    path("campaigns/<int:pk>/status/", v.campaign_status, name="campaign_status"),
    path("campaigns/<int:pk>/build/", v.build_list, name="build"),
    path("campaigns/<int:pk>/build/<str:result_id>/", v.build_status, name="build_status"),
    path("campaigns/<int:pk>/script/", v.script, name="script"),
    path("campaigns/<int:pk>/script/introduction/", v.script_introduction, name="script_introduction"),
    path("campaigns/<int:pk>/script/<int:question_pk>/remove/", v.question_remove, name="question_remove"),
    path("campaigns/<int:pk>/script/<int:question_pk>/move/", v.question_move, name="question_move"),
    path("campaigns/<int:pk>/script/<int:question_pk>/branches/", v.question_branches, name="question_branches"),
    path("campaigns/<int:pk>/script/preview/", v.script_preview, name="script_preview"),
    path("campaigns/<int:pk>/sessions/new/", v.session_create, name="session_create"),
    path("campaigns/<int:pk>/dashboard/", v.dashboard, name="dashboard"),
    path("campaigns/<int:pk>/dashboard/live/", v.dashboard_live, name="dashboard_live"),
    path("campaigns/<int:pk>/export/", v.export, name="export"),
    path("sessions/<int:pk>/", v.session_detail, name="session"),
    path("sessions/<int:pk>/end/", v.session_end, name="session_end"),
]
