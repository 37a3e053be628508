from django.apps import AppConfig


class SurveysConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "groundswell.surveys"
    verbose_name = "Surveys"

    def ready(self) -> None:
        # Local: these modules import models, which cannot be imported before the app registry is ready.
        from .events import register_event_page_sections  # noqa: PLC0415
        from .messaging import register_segment_filters  # noqa: PLC0415

        register_segment_filters()
        register_event_page_sections()
