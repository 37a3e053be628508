from django.apps import AppConfig


class PhonebankConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "groundswell.phonebank"
    verbose_name = "Phonebank"
