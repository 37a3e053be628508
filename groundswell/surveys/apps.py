from django.apps import AppConfig


class SurveysConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "groundswell.surveys"
    verbose_name = "Surveys"

    def ready(self) -> None:
        from .messaging import register_segment_filters

        register_segment_filters()
