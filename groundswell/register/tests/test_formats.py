"""Reading every documented layout (uk-rules.md §1.3) into canonical rows; no database needed."""

from __future__ import annotations

import datetime

import pytest

from groundswell.register.addresses import address_key, split_street
from groundswell.register.formats import (
    AMEND,
    CREATE,
    DELETE,
    DROP,
    RegisterFileError,
    decode,
    parse_elector_number,
    parse_register,
    split_name,
)

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
    xpress14,
    xpress_update,
)


def test_xpress_full_14_fields():
    text = "\n".join(
        [
            XPRESS_14,
            xpress14("AB1", 1, 0, "Okafor", "Adaeze", "RG1 1AA", "12 Abbey Road", "Reading"),
            xpress14("AB1", 2, 0, "(z) Nowak", "Zoë", "rg11aa", "12 Abbey Road", "Reading", markers="G"),
            xpress14("AB1", 2, 1, "Nowak", "Tomasz", "RG1 1AA", "12 Abbey Road", "Reading", dob="14/09/2027"),
        ]
    )
    parsed = parse_register(text)
    assert parsed.format == "xpress-full-14" and parsed.kind == "full" and not parsed.errors
    first, second, third = parsed.rows
    assert (first.pd, first.number, first.suffix, first.surname, first.forenames) == ("AB1", 1, 0, "Okafor", "Adaeze")
    assert first.lines == ("12 Abbey Road", "Reading") and first.postcode == "RG1 1AA"
    assert second.optout and second.surname == "Nowak" and second.markers == "G" and second.postcode == "RG1 1AA"
    assert third.key == ("AB1", 2, 1) and third.attainer == datetime.date(2027, 9, 14)


def test_xpress_full_13_fields_splits_surname_first_name():
    row = "\t".join(["AB1", "7", "0", "", "", "VAN DER BERG Anna Maria", "RG1 1AA", "3 Mill Lane", "", "", "", "", ""])
    row2 = "\t".join(["AB1", "8", "0", "", "", "(z) SMITH John", "RG1 1AA", "3 Mill Lane", "", "", "", "", ""])
    parsed = parse_register(f"{XPRESS_13}\n{row}\n{row2}\n")
    assert parsed.format == "xpress-full-13"
    assert (parsed.rows[0].surname, parsed.rows[0].forenames) == ("VAN DER BERG", "Anna Maria")
    assert (parsed.rows[1].surname, parsed.rows[1].forenames, parsed.rows[1].optout) == ("SMITH", "John", True)


def test_header_spellings_are_case_and_space_insensitive_and_unknown_columns_warn():
    header = (
        XPRESS_14.upper().replace("ELECTOR NUMBER PREFIX", "elector_number_prefix").replace("POSTCODE", "Post Code")
    )
    parsed = parse_register(header + "\tNotes\n" + xpress14("AB1", 1, 0, "Lee", "Sam", "RG1 1AA", "1 Elm Road") + "\tx")
    assert parsed.format == "xpress-full-14" and parsed.rows[0].postcode == "RG1 1AA"
    assert any("Unknown column 'Notes'" in message for _line, message in parsed.warnings)


def test_xpress_update_operations_and_precedence():
    lines = ["1 Elm Road", "Reading"]
    text = "\n".join(
        [
            XPRESS_UPDATE,
            xpress_update("ABC1-12/1", "Ann", "Lee", "RG1 1AA", lines, created="Mar"),
            xpress_update("ABC1-13", "Bo", "Lee", "RG1 1AA", lines, changed="Mar"),
            xpress_update("ABC1-14", "Cy", "Lee", "RG1 1AA", lines, changed="Feb", deleted="Mar"),
            xpress_update("ABC1-15", "Di", "Lee", "RG1 1AA", lines, created="Mar", deleted="Mar"),
            xpress_update("ABC1-16", "Ed", "Lee", "RG1 1AA", lines, created="Mar", changed="Mar"),
            xpress_update("KD-2/2-289/1", "Fi", "Lee", "RG1 1AA", lines, created="Mar", month="March 2016"),
        ]
    )
    parsed = parse_register(text)
    assert parsed.format == "xpress-update" and parsed.kind == "update"
    assert [r.op for r in parsed.rows] == [CREATE, AMEND, DELETE, DROP, AMEND, CREATE]
    assert parsed.rows[0].key == ("ABC1", 12, 1)
    assert parsed.rows[5].key == ("KD-2/2", 289, 1)


def test_xpress_update_tab_separated_windows_1252():
    row = xpress_update("ABC1-12", "Chloé", "Brontë", "RG1 1AA", ["1 Elm Road"], created="Mar").replace(",", "\t")
    data = (XPRESS_UPDATE.replace(",", "\t") + "\r\n" + row + "\r\n").encode("cp1252")
    text, encoding = decode(data)
    parsed = parse_register(text, encoding)
    assert encoding == "windows-1252"
    assert (parsed.rows[0].forenames, parsed.rows[0].surname) == ("Chloé", "Brontë")


def test_idox_full_positional_with_and_without_header():
    rows = [
        idox_full(
            "KA1",
            1,
            "(z) Patel",
            "Priya",
            ["Flat 3", "12 Abbey Road", "Reading"],
            "RG1 1AA",
            markers="K",
            attain="2027-01-31",
            house="12",
            street="Abbey Road",
        ),
        idox_full("KA1", 2, "Patel", "Ravi", ["Flat 3", "12 Abbey Road", "Reading"], "RG1 1AA"),
    ]
    with_header = "\n".join(",".join(r) for r in [IDOX_HEADER, *rows])
    parsed = parse_register(with_header)
    assert parsed.format == "idox-full" and not parsed.errors
    first = parsed.rows[0]
    assert (first.pd, first.number, first.surname, first.optout, first.markers) == ("KA1", 1, "Patel", True, "K")
    assert first.attainer == datetime.date(2027, 1, 31) and first.street == "Abbey Road" and first.postcode == "RG1 1AA"
    headerless = parse_register("\n".join(",".join(r) for r in rows))
    assert headerless.format == "idox-full" and [r.number for r in headerless.rows] == [1, 2]
    assert headerless.rows[0].line == 1


def test_idox_update_op_column():
    def row(op, eno):
        cells = idox_full("KA1", eno, "Patel", "Priya", ["1 Elm Road"], "RG1 1AA")
        return "\t".join([*cells[:2], op, *cells[2:]])

    header = "\t".join([*IDOX_HEADER[:2], "Change", *IDOX_HEADER[2:]])
    parsed = parse_register("\n".join([header, row("+Mar", 5), row("-Mar", 6), row("=Mar", 7)]))
    assert parsed.format == "idox-update"
    assert [r.op for r in parsed.rows] == [CREATE, DELETE, AMEND] and parsed.month == "Mar"
    bad = parse_register("\n".join([header, row("?Mar", 5)]))
    assert bad.errors and "change code" in bad.errors[0][1]


def halarose(
    pd, eno, status, first, surname, suffix="0", lines=("1 Elm Road", "Reading"), postcode="RG1 1AA", tail=("",)
):
    address = (list(lines) + [""] * 9)[:9]
    return "\t".join([pd, str(eno), status, "Ms", first, first[:1], surname, suffix, "", "", *address, postcode, *tail])


def test_halarose_full_and_uprn_in_opt_out_column():
    text = "\n".join(
        [
            HALAROSE_FULL,
            halarose("HA1", 1, "", "Niamh", "(z) Kelly"),
            halarose("HA1", 2, "", "Eilidh", "Kelly", tail=("100060123456",)),
            halarose("HA1", 3, "", "Dafydd", "Jones", suffix="1", tail=("Y",)),
        ]
    )
    parsed = parse_register(text)
    assert parsed.format == "halarose-full" and not parsed.errors
    first, second, third = parsed.rows
    assert first.optout and first.surname == "Kelly" and first.initials == "N"
    assert second.uprn == "100060123456" and not second.optout
    assert third.optout and third.key == ("HA1", 3, 1)


def test_halarose_update_banner_lines_give_the_month():
    text = "\n".join(
        [
            "Ref: ER/2025/03",
            "Monthly Additions and Deletions March",
            HALAROSE_UPDATE,
            halarose("HA1", 4, "A", "Aisha", "Khan", tail=("", "", "")),
            halarose("HA1", 1, "D", "Niamh", "Kelly", tail=("", "", "")),
            halarose("HA1", 2, "M", "Eilidh", "Kelly-Ross", tail=("", "", "")),
        ]
    )
    parsed = parse_register(text)
    assert parsed.format == "halarose-update" and parsed.month == "March"
    assert [r.op for r in parsed.rows] == [CREATE, DELETE, AMEND]
    assert parsed.rows[0].line == 4  # banner lines count


def bedford(roll, surname="Begum", first="Amina", middle="", attain="", change=None):
    cells = [
        "BD1",
        roll,
        "Mrs",
        surname,
        first,
        middle,
        attain,
        "",
        "2 Mill Lane",
        "Bedford",
        "",
        "",
        "",
        "",
        "MK40 1AA",
        "",
        "",
        "",
        "",
        "",
        "",
    ]
    return ",".join(([change] if change else []) + cells)


def test_bedford_full_rollno_decimal_and_update():
    parsed = parse_register("\n".join([BEDFORD_FULL, bedford("5.000", middle="Rose"), bedford("5.001", first="Ali")]))
    assert parsed.format == "bedford-full" and not parsed.errors
    assert parsed.rows[0].key == ("BD1", 5, 0) and parsed.rows[0].forenames == "Amina Rose"
    assert parsed.rows[1].key == ("BD1", 5, 1)
    update = parse_register(
        "\n".join(
            [
                "Accession: Apr",
                BEDFORD_UPDATE,
                bedford("6.000", change="N"),
                bedford("5.000", change="D"),
                bedford("7.000", change="M"),
            ]
        )
    )
    assert update.format == "bedford-update" and update.month == "Apr"
    assert [r.op for r in update.rows] == [CREATE, DELETE, AMEND]


def test_members_export_is_refused_with_what_was_expected():
    with pytest.raises(RegisterFileError) as exc:
        parse_register("First name,Last name,Email,Postcode\nAnn,Lee,ann@example.org,RG1 1AA\n")
    message = str(exc.value)
    assert "not an electoral register" in message and "members export" in message and "Elector Number Prefix" in message


def test_missing_name_column_is_a_file_error():
    header = "Elector Number Prefix\tElector Number\tElector Number Suffix\tPostCode\tAddress1"
    with pytest.raises(RegisterFileError, match="no elector name"):
        parse_register(f"{header}\nAB1\t1\t0\tRG1 1AA\t1 Elm Road\n")


def test_bad_rows_are_all_reported_with_line_numbers():
    text = "\n".join(
        [
            XPRESS_14,
            xpress14("AB1", 1, 0, "Lee", "Sam", "RG1 1AA", "1 Elm Road"),
            xpress14("AB1", "", 0, "Lee", "Ann", "RG1 1AA", "1 Elm Road"),
            xpress14("A B!", 3, 0, "Lee", "Bo", "RG1 1AA", "1 Elm Road"),
            xpress14("AB1", 4, 0, "Lee", "Cy", "RG1 1AA", "1 Elm Road", dob="31/02/2027"),
            xpress14("AB1", 1, 0, "Lee", "Di", "RG1 1AA", "1 Elm Road"),
            xpress14("AB1", 6, 0, "Lee", "Ed", "RG1 1AA", "1 Elm Road", dob="next year"),
        ]
    )
    parsed = parse_register(text)
    lines = {line: message for line, message in parsed.errors}
    assert sorted(lines) == [3, 4, 5, 6, 7]
    assert "no elector number" in lines[3]
    assert "not a polling district" in lines[4]
    assert "not a real date" in lines[5]
    assert "repeated (first on line 2)" in lines[6]
    assert "not a date" in lines[7]


def test_decode_utf8_bom_cp1252_and_garbage():
    assert decode("\ufeffPD\n".encode()) == ("PD\n", "utf-8")
    assert decode("Siân".encode("cp1252")) == ("Siân", "windows-1252")
    with pytest.raises(RegisterFileError, match="neither UTF-8 nor windows-1252"):
        decode(b"PD\tENO\n\x81\x8d\x90")
    with pytest.raises(RegisterFileError, match="control character 0x01"):
        decode(b"PD\tENO\n\x01\x02\x1b" + bytes(range(0xA0, 0xFF)))


def test_elector_numbers_and_names():
    assert parse_elector_number("ABC1-12/1") == ("ABC1", 12, 1)
    assert parse_elector_number("abc1-12") == ("ABC1", 12, 0)
    assert parse_elector_number("KD-2/2-289/1") == ("KD-2/2", 289, 1)
    with pytest.raises(ValueError):
        parse_elector_number("12")
    assert split_name("SMITH John Paul") == ("SMITH", "John Paul")
    assert split_name("O'BRIEN Siobhan") == ("O'BRIEN", "Siobhan")


@pytest.mark.parametrize(
    "lines,expected",
    [
        (["12 Abbey Road", "Reading"], ("Abbey Road", 12, "12")),
        (["Flat 3, 12 Abbey Road", "Reading"], ("Abbey Road", 12, "Flat 3")),
        (["Flat 3", "12a Abbey Road", "Reading"], ("Abbey Road", 12, "Flat 3")),
        (["Rose Cottage", "Mill Lane", "Reading"], ("Mill Lane", None, "Rose Cottage")),
    ],
)
def test_split_street(lines, expected):
    parts = split_street(lines)
    assert (parts.street, parts.house_number, parts.house_label) == expected


def test_address_key_ignores_case_punctuation_and_spacing():
    assert address_key(["Flat 3, 12 Abbey Road", "READING"], "RG1 1AA") == address_key(
        ["flat 3 12  abbey road.", "Reading"], "rg11aa"
    )
    assert address_key(["12 Abbey Road"], "RG1 1AA") != address_key(["14 Abbey Road"], "RG1 1AA")
