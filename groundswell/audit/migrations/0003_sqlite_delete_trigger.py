"""SQLite refuses DELETE on the audit log too (PostgreSQL's trigger has refused it since 0002).

0002 left SQLite without one because the test runner's flush empties tables with DELETE; the tests now empty the
audit table themselves with the trigger lifted (groundswell/audit/testing.py). A trigger only stops someone
going through the database's normal path: an attacker with the file can drop it, which is why the chain's head
is also anchored outside the database (groundswell/audit/checkpoints.py).
"""

from django.db import migrations

SQLITE_FORWARD = """
CREATE TRIGGER IF NOT EXISTS audit_entry_no_delete BEFORE DELETE ON audit_auditentry
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
"""
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS audit_entry_no_delete;"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_triggers")]
    operations = [migrations.RunPython(forward, backward)]
