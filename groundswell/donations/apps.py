from django.apps import AppConfig

from groundswell.db.seeding import reseed_after_migrate


class DonationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "groundswell.donations"
    verbose_name = "Donations (PPERA ledger)"

    def ready(self) -> None:
        # The thresholds as data rows with their sources.
        reseed_after_migrate(self, "Threshold", "groundswell.donations.migrations.0002_threshold_rows")
