"""Constituency covariates (EU referendum estimates, census shares …), by ONS code, imported from a CSV."""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

from django.conf import settings
from django.db import transaction

from .models import Covariate
from .polls import read_rows

CODE_COLUMNS = ("ons_code", "ons", "code", "pcon_code", "gss_code", "pcon19cd", "pcon13cd", "pcon17cd")
_CODE = re.compile(r"^(E14|S14|W07)\d{6}$")


class CovariateImportError(ValueError):
    pass


@transaction.atomic
def import_covariates(text: str) -> tuple[int, list[str]]:
    """Every numeric column but the code becomes a covariate; all rows or none. Returns (values, names)."""
    rows = read_rows(text, CovariateImportError)
    if not rows:
        raise CovariateImportError("the file is empty")
    header = [h.strip() for h in rows[0]]
    lowered = [h.lower() for h in header]
    code_col = next((i for i, h in enumerate(lowered) if h in CODE_COLUMNS), None)
    if code_col is None:
        raise CovariateImportError(f"header: no ONS code column (one of {', '.join(CODE_COLUMNS)})")
    skip = {code_col} | {i for i, h in enumerate(lowered) if h in ("name", "constituency", "constituency_name")}
    names = [(i, re.sub(r"\W+", "_", header[i].lower()).strip("_")[:60]) for i in range(len(header)) if i not in skip]
    if not names:
        raise CovariateImportError("header: no covariate columns besides the code")
    first_column: dict[str, str] = {}
    for i, name in names:
        if not name:
            raise CovariateImportError(f"header: column {i + 1} ({header[i]!r}) has no usable name")
        if name in first_column:
            raise CovariateImportError(f"header: columns {first_column[name]!r} and {header[i]!r} are both {name}")
        first_column[name] = header[i]
    objects: list[Covariate] = []
    first_row: dict[str, int] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        code = row[code_col].strip().upper() if code_col < len(row) else ""
        if not _CODE.match(code):
            raise CovariateImportError(
                f"row {line}: {code!r} is not a Great Britain constituency code (E14…, S14…, W07…)"
            )
        if code in first_row:
            raise CovariateImportError(f"row {line}: {code} is repeated (first on row {first_row[code]})")
        first_row[code] = line
        for i, name in names:
            value = row[i].strip().rstrip("%") if i < len(row) else ""
            if not value:
                continue
            try:
                number = float(value)
            except ValueError as exc:
                raise CovariateImportError(f"row {line}: {header[i]} {value!r} is not a number") from exc
            if not math.isfinite(number):
                raise CovariateImportError(f"row {line}: {header[i]} {value!r} is not a finite number")
            objects.append(Covariate(ons_code=code, name=name, value=number))
    stored = {n for _, n in names}
    Covariate.objects.filter(name__in=stored).delete()
    Covariate.objects.bulk_create(objects, batch_size=2000)
    return len(objects), sorted(stored)


def covariate_values() -> dict[str, dict[str, float]]:
    """name → ONS code → value, for every stored covariate (empty when none: the model works without)."""
    out: dict[str, dict[str, float]] = {}
    for code, name, value in Covariate.objects.values_list("ons_code", "name", "value"):
        out.setdefault(name, {})[code] = value
    return out


# ------------------------------------------------------------------ the files shipped in data/covariates

# When each covariate could first have been known: a backtest may use a covariate only if it was published
# before the election it projects (the EU referendum was held on 23 June 2016, so a 2015 backtest cannot use
# it). Census 2011 key statistics by constituency: January 2013; Census 2021 for England and Wales: November
# 2022 (Scotland's 2022 census is not in the file: Scottish seats get the average).
KNOWN_FROM: dict[str, dt.date] = {
    "leave": dt.date(2016, 6, 24),
    "degree": dt.date(2013, 1, 30),
    "no_qualifications": dt.date(2013, 1, 30),
    "non_white": dt.date(2013, 1, 30),
    "born_abroad": dt.date(2013, 1, 30),
    "over_65": dt.date(2022, 11, 2),
    "owner_occupied": dt.date(2022, 11, 2),
    "social_rented": dt.date(2022, 11, 2),
}
COVARIATES_DIR = "covariates"


def _table(path: Path, code_column: str) -> dict[str, dict[str, str]]:
    """code → row (as a dict) for one shipped CSV; errors name the file and row."""
    rows = read_rows(path.read_text(encoding="utf-8-sig"), CovariateImportError)
    if not rows:
        raise CovariateImportError(f"{path.name}: the file is empty")
    header = [h.strip() for h in rows[0]]
    if code_column not in header:
        raise CovariateImportError(f"{path.name}: no {code_column!r} column")
    at = header.index(code_column)
    out: dict[str, dict[str, str]] = {}
    for line, row in enumerate(rows[1:], start=2):
        code = row[at].strip() if at < len(row) else ""
        if not code:
            continue
        if code in out:
            raise CovariateImportError(f"{path.name} row {line}: {code} is repeated")
        out[code] = {h: (row[i].strip() if i < len(row) else "") for i, h in enumerate(header)}
    return out


def _number(path: Path, code: str, row: dict[str, str], column: str) -> float | None:
    """A cell as a number; blank or NA is missing (None); anything else that is not a number is an error."""
    text = row.get(column, "").strip().rstrip("%")
    if text in ("", "NA", "n/a", "-"):
        return None
    try:
        value = float(text)
    except ValueError as exc:
        raise CovariateImportError(f"{path.name}: {code}: {column} {text!r} is not a number") from exc
    if not math.isfinite(value):
        raise CovariateImportError(f"{path.name}: {code}: {column} {text!r} is not a finite number")
    return value


def _ratio(part: float | None, whole: float | None) -> float | None:
    return part / whole if part is not None and whole else None


def shipped_covariates(data_dir: Path | str | None = None) -> dict[str, dict[str, float]]:
    """name → ONS code → value for both boundary sets, computed from the files in data/covariates.

    The same names on both sets (shares of people, 0–1), so coefficients fitted on 2010-set elections apply to
    2024-set seats: leave (estimated EU-referendum Leave share: the Commons Library's figures on the 2010 set,
    Hanretty's on the 2024 set), degree (level 4 qualifications), no_qualifications, non_white, born_abroad
    (2011 census on the 2010 set, 2021 census on the 2024 set); over_65, owner_occupied and social_rented exist
    only on the 2024 set (2021 census), so only models that train on 2024-set results can use them.
    Northern Ireland's seats are left out (the engine models Great Britain).
    """
    folder = Path(data_dir or settings.DATA_DIR) / COVARIATES_DIR
    out: dict[str, dict[str, float]] = {name: {} for name in KNOWN_FROM}

    def put(name: str, code: str, value: float | None) -> None:
        if value is not None and _CODE.match(code):
            out[name][code] = value

    path = folder / "euref_leave_2010_boundaries.csv"
    for code, row in _table(path, "ONS ID").items():
        put("leave", code, _number(path, code, row, "FIGURE TO USE"))
    path = folder / "euref_leave_2024_boundaries.csv"
    for code, row in _table(path, "gss_code").items():
        put("leave", code, _number(path, code, row, "LeavePct"))
    path = folder / "census2011_qualifications_2010_boundaries.csv"
    for code, row in _table(path, "geography code").items():
        total = _number(path, code, row, "Total")
        put("degree", code, _ratio(_number(path, code, row, "Level 4 qualifications"), total))
        put("no_qualifications", code, _ratio(_number(path, code, row, "No qualifications"), total))
    path = folder / "census2011_ethnic_group_2010_boundaries.csv"
    all_column = "Ethnic Group: All categories: Ethnic group; measures: Value"
    white_column = "Ethnic Group: White; measures: Value"
    for code, row in _table(path, "geography code").items():
        white = _ratio(_number(path, code, row, white_column), _number(path, code, row, all_column))
        put("non_white", code, None if white is None else 1 - white)
    path = folder / "census2011_country_of_birth_2010_boundaries.csv"
    for code, row in _table(path, "geography code").items():
        uk = _ratio(_number(path, code, row, "UK"), _number(path, code, row, "Total"))
        put("born_abroad", code, None if uk is None else 1 - uk)
    path = folder / "census2021_and_ge_summaries_2024_boundaries.csv"
    # Only the census columns: the file also carries the 2019 and 2024 results, which are not covariates.
    for code, row in _table(path, "ONSConstID").items():

        def pct(*columns: str, code: str = code, row: dict[str, str] = row) -> float | None:
            values = [_number(path, code, row, c) for c in columns]
            return None if any(v is None for v in values) else sum(values) / 100  # type: ignore[arg-type]

        put("degree", code, pct("c21QualLevel4"))
        put("no_qualifications", code, pct("c21QualNone"))
        white = pct("c21EthnicityWhite")
        put("non_white", code, None if white is None else 1 - white)
        uk = pct("c21BornEngland", "c21BornNI", "c21BornScotland", "c21BornWales", "c21BornGBNotSpecified")
        put("born_abroad", code, None if uk is None else 1 - uk)
        put("over_65", code, pct("c21Age65to69", "c21Age70to74", "c21Age75to79", "c21Age80to84", "c21Age85plus"))
        put("owner_occupied", code, pct("c21HouseOutright", "c21HouseMortgage"))
        put("social_rented", code, pct("c21HouseSocialLA", "c21HouseSocialOther"))
    return out


@transaction.atomic
def load_shipped_covariates(data_dir: Path | str | None = None) -> dict[str, int]:
    """Replace the shipped covariates' stored values with the files' (all or nothing): name → seats."""
    values = shipped_covariates(data_dir)
    Covariate.objects.filter(name__in=list(values)).delete()
    Covariate.objects.bulk_create(
        [Covariate(ons_code=code, name=name, value=v) for name, col in values.items() for code, v in col.items()],
        batch_size=2000,
    )
    return {name: len(col) for name, col in values.items()}


def covariates_known_before(day: dt.date, values: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    """Only the covariates published before `day` (a backtest's polling day); ones without a known date are
    the user's own imports, assumed current and so left out of backtests."""
    return {name: col for name, col in values.items() if name in KNOWN_FROM and KNOWN_FROM[name] < day}
