from django.apps import AppConfig


class TargetingConfig(AppConfig):
    name = "groundswell.targeting"
    label = "targeting"
    verbose_name = "Targeting"
