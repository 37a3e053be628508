from django.db import migrations, models

# The queue table is updated twice per call (hand-out, result), moving rows in the queue's index: vacuuming at 5%
# dead rows instead of PostgreSQL's 20% keeps the index head from filling with entries for rows already taken, at
# the default (throttled) vacuum speed, which a 2-core box needs to keep calls' latency even (docs/benchmarks.md,
# issue 23: unthrottled 1% vacuums cost more in p99 than they saved in scans).
HOT_TABLE = (
    "ALTER TABLE phonebank_calltarget SET (autovacuum_vacuum_scale_factor = 0.05, "
    "autovacuum_vacuum_threshold = 1000, autovacuum_analyze_scale_factor = 0.05)"
)
DEFAULTS = (
    "ALTER TABLE phonebank_calltarget RESET (autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold, "
    "autovacuum_analyze_scale_factor)"
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
