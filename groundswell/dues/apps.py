import importlib

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db.models.signals import post_migrate

REFERENCE_MIGRATION = "groundswell.dues.migrations.0002_types_rates_and_default_rules"


def seed_reference_rows(sender: AppConfig, **kwargs) -> None:
    """Types, rates and the default rules exist after every migrate and flush (a transactional test empties them)."""
    if sender.get_model("DuesRules").objects.exists():
        return
    importlib.import_module(REFERENCE_MIGRATION).load(global_apps, None)


class DuesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "groundswell.dues"
    verbose_name = "Membership dues"

    def ready(self) -> None:
        post_migrate.connect(seed_reference_rows, sender=self)
        from . import handlers  # noqa: F401, PLC0415 registers the payments listener once the apps are loaded
