from django.apps import AppConfig


class GotvConfig(AppConfig):
    name = "groundswell.gotv"
    label = "gotv"
    verbose_name = "Polling day"
