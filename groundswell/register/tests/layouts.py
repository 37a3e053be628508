"""Register test helpers: a constituency, postcodes, and writers of files in the documented layouts.

Every fixture file is built here from synthetic names, in the exact column layouts that
groundswell/register/formats.py documents (Xpress, Idox, Halarose, Bedford: full files and updates).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

XPRESS_14 = (
    "Elector Number Prefix\tElector Number\tElector Number Suffix\tElector Markers\tElector DOB\t"
    "Elector Surname\tElector Forename\tPostCode\tAddress1\tAddress2\tAddress3\tAddress4\tAddress5\tAddress6"
)
XPRESS_13 = (
    "Elector Number Prefix\tElector Number\tElector Number Suffix\tElector Markers\tElector DOB\t"
    "Elector Name\tPostCode\tAddress1\tAddress2\tAddress3\tAddress4\tAddress5\tAddress6"
)
XPRESS_UPDATE = (
    "CompanyName,CompanyOPCSRef,DistrictRef,StreetName,PropertyAddress1,PropertyAddress2,PropertyAddress3,"
    "PropertyAddress4,PropertyAddress5,PropertyPostCode,PropertyAddressPrefix,PropertyAddressNumber,ElectorNumber,"
    "ElectorForename,ElectorSurname,ElectorDOB,ElectorCreatedMonth,ElectorChangedMonth,ElectorDeletedMonth,"
    "MarkersRegisterText,RecordCount,RecordTotal,CurrentRegisterMonth"
)
HALAROSE_FULL = (
    "PD\tENO\tStatus\tTitle\tFirst Names\tInitials\tSurname\tSuffix\tDate of Attainment\tFranchise Flag\t"
    "Address 1\tAddress 2\tAddress 3\tAddress 4\tAddress 5\tAddress 6\tAddress 7\tAddress 8\tAddress 9\t"
    "Postcode\tOpt Out"
)
HALAROSE_UPDATE = (
    "PD\tENO\tStatus\tTitle\tFirst Names\tInitials\tSurname\tSuffix\tDate of Attainment\tFranchise Flag\t"
    "Address 1\tAddress 2\tAddress 3\tAddress 4\tAddress 5\tAddress 6\tAddress 7\tAddress 8\tAddress 9\t"
    "Post Code\tRegister Code\tClerical Error\tOpt Out Flag"
)
BEDFORD_FULL = (
    "PDCode,RollNo,ElectorTitle,ElectorSurname,ElectorForename,ElectorMiddleName,AttainersDOB,FranchiseMarker,"
    "RegisteredAddress1,RegisteredAddress2,RegisteredAddress3,RegisteredAddress4,RegisteredAddress5,"
    "RegisteredAddress6,PostCode,Euro,Parl,County,Ward,SubHouse,House"
)
BEDFORD_UPDATE = "ChangeTypeID," + BEDFORD_FULL


def xpress14(pd, number, suffix, surname, forename, postcode, *lines, markers="", dob="") -> str:
    cells = [pd, str(number), str(suffix), markers, dob, surname, forename, postcode, *lines]
    cells += [""] * (14 - len(cells))
    return "\t".join(cells)


def xpress_update(number, forename, surname, postcode, lines, created="", changed="", deleted="", **extra) -> str:
    lines = (list(lines) + [""] * 5)[:5]
    cells = [
        extra.get("company", "Synthetic Borough Council"),
        extra.get("opcs", ""),
        extra.get("district", ""),
        extra.get("street", ""),
        *lines,
        postcode,
        "",
        "",
        number,
        forename,
        surname,
        extra.get("dob", ""),
        created,
        changed,
        deleted,
        extra.get("markers", ""),
        "1",
        "1",
        extra.get("month", ""),
    ]
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(cells)  # quotes 'Flat 3, 12 Abbey Road'
    return out.getvalue()


def idox_full(pd, eno, surname, forenames, lines, postcode, markers="", attain="", house="", street="") -> list[str]:
    """22 positional fields (uk-rules.md §1.3 C): 1 PD, 2 ENO, 3 markers, 4 attainment, 5 surname, 6 forenames,
    7-14 address 1-8, 15 house number, 16 prefix, 17 street, 18-21 unknown, 22 postcode."""
    address = (list(lines) + [""] * 8)[:8]
    return [pd, str(eno), markers, attain, surname, forenames, *address, house, "", street, "", "", "", "", postcode]


IDOX_HEADER = (
    ["PD", "ENO", "Franchise", "Attainment Date", "Surname", "Forenames"]
    + [f"Address {i}" for i in range(1, 9)]
    + ["House Number", "Address Prefix", "Street Name", "Field18", "Field19", "Field20", "Field21", "Postcode"]
)


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# A small, valid Xpress full register (four electors in three households), for fixtures and fuzzing.
SMALL_REGISTER = (
    "\r\n".join(
        [
            XPRESS_14,
            xpress14("AB1", 1, 0, "Okafor", "Adaeze", "RG1 1AA", "12 Abbey Road", "Reading"),
            xpress14("AB1", 2, 0, "(z) Okafor", "Chidi", "RG1 1AA", "12 Abbey Road", "Reading", markers="G"),
            xpress14("AB1", 3, 0, "Nowak", "Zoë", "RG1 1AA", "Flat 3, 12 Abbey Road", "Reading"),
            xpress14("AB2", 1, 0, "Khan", "Aisha", "RG1 2BB", "1 Elm Road", "Reading", dob="01/02/2027"),
        ]
    )
    + "\r\n"
)
