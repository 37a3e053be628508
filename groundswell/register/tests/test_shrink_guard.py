"""A full register that would mark a large share of the live electors deleted is refused unless meant.

Issue 13: a cut-off full register marked all 9,074 live electors deleted with no warning. A file cut at a line
break passes every row check, so the size of the change is the last guard.
"""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from groundswell.register.importing import import_register
from groundswell.register.models import Elector, RegisterImport

from .layouts import XPRESS_14, write, xpress14


def register(numbers) -> str:
    rows = (xpress14("AB1", n, 0, "Okafor", f"Ada{n}", "RG1 1AA", f"{n} Abbey Road", "Reading") for n in numbers)
    return "\n".join([XPRESS_14, *rows]) + "\n"


@pytest.fixture
def loaded(tmp_path, constituency, postcodes):
    report = import_register(write(tmp_path, "full.tsv", register(range(1, 101))), constituency)
    assert report.ok and report.created == 100, report.errors
    return constituency


def live(constituency) -> int:
    return Elector.objects.filter(constituency=constituency, deleted_at__isnull=True).count()


def test_a_register_cut_at_a_line_break_is_refused_and_nothing_changes(tmp_path, loaded):
    imports = RegisterImport.objects.count()
    report = import_register(write(tmp_path, "half.tsv", register(range(1, 51))), loaded)
    assert not report.ok and not report.written
    message = report.errors[0][1]
    assert "would mark 50 of the 100 electors now on the register deleted (50%)" in message
    assert "10%" in message and "--allow-shrink" in message and "REGISTER_MAX_SHRINK" in message
    assert live(loaded) == 100 and RegisterImport.objects.count() == imports


def test_a_normal_years_turnover_goes_through(tmp_path, loaded):
    report = import_register(write(tmp_path, "next.tsv", register([*range(1, 91), *range(101, 111)])), loaded)
    assert report.ok and report.deleted == 10 and report.created == 10
    assert live(loaded) == 100


def test_allow_shrink_applies_an_intended_shrink(tmp_path, loaded):
    report = import_register(write(tmp_path, "half.tsv", register(range(1, 51))), loaded, allow_shrink=True)
    assert report.ok and report.written and report.deleted == 50
    assert live(loaded) == 50


def test_the_share_is_a_setting(tmp_path, loaded, settings):
    settings.REGISTER_MAX_SHRINK = 0.6
    report = import_register(write(tmp_path, "half.tsv", register(range(1, 51))), loaded)
    assert report.ok and report.deleted == 50


def test_dry_run_says_how_many_would_be_deleted(tmp_path, loaded, capsys):
    path = write(tmp_path, "half.tsv", register(range(1, 51)))
    with pytest.raises(CommandError):
        call_command("import_register", str(path), "--constituency", loaded.code, "--dry-run", "--no-progress")
    out = capsys.readouterr()
    assert "50 of the 100 electors on the register would be marked deleted (50%)" in out.out
    assert "--allow-shrink" in out.err
    call_command(
        "import_register", str(path), "--constituency", loaded.code, "--dry-run", "--allow-shrink", "--no-progress"
    )
    out = capsys.readouterr().out
    assert "50 deleted" in out and "would be marked deleted" in out and live(loaded) == 100
    with pytest.raises(CommandError):
        call_command("import_register", str(path), "--constituency", loaded.code, "--json")
    data = json.loads(capsys.readouterr().out)
    assert (data["deleted"], data["live_before"], data["written"]) == (50, 100, False)
    call_command("import_register", str(path), "--constituency", loaded.code, "--allow-shrink", "--no-progress")
    assert live(loaded) == 50
