from django.apps import AppConfig


class BenchConfig(AppConfig):
    name = "groundswell.bench"
    label = "bench"
