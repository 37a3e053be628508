"""UK postcode parsing: forgiving about spacing and case, strict about shape; the postcode importers' error."""

from __future__ import annotations

import re

# Outward code: area (1–2 letters) + district (digit, digit+digit, digit+letter). Inward: digit + 2 letters.
# Inward letters never include C, I, K, M, O or V (Royal Mail's rules).
_POSTCODE_RE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][ABD-HJLNP-UW-Z]{2})$")
_AREA_FIRST_LETTERS = set("ABCDEFGHIJKLMNOPRSTUWYZ")  # Q, V, X never start a postcode
_SPECIAL = {"GIR0AA": "GIR 0AA"}


class InvalidPostcode(ValueError):
    pass


class PostcodeImportError(ValueError):
    """A postcode file refused, with the reason and the line it was found on."""


def normalise_postcode(raw: str) -> str:
    """Return the postcode in display form ('SW1A 1AA') or raise InvalidPostcode with a readable reason."""
    if raw is None:
        raise InvalidPostcode("No postcode given")
    compact = re.sub(r"\s+", "", str(raw)).upper()
    if not compact:
        raise InvalidPostcode("No postcode given")
    if compact in _SPECIAL:
        return _SPECIAL[compact]
    match = _POSTCODE_RE.match(compact)
    if not match or compact[0] not in _AREA_FIRST_LETTERS:
        raise InvalidPostcode(f"{raw.strip()!r} is not a UK postcode (expected something like 'SW1A 1AA')")
    if len(match.group(1)) > 1 and match.group(1)[1] in "IJZ" and match.group(1)[1].isalpha():
        raise InvalidPostcode(f"{raw.strip()!r} is not a UK postcode (no postcode area starts {match.group(1)[:2]})")
    return f"{match.group(1)} {match.group(2)}"


def is_valid_postcode(raw: str) -> bool:
    try:
        normalise_postcode(raw)
    except InvalidPostcode:
        return False
    return True
