from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("groundswell.core.urls")),
    path("people/", include("groundswell.people.urls")),
    path("audit/", include("groundswell.audit.urls")),
    path("canvassing/", include("groundswell.canvassing.urls")),
    path("polling-day/", include("groundswell.gotv.urls")),
    path("phonebank/", include("groundswell.phonebank.urls")),
    path("geography/", include("groundswell.geography.urls")),
    path("targeting/", include("groundswell.targeting.urls")),
    path("messaging/", include("groundswell.messaging.urls")),
    path("surveys/", include("groundswell.surveys.urls")),
    path("ballots/", include("groundswell.ballots.urls")),
    path("selections/", include("groundswell.selections.urls")),
    path("events/", include("groundswell.events.urls")),
    path("complaints/", include("groundswell.complaints.urls")),
    path("spending/", include("groundswell.spending.urls")),
    path("payments/", include("groundswell.payments.urls")),
    path("dues/", include("groundswell.dues.urls")),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", include("groundswell.core.api_urls")),
    path("admin/", admin.site.urls),
]
