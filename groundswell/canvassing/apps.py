from django.apps import AppConfig


class CanvassingConfig(AppConfig):
    name = "groundswell.canvassing"
    label = "canvassing"
