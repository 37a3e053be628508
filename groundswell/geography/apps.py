from django.apps import AppConfig
from django.db.models.signals import post_migrate


def seed_boundary_sets(sender: AppConfig, using: str = "default", **kwargs) -> None:
    """The known boundary sets exist after every migrate and every flush (flush emits post_migrate), so a test
    database emptied by a transactional test still has the rows constituencies point at."""
    BoundarySet = sender.get_model("BoundarySet")
    for code, name, valid_from, valid_to in sender.models_module.BOUNDARY_SETS:
        BoundarySet.objects.using(using).get_or_create(
            code=code, defaults={"name": name, "valid_from": valid_from, "valid_to": valid_to}
        )


class GeographyConfig(AppConfig):
    name = "groundswell.geography"
    label = "geography"

    def ready(self) -> None:
        post_migrate.connect(seed_boundary_sets, sender=self)
