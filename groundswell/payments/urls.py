from django.urls import path

from .views import public

app_name = "payments"

urlpatterns = [
    path("fake/checkout/<str:ref>/", public.fake_checkout, name="fake_checkout"),
    path("direct-debit/<str:ref>/", public.direct_debit, name="direct_debit"),
    path("webhooks/<str:provider>/", public.webhook, name="webhook"),
]
