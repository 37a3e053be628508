"""Synthetic register files (made-up names at given or made-up addresses) for the demo, tests and benchmarks.

Layouts are the real ones (uk-rules.md §1.3 A and B), so the same importer reads them as reads a council's file.
"""

from __future__ import annotations

import csv
import os
import random
from collections.abc import Sequence
from typing import Any

from groundswell.geography.models import Constituency

FORENAMES = (
    "Amelia Olivia Isla Ava Mia Ivy Lily Isabella Rosie Sophia Grace Freya Willow Florence Emily Ella Poppy Evie "
    "Elsie Charlotte Oliver George Noah Arthur Muhammad Leo Harry Oscar Archie Henry Theodore Freddie Jack Charlie "
    "Theo Alfie Jacob Thomas Finley Arlo Priya Aisha Wojciech Siân Zoë Chloé Dafydd Eilidh Niamh Tomasz"
).split()
SURNAMES = (
    "Smith Jones Taylor Brown Williams Wilson Johnson Davies Patel Robinson Wright Thompson Evans Walker White "
    "Roberts Green Hall Thomas Clarke Jackson Wood Harris Edwards Turner Martin Cooper Hill Ward Hughes Moore Clark "
    "King Harrison Lewis Baker Lee Allen Morris Khan Scott Watson Davis Parker James Bennett Young Phillips Richardson "
    "Mitchell Bailey Carter Cook Singh Shaw Bell Collins Morgan Kelly Begum Miller Cox Marshall Simpson Anderson "
    "Ellis Adams Wilkinson Ward O'Brien Nowak Kowalski Ahmed Hussain Ali"
).split()
STREET_NAMES = (
    "Abbey Albert Alexandra Ash Beech Birch Castle Cedar Chapel Church Clarendon Cromwell Derby Elm Forbury "
    "George Grange Grove Hawthorn Highfield Hill King Kingsley Lime Manor Maple Market Meadow Mill Newport Oak "
    "Orchard Park Queen Queens Richmond Rose South Station Sycamore Victoria Warwick Wellington Willow Windsor York"
).split()
STREET_TYPES = ("Road", "Street", "Avenue", "Close", "Lane", "Gardens", "Crescent", "Drive", "Way", "Terrace")
HOUSE_NAMES = ("Rose Cottage", "The Old Rectory", "Orchard House", "Mill House", "The Lodge", "Ivy Cottage")
MARKERS = ("", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "G", "B", "K", "F")

XPRESS_FULL_14 = [
    "Elector Number Prefix",
    "Elector Number",
    "Elector Number Suffix",
    "Elector Markers",
    "Elector DOB",
    "Elector Surname",
    "Elector Forename",
    "PostCode",
    "Address1",
    "Address2",
    "Address3",
    "Address4",
    "Address5",
    "Address6",
]
XPRESS_FULL_13 = [*XPRESS_FULL_14[:5], "Elector Name", *XPRESS_FULL_14[7:]]
XPRESS_UPDATE = [
    "CompanyName",
    "CompanyOPCSRef",
    "DistrictRef",
    "StreetName",
    "PropertyAddress1",
    "PropertyAddress2",
    "PropertyAddress3",
    "PropertyAddress4",
    "PropertyAddress5",
    "PropertyPostCode",
    "PropertyAddressPrefix",
    "PropertyAddressNumber",
    "ElectorNumber",
    "ElectorForename",
    "ElectorSurname",
    "ElectorDOB",
    "ElectorCreatedMonth",
    "ElectorChangedMonth",
    "ElectorDeletedMonth",
    "MarkersRegisterText",
    "RecordCount",
    "RecordTotal",
    "CurrentRegisterMonth",
]
LAYOUTS = ("xpress-full-14", "xpress-full-13")


def synthetic_properties(n: int, seed: int = 1, pd_prefix: str = "RE", town: str = "Reading") -> list[dict]:
    """Made-up households in street order: ~`n` properties over streets of 10-120 houses, ~1,500 per PD."""
    rng = random.Random(seed)
    properties: list[dict] = []
    street_no = 0
    pd_index = 1
    per_pd = 0
    while len(properties) < n:
        name = f"{STREET_NAMES[street_no % len(STREET_NAMES)]} {STREET_TYPES[(street_no // 7) % len(STREET_TYPES)]}"
        if street_no >= len(STREET_NAMES):
            name = f"{name} {['North', 'South', 'East', 'West', 'Upper', 'Lower'][street_no // 50 % 6]}"
        district = f"RG{1 + street_no % 9}"
        houses = rng.randint(10, 120)
        pd = f"{pd_prefix}{chr(65 + (pd_index - 1) // 9 % 26)}{1 + (pd_index - 1) % 9}"
        for house in range(1, houses + 1):
            if len(properties) >= n:
                break
            unit = (
                f"{1 + house % 9}{'ABDEFGHJLNPQRSTUWXYZ'[(street_no + house) % 20]}{'ABDEFGHJLNPQRSTUWXYZ'[house % 20]}"
            )
            postcode = f"{district} {unit}"
            if house % 23 == 0:
                lines = [HOUSE_NAMES[house % len(HOUSE_NAMES)], name, town]
            elif house % 11 == 0:
                lines = [f"Flat {1 + house % 4}", f"{house} {name}", town]
            else:
                lines = [f"{house} {name}", town]
            properties.append({"address_lines": lines, "postcode": postcode, "polling_district": pd})
            per_pd += 1
        street_no += 1
        if per_pd >= 1500:
            pd_index += 1
            per_pd = 0
    return properties


def synthetic_electors(properties: Sequence[dict], n_electors: int, seed: int = 1) -> list[dict]:
    """Electors spread over the properties (~n/len(properties) each, at least one each while they last)."""
    rng = random.Random(seed)
    electors: list[dict] = []
    per_home = max(1.0, n_electors / max(1, len(properties)))
    numbers: dict[str, int] = {}
    remaining = n_electors
    for index, prop in enumerate(properties):
        if remaining <= 0:
            break
        left_homes = len(properties) - index
        count = 1 + (rng.random() < per_home - 1) + (rng.random() < (per_home - 1) / 3)
        count = max(1, min(count, remaining - (left_homes - 1) if left_homes > 1 else remaining, 6))
        if left_homes == 1:
            count = remaining
        surname = rng.choice(SURNAMES)
        for _ in range(count):
            pd = prop["polling_district"]
            numbers[pd] = numbers.get(pd, 0) + 1
            markers = rng.choice(MARKERS)
            attainer = ""
            if rng.random() < 0.01:
                attainer = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/2027"
            electors.append(
                {
                    "pd": pd,
                    "number": numbers[pd],
                    "suffix": 0,
                    "markers": markers,
                    "attainer": attainer,
                    "surname": ("(z) " if rng.random() < 0.3 else "")
                    + (surname if rng.random() < 0.8 else rng.choice(SURNAMES)),
                    "forenames": rng.choice(FORENAMES),
                    "postcode": prop["postcode"],
                    "address_lines": list(prop["address_lines"]),
                }
            )
        remaining -= count
    return electors


def xpress_full_row(elector: dict, layout: str = "xpress-full-14") -> list[str]:
    lines = (list(elector["address_lines"]) + [""] * 6)[:6]
    suffix = str(elector.get("suffix") or 0)
    head = [elector["pd"], str(elector["number"]), suffix, elector.get("markers", ""), elector.get("attainer", "")]
    if layout == "xpress-full-13":
        surname = elector["surname"]
        prefix = ""
        if surname.lower().startswith("(z) "):
            prefix, surname = surname[:4], surname[4:]
        names = [f"{prefix}{surname.upper()} {elector['forenames']}"]
    else:
        names = [elector["surname"], elector["forenames"]]
    return [*head, *names, elector["postcode"], *lines]


def write_synthetic_register(
    path: str | os.PathLike,
    constituency: Constituency | str,
    properties: list[dict] | None = None,
    n_electors: int = 1000,
    layout: str = "xpress-full-14",
    seed: int = 1,
) -> dict[str, Any]:
    """Write a synthetic Xpress full register (tab-separated, UTF-8) and return {"electors", "households", "path"}.

    properties: dicts with address_lines (list of str), postcode and polling_district, in street order; when None,
    made-up streets are generated (~2.1 electors per household). `constituency` (object or code) is recorded for
    the caller's benefit only: Xpress full files do not name their constituency.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}")
    if properties is None:
        properties = synthetic_properties(max(1, round(n_electors / 2.1)), seed=seed)
    electors = synthetic_electors(properties, n_electors, seed=seed)
    header = XPRESS_FULL_14 if layout == "xpress-full-14" else XPRESS_FULL_13
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(header)
        for elector in electors:
            writer.writerow(xpress_full_row(elector, layout))
    code = constituency.code if isinstance(constituency, Constituency) else str(constituency)
    households = len({(tuple(e["address_lines"]), e["postcode"]) for e in electors})
    return {"path": str(path), "constituency": code, "electors": len(electors), "households": households}


def write_synthetic_update(
    path: str | os.PathLike, electors: Sequence[dict], changes: int, month: str = "Mar", seed: int = 2
) -> dict[str, int]:
    """An Xpress monthly update (23 columns, tab, windows-1252) with `changes` rows against `electors`.

    Roughly 40% amends (new surname or marker), 30% deletes and 30% additions (suffixed numbers at existing
    addresses, as EROs number mid-year additions, uk-rules.md §1.1).
    """
    rng = random.Random(seed)
    picked = rng.sample(range(len(electors)), min(changes, len(electors)))
    counts = {"amend": 0, "delete": 0, "create": 0}
    with open(path, "w", encoding="cp1252", errors="replace", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\r\n")
        writer.writerow(XPRESS_UPDATE)
        for position, index in enumerate(picked):
            elector = dict(electors[index])
            kind = ("amend", "amend", "delete", "create", "amend", "delete", "create", "amend", "delete", "create")[
                position % 10
            ]
            created = changed = deleted = ""
            if kind == "amend":
                elector["surname"] = rng.choice(SURNAMES)
                changed = month
            elif kind == "delete":
                deleted = month
            else:
                elector["suffix"] = 1
                elector["forenames"] = rng.choice(FORENAMES)
                created = month
            counts[kind] += 1
            number = f"{elector['pd']}-{elector['number']}" + (f"/{elector['suffix']}" if elector.get("suffix") else "")
            lines = (list(elector["address_lines"]) + [""] * 5)[:5]
            writer.writerow(
                [
                    "Synthetic Borough Council",
                    "",
                    elector["pd"],
                    "",
                    *lines,
                    elector["postcode"],
                    "",
                    "",
                    number,
                    elector["forenames"],
                    elector["surname"],
                    elector.get("attainer", ""),
                    created,
                    changed,
                    deleted,
                    elector.get("markers", ""),
                    str(position + 1),
                    str(len(picked)),
                    month,
                ]
            )
    return counts
