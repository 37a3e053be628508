"""Splitting one item's pence across seats and periods exactly.

Rounding rule (stated on every split): each share is rounded down to the penny, and the pence left over go one
each to the shares with the largest remainders, ties to the earlier line. The shares always add up to the item.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count

from groundswell.canvassing.models import WalkStop

ROUNDING_NOTE = "shares rounded down to the penny; leftover pence to the largest remainders (ties: earlier line)"


def split_pence(total: int, weights: Sequence[int | Decimal]) -> list[int]:
    """`total` pence in proportion to `weights` (non-negative, not all zero), adding up exactly to `total`."""
    if total < 0:
        raise ValueError("amount: cannot split a negative amount")
    weights = [Decimal(w) for w in weights]
    if not weights or any(w < 0 for w in weights):
        raise ValueError("basis: every share's basis must be 0 or more")
    whole = sum(weights)
    if whole == 0:
        raise ValueError("basis: the bases add up to nothing, so there is nothing to split by")
    exact = [Decimal(total) * w / whole for w in weights]
    shares = [int(e) for e in exact]  # floors: every value is non-negative
    left = total - sum(shares)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - shares[i]), i))
    for i in order[:left]:
        shares[i] += 1
    return shares


def households_by_constituency(walk_ids: Iterable[int]) -> dict[int, int]:
    """Households on the given canvassing walks, by constituency id: the basis for a leaflet run delivered
    along them (each door counted once even if two walks share it)."""
    rows = (
        WalkStop.objects.filter(walk_id__in=list(walk_ids))
        .values("household__constituency_id")
        .annotate(n=Count("household", distinct=True))
    )
    counts: Counter[int] = Counter()
    for row in rows:
        counts[row["household__constituency_id"]] += row["n"]
    return dict(counts)


def parse_shares(text: str) -> list[tuple[str, Decimal]]:
    """Volunteer-typed shares, one per line: "E14001124, 3200" (ONS code, then households, electors, days, area
    or, for a manual split, pounds). Blank lines are skipped; any bad line is refused naming its number."""
    shares: list[tuple[str, Decimal]] = []
    seen: set[str] = set()
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        parts = [p.strip() for p in re.split(r"[,\t]+", line)]
        if len(parts) != 2 or not parts[0]:
            raise ValidationError({"shares": f"line {number}: write the seat's ONS code, a comma, then its figure"})
        code = parts[0].upper()
        try:
            figure = Decimal(parts[1].replace("£", "").replace(" ", ""))
        except ArithmeticError:
            raise ValidationError({"shares": f"line {number}: {parts[1]!r} is not a number"}) from None
        if not figure.is_finite() or figure < 0:
            raise ValidationError({"shares": f"line {number}: the figure must be a number, 0 or more"})
        if code in seen:
            raise ValidationError({"shares": f"line {number}: {code} is given twice"})
        seen.add(code)
        shares.append((code, figure))
    if not shares:
        raise ValidationError({"shares": "give at least one seat and its figure"})
    return shares
