from django.db import migrations, models

# The queue table is updated on every claim and result: a page left a little free (fillfactor) lets PostgreSQL
# update a row in place, and vacuuming at 1% dead rows instead of 20% keeps the queue head's index from
# filling with entries for rows already taken (measured in docs/benchmarks.md, issue 23).
HOT_TABLE = (
    "ALTER TABLE phonebank_calltarget SET (fillfactor = 85, autovacuum_vacuum_scale_factor = 0.01, "
    "autovacuum_vacuum_threshold = 1000, autovacuum_analyze_scale_factor = 0.02, autovacuum_vacuum_cost_delay = 0)"
)
DEFAULTS = (
    "ALTER TABLE phonebank_calltarget RESET (fillfactor, autovacuum_vacuum_scale_factor, "
    "autovacuum_vacuum_threshold, autovacuum_analyze_scale_factor, autovacuum_vacuum_cost_delay)"
)


def tune(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(HOT_TABLE)


def untune(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DEFAULTS)


class Migration(migrations.Migration):
    dependencies = [("phonebank", "0003_call_skip")]

    operations = [
        migrations.AddField(model_name="calltarget", name="block", field=models.BigIntegerField(blank=True, null=True)),
        migrations.RunPython(tune, untune),
    ]
