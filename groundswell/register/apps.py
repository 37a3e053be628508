from django.apps import AppConfig


class RegisterConfig(AppConfig):
    name = "groundswell.register"
    label = "register"
    verbose_name = "Electoral register"
