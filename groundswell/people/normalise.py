"""Cleaning what people type: names, email addresses, phone numbers and postcodes.

Each `normalise_*` returns the stored form or raises `InvalidValue` with a message fit to show a user,
so the importer, forms and the API all reject the same things with the same words.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

from groundswell.db.bulk import CHUNK, chunked
from groundswell.geography.models import Postcode
from groundswell.geography.postcodes import InvalidPostcode
from groundswell.geography.postcodes import normalise_postcode as _normalise_postcode

from .models import Person

DEFAULT_PHONE_REGION = "GB"


class InvalidValue(ValueError):
    """A value a person typed that cannot be stored. str(exc) is a user-facing message; `field` names the input."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


# Letters NFKD does not decompose into a base letter plus accent.
_LETTER_FOLDS = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"})
# Apostrophes join (O'Brien → obrien) so spelling with or without one matches; other punctuation separates.
_APOSTROPHES = re.compile(r"['’‘`´]")
_NON_WORD = re.compile(r"[^a-z0-9]+")


def normalise_name_part(text: str) -> str:
    """Lower-case, accent-free, punctuation-free form of one name: 'Siân O’Neill-Smith' → 'sian oneill smith'."""
    if not text:
        return ""
    folded = unicodedata.normalize("NFKD", text.casefold().translate(_LETTER_FOLDS))
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    folded = _APOSTROPHES.sub("", folded)
    return _NON_WORD.sub(" ", folded).strip()


def normalise_name(given_name: str, family_name: str) -> str:
    """The `Person.normalised_name` value: "given family", normalised, single-spaced."""
    return " ".join(p for p in (normalise_name_part(given_name), normalise_name_part(family_name)) if p)


_email_validator = EmailValidator()


def normalise_email(raw: str) -> str:
    """Trimmed, lower-cased, validated email address.

    The whole address is lower-cased (not just the domain): in practice no mail provider distinguishes case in
    the local part, and matching imports against existing records depends on one spelling.
    """
    value = (raw or "").strip().lower()
    if not value:
        raise InvalidValue("No email address given", field="email")
    try:
        _email_validator(value)
    except ValidationError as exc:
        raise InvalidValue(f"{raw.strip()!r} is not a valid email address", field="email") from exc
    if len(value) > 254:
        raise InvalidValue("Email address is longer than 254 characters", field="email")
    return value


_MOBILE_TYPES = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def _is_drama_mobile(parsed: phonenumbers.PhoneNumber) -> bool:
    """Ofcom reserves 07700 900000–900999 for drama (and so for demos and training): never allocated, so
    libphonenumber calls them invalid, but they are the one safe range of fictional UK mobiles."""
    return parsed.country_code == 44 and 7700900000 <= parsed.national_number <= 7700900999


def normalise_phone_with_kind(raw: str, region: str = DEFAULT_PHONE_REGION) -> tuple[str, str]:
    """(E.164, 'mobile' | 'other') in one pass.

    number_type() is UNKNOWN exactly when is_valid_number() is false (both match the number against its
    region's patterns), so one call both validates and classifies: half the cost, which matters at 100,000 rows.
    """
    value = (raw or "").strip()
    if not value:
        raise InvalidValue("No phone number given", field="phone")
    try:
        parsed = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidValue(f"{value!r} is not a phone number", field="phone") from exc
    kind = phonenumbers.number_type(parsed)
    if kind == phonenumbers.PhoneNumberType.UNKNOWN and _is_drama_mobile(parsed):
        kind = phonenumbers.PhoneNumberType.MOBILE
    if kind == phonenumbers.PhoneNumberType.UNKNOWN:
        raise InvalidValue(
            f"{value!r} is not a valid phone number (UK numbers look like 07400 123456 or 0118 496 0000)",
            field="phone",
        )
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return e164, ("mobile" if kind in _MOBILE_TYPES else "other")


def normalise_phone(raw: str, region: str = DEFAULT_PHONE_REGION) -> str:
    """E.164 form ('+447400123456'); numbers without a country code are read as UK numbers."""
    return normalise_phone_with_kind(raw, region)[0]


def normalise_postcode(raw: str) -> str:
    """Display form ('SW1A 1AA'); wraps the geography parser so callers catch one exception type."""
    try:
        return _normalise_postcode(raw)
    except InvalidPostcode as exc:
        raise InvalidValue(str(exc), field="postcode") from exc


GeoFields = tuple[float | None, float | None, str, str]


def lookup_postcodes(postcodes: Iterable[str]) -> dict[str, GeoFields]:
    """{postcode: (latitude, longitude, constituency_code, ward_code)} for those in the Postcode table.

    Queried in chunks so an import of 100,000 people costs ~100 queries, not 100,000.
    """
    wanted = sorted({p for p in postcodes if p})
    found: dict[str, GeoFields] = {}
    for chunk in chunked(wanted):
        rows = Postcode.objects.filter(postcode__in=chunk).values_list(
            "postcode", "latitude", "longitude", "constituency_code", "ward_code"
        )
        for postcode, lat, lon, constituency, ward in rows:
            found[postcode] = (lat, lon, constituency or "", ward or "")
    return found


def apply_geography(person: Person, geo: GeoFields | None) -> None:
    """Set a person's coordinates and areas from a postcode lookup; clear them if the postcode is unknown."""
    lat, lon, constituency, ward = geo if geo else (None, None, "", "")
    person.latitude, person.longitude = lat, lon
    person.constituency_code, person.ward_code = constituency, ward


def geocode_people(people: Iterable[Person], save: bool = True) -> int:
    """Fill latitude/longitude/constituency/ward from each person's postcode in bulk. Returns how many matched."""
    people = list(people)
    found = lookup_postcodes(p.postcode for p in people)
    for person in people:
        apply_geography(person, found.get(person.postcode))
    if save and people:
        Person.objects.bulk_update(
            people, ["latitude", "longitude", "constituency_code", "ward_code"], batch_size=CHUNK
        )
    return sum(1 for p in people if p.postcode in found)
