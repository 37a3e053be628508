from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "groundswell.events"
    label = "events"
    verbose_name = "Events"

    def ready(self) -> None:
        # Local: these import models, which cannot be imported before the app registry is ready.
        from groundswell.targeting.events import register_events_lookup  # noqa: PLC0415

        from .segments import register  # noqa: PLC0415
        from .selectors import upcoming_public_events_by_constituency  # noqa: PLC0415

        register()
        # Targeting (a layer below) shows events near a seat through this hook rather than importing events.
        register_events_lookup(upcoming_public_events_by_constituency)
