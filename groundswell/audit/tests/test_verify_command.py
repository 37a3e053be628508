import json
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from groundswell.audit.models import AuditEntry
from groundswell.audit.services import record
from groundswell.audit.testing import tamper

pytestmark = pytest.mark.django_db


def _tamper(sequence: int) -> None:
    tamper(f"UPDATE {AuditEntry._meta.db_table} SET object_id = '999' WHERE sequence = %s", (sequence,))


def test_verify_reports_the_count_when_intact(capsys):
    for i in range(3):
        record("viewed", object_type="people.person", object_id=i)
    call_command("audit", "verify")
    assert "3 audit entries" in capsys.readouterr().out


def test_verify_json(capsys):
    record("viewed", object_type="people.person", object_id=1)
    call_command("audit", "verify", "--json")
    payload = json.loads(capsys.readouterr().out)
    checkpoint = payload.pop("checkpoint")
    assert payload == {"ok": True, "entries": 1, "first_bad_sequence": None, "problem": ""}
    # No checkpoint written yet (one entry, one every AUDIT_CHECKPOINT_EVERY): said, not failed.
    assert checkpoint["checked"] is False and checkpoint["ok"] is True
    assert "no checkpoint" in checkpoint["note"]


def test_verify_fails_with_the_first_bad_sequence(capsys):
    for i in range(4):
        record("viewed", object_type="people.person", object_id=i)
    _tamper(3)
    with pytest.raises(CommandError, match="sequence 3") as excinfo:
        call_command("audit", "verify")
    assert excinfo.value.returncode == 1
    with pytest.raises(CommandError):
        call_command("audit", "verify", "--json")
    payload = json.loads(capsys.readouterr().out)
    assert payload["ok"] is False and payload["first_bad_sequence"] == 3


def test_verify_needs_a_subcommand():
    with pytest.raises(CommandError):
        call_command("audit")


def test_exit_status_from_the_shell(tmp_path):
    # The real entry point, against an empty throwaway SQLite database: exit 0 and a count.
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "PATH": "/usr/bin:/bin"}
    env["DJANGO_SETTINGS_MODULE"] = "groundswell.settings.test"
    subprocess.run([sys.executable, "-m", "groundswell.manage", "migrate", "-v0"], env=env, check=True)
    done = subprocess.run(
        [sys.executable, "-m", "groundswell.manage", "audit", "verify"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "0 audit entries" in done.stdout

    # Now two entries, the second tampered with directly in the file: non-zero exit naming entry 2.
    code = "from groundswell.audit.services import record; record('viewed'); record('exported')"
    subprocess.run([sys.executable, "-m", "groundswell.manage", "shell", "-c", code], env=env, check=True)
    import sqlite3

    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        db.execute("DROP TRIGGER audit_entry_no_update")
        db.execute("UPDATE audit_auditentry SET action = 'viewed' WHERE sequence = 2")
    done = subprocess.run(
        [sys.executable, "-m", "groundswell.manage", "audit", "verify"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 1
    assert "sequence 2" in done.stderr
