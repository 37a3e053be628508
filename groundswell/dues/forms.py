"""Reading what a member or treasurer typed: an amount in pounds to whole pence, a choice from a list. Each
refusal says which field and why, in plain words."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

MAX_PENCE = 100_000_00  # £100,000: far beyond any dues, so a slip of the keyboard is caught


def parse_pounds(text: str, field: str = "amount") -> int | None:
    """'5.50', '£5.50', '5' → pence; blank → None. Refuses fractions of a penny, negatives, and nonsense."""
    value = (text or "").strip().replace(",", "").removeprefix("£").strip()
    if not value:
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise ValidationError({field: f"'{text}' is not an amount in pounds, like 5.50."}) from None
    if not amount.is_finite():
        raise ValidationError({field: f"'{text}' is not an amount in pounds, like 5.50."})
    pence = amount * 100
    if pence != pence.to_integral_value():
        raise ValidationError({field: f"'{text}' has a fraction of a penny."})
    if pence <= 0:
        raise ValidationError({field: "The amount must be more than nothing."})
    if pence > MAX_PENCE:
        raise ValidationError({field: f"'{text}' is more than £100,000; check the amount."})
    return int(pence)


def choice(value: str, allowed: list[str], field: str) -> str:
    if value not in allowed:
        raise ValidationError({field: f"Choose one of the options for {field.replace('_', ' ')}."})
    return value
