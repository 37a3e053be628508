from django.apps import AppConfig, apps


class EventsConfig(AppConfig):
    name = "groundswell.events"
    label = "events"
    verbose_name = "Events"

    def ready(self) -> None:
        if apps.is_installed("groundswell.messaging"):
            from .segments import register

            register()
