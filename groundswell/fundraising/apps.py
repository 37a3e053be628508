from django.apps import AppConfig


class FundraisingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "groundswell.fundraising"
    label = "fundraising"
    verbose_name = "Fundraising appeals"

    def ready(self) -> None:
        # Local: the handler imports models, which cannot be imported before the app registry is ready.
        from groundswell.payments.listeners import listen  # noqa: PLC0415

        from .services import PURPOSE, on_payment_notice  # noqa: PLC0415

        # Payments (a layer below) tells us about money through this hook rather than importing fundraising.
        listen(PURPOSE, on_payment_notice)
