from __future__ import annotations

from django.urls import path

from . import views as v

app_name = "events"

urlpatterns = [
    path("", v.map_page, name="map"),
    path("feed.json", v.feed_json, name="feed_json"),
    path("feed.geojson", v.feed_geojson, name="feed_geojson"),
    path("feed.ics", v.feed_ics, name="feed_ics"),
    path("near-me/", v.near_me, name="near_me"),
    path("widget/<str:code>/", v.widget, name="widget"),
    path("new/", v.propose, name="propose"),
    path("mine/", v.my_events, name="mine"),
    path("moderation/", v.moderation, name="moderation"),
    # RSVP tokens are URL-safe base64 (secrets.token_urlsafe): anything else (a NUL byte, which PostgreSQL cannot
    # even compare) is no token, so 404 before any query.
    path("rsvp/<slug:token>/", v.rsvp_status, name="rsvp_status"),
    path("rsvp/<slug:token>/cancel/", v.rsvp_cancel, name="rsvp_cancel"),
    path("from-session/<int:session_pk>/", v.publish_session, name="publish_session"),
    path("<int:pk>/", v.detail, name="detail"),
    path("<int:pk>/event.ics", v.event_ics, name="ics"),
    path("<int:pk>/moderate/", v.moderate, name="moderate"),
    path("<int:pk>/manage/", v.manage, name="manage"),
    path("<int:pk>/manage/<str:action>/", v.manage_action, name="manage_action"),
    path("<int:pk>/check-in/", v.check_in_page, name="checkin"),
    path("<int:pk>/check-in/<int:rsvp_pk>/", v.check_in, name="checkin_do"),
    path("<int:pk>/walk-in/", v.walk_in, name="walk_in"),
    path("<int:pk>/meetup/", v.meetup, name="meetup"),
    path("<int:pk>/invite/", v.invite, name="invite"),
]
