"""Constituency covariates (EU referendum estimates, census shares …), by ONS code, imported from a CSV."""

from __future__ import annotations

import math
import re

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
