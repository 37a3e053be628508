from django.apps import AppConfig


class GeographyConfig(AppConfig):
    name = "groundswell.geography"
    label = "geography"
