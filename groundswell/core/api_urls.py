"""The REST API: one router; each app contributes its viewsets in its own api.py."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

router = DefaultRouter()

urlpatterns = [
    path("openapi.json", SpectacularAPIView.as_view(), name="openapi-schema"),
    path("", include(router.urls)),
]
