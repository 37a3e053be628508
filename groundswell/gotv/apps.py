from django.apps import AppConfig


class GotvConfig(AppConfig):
    name = "groundswell.gotv"
    label = "gotv"
    verbose_name = "Polling day"

    def ready(self) -> None:
        # caches imports models, which cannot load before the app registry is ready (this method).
        from .caches import connect_signals  # noqa: PLC0415

        connect_signals()
