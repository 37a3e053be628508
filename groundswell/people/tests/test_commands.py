import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from groundswell.audit.models import AuditEntry
from groundswell.people.models import Person

from .factories import PersonFactory, write_csv

pytestmark = pytest.mark.django_db

HEADER = ["First name", "Surname", "Email", "Phone"]


def test_import_command_writes_and_reports(tmp_path, branch_unit, capsys):
    path = write_csv(tmp_path / "p.csv", [*HEADER, "Shirt"], [["Ann", "Lee", "ann@example.org", "", "M"]])
    call_command("import_people", str(path), "--unit", "BR-X", "--no-progress")
    out = capsys.readouterr().out
    assert "Imported 1 of 1 rows: 1 new, 0 updated" in out and "'Shirt'" in out
    assert Person.objects.count() == 1


def test_import_command_fails_on_bad_rows_and_lists_them(tmp_path, branch_unit, capsys):
    rows = [["Ann", "Lee", "ann@example.org", ""], ["Bob", "Ray", "", "12"]]
    path = write_csv(tmp_path / "p.csv", HEADER, rows)
    with pytest.raises(CommandError) as excinfo:
        call_command("import_people", str(path), "--unit", "BR-X", "--no-progress")
    assert excinfo.value.returncode == 1
    assert "line 3: Phone:" in capsys.readouterr().err
    assert Person.objects.count() == 0


def test_import_command_skip_invalid_and_json(tmp_path, branch_unit, capsys):
    rows = [["Ann", "Lee", "ann@example.org", ""], ["Bob", "Ray", "", "12"]]
    path = write_csv(tmp_path / "p.csv", HEADER, rows)
    call_command("import_people", str(path), "--unit", "BR-X", "--skip-invalid", "--json")
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] and report["created"] == 1 and report["skipped_lines"] == [3]
    assert report["errors"][0]["line"] == 3 and report["errors"][0]["column"] == "Phone"


def test_import_command_dry_run(tmp_path, branch_unit, capsys):
    path = write_csv(tmp_path / "p.csv", HEADER, [["Ann", "Lee", "ann@example.org", ""]])
    call_command("import_people", str(path), "--unit", "BR-X", "--dry-run", "--no-progress")
    assert "Would import 1 of 1 rows" in capsys.readouterr().out
    assert Person.objects.count() == 0


@pytest.mark.parametrize("content", [b"", "Name,Email\nZo\xeb,z@example.org\n".encode("cp1252")])
def test_import_command_file_errors_exit_non_zero(tmp_path, branch_unit, content):
    path = tmp_path / "p.csv"
    path.write_bytes(content)
    with pytest.raises(CommandError) as excinfo:
        call_command("import_people", str(path), "--unit", "BR-X", "--no-progress")
    assert excinfo.value.returncode == 1


def test_import_command_encoding_option(tmp_path, branch_unit):
    path = tmp_path / "p.csv"
    path.write_bytes("Name,Email\nZoë Brontë,z@example.org\n".encode("cp1252"))
    call_command("import_people", str(path), "--unit", "BR-X", "--encoding", "cp1252", "--no-progress")
    assert Person.objects.get().family_name == "Brontë"


def test_import_command_missing_file(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_people", str(tmp_path / "nope.csv"))


def test_export_command_requires_reason_and_filters_by_unit(tmp_path, units):
    PersonFactory(unit=units.branch_a1, given_name="Inside")
    PersonFactory(unit=units.branch_b1, given_name="Outside")
    with pytest.raises(CommandError):
        call_command("export_people", str(tmp_path / "x.csv"))
    with pytest.raises(CommandError, match="must say why"):
        call_command("export_people", str(tmp_path / "x.csv"), "--reason", " ")
    with pytest.raises(CommandError, match="no unit"):
        call_command("export_people", str(tmp_path / "x.csv"), "--reason", "audit", "--unit", "NOPE")
    target = tmp_path / "out.csv"
    call_command("export_people", str(target), "--reason", "AGM mailing", "--unit", "CLP-A")
    text = target.read_text()
    assert "Inside" in text and "Outside" not in text
    audit = AuditEntry.objects.get(action="exported")
    assert audit.actor is None and audit.actor_label == "system" and audit.reason == "AGM mailing"
    assert audit.detail["rows"] == 1 and audit.query == "unit=CLP-A"
