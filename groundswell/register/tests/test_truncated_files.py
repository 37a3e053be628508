"""A register file cut short (an interrupted download or copy) is refused, never read as a smaller register.

Issue 13: a valid Xpress full file cut in half imported with no error, created broken electors from the cut row
and marked every elector after the cut deleted. Every layout and the update path are checked here, and so are the
absent voters lists and marked registers, which read their rows the same way.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from groundswell.register.formats import RegisterFileError, parse_register
from groundswell.register.importing import import_register
from groundswell.register.lists import import_absent_voters, import_marked_register
from groundswell.register.models import Elector, Property, RegisterImport
from groundswell.register.synthetic import write_synthetic_register

from .layouts import (
    BEDFORD_FULL,
    BEDFORD_UPDATE,
    HALAROSE_FULL,
    HALAROSE_UPDATE,
    IDOX_HEADER,
    XPRESS_13,
    XPRESS_14,
    XPRESS_UPDATE,
    idox_full,
    write,
    xpress14,
    xpress_update,
)

SURNAMES = ("Okafor", "Nowak", "Hughes", "Khan", "Evans", "Patel")


def _halarose(eno: int, status: str, tail: int) -> str:
    address = ["4 Oak Road", "Reading"] + [""] * 7
    return "\t".join(
        ["KA1", str(eno), status, "Mx", "Sam", "S", SURNAMES[eno % 6], "0", "", "", *address, "RG1 2BB"] + [""] * tail
    )


def _bedford(eno: int, change: str | None) -> str:
    cells = ["BD1", f"{eno}.000", "Mrs", SURNAMES[eno % 6], "Amina", "", "", "", "2 Mill Lane", "Bedford"]
    cells += ["", "", "", "", "MK40 1AA"] + [""] * 6
    return ",".join(([change] if change else []) + cells)


def _idox_update(eno: int) -> str:
    cells = idox_full("KA1", eno, SURNAMES[eno % 6], "Priya", ["1 Elm Road", "Reading"], "RG1 1AA")
    return "\t".join([*cells[:2], "-Mar" if eno % 2 else "+Mar", *cells[2:]])


# Each layout: (header and banner lines, one row per elector number), six rows, as the council's software writes.
LAYOUTS = {
    "xpress-full-14": (
        [XPRESS_14],
        lambda n: xpress14("AB1", n, 0, SURNAMES[n % 6], "Ada", "RG1 1AA", f"{n} Abbey Road", "Reading"),
    ),
    "xpress-full-13": (
        [XPRESS_13],
        lambda n: "\t".join(
            ["AB1", str(n), "0", "", "", f"{SURNAMES[n % 6].upper()} Ada", "RG1 1AA", f"{n} Mill Lane"] + [""] * 5
        ),
    ),
    "xpress-update": (
        [XPRESS_UPDATE],
        lambda n: xpress_update(f"AB1-{n}", "Ada", SURNAMES[n % 6], "RG1 1AA", [f"{n} Abbey Road"], changed="Mar"),
    ),
    "idox-full": (
        [",".join(IDOX_HEADER)],
        lambda n: ",".join(idox_full("KA1", n, "Patel", "Ravi", ["1 Elm Road"], "RG1 1AA")),
    ),
    "idox-update": (["\t".join([*IDOX_HEADER[:2], "Change", *IDOX_HEADER[2:]])], _idox_update),
    "halarose-full": ([HALAROSE_FULL], lambda n: _halarose(n, "", 1)),
    "halarose-update": (["Ref: X1", "Monthly Additions April", HALAROSE_UPDATE], lambda n: _halarose(n, "A", 3)),
    "bedford-full": ([BEDFORD_FULL], lambda n: _bedford(n, None)),
    "bedford-update": (["Accession: Apr", BEDFORD_UPDATE], lambda n: _bedford(n, "N")),
}


def _file(layout: str, rows: int = 6) -> tuple[str, int]:
    """(text ending with a line break, the line number of its last row)."""
    head, row = LAYOUTS[layout]
    lines = [*head, *(row(n) for n in range(1, rows + 1))]
    return "\r\n".join(lines) + "\r\n", len(lines)


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_every_layout_refuses_a_last_row_cut_short(layout):
    text, last = _file(layout)
    whole = parse_register(text)
    assert whole.format == layout and len(whole.rows) == 6 and not whole.errors
    # Cut part-way through the last row, where an interrupted copy stops: a third of the way in and just before
    # its last cell.
    body = text.rstrip("\r\n")
    row_start = body.rfind("\n") + 1
    for cut in (row_start + (len(body) - row_start) // 3, body.rfind("\t" if "\t" in body[row_start:] else ",")):
        with pytest.raises(RegisterFileError, match=rf"^Line {last} has only \d+ of the header's \d+ columns"):
            parse_register(body[:cut])


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_a_complete_file_without_a_final_line_break_still_reads(layout):
    text, _last = _file(layout)
    assert len(parse_register(text.rstrip("\r\n")).rows) == 6


def test_a_file_cut_inside_a_quoted_cell_is_refused():
    row = xpress_update("AB1-7", "Ada", "Okafor", "RG1 1AA", ["Flat 3, 12 Abbey Road", "Reading"], changed="Mar")
    text = "\n".join([XPRESS_UPDATE, row, row.replace("AB1-7", "AB1-8")])
    cut = text[: text.rfind("Flat 3,") + 7]  # inside "Flat 3, 12 Abbey Road": the quote never closes
    with pytest.raises(RegisterFileError, match="^Line 3 ends inside a quoted cell"):
        parse_register(cut)


def test_exports_that_drop_trailing_empty_cells_are_not_mistaken_for_cut_files():
    # Every row shorter than the header (the export leaves off empty Address3-6): only a row shorter than the
    # others is a cut.
    rows = [
        xpress14("AB1", n, 0, "Okafor", "Ada", "RG1 1AA", f"{n} Abbey Road", "Reading").rstrip("\t") for n in (1, 2)
    ]
    assert len(parse_register("\n".join([XPRESS_14, *rows])).rows) == 2
    with pytest.raises(RegisterFileError, match="^Line 3 has only 5 of the header's 14 columns"):
        parse_register("\n".join([XPRESS_14, rows[0], rows[1][: rows[1].index("Okafor") - 1]]))


def _counts(constituency):
    live = Elector.objects.filter(constituency=constituency, deleted_at__isnull=True).count()
    return live, Elector.objects.count(), Property.objects.count(), RegisterImport.objects.count()


def test_command_refuses_a_truncated_real_shaped_register_and_changes_nothing(tmp_path, constituency):
    path = tmp_path / "register.tsv"
    written = write_synthetic_register(path, constituency, n_electors=3000, seed=7)
    first = import_register(path, constituency)
    assert first.ok and first.created == written["electors"], first.errors
    before = _counts(constituency)
    data = path.read_bytes()
    half = data[: len(data) // 2]
    assert not half.endswith(b"\n")
    truncated = tmp_path / "register-copy.tsv"
    truncated.write_bytes(half)
    last_line = half.count(b"\n") + 1
    with pytest.raises(CommandError, match="1 error"):
        call_command("import_register", str(truncated), "--constituency", constituency.code, "--no-progress")
    assert _counts(constituency) == before
    report = import_register(truncated, constituency)
    assert report.errors == [(0, report.errors[0][1])]
    assert report.errors[0][1].startswith(f"Line {last_line} has only ")
    assert "looks cut short" in report.errors[0][1]


def test_truncated_monthly_update_is_refused(tmp_path, constituency, postcodes):
    full = "\n".join(
        [XPRESS_14, *(xpress14("AB1", n, 0, "Okafor", "Ada", "RG1 1AA", f"{n} Abbey Road") for n in range(1, 40))]
    )
    assert import_register(write(tmp_path, "full.tsv", full), constituency).ok
    before = _counts(constituency)
    # An Xpress update cut just after the elector number of a delete: 'AB1-12' read as AB1-1 would remove the
    # wrong elector.
    rows = [xpress_update(f"AB1-{n}", "Ada", "Okafor", "RG1 1AA", [], deleted="Mar") for n in (3, 12)]
    text = "\n".join([XPRESS_UPDATE, *rows])
    cut = text[: text.rfind("AB1-12") + 5]
    report = import_register(write(tmp_path, "update.csv", cut), constituency)
    assert report.errors and report.errors[0][1].startswith("Line 3 has only 13 of the header's 23 columns")
    assert _counts(constituency) == before


def test_truncated_absent_voters_list_and_marked_register_are_refused(tmp_path, constituency, postcodes):
    full = "\n".join(
        [XPRESS_14, *(xpress14("AB1", n, 0, "Okafor", "Ada", "RG1 1AA", f"{n} Abbey Road") for n in range(1, 20))]
    )
    assert import_register(write(tmp_path, "full.tsv", full), constituency).ok
    before = _counts(constituency)
    postal = "Elector Number,Name,Postal Address 1\nAB1-3,Ada Okafor,1 Elm Road\nAB1-12,Ada Okafor,1 Elm Road\n"
    cut = postal[: postal.rfind("AB1-12") + 5]  # 'AB1-1' would flag the wrong elector as a postal voter
    report = import_absent_voters(write(tmp_path, "postal.csv", cut), constituency)
    assert report.errors and report.errors[0][1].startswith("Line 3 has only 1 of the header's 3 columns")
    assert not Elector.objects.filter(postal_voter=True).exists()
    marked = "Elector Number,Mark\nAB1-3,v\nAB1-12,x\n"
    cut = marked[: marked.rfind("AB1-12") + 5]
    report = import_marked_register(write(tmp_path, "marked.csv", cut), constituency, "parl.2024-07-04")
    assert report.errors and report.errors[0][1].startswith("Line 3 has only 1 of the header's 2 columns")
    assert _counts(constituency) == before


def test_a_line_separator_inside_a_name_does_not_split_the_row():
    # str.splitlines() used to break rows at U+2028 and U+0085 as well as at CR/LF.
    row = xpress14("AB1", 1, 0, "Okafor\u2028Smith", "Ada\x85", "RG1 1AA", "1 Abbey Road", "Reading")
    parsed = parse_register(f"{XPRESS_14}\n{row}\n")
    assert len(parsed.rows) == 1 and parsed.rows[0].surname == "Okafor\u2028Smith"
