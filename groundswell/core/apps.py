from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "groundswell.core"
    label = "core"

    def ready(self) -> None:
        # Registers the deploy checks when the app loads, from ready() as Django's system-check docs advise.
        from . import checks  # noqa: F401, PLC0415
