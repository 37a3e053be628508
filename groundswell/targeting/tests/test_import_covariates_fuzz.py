"""Fuzzing the covariates import: any file imports or raises CovariateImportError (never a database error or
traceback), and a refused file changes nothing; the command raises nothing but CommandError."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given, settings

from groundswell.targeting.covariates import CovariateImportError, import_covariates
from groundswell.targeting.models import Covariate
from groundswell.tests.hostile import hostile_files, rolled_back

pytestmark = pytest.mark.django_db

VALID = (
    "ons_code,constituency,leave_share,graduates %\r\n"
    "E14000889,Reading East,38.5,41%\r\n"
    "W07000041,Ynys Môn,50.9,22.5\r\n"
    "S14000045,Edinburgh South,22.0,\r\n"
).encode()


def state() -> list:
    return sorted(Covariate.objects.values_list("ons_code", "name", "value"))


@given(data=hostile_files(VALID))
def test_any_covariates_file_imports_or_is_refused_cleanly(data):
    Covariate.objects.get_or_create(ons_code="E14000001", name="leave_share", defaults={"value": 50.0})
    with rolled_back():
        before = state()
        try:
            import_covariates(data.decode("utf-8", errors="replace"))
        except CovariateImportError as exc:
            assert str(exc)
            assert state() == before


@settings(max_examples=15)
@given(data=hostile_files(VALID))
def test_the_command_raises_nothing_but_command_error(tmp_path, data):
    path = tmp_path / "covariates.csv"
    path.write_bytes(data)
    with rolled_back():
        before = state()
        try:
            call_command("targeting", "import_covariates", str(path), stdout=io.StringIO())
        except CommandError:
            assert state() == before


def test_hostile_values_are_refused_by_row():
    for text, expected in [
        ("code,a\nE14000889,nan\n", "row 2: a 'nan' is not a finite number"),
        ("code,a\nE14000889,1e999\n", "row 2: a '1e999' is not a finite number"),
        ("code,a\nE14000889,1\nE14000889,2\n", "row 3: E14000889 is repeated (first on row 2)"),
        ("code,A b,a_b\nE14000889,1,2\n", "header: columns 'A b' and 'a_b' are both a_b"),
        ("code,%%\nE14000889,1\n", "header: column 2 ('%%') has no usable name"),
        ("code,a\nE140\x0000889,1\n", "row 2: contains a NUL character"),
    ]:
        with pytest.raises(CovariateImportError, match=expected.replace("(", r"\(").replace(")", r"\)")):
            import_covariates(text)
    assert not Covariate.objects.exists()
