"""Money as text: parse what people and providers type into integer pence, and show pence as pounds."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from .errors import AmountError

_AMOUNT = re.compile(r"^£?\s*(\d{1,3}(,\d{3})+|\d+)?(\.\d*)?$")
# A ceiling well above any plausible single payment, so a typo of extra digits is refused, not charged.
MAX_PENCE = 100_000_000_00


def parse_amount_pence(text: str | int | Decimal, *, allow_zero: bool = False) -> int:
    """'12.34' / '£1,234.50' / '12' → pence. Refuses negative amounts, fractions of a penny and non-numbers, with a
    message saying which."""
    if isinstance(text, bool):
        raise AmountError("An amount must be a number of pounds, e.g. 12.50.")
    if isinstance(text, int):
        pence = text * 100
    else:
        raw = str(text).strip()
        if raw.startswith("-") or raw.startswith("£-"):
            raise AmountError(f"The amount {raw} is negative; enter a positive amount in pounds, e.g. 12.50.")
        if not raw or not _AMOUNT.match(raw) or raw in {".", "£", "£."}:
            raise AmountError(f"'{raw[:30]}' is not an amount in pounds; write it like 12.50.")
        try:
            value = Decimal(raw.lstrip("£").strip().replace(",", "") or "0")
        except InvalidOperation as exc:  # pragma: no cover - the pattern already refuses these
            raise AmountError(f"'{raw[:30]}' is not an amount in pounds; write it like 12.50.") from exc
        scaled = value * 100
        if scaled != scaled.to_integral_value():
            raise AmountError(f"The amount {raw} has a fraction of a penny; use at most two decimal places.")
        pence = int(scaled)
    if pence < 0:
        raise AmountError("The amount is negative; enter a positive amount in pounds, e.g. 12.50.")
    if pence == 0 and not allow_zero:
        raise AmountError("The amount must be more than £0.00.")
    if pence > MAX_PENCE:
        raise AmountError(f"The amount is more than {format_pence(MAX_PENCE)}; check the figure.")
    return pence


def check_pence(amount_pence: object, *, field: str = "amount_pence") -> int:
    """An amount passed in pence by a caller: a positive int (not a float, not a bool)."""
    if isinstance(amount_pence, bool) or not isinstance(amount_pence, int):
        raise AmountError(f"{field} must be a whole number of pence, not {amount_pence!r}.")
    if amount_pence <= 0:
        raise AmountError(f"{field} must be more than 0 pence (got {amount_pence}).")
    if amount_pence > MAX_PENCE:
        raise AmountError(f"{field} is more than {format_pence(MAX_PENCE)}; check the figure.")
    return amount_pence


def format_pence(pence: int) -> str:
    """1234 → '£12.34' (negative as '-£12.34')."""
    sign = "-" if pence < 0 else ""
    pence = abs(int(pence))
    return f"{sign}£{pence // 100:,}.{pence % 100:02d}"
