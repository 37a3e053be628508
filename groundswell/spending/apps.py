import importlib

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db.models.signals import post_migrate

# The migration that holds the legal limits, the Parliaments' sittings and the general elections as data.
REFERENCE_MIGRATION = "groundswell.spending.migrations.0002_limit_rows_and_general_elections"


def seed_reference_rows(sender: AppConfig, **kwargs) -> None:
    """The limits and elections exist after every migrate and every flush (flush emits post_migrate), so a test
    database emptied by a transactional test, or a flushed install, still has the law's figures."""
    if sender.get_model("CandidateLimit").objects.exists():
        return
    importlib.import_module(REFERENCE_MIGRATION).load(global_apps, None)


class SpendingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "groundswell.spending"
    verbose_name = "Election spending"

    def ready(self) -> None:
        post_migrate.connect(seed_reference_rows, sender=self)
