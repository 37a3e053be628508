"""The door's address on walk sheets, knock-up packs and lists: the register's own lines, never a doubled number."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from groundswell.canvassing.walks.sheets import short_address
from groundswell.register.addresses import split_street
from groundswell.register.models import Property


def household(lines: list[str], **fields) -> Property:
    """A household as the register importer builds it: the lines as given, the fields parsed from them."""
    parts = split_street(lines)
    values = {"street": parts.street, "house_number": parts.house_number, "house_label": parts.house_label}
    values.update(fields)
    return Property(address_lines=lines, postcode="RG1 1AA", address_key="k", **values)


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["2 Louise Junctions", "Reading"], "2 Louise Junctions"),
        (["6 Bethan Port", "Earley", "Reading"], "6 Bethan Port"),
        (["12a Abbey Road", "Reading"], "12a Abbey Road"),
        (["Flat 3", "12 Abbey Road", "Reading"], "Flat 3, 12 Abbey Road"),
        (["Flat 3, 12 Abbey Road", "Reading"], "Flat 3, 12 Abbey Road"),
        (["Rose Cottage", "Mill Lane", "Reading"], "Rose Cottage, Mill Lane"),
        (["The Old Forge", "Reading"], "The Old Forge, Reading"),
    ],
)
def test_the_printed_address_is_the_registers_own(lines, expected):
    assert short_address(household(lines)) == expected


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"house_number": 2, "house_label": "2", "street": "Louise Junctions"}, "2 Louise Junctions"),
        ({"house_number": 12, "house_label": "12a", "street": "Abbey Road"}, "12a Abbey Road"),
        ({"house_number": 12, "house_label": "Flat 3", "street": "Abbey Road"}, "Flat 3, 12 Abbey Road"),
        ({"house_number": None, "house_label": "Rose Cottage", "street": "Mill Lane"}, "Rose Cottage, Mill Lane"),
    ],
)
def test_without_lines_the_fields_never_repeat_the_number(fields, expected):
    p = Property(address_lines=[], postcode="RG1 1AA", address_key="k", **fields)
    assert short_address(p) == expected


@given(
    number=st.integers(min_value=1, max_value=999),
    suffix=st.sampled_from(["", "a", "b"]),
    street=st.sampled_from(["Louise Junctions", "Bethan Port", "High Street", "Mill Lane"]),
    flat=st.sampled_from(["", "Flat 1", "Flat 12"]),
)
def test_a_house_number_is_printed_once(number, suffix, street, flat):
    first = f"{number}{suffix} {street}"
    lines = [", ".join(x for x in (flat, first) if x), "Reading"]
    text = short_address(household(lines))
    assert text.count(f"{number}{suffix} ") == 1
    assert text.endswith(first)
