"""Fuzzing the Code-Point Open reader row by row (odd cells, plain or gzipped, cut anywhere) and the lookup endpoint:
a file is imported or refused with a CommandError naming the problem, never a traceback, and a refused file changes
nothing; the endpoint answers 200/400/404, never 500."""

from __future__ import annotations

import csv
import gzip
import io
import tempfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given, settings
from hypothesis import strategies as st

from groundswell.geography.codepoint import CODEPOINT_COLUMNS, GB_LATITUDE, GB_LONGITUDE
from groundswell.geography.models import Postcode
from groundswell.tests.hostile import rolled_back

pytestmark = pytest.mark.django_db

VALID_ROW = ["RG1 1AF", "51.457494", "-0.969244", "471712", "173672", "10", "E92000001", "", "E06000038", "E05002319"]
ODD_CELLS = (
    st.sampled_from(
        [
            "",
            " ",
            "nan",
            "inf",
            "-inf",
            "1e400",
            "51,45",
            "99.999999",
            "0",
            "BT1 1AA",
            "JE2 3AB",
            "rg11af",
            "N92000002",
            "E92000001",
            "\x00",
            "\ufeff",
            '"',
            "=1+1",
            "E05002319XXXXXXX",
        ]
    )
    | st.text(max_size=12)
    | st.floats(allow_nan=True, allow_infinity=True).map(repr)
)
ROW = st.lists(st.tuples(st.integers(0, 9), ODD_CELLS), max_size=3).map(
    lambda changes: [value if i not in dict(changes) else dict(changes)[i] for i, value in enumerate(VALID_ROW)]
)


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CODEPOINT_COLUMNS)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def state() -> list:
    return sorted(Postcode.objects.values_list())


@pytest.fixture
def existing(db):
    Postcode.objects.create(postcode="RG1 1AA", latitude=51.0, longitude=-1.0, constituency_code="E14000889")


@given(
    rows=st.lists(ROW, min_size=1, max_size=4),
    cut=st.none() | st.integers(1, 60),
    gzipped=st.booleans(),
    extra=st.sampled_from(["", "\n", ",,,", "RG1 1AF,51.4"]),
)
def test_odd_code_point_rows_import_or_are_refused_by_line(existing, rows, cut, gzipped, extra):
    data = _csv(rows) + extra.encode()
    if cut is not None:
        data = data[:-cut] if cut < len(data) else data[:1]
    if gzipped:
        data = gzip.compress(data)
    with tempfile.TemporaryDirectory() as directory, rolled_back():
        path = Path(directory) / ("cp.csv.gz" if gzipped else "cp.csv")
        path.write_bytes(data)
        before = state()
        try:
            call_command("import_postcodes", str(path), "--no-progress")
        except CommandError as exc:
            assert "Nothing was imported" in str(exc)
            assert state() == before
            return
        for lat, lon in Postcode.objects.exclude(latitude=None).values_list("latitude", "longitude"):
            if (lat, lon) != (51.0, -1.0):  # the row that was there before
                assert GB_LATITUDE[0] <= lat <= GB_LATITUDE[1] and GB_LONGITUDE[0] <= lon <= GB_LONGITUDE[1]
        assert not Postcode.objects.filter(postcode__startswith="BT").exists()


@settings(max_examples=30)
@given(
    params=st.fixed_dictionaries({"postcode": st.text(max_size=20)})
    | st.fixed_dictionaries({"point": st.text(max_size=25)})
    | st.fixed_dictionaries(
        {"point": st.tuples(st.floats(-100, 100), st.floats(-200, 200)).map(lambda p: f"{p[0]},{p[1]}")}
    )
)
def test_the_lookup_endpoint_never_fails_with_a_server_error(client, existing, params):
    response = client.get("/geography/lookup", params)
    assert response.status_code in (200, 400, 404)
    assert isinstance(response.json(), dict)
