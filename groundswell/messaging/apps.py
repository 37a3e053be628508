from django.apps import AppConfig


class MessagingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "groundswell.messaging"
    verbose_name = "Messaging"

    def ready(self) -> None:
        # Connects the anymail tracking-signal receiver (bounces, complaints, opens, clicks, deliveries). Local:
        # webhooks imports models, which cannot be imported before the app registry is ready.
        from . import webhooks  # noqa: F401, PLC0415
