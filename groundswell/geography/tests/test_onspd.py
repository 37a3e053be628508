"""The ONS Postcode Directory import: header detection, both layouts, bad input and re-imports."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from groundswell.geography.bench import ONSPD_2025_COLUMNS, write_synthetic_onspd
from groundswell.geography.models import Postcode
from groundswell.geography.onspd import detect_columns, import_postcodes
from groundswell.geography.postcodes import PostcodeImportError

OLD_COLUMNS = (
    "pcd,pcd2,pcds,dointr,doterm,oscty,ced,oslaua,osward,parish,usertype,oseast1m,osnrth1m,osgrid,oshlthau,"
    "nhser,ctry,rgn,streg,pcon,eer,teclec,ttwa,pct,nuts,statsward,oa01,casward,park,lsoa01,msoa01,ur01ind,oac01,"
    "oa11,lsoa11,msoa11,wz11,ccg,bua11,buasd11,ru11ind,oac11,lat,long,lep1,lep2,pfa,imd,calncv,stp"
).split(",")

pytestmark = pytest.mark.django_db


def write_csv(path: Path, columns: list[str], rows: list[dict], bom: bool = True) -> Path:
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([row.get(c, "") for c in columns])
    return path


def row_2025(pcds: str, **values: str) -> dict:
    outward, inward = pcds.split()
    row = {
        "pcd7": f"{outward:<4}{inward}",
        "pcd8": f"{outward:<5}{inward}",
        "pcds": pcds,
        "dointr": "198001",
        "lad25cd": "E06000038",
        "wd25cd": "E05002319",
        "ctry25cd": "E92000001",
        "rgn25cd": "E12000008",
        "pcon24cd": "E14001440",
        "wdstl05cd": "E36000001",  # decoys: look like ward columns, are not the current ward
        "wdcas03cd": "E05000001",
        "lat": "51.454500",
        "long": "-0.978100",
    }
    row.update(values)
    return row


def test_2025_layout_has_53_columns_and_is_detected():
    assert len(ONSPD_2025_COLUMNS) == 53
    columns = detect_columns(ONSPD_2025_COLUMNS)
    assert columns.names == {
        "postcode": "pcds",
        "lat": "lat",
        "long": "long",
        "constituency": "pcon24cd",
        "ward": "wd25cd",
        "local_authority": "lad25cd",
        "country": "ctry25cd",
        "region": "rgn25cd",
        "terminated": "doterm",
    }
    assert columns.width == 53


def test_old_layout_is_detected():
    columns = detect_columns(OLD_COLUMNS)
    assert columns.names["postcode"] == "pcds"
    assert columns.names["constituency"] == "pcon"
    assert columns.names["ward"] == "osward"
    assert columns.names["local_authority"] == "oslaua"
    assert columns.names["country"] == "ctry"
    assert columns.names["region"] == "rgn"


def test_detection_prefers_pcds_then_falls_back_and_takes_the_newest_release():
    header = ["PCD8", "Lat", "Long", "pcon10cd", "pcon24cd", "wd23cd", "wd25cd"]
    columns = detect_columns(header)
    assert columns.names["postcode"] == "pcd8"
    assert columns.names["constituency"] == "pcon24cd"
    assert columns.names["ward"] == "wd25cd"
    assert columns.names["terminated"] is None


def test_missing_columns_are_named_with_what_was_found():
    with pytest.raises(PostcodeImportError) as excinfo:
        detect_columns(["postcode_text", "lat", "long", "pcon24cd"], "x.csv")
    message = str(excinfo.value)
    assert "postcode (pcds or pcd or pcd7 or pcd8 or pcd2)" in message
    assert "ward (osward or wdNNcd)" in message
    assert "Found: postcode_text, lat, long, pcon24cd" in message


def test_import_2025_layout(tmp_path):
    path = write_csv(
        tmp_path / "onspd.csv",
        ONSPD_2025_COLUMNS,
        [
            row_2025("RG1 1AA"),
            row_2025("RG1 1AB", doterm="201905", lat="51.455000", long="-0.975000"),
            row_2025("SW1A 1AA", pcon24cd="E14001172", wd25cd="E05013806", lad25cd="E09000033"),
            # Channel Islands style: no coordinates, pseudo codes for "none"
            row_2025("GY1 1AA", lat="99.999999", long="0.000000", pcon24cd="L99999999", wd25cd="L99999999"),
        ],
    )
    report = import_postcodes(path)
    assert (report.rows, report.inserted, report.updated, report.unchanged) == (4, 4, 0, 0)
    assert report.missing_coordinates == 1 and report.terminated == 1
    reading = Postcode.objects.get(postcode="RG1 1AA")
    assert (reading.latitude, reading.longitude) == (51.4545, -0.9781)
    assert (reading.constituency_code, reading.ward_code, reading.local_authority_code) == (
        "E14001440",
        "E05002319",
        "E06000038",
    )
    assert (reading.country_code, reading.region_code, reading.terminated) == ("E92000001", "E12000008", "")
    assert not reading.synthetic
    # pcon24cd names the 2024 set's seat; the 2010 set's is left for the lookup to find from the point.
    assert (reading.constituency_code_2024, reading.constituency_code_2010) == ("E14001440", "")
    assert Postcode.objects.get(postcode="RG1 1AB").terminated == "201905"
    assert Postcode.objects.get(postcode="SW1A 1AA").constituency_code == "E14001172"
    guernsey = Postcode.objects.get(postcode="GY1 1AA")
    assert guernsey.latitude is None and guernsey.longitude is None
    assert guernsey.constituency_code == "" and guernsey.ward_code == ""


def test_import_old_layout_normalises_postcodes(tmp_path):
    rows = [
        {
            "pcd": "RG1  1AA",
            "pcd2": "RG1  1AA",
            "pcds": "rg1 1aa",
            "pcon": "E14000889",
            "osward": "E05002319",
            "oslaua": "E06000038",
            "ctry": "E92000001",
            "rgn": "E12000008",
            "lat": "51.4545",
            "long": "-0.9781",
        },
        {
            "pcd": "EC1A1BB",
            "pcds": "EC1A 1BB",
            "pcon": "E14000553",
            "osward": "E05000001",
            "lat": "51.52",
            "long": "-0.1",
            "doterm": "",
        },
    ]
    report = import_postcodes(write_csv(tmp_path / "old.csv", OLD_COLUMNS, rows, bom=False))
    assert report.rows == 2
    assert Postcode.objects.get(postcode="RG1 1AA").constituency_code == "E14000889"
    assert Postcode.objects.get(postcode="EC1A 1BB").ward_code == "E05000001"
    # The old layout's plain `pcon` is the 2010 set.
    assert Postcode.objects.filter(constituency_code_2010="E14000889", constituency_code_2024="").count() == 1


def test_reimport_updates_in_place(tmp_path):
    path = write_csv(tmp_path / "a.csv", ONSPD_2025_COLUMNS, [row_2025("RG1 1AA"), row_2025("RG1 1AB")])
    import_postcodes(path)
    Postcode.objects.filter(postcode="RG1 1AB").update(synthetic=True)
    again = import_postcodes(path)
    # unchanged rows are left alone; the row marked synthetic is rewritten as real ONSPD data
    assert (again.inserted, again.updated, again.unchanged) == (0, 1, 1)
    assert not Postcode.objects.filter(synthetic=True).exists()
    changed = write_csv(
        tmp_path / "b.csv",
        ONSPD_2025_COLUMNS,
        [row_2025("RG1 1AA", pcon24cd="E14001441", doterm="202401"), row_2025("RG1 1AD")],
    )
    report = import_postcodes(changed)
    assert (report.inserted, report.updated, report.unchanged) == (1, 1, 0)
    assert Postcode.objects.count() == 3
    moved = Postcode.objects.get(postcode="RG1 1AA")
    assert (moved.constituency_code, moved.terminated) == ("E14001441", "202401")


def test_a_postcode_twice_in_one_file_keeps_the_last_row(tmp_path):
    path = write_csv(
        tmp_path / "dup.csv",
        ONSPD_2025_COLUMNS,
        [row_2025("RG1 1AA", pcon24cd="E14000001"), row_2025("RG1 1AA", pcon24cd="E14000002")],
    )
    import_postcodes(path)
    assert Postcode.objects.get().constituency_code == "E14000002"


def test_empty_file_is_refused(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(PostcodeImportError, match=r"empty \(0 bytes\)"):
        import_postcodes(path)


def test_missing_columns_are_refused_before_anything_is_written(tmp_path):
    path = write_csv(tmp_path / "people.csv", ["name", "email", "postcode"], [{"name": "A", "postcode": "RG1 1AA"}])
    with pytest.raises(PostcodeImportError, match="missing required column.*Found: name, email, postcode"):
        import_postcodes(path)


@pytest.mark.parametrize(
    "bad_line,expected",
    [
        ("this is not a csv row at all", r"line 4: expected 53 fields like the header, found 1"),
        (",".join(["XX1 1XX"] * 3 + [""] * 50), r"line 4: 'XX1 1XX' is not a UK postcode"),
        (",".join(["RG1 1AZ"] * 3 + [""] * 37 + ["north", "west"] + [""] * 11), r"line 4: coordinates 'north'"),
    ],
)
def test_a_bad_row_names_its_line_and_nothing_is_imported(tmp_path, bad_line, expected):
    path = write_csv(tmp_path / "bad.csv", ONSPD_2025_COLUMNS, [row_2025("RG1 1AA"), row_2025("RG1 1AB")])
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(bad_line + "\r\n")
        fh.write(",".join(row_2025("RG1 1AD").get(c, "") for c in ONSPD_2025_COLUMNS) + "\r\n")
    with pytest.raises(PostcodeImportError, match=expected):
        import_postcodes(path)
    assert Postcode.objects.count() == 0  # all or nothing


def test_failed_reimport_keeps_the_previous_data(tmp_path):
    import_postcodes(write_csv(tmp_path / "good.csv", ONSPD_2025_COLUMNS, [row_2025("RG1 1AA")]))
    bad = write_csv(
        tmp_path / "bad.csv", ONSPD_2025_COLUMNS, [row_2025("RG1 1AA", pcon24cd="E14009999"), row_2025("RG1 1AB")]
    )
    with open(bad, "a") as fh:
        fh.write("garbage\n")
    with pytest.raises(PostcodeImportError):
        import_postcodes(bad)
    assert list(Postcode.objects.values_list("postcode", "constituency_code")) == [("RG1 1AA", "E14001440")]


def test_synthetic_file_round_trips(tmp_path):
    path = tmp_path / "synthetic.csv"
    write_synthetic_onspd(path, 1500)
    with open(path, encoding="utf-8") as fh:
        assert fh.read(1) == "\ufeff"  # the generator writes a BOM like ONS downloads, and the import copes
    report = import_postcodes(path)
    assert report.rows == report.inserted == Postcode.objects.count() == 1500
    assert report.columns["constituency"] == "pcon24cd"
    assert Postcode.objects.filter(latitude__isnull=True).count() == report.missing_coordinates


def test_command_reports_and_fails_cleanly(tmp_path, capsys):
    path = write_csv(tmp_path / "onspd.csv", ONSPD_2025_COLUMNS, [row_2025("RG1 1AA")])
    call_command("import_postcodes", str(path))
    captured = capsys.readouterr()
    assert "1 postcodes from onspd.csv: 1 new" in captured.out
    assert "postcodes: 100%" in captured.err  # the progress bar, on stderr so stdout stays clean
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(CommandError, match=r"(?s)empty \(0 bytes\).*Nothing was imported"):
        call_command("import_postcodes", str(empty), "--no-progress")
