"""Test support: emptying the append-only audit table where a test runner has to (SQLite's flush uses DELETE)."""

from __future__ import annotations

import importlib

from django.db import connection

# The migration owns the trigger's SQL; a module name starting with a digit needs importlib.
_TRIGGER = importlib.import_module("groundswell.audit.migrations.0003_sqlite_delete_trigger")


def empty_audit_log_for_flush() -> None:
    """Delete every audit row with SQLite's DELETE trigger lifted for that one statement, then put it back.

    Only for a transactional test's teardown, right before Django's flush (which would otherwise be refused by
    the trigger). PostgreSQL's flush uses TRUNCATE, which row triggers do not see, so nothing is needed there.
    """
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute(_TRIGGER.SQLITE_BACKWARD)
        cursor.execute("DELETE FROM audit_auditentry")
        cursor.execute(_TRIGGER.SQLITE_FORWARD)


def tamper(sql: str, params: tuple = ()) -> None:
    """Run `sql` against the audit table as someone with database access would: past the append-only triggers
    (disabled on PostgreSQL, dropped on SQLite, where the test's rollback puts them back)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_no_update")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS audit_entry_no_update")
            cursor.execute("DROP TRIGGER IF EXISTS audit_entry_no_delete")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER audit_entry_no_update")
