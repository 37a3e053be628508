"""The UK's nations and England's regions, with their ONS (GSS) codes. These change rarely and are facts, not data
to import, so they ship with the schema."""

from django.db import migrations

NATIONS = [
    ("E92000001", "England"),
    ("W92000004", "Wales"),
    ("S92000003", "Scotland"),
    ("N92000002", "Northern Ireland"),
]
ENGLISH_REGIONS = [
    ("E12000001", "North East"),
    ("E12000002", "North West"),
    ("E12000003", "Yorkshire and The Humber"),
    ("E12000004", "East Midlands"),
    ("E12000005", "West Midlands"),
    ("E12000006", "East of England"),
    ("E12000007", "London"),
    ("E12000008", "South East"),
    ("E12000009", "South West"),
]


def forward(apps, schema_editor):
    Region = apps.get_model("geography", "Region")
    nations = {}
    for code, name in NATIONS:
        nations[code], _ = Region.objects.get_or_create(code=code, defaults={"name": name, "kind": "nation"})
    for code, name in ENGLISH_REGIONS:
        Region.objects.get_or_create(
            code=code, defaults={"name": name, "kind": "region", "parent": nations["E92000001"]}
        )


def backward(apps, schema_editor):
    Region = apps.get_model("geography", "Region")
    Region.objects.filter(kind="region", code__in=[c for c, _ in ENGLISH_REGIONS]).delete()
    Region.objects.filter(code__in=[c for c, _ in NATIONS]).delete()


class Migration(migrations.Migration):
    dependencies = [("geography", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
