"""The REST API: one router; each app contributes its viewsets in its own api.py."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularJSONAPIView
from rest_framework.routers import DefaultRouter

from groundswell.core import api
from groundswell.people import api as people_api

router = DefaultRouter()
people_api.register(router)

urlpatterns = [
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="openapi-schema"),
    path("", include(router.urls)),
    re_path(r"", api.not_found),
]
