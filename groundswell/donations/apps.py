import importlib

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db.models.signals import post_migrate

# The migration that holds the thresholds as data rows with their sources.
REFERENCE_MIGRATION = "groundswell.donations.migrations.0002_threshold_rows"


def seed_reference_rows(sender: AppConfig, **kwargs) -> None:
    """The thresholds exist after every migrate and every flush (flush emits post_migrate), so a test database
    emptied by a transactional test, or a flushed install, still has the law's figures."""
    if sender.get_model("Threshold").objects.exists():
        return
    importlib.import_module(REFERENCE_MIGRATION).load(global_apps, None)


class DonationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "groundswell.donations"
    verbose_name = "Donations (PPERA ledger)"

    def ready(self) -> None:
        post_migrate.connect(seed_reference_rows, sender=self)
