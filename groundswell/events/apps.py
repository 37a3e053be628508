from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "groundswell.events"
    label = "events"
    verbose_name = "Events"

    def ready(self) -> None:
        # Local: segments imports models, which cannot be imported before the app registry is ready.
        from .segments import register  # noqa: PLC0415

        register()
