from django.urls import path

from . import views

app_name = "messaging"

urlpatterns = [
    path("", views.home, name="home"),
    path("segments/new/", views.segment_form, name="segment_new"),
    path("segments/<int:pk>/", views.segment_form, name="segment_edit"),
    path("segments/count/", views.segment_count, name="segment_count"),
    path("templates/new/", views.template_form, name="template_new"),
    path("templates/<int:pk>/", views.template_form, name="template_edit"),
    path("templates/<int:pk>/test/", views.template_test, name="template_test"),
    path("templates/preview/", views.template_preview, name="template_preview"),
    path("<str:kind>/new/", views.send_form, name="send_new"),
    path("<str:kind>/<int:pk>/", views.send_detail, name="send"),
    path("<str:kind>/<int:pk>/progress/", views.send_progress, name="send_progress"),
    path("<str:kind>/<int:pk>/queue/", views.send_queue, name="send_queue"),
    path("<str:kind>/<int:pk>/export.csv", views.send_export, name="send_export"),
    # Public: reached from emails and from providers, without a login.
    path("u/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("sms/inbound/", views.sms_inbound, name="sms_inbound"),
    path("sms/status/", views.sms_status, name="sms_status"),
    path("anymail/postmark/tracking/", views.postmark_tracking, name="postmark_tracking"),
]
