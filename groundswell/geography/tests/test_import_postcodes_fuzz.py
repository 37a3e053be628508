"""Fuzzing the postcode import (the ONSPD layout, old and new column names, and the Code-Point Open CSV): any file
either imports or raises PostcodeImportError, and a refused file changes nothing."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given, settings
from hypothesis import strategies as st

from groundswell.geography.bench import write_synthetic_onspd
from groundswell.geography.models import Postcode
from groundswell.geography.onspd import import_postcodes
from groundswell.geography.postcodes import PostcodeImportError
from groundswell.tests.hostile import hostile_files, rolled_back

pytestmark = pytest.mark.django_db

OLD_LAYOUT = (
    "pcd,pcds,doterm,oslaua,osward,ctry,rgn,pcon,lat,long\r\n"
    '"RG1 1AA","RG1 1AA","","E06000038","E05002319","E92000001","E12000008","E14000889",51.454,-0.971\r\n'
    '"RG1 1AB","RG1 1AB","201104","E06000038","E05002319","E92000001","E12000008","E14000889",99.999999,0.000000\r\n'
    '"RG1 1AD","RG1 1AD","","E06000038","E99999999","E92000001","E12000008","E14000889",,\r\n'
)
# Ordnance Survey's Code-Point Open (data/postcodes/rg_codepoint_open_2014_latlon.csv): no constituency.
CODEPOINT = (
    "postcode,latitude,longitude,eastings,northings,positional_quality,country_code,admin_county_code,"
    "admin_district_code,admin_ward_code\r\n"
    "RG1 1AF,51.457494,-0.969244,471712,173672,10,E92000001,,E06000038,E05002319\r\n"
)


def _onspd_2025() -> bytes:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "onspd.csv"
        write_synthetic_onspd(path, rows=4)
        return path.read_bytes()


FILES = st.sampled_from([_onspd_2025(), OLD_LAYOUT.encode(), CODEPOINT.encode()]).flatmap(hostile_files)


def state() -> list:
    return sorted(Postcode.objects.values_list())


@pytest.fixture
def existing(db):
    Postcode.objects.create(postcode="RG1 1AA", latitude=51.0, longitude=-1.0, constituency_code="E14000889")


@given(data=FILES)
def test_any_postcode_file_imports_or_is_refused_cleanly(existing, data):
    with tempfile.TemporaryDirectory() as directory, rolled_back():
        path = Path(directory) / "postcodes.csv"
        path.write_bytes(data)
        before = state()
        try:
            import_postcodes(path)
        except PostcodeImportError as exc:
            assert str(exc)
            assert state() == before


@settings(max_examples=10)
@given(data=FILES)
def test_the_command_raises_nothing_but_command_error(existing, data):
    with tempfile.TemporaryDirectory() as directory, rolled_back():
        path = Path(directory) / "postcodes.csv"
        path.write_bytes(data)
        before = state()
        try:
            call_command("import_postcodes", str(path), "--no-progress")
        except CommandError:
            assert state() == before


def test_the_code_point_open_layout_is_told_from_its_header_and_imported(tmp_path):
    path = tmp_path / "codepoint.csv"
    path.write_text(CODEPOINT)
    assert import_postcodes(path).layout == "Code-Point Open"
    assert Postcode.objects.get(postcode="RG1 1AF").local_authority_code == "E06000038"


@pytest.mark.parametrize(
    "ward,country,expected",
    [
        ("E05002319", "E92000001XXXX", "line 2: a code is too long"),
        ("E0500\x002319", "E92000001", "line 2: contains a NUL character"),
    ],
)
def test_values_postgresql_cannot_store_are_refused_by_line(tmp_path, ward, country, expected):
    # SQLite would store both; PostgreSQL fails part-way through the COPY with a database error.
    path = tmp_path / "onspd.csv"
    path.write_text(f'pcds,osward,ctry,pcon,lat,long\n"RG1 1AA","{ward}","{country}","E14000889",51.454,-0.971\n')
    with pytest.raises(PostcodeImportError, match=expected):
        import_postcodes(path)
    assert not Postcode.objects.exists()
