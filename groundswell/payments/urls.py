from django.urls import path

from .views import public, treasurer

app_name = "payments"

urlpatterns = [
    path("", treasurer.home, name="home"),
    path("list/", treasurer.payment_list, name="list"),
    path("<int:pk>/", treasurer.payment_detail, name="detail"),
    path("<int:pk>/refund/", treasurer.payment_refund, name="refund"),
    path("exceptions/", treasurer.exceptions, name="exceptions"),
    path("reconciliation/", treasurer.reconciliation_report, name="reconciliation"),
    path("reconciliation/import/", treasurer.import_payouts, name="import_payouts"),
    path("fake/checkout/<str:ref>/", public.fake_checkout, name="fake_checkout"),
    path("direct-debit/<str:ref>/", public.direct_debit, name="direct_debit"),
    path("webhooks/<str:provider>/", public.webhook, name="webhook"),
]
