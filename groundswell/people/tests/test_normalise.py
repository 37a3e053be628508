import pytest

from groundswell.geography.models import Postcode
from groundswell.people.normalise import (
    InvalidValue,
    geocode_people,
    normalise_email,
    normalise_name,
    normalise_name_part,
    normalise_phone,
    normalise_phone_with_kind,
    normalise_postcode,
)

from .factories import PersonFactory


@pytest.mark.parametrize(
    "given,family,expected",
    [
        ("Siân", "O’Neill-Smith", "sian oneill smith"),
        ("  JOSÉ ", "Álvarez", "jose alvarez"),
        ("Zoë", "Brontë", "zoe bronte"),
        ("Søren", "Kierkegaard", "soren kierkegaard"),
        ("Mary-Jane", "d'Arcy", "mary jane darcy"),
        ("", "Smith", "smith"),
        ("Dr. J.", "Ng", "dr j ng"),
        ("", "", ""),
    ],
)
def test_names_normalise(given, family, expected):
    assert normalise_name(given, family) == expected


def test_name_spellings_with_and_without_punctuation_match():
    assert normalise_name_part("O'Brien") == normalise_name_part("OBrien") == "obrien"
    assert normalise_name_part("Mary-Jane") == normalise_name_part("mary jane")


def test_emails_are_lower_cased_and_validated():
    assert normalise_email("  Ann.Smith@Example.ORG ") == "ann.smith@example.org"
    for bad in ("ann", "ann@", "@example.org", "ann smith@example.org", "ann@@example.org"):
        with pytest.raises(InvalidValue) as excinfo:
            normalise_email(bad)
        assert "not a valid email" in str(excinfo.value)
        assert excinfo.value.field == "email"
    with pytest.raises(InvalidValue):
        normalise_email("")


@pytest.mark.parametrize(
    "raw,expected,kind",
    [
        ("07400 123456", "+447400123456", "mobile"),
        ("+44 (0)7400 123456", "+447400123456", "mobile"),
        ("0044 7400 123456", "+447400123456", "mobile"),
        ("0118 496 0000", "+441184960000", "other"),
        ("+353 1 234 5678", "+35312345678", "other"),
    ],
)
def test_phones_become_e164(raw, expected, kind):
    assert normalise_phone(raw) == expected
    assert normalise_phone_with_kind(raw) == (expected, kind)


@pytest.mark.parametrize("raw", ["123", "07400 12345", "call me", "0000000000", "+44 1234"])
def test_invalid_phones_get_a_clear_message(raw):
    with pytest.raises(InvalidValue) as excinfo:
        normalise_phone(raw)
    assert "phone number" in str(excinfo.value)
    with pytest.raises(InvalidValue):
        normalise_phone_with_kind(raw)


def test_postcodes_normalise_and_reject_junk():
    assert normalise_postcode("rg11aa") == "RG1 1AA"
    with pytest.raises(InvalidValue) as excinfo:
        normalise_postcode("XX1 1XX")
    assert "postcode" in str(excinfo.value).lower()


@pytest.mark.django_db
def test_geocoding_in_bulk_fills_and_clears_areas(django_assert_max_num_queries):
    Postcode.objects.create(
        postcode="RG1 1AA", latitude=51.45, longitude=-0.97, constituency_code="E14000889", ward_code="E05000001"
    )
    known = PersonFactory(postcode="RG1 1AA")
    unknown = PersonFactory(postcode="ZE1 0AA", constituency_code="stale", latitude=1.0)
    with django_assert_max_num_queries(3):  # one lookup chunk + one bulk update (+ savepoint on some backends)
        matched = geocode_people([known, unknown])
    assert matched == 1
    known.refresh_from_db()
    unknown.refresh_from_db()
    assert (known.latitude, known.longitude, known.constituency_code, known.ward_code) == (
        51.45,
        -0.97,
        "E14000889",
        "E05000001",
    )
    assert unknown.constituency_code == "" and unknown.latitude is None


def test_ofcom_drama_mobiles_are_accepted_as_mobiles():
    from groundswell.people.normalise import normalise_phone_with_kind

    assert normalise_phone_with_kind("07700 900123") == ("+447700900123", "mobile")
    with pytest.raises(InvalidValue):
        normalise_phone_with_kind("07700 901123")  # just outside the reserved range: unallocated
