"""A CSV of donations (cheques paid in, a bank statement, a fundraising dinner's takings), answered row by row:
a bad row is reported with its line and the field at fault and never stops the good ones being recorded; a row
whose reference was already recorded for its accounting unit is skipped (re-importing a file counts nothing twice).

Columns (header row; order free; unknown columns ignored): accounting_unit (the unit's code), donor_type,
full_name, address_line1, address_line2, town, postcode, email, company_number, carrying_on_business_in_uk,
on_register, overseas_elector, amount (pounds), received_on (YYYY-MM-DD or DD/MM/YYYY), channel, description,
reference.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError

from groundswell.people.models import OrganisationUnit

from .models import AccountingUnit, Channel, Donation, DonorDetails, DonorType
from .rules import parse_pence
from .selectors import accounting_unit_for
from .services import record_donation

REQUIRED = ("accounting_unit", "donor_type", "full_name", "amount", "received_on", "channel")
OPTIONAL = ("address_line1", "address_line2", "town", "postcode", "email", "company_number",
            "carrying_on_business_in_uk", "on_register", "overseas_elector", "description", "reference")  # fmt: skip
MAX_ROWS = 20_000
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0"}


@dataclass
class ParsedRow:
    line: int
    unit_code: str = ""
    details: DonorDetails | None = None
    amount_pence: int = 0
    received_on: dt.date | None = None
    channel: str = ""
    description: str = ""
    reference: str = ""
    errors: list[str] = field(default_factory=list)


@dataclass
class RowResult:
    line: int
    outcome: str  # "recorded", "skipped", "error"
    message: str
    donation_id: int | None = None


def _flag(value: str, name: str, errors: list[str]) -> bool | None:
    text = (value or "").strip().lower()
    if not text:
        return None
    if text in _YES:
        return True
    if text in _NO:
        return False
    errors.append(f"{name}: {value!r} is not yes or no")
    return None


def _date(value: str, errors: list[str]) -> dt.date | None:
    text = (value or "").strip()
    for parse in (dt.date.fromisoformat, lambda t: dt.datetime.strptime(t, "%d/%m/%Y").date()):
        try:
            return parse(text)
        except ValueError:
            continue
    errors.append(f"received_on: {value!r} is not a date (YYYY-MM-DD or DD/MM/YYYY)")
    return None


def parse_rows(text: str) -> tuple[list[ParsedRow], list[str]]:
    """The file's rows, each parsed or carrying its errors; plus errors about the file as a whole (no header,
    missing columns, too many rows). Never raises on any text."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        return [], ["the file is empty: the first row must name the columns"]
    names = [h.strip().lower() for h in header]
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        return [], [f"the header lacks column(s): {', '.join(missing)}"]
    rows: list[ParsedRow] = []
    line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            rows.append(ParsedRow(line=reader.line_num, errors=[f"unreadable row: {exc}"]))
            break
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(rows) >= MAX_ROWS:
            return rows, [f"more than {MAX_ROWS} rows: split the file"]
        rows.append(_parse(line, dict(zip(names, cells, strict=False))))
    return rows, []


def _parse(line: int, cells: dict[str, str]) -> ParsedRow:
    row = ParsedRow(line=line)
    get = lambda name: (cells.get(name) or "").strip()  # noqa: E731 - a one-line reader
    row.unit_code = get("accounting_unit")
    if not row.unit_code:
        row.errors.append("accounting_unit: give the unit's code")
    donor_type = get("donor_type").lower().replace(" ", "_")
    if donor_type not in DonorType.values:
        row.errors.append(f"donor_type: {get('donor_type')!r} is not one of {', '.join(DonorType.values)}")
    try:
        row.amount_pence = parse_pence(get("amount"))
    except ValidationError as exc:
        row.errors.extend(m for ms in exc.message_dict.values() for m in ms)
    row.received_on = _date(get("received_on"), row.errors)
    row.channel = get("channel").lower().replace(" ", "_").replace("-", "_")
    if row.channel not in Channel.values:
        row.errors.append(f"channel: {get('channel')!r} is not one of {', '.join(Channel.values)}")
    row.description = get("description")[:400]
    row.reference = get("reference")[:100]
    row.details = DonorDetails(
        donor_type=donor_type, full_name=get("full_name")[:300], address_line1=get("address_line1")[:200],
        address_line2=get("address_line2")[:200], town=get("town")[:100], postcode=get("postcode")[:10],
        email=get("email")[:254], company_number=get("company_number")[:20],
        carrying_on_business_in_uk=_flag(get("carrying_on_business_in_uk"), "carrying_on_business_in_uk", row.errors),
        on_register_declared=_flag(get("on_register"), "on_register", row.errors),
        overseas_elector=bool(_flag(get("overseas_elector"), "overseas_elector", row.errors)),
    )  # fmt: skip
    return row


def import_donations(
    text: str, *, actor: Any, allowed_units: list[OrganisationUnit]
) -> tuple[list[RowResult], list[str]]:
    """Record each good row (each in its own transaction, through record_donation and its checks); the answer per
    row. `allowed_units` are the units where the actor may manage donations: a row for another unit is refused."""
    rows, problems = parse_rows(text)
    results: list[RowResult] = []
    units = {u.code.lower(): u for u in OrganisationUnit.objects.filter(code__in=[r.unit_code for r in rows])}
    for row in rows:
        if row.errors:
            results.append(RowResult(row.line, "error", "; ".join(row.errors)))
            continue
        unit = units.get(row.unit_code.lower())
        if unit is None:
            results.append(RowResult(row.line, "error", f"accounting_unit: no unit with code {row.unit_code!r}"))
            continue
        if not any(unit.is_within(u) for u in allowed_units):
            results.append(RowResult(row.line, "error", f"accounting_unit: you do not keep {unit.code}'s donations"))
            continue
        au: AccountingUnit = accounting_unit_for(unit)
        if row.reference and Donation.objects.filter(accounting_unit=au, reference=row.reference).exists():
            results.append(RowResult(row.line, "skipped", f"reference {row.reference!r} is already recorded"))
            continue
        try:
            d = record_donation(
                accounting_unit=au, amount_pence=row.amount_pence, received_on=row.received_on, channel=row.channel,
                donor=row.details, actor=actor, description=row.description, reference=row.reference,
                nature="non_cash" if row.channel == Channel.IN_KIND else "cash",
            )  # fmt: skip
        except ValidationError as exc:
            msgs = exc.message_dict.values() if hasattr(exc, "error_dict") else [exc.messages]
            results.append(RowResult(row.line, "error", "; ".join(m for ms in msgs for m in ms)))
            continue
        results.append(RowResult(row.line, "recorded", f"donation #{d.pk}", d.pk))
    return results, problems
