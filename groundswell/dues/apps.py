from django.apps import AppConfig

from groundswell.db.seeding import reseed_after_migrate


class DuesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "groundswell.dues"
    verbose_name = "Membership dues"

    def ready(self) -> None:
        # Membership types, rates and the default standing rules.
        reseed_after_migrate(self, "DuesRules", "groundswell.dues.migrations.0002_types_rates_and_default_rules")
        from . import handlers  # noqa: F401, PLC0415 registers the payments listener once the apps are loaded
