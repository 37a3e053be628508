from django.apps import AppConfig


class BallotsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "groundswell.ballots"
    verbose_name = "Ballots"
