"""Register addresses: the household key, and street / house number for walk order.

Registers print addresses as up to nine free-text lines (Xpress Address1..6, Halarose Address 1..9, Idox
address lines 1..8; the layouts are listed in formats.py), so the street and the number have to be
read back out of the lines: '12 Abbey Road', 'Flat 3, 12 Abbey Road' or a named house on its own line.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

_NON_WORD = re.compile(r"[^a-z0-9/]+")
# "12 Abbey Road", "12a Abbey Road", "12-14 Abbey Road": the number, then a street that does not start with a digit.
_NUMBERED = re.compile(r"^(\d{1,6})([a-z]?)(?:\s*-\s*\d{1,6}[a-z]?)?\s+([^\d\s].*)$", re.IGNORECASE)
_STREET_WORDS = re.compile(
    r"\b(road|rd|street|st|lane|ln|avenue|ave|close|drive|way|gardens|crescent|place|court|terrace|grove|hill|"
    r"walk|row|square|mews|park|rise|view|green|parade|vale|wharf|end|approach|croft|field|fields|gate)\b",
    re.IGNORECASE,
)
ADDRESS_KEY_MAX = 400  # Property.address_key max_length


def normalise_line(line: str) -> str:
    """Case-, punctuation- and spacing-insensitive address line: 'Flat 3, 12 Abbey Rd.' → 'flat 3 12 abbey rd'."""
    return _NON_WORD.sub(" ", line.casefold()).strip()


def address_key(lines: list[str] | tuple[str, ...], postcode: str) -> str:
    """The household key: normalised lines + postcode. Unique per constituency (Property.unique_property_address)."""
    key = "|".join(n for n in (normalise_line(line) for line in lines) if n) + "#" + postcode.replace(" ", "").upper()
    if len(key) > ADDRESS_KEY_MAX:
        # Keep the readable start and make the rest unique.
        key = key[: ADDRESS_KEY_MAX - 41] + "~" + hashlib.sha1(key.encode()).hexdigest()  # noqa: S324 - not security
    return key


@dataclass(frozen=True)
class StreetAddress:
    street: str
    house_number: int | None
    house_label: str


def split_street(lines: list[str] | tuple[str, ...]) -> StreetAddress:
    """Street, house number and label (flat / house name / '12a') from address lines.

    '12 Abbey Road' → ('Abbey Road', 12, '12'); 'Flat 3, 12 Abbey Road' → ('Abbey Road', 12, 'Flat 3');
    'Rose Cottage', 'Mill Lane' → ('Mill Lane', None, 'Rose Cottage').
    """
    segments = [part.strip() for line in lines for part in line.split(",") if part.strip()]
    for index, segment in enumerate(segments):
        match = _NUMBERED.match(segment)
        if match:
            label = ", ".join(segments[:index]) if index else match.group(1) + match.group(2)
            return StreetAddress(match.group(3).strip(), int(match.group(1)), label[:200])
    if not segments:
        return StreetAddress("", None, "")
    street = next((s for s in segments[1:] if _STREET_WORDS.search(s)), segments[1] if len(segments) > 1 else "")
    return StreetAddress(street[:200], None, segments[0][:200])
