"""The Code-Point Open layout refuses bad files by line and writes nothing: bad or non-GB coordinates, postcodes
outside Great Britain, malformed rows, a file (plain or gzipped) cut short."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from groundswell.geography.models import Postcode
from groundswell.geography.onspd import import_postcodes
from groundswell.geography.postcodes import PostcodeImportError

pytestmark = pytest.mark.django_db

HEADER = (
    "postcode,latitude,longitude,eastings,northings,positional_quality,country_code,admin_county_code,"
    "admin_district_code,admin_ward_code\n"
)
GOOD = [
    "RG1 1AF,51.457494,-0.969244,471712,173672,10,E92000001,,E06000038,E05002319\n",
    "EH1 1YZ,55.950332,-3.193017,325597,673676,10,S92000003,,S12000036,S13002593\n",
]


def write(path: Path, *rows: str, header: str = HEADER) -> Path:
    path.write_text(header + "".join(rows), encoding="utf-8")
    return path


@pytest.fixture
def existing(db):
    return Postcode.objects.create(postcode="RG1 1AA", latitude=51.0, longitude=-1.0, constituency_code="E14000889")


def test_a_code_point_file_imports_with_no_boundaries_loaded(tmp_path):
    report = import_postcodes(write(tmp_path / "cp.csv", *GOOD, "BD98 1GA,,,0,0,90,E92000001,,,\n"))
    assert (report.layout, report.rows, report.inserted, report.missing_coordinates) == ("Code-Point Open", 3, 3, 1)
    row = Postcode.objects.get(postcode="EH1 1YZ")
    assert (row.latitude, row.longitude, row.local_authority_code, row.country_code) == (
        55.950332,
        -3.193017,
        "S12000036",
        "S92000003",
    )
    # No ward boundaries loaded: the file's own (2014) ward code is kept; no seats without boundaries.
    assert (row.ward_code, row.constituency_code, row.constituency_code_2010, row.constituency_code_2024) == (
        "S13002593",
        "",
        "",
        "",
    )
    assert Postcode.objects.get(postcode="BD98 1GA").latitude is None
    assert "2024 set: no boundaries loaded" in report.summary()


def test_a_gzipped_file_is_read_directly(tmp_path):
    path = tmp_path / "cp.csv.gz"
    path.write_bytes(gzip.compress((HEADER + "".join(GOOD)).encode()))
    assert import_postcodes(path).inserted == 2


@pytest.mark.parametrize(
    "bad_row,expected",
    [
        ("RG1 1AB,north,-0.969,0,0,10,E92000001,,,\n", "line 3: latitude 'north' is not a number"),
        ("RG1 1AB,51.45,,0,0,10,E92000001,,,\n", "line 3: longitude '' is not a number"),
        ("RG1 1AB,151.45,-0.97,0,0,10,E92000001,,,\n", "line 3: 151.45,-0.97 is not a latitude,longitude"),
        ("RG1 1AB,nan,-0.97,0,0,10,E92000001,,,\n", "line 3: nan,-0.97 is not a latitude,longitude"),
        ("RG1 1AB,40.4168,-3.7038,0,0,10,E92000001,,,\n", "line 3: RG1 1AB at 40.4168,-3.7038 is outside Great"),
        ("BT1 1AA,54.597,-5.930,0,0,10,N92000002,,,\n", "line 3: BT1 1AA is a postcode in Northern Ireland"),
        ("JE2 3AB,49.19,-2.11,0,0,10,,,,\n", "line 3: JE2 3AB is a postcode in Jersey"),
        ("RG1 1AB,51.45,-0.97,0,0,10,N92000002,,,\n", "line 3: country code 'N92000002' is not England"),
        ("XX1 1XX,51.45,-0.97,0,0,10,E92000001,,,\n", "line 3: 'XX1 1XX' is not a UK postcode"),
        ("RG1 1AB,51.45,-0.97\n", "line 3: expected 10 fields like the header, found 3"),
        ("RG1 1AB,51.45,-0.97,0,0,10,E92000001,,,E05002319XXXXX\n", "line 3: ward code 'E05002319XXXXX' is too long"),
        ("RG1 1AB,51.45,-0.97,0,0,10,E92000001,,E0600\x000038,\n", "line 3: contains a NUL character"),
    ],
)
def test_a_bad_row_is_refused_by_line_and_nothing_is_written(tmp_path, existing, bad_row, expected):
    before = list(Postcode.objects.values_list())
    with pytest.raises(PostcodeImportError, match=expected.replace("(", r"\(")):
        import_postcodes(write(tmp_path / "cp.csv", GOOD[0], bad_row, GOOD[1]))
    assert list(Postcode.objects.values_list()) == before


def test_a_last_line_cut_short_is_refused(tmp_path, existing):
    # Cut short mid-download: the last line parses (a shortened ward code) but has no line break.
    cut = "RG1 1AB,51.457494,-0.969244,471712,173672,10,E92000001,,E06000038,E0500"
    with pytest.raises(PostcodeImportError, match="cp.csv, line 4: the file ends part-way through this line"):
        import_postcodes(write(tmp_path / "cp.csv", *GOOD, cut))
    assert Postcode.objects.count() == 1


def test_a_gzip_file_cut_short_is_refused(tmp_path, existing):
    data = gzip.compress((HEADER + "".join(GOOD * 50)).encode())
    path = tmp_path / "cp.csv.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(PostcodeImportError, match="gzip data is damaged or cut short"):
        import_postcodes(path)
    assert Postcode.objects.count() == 1


def test_a_file_that_only_starts_like_gzip_is_refused(tmp_path):
    path = tmp_path / "cp.csv.gz"
    path.write_bytes(b"\x1f\x8b" + b"not gzip at all" * 10)
    with pytest.raises(PostcodeImportError, match="cp.csv.gz"):
        import_postcodes(path)


def test_a_postcode_twice_keeps_the_last_row(tmp_path):
    later = GOOD[0].replace("51.457494", "51.457000")
    report = import_postcodes(write(tmp_path / "cp.csv", GOOD[0], later))
    assert (report.rows, report.inserted) == (2, 1)
    assert Postcode.objects.get(postcode="RG1 1AF").latitude == 51.457


def test_the_command_names_the_line_and_says_nothing_was_imported(tmp_path):
    path = write(tmp_path / "cp.csv", GOOD[0], "RG1 1AB,north,-0.969,0,0,10,E92000001,,,\n")
    with pytest.raises(CommandError, match=r"cp.csv, line 3: latitude 'north' is not a number\nNothing was imported"):
        call_command("import_postcodes", str(path), "--no-progress")
