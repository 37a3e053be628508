from django.apps import AppConfig
from django.db.models.signals import post_migrate


def seed_reference_rows(sender: AppConfig, using: str = "default", **kwargs) -> None:
    """The nations, English regions and known boundary sets exist after every migrate and every flush (flush emits
    post_migrate), so a test database emptied by a transactional test still has the rows constituencies point at."""
    models = sender.models_module
    Region, BoundarySet = sender.get_model("Region"), sender.get_model("BoundarySet")
    nations = {}
    for code, name in models.NATIONS:
        nations[code], _ = Region.objects.using(using).get_or_create(
            code=code, defaults={"name": name, "kind": "nation"}
        )
    for code, name in models.ENGLISH_REGIONS:
        Region.objects.using(using).get_or_create(
            code=code, defaults={"name": name, "kind": "region", "parent": nations["E92000001"]}
        )
    for code, name, valid_from, valid_to in models.KNOWN_BOUNDARY_SETS:
        BoundarySet.objects.using(using).get_or_create(
            code=code, defaults={"name": name, "valid_from": valid_from, "valid_to": valid_to}
        )


class GeographyConfig(AppConfig):
    name = "groundswell.geography"
    label = "geography"

    def ready(self) -> None:
        post_migrate.connect(seed_reference_rows, sender=self)
