from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "groundswell.core"
    label = "core"
