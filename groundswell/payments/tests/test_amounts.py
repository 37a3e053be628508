"""Amounts typed by people or sent by providers: whole pence only, never negative, never a fraction of a penny."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from groundswell.payments.amounts import MAX_PENCE, format_pence, parse_amount_pence
from groundswell.payments.errors import AmountError, PaymentError


@pytest.mark.parametrize(
    ("text", "pence"),
    [("12", 1200), ("12.3", 1230), ("12.34", 1234), ("£1,234.50", 123450), (" 0.01 ", 1), ("£ 5", 500), (".5", 50)],
)
def test_parses_pounds_to_pence(text, pence):
    assert parse_amount_pence(text) == pence


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("12.345", "fraction of a penny"),
        ("0.001", "fraction of a penny"),
        ("-5", "negative"),
        ("£-5.00", "negative"),
        ("0", "more than £0.00"),
        ("abc", "not an amount"),
        ("1e3", "not an amount"),
        ("NaN", "not an amount"),
        ("", "not an amount"),
        ("12,34", "not an amount"),
    ],
)
def test_refuses_with_a_reason(text, message):
    with pytest.raises(AmountError, match=message):
        parse_amount_pence(text)


def test_amount_error_is_a_payment_error():
    assert issubclass(AmountError, PaymentError) and issubclass(PaymentError, ValueError)


@given(st.integers(min_value=1, max_value=MAX_PENCE))
def test_round_trip_through_format(pence):
    assert parse_amount_pence(format_pence(pence)) == pence
    assert parse_amount_pence(f"{pence // 100}.{pence % 100:02d}") == pence


@given(st.decimals(min_value=Decimal("0.001"), max_value=Decimal("100000"), places=3))
def test_fractions_of_a_penny_are_always_refused(value):
    text = f"{value:.3f}"
    if value * 100 == int(value * 100):
        assert parse_amount_pence(text) == int(value * 100)
    else:
        with pytest.raises(AmountError, match="fraction of a penny"):
            parse_amount_pence(text)


@given(st.text(max_size=30))
def test_any_text_is_pence_or_a_clear_refusal(text):
    try:
        pence = parse_amount_pence(text)
    except AmountError as exc:
        assert str(exc)
    else:
        assert isinstance(pence, int) and 0 < pence <= MAX_PENCE


@given(st.integers(max_value=0))
def test_negative_or_zero_integers_are_refused(pounds):
    with pytest.raises(AmountError):
        parse_amount_pence(pounds)
