from anymail.webhooks.postmark import PostmarkTrackingWebhookView
from django.urls import path

from . import views

app_name = "messaging"

urlpatterns = [
    # Public: reached from emails and from providers, without a login.
    path("u/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("sms/inbound/", views.sms_inbound, name="sms_inbound"),
    path("sms/status/", views.sms_status, name="sms_status"),
    path("anymail/postmark/tracking/", PostmarkTrackingWebhookView.as_view(), name="postmark_tracking"),
]
