from django.apps import AppConfig


class MessagingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "groundswell.messaging"
    verbose_name = "Messaging"

    def ready(self) -> None:
        # Connects the anymail tracking-signal receiver (bounces, complaints, opens, clicks, deliveries).
        from . import webhooks  # noqa: F401
