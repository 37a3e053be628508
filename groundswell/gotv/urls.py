"""Polling-day URLs: telling, knock-up, set-up and the board, and the review of flagged numbers."""

from __future__ import annotations

from django.urls import path

from .views import board, knockup, review, setup, telling

app_name = "gotv"

urlpatterns: list = [
    # telling
    path("telling/", telling.telling_days, name="telling_days"),
    path("<int:day_pk>/telling/", telling.telling_page, name="telling"),
    path("<int:day_pk>/telling/station/<int:station_pk>/", telling.telling_station, name="telling_station"),
    path("<int:day_pk>/telling/sync/", telling.telling_sync, name="telling_sync"),
    path("telling/sw.js", telling.telling_sw, name="telling_sw"),
    # knock-up
    path("<int:day_pk>/promises/", knockup.promises_page, name="promises"),
    path("<int:day_pk>/promises/postal/", knockup.postal_promises_page, name="postal_promises"),
    path("knock-up/", knockup.knockup_home, name="knockup_home"),
    path("knock-up/sw.js", knockup.knockup_sw, name="knockup_sw"),
    path("knock-up/sync/", knockup.knockup_sync, name="knockup_sync"),
    path("knock-up/rooms/<int:room_pk>/", knockup.knockup_room, name="knockup_room"),
    path("knock-up/rooms/<int:room_pk>/pack.pdf", knockup.knockup_pack, name="knockup_pack"),
    path("knock-up/rooms/<int:room_pk>/lifts/", knockup.lifts_page, name="lifts"),
    path("knock-up/rounds/<int:round_pk>/", knockup.knockup_sheet, name="knockup_sheet"),
    path("knock-up/rounds/<int:round_pk>/data/", knockup.knockup_round_data, name="knockup_round_data"),
    # set-up and board
    path("", setup.day_list, name="days"),
    path("new/", setup.day_create, name="day_create"),
    path("<int:pk>/", setup.day_detail, name="day"),
    path("<int:pk>/edit/", setup.day_edit, name="day_edit"),
    path("<int:pk>/stations/new/", setup.station_create, name="station_create"),
    path("stations/<int:pk>/edit/", setup.station_edit, name="station_edit"),
    path("<int:pk>/rooms/new/", setup.room_create, name="room_create"),
    path("rooms/<int:pk>/edit/", setup.room_edit, name="room_edit"),
    path("<int:pk>/board/", board.day_board, name="board"),
    path("<int:pk>/board.json", board.day_board_json, name="board_json"),
    path("rooms/<int:pk>/board/", board.room_board, name="room_board"),
    path("rooms/<int:pk>/board.json", board.room_board_json, name="room_board_json"),
    # flagged numbers review
    path("<int:pk>/review/", review.review_day, name="review"),
    path("<int:pk>/review/<int:station_pk>/", review.review_station, name="review_station"),
]
