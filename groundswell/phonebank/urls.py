from __future__ import annotations

from django.urls import path

from . import caller_views
from .organiser_urls import urlpatterns as organiser_urlpatterns

app_name = "phonebank"

urlpatterns = [
    path("join/<str:token>/", caller_views.join, name="join"),
    path("call/<str:token>/", caller_views.call_page, name="call"),
    path("api/<str:token>/next", caller_views.api_next, name="api_next"),
    path("api/<str:token>/result", caller_views.api_result, name="api_result"),
    path("api/<str:token>/skip", caller_views.api_skip, name="api_skip"),
    path("api/<str:token>/tally", caller_views.api_tally, name="api_tally"),
    path("api/<str:token>/bridge", caller_views.api_bridge, name="api_bridge"),
    *organiser_urlpatterns,
]
