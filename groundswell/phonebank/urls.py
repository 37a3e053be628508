"""Phonebank URLs: the caller's pages and API (a session link and seat token), then the organisers' pages."""

from __future__ import annotations

from django.urls import path

from .views import caller, organiser

app_name = "phonebank"

urlpatterns = [
    path("mine/", caller.my_calling, name="mine"),
    path("join/<str:token>/", caller.join, name="join"),
    path("call/<str:token>/", caller.call_page, name="call"),
    path("api/<str:token>/next", caller.api_next, name="api_next"),
    path("api/<str:token>/result", caller.api_result, name="api_result"),
    path("api/<str:token>/skip", caller.api_skip, name="api_skip"),
    path("api/<str:token>/tally", caller.api_tally, name="api_tally"),
    path("api/<str:token>/bridge", caller.api_bridge, name="api_bridge"),
    # Organisers: campaigns, target lists, sessions, the live dashboard, results export.
    path("campaigns/", organiser.campaign_list, name="campaigns"),
    path("campaigns/new/", organiser.campaign_create, name="campaign_create"),
    path("campaigns/count/", organiser.filter_count, name="filter_count"),
    path("campaigns/<int:pk>/", organiser.campaign_detail, name="campaign"),
    path("campaigns/<int:pk>/edit/", organiser.campaign_edit, name="campaign_edit"),
    path("campaigns/<int:pk>/status/", organiser.campaign_status, name="campaign_status"),
    path("campaigns/<int:pk>/build/", organiser.build_list, name="build"),
    path("campaigns/<int:pk>/build/<str:result_id>/", organiser.build_status, name="build_status"),
    path("campaigns/<int:pk>/script/", organiser.script, name="script"),
    path("campaigns/<int:pk>/script/introduction/", organiser.script_introduction, name="script_introduction"),
    path("campaigns/<int:pk>/script/<int:question_pk>/remove/", organiser.question_remove, name="question_remove"),
    path("campaigns/<int:pk>/script/<int:question_pk>/move/", organiser.question_move, name="question_move"),
    path(
        "campaigns/<int:pk>/script/<int:question_pk>/branches/", organiser.question_branches, name="question_branches"
    ),
    path("campaigns/<int:pk>/script/preview/", organiser.script_preview, name="script_preview"),
    path("campaigns/<int:pk>/sessions/new/", organiser.session_create, name="session_create"),
    path("campaigns/<int:pk>/dashboard/", organiser.dashboard, name="dashboard"),
    path("campaigns/<int:pk>/dashboard/live/", organiser.dashboard_live, name="dashboard_live"),
    path("campaigns/<int:pk>/export/", organiser.export, name="export"),
    path("sessions/<int:pk>/", organiser.session_detail, name="session"),
    path("sessions/<int:pk>/end/", organiser.session_end, name="session_end"),
]
