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
]
# end telling
