from django.urls import path  # noqa: F401

app_name = "gotv"
urlpatterns: list = []

# telling
from . import telling_views  # noqa: E402

urlpatterns += [
    path("telling/", telling_views.telling_days, name="telling_days"),
    path("<int:day_pk>/telling/", telling_views.telling_page, name="telling"),
    path("<int:day_pk>/telling/station/<int:station_pk>/", telling_views.telling_station, name="telling_station"),
    path("<int:day_pk>/telling/sync/", telling_views.telling_sync, name="telling_sync"),
    path("telling/sw.js", telling_views.telling_sw, name="telling_sw"),
]
# end telling

# knock-up
from . import knockup_views  # noqa: E402

urlpatterns += [
    path("<int:day_pk>/promises/", knockup_views.promises_page, name="promises"),
    path("<int:day_pk>/promises/postal/", knockup_views.postal_promises_page, name="postal_promises"),
    path("knock-up/", knockup_views.knockup_home, name="knockup_home"),
    path("knock-up/sw.js", knockup_views.knockup_sw, name="knockup_sw"),
    path("knock-up/sync/", knockup_views.knockup_sync, name="knockup_sync"),
    path("knock-up/rooms/<int:room_pk>/", knockup_views.knockup_room, name="knockup_room"),
    path("knock-up/rooms/<int:room_pk>/pack.pdf", knockup_views.knockup_pack, name="knockup_pack"),
    path("knock-up/rooms/<int:room_pk>/lifts/", knockup_views.lifts_page, name="lifts"),
    path("knock-up/rounds/<int:round_pk>/", knockup_views.knockup_sheet, name="knockup_sheet"),
    path("knock-up/rounds/<int:round_pk>/data/", knockup_views.knockup_round_data, name="knockup_round_data"),
]
# end knock-up

# set-up and board
from . import board_views, setup_views  # noqa: E402

urlpatterns += [
    path("", setup_views.day_list, name="days"),
    path("new/", setup_views.day_create, name="day_create"),
    path("<int:pk>/", setup_views.day_detail, name="day"),
    path("<int:pk>/edit/", setup_views.day_edit, name="day_edit"),
    path("<int:pk>/stations/new/", setup_views.station_create, name="station_create"),
    path("stations/<int:pk>/edit/", setup_views.station_edit, name="station_edit"),
    path("<int:pk>/rooms/new/", setup_views.room_create, name="room_create"),
    path("rooms/<int:pk>/edit/", setup_views.room_edit, name="room_edit"),
    path("<int:pk>/board/", board_views.day_board, name="board"),
    path("<int:pk>/board.json", board_views.day_board_json, name="board_json"),
    path("rooms/<int:pk>/board/", board_views.room_board, name="room_board"),
    path("rooms/<int:pk>/board.json", board_views.room_board_json, name="room_board_json"),
]
# end set-up and board

# flagged numbers review
from . import review_views  # noqa: E402

urlpatterns += [
    path("<int:pk>/review/", review_views.review_day, name="review"),
    path("<int:pk>/review/<int:station_pk>/", review_views.review_station, name="review_station"),
]
# end flagged numbers review
