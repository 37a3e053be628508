from django.apps import AppConfig


class GotvConfig(AppConfig):
    name = "groundswell.gotv"
    label = "gotv"
    verbose_name = "Polling day"

    def ready(self) -> None:
        from .caches import connect_signals

        connect_signals()
