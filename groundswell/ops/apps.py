from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "groundswell.ops"
    label = "ops"
    verbose_name = "Operations (backup and restore)"
