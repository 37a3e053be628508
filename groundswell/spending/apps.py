from django.apps import AppConfig

from groundswell.db.seeding import reseed_after_migrate


class SpendingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "groundswell.spending"
    verbose_name = "Election spending"

    def ready(self) -> None:
        # The legal limits, the Parliaments' sittings and the general elections, as data rows with their sources.
        reseed_after_migrate(
            self, "CandidateLimit", "groundswell.spending.migrations.0002_limit_rows_and_general_elections"
        )
