"""The gift form's parsing: amounts in pounds to pence (never a float), donor details checked all at once with
plain-words errors keyed by field; a property test throws arbitrary input at it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from groundswell.fundraising.forms import MAX_GIFT_PENCE, GiftForm, parse_gift, parse_pounds, parse_suggested
from groundswell.fundraising.models import Appeal

from .world import DONOR

APPEAL = Appeal(title="A", slug="a", story="s", target_pence=1000, suggested_pence=[1000, 2500], allow_monthly=True)


@pytest.mark.parametrize(
    ("text", "pence"),
    [("25", 2500), ("12.5", 1250), ("12.50", 1250), ("£1,250.00", 125000), (" £7 ", 700), (".99", 99)],
)
def test_amounts_in_pounds_become_pence(text, pence):
    assert parse_pounds(text) == pence


@pytest.mark.parametrize(
    ("text", "says"),
    [("", "Enter an amount"), ("-5", "negative"), ("12.345", "two decimal places"), ("ten", "not an amount"),
     ("1e3", "not an amount"), ("£", "not an amount"), ("NaN", "not an amount")],
)  # fmt: skip
def test_bad_amounts_are_refused_in_plain_words(text, says):
    with pytest.raises(ValidationError) as exc:
        parse_pounds(text)
    assert says in " ".join(exc.value.message_dict["amount"])


def test_a_suggested_amount_or_another_amount():
    assert parse_gift(APPEAL, DONOR).amount_pence == 2500
    assert parse_gift(APPEAL, {**DONOR, "amount": "other", "other_amount": "7.50"}).amount_pence == 750
    with pytest.raises(ValidationError) as exc:
        parse_gift(APPEAL, {**DONOR, "amount": "999"})  # not one of the amounts offered
    assert "Choose one of the amounts" in exc.value.message_dict["amount"][0]
    with pytest.raises(ValidationError) as exc:
        parse_gift(APPEAL, {**DONOR, "amount": "other", "other_amount": "0.50"})
    assert "smallest gift" in exc.value.message_dict["other_amount"][0]


def test_every_missing_detail_is_named_at_once():
    with pytest.raises(ValidationError) as exc:
        parse_gift(APPEAL, {"amount": "2500", "frequency": "once"})
    errors = exc.value.message_dict
    assert set(errors) >= {"full_name", "address_line1", "postcode", "on_register", "email"}
    assert errors["postcode"] == ["Give your postcode."]


def test_overseas_electors_give_their_country_not_a_uk_postcode():
    req = parse_gift(APPEAL, {**DONOR, "postcode": "", "overseas_elector": "on", "country": "France"})
    assert req.overseas_elector and req.country == "France" and req.postcode == ""
    with pytest.raises(ValidationError) as exc:
        parse_gift(APPEAL, {**DONOR, "overseas_elector": "on", "country": ""})
    assert "country" in exc.value.message_dict


def test_monthly_only_where_the_appeal_allows_it():
    one_off_only = Appeal(title="B", slug="b", story="s", target_pence=1, suggested_pence=[1000], allow_monthly=False)
    with pytest.raises(ValidationError) as exc:
        parse_gift(one_off_only, {**DONOR, "amount": "1000", "frequency": "month"})
    assert "one-off gift or a monthly gift" in exc.value.message_dict["frequency"][0]
    assert parse_gift(APPEAL, {**DONOR, "frequency": "month"}).interval == "month"


def test_texting_or_phoning_needs_a_phone_number():
    with pytest.raises(ValidationError) as exc:
        parse_gift(APPEAL, {**DONOR, "consent_sms": "on"})
    assert "phone number" in exc.value.message_dict["phone"][0]
    req = parse_gift(APPEAL, {**DONOR, "consent_sms": "on", "phone": "07700 900123"})
    assert req.consents == {"email": False, "sms": True, "phone": False, "post": False}


def test_not_sure_about_the_register_is_kept_as_not_known():
    assert parse_gift(APPEAL, {**DONOR, "on_register": "unsure"}).on_register is None
    assert parse_gift(APPEAL, {**DONOR, "on_register": "no"}).on_register is False


def test_suggested_amounts_for_the_editor():
    assert parse_suggested("50, 10 25,10") == [1000, 2500, 5000]
    with pytest.raises(ValidationError):
        parse_suggested("10, lots")


FIELDS = list(GiftForm.base_fields)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.dictionaries(
        st.sampled_from(FIELDS),
        st.one_of(st.text(max_size=40), st.sampled_from(["2500", "other", "once", "month", "yes", "-1", "1e9"])),
    )
)
def test_any_input_is_either_a_checked_gift_or_field_errors(data):
    form = GiftForm(APPEAL, data)
    if form.is_valid():
        gift = form.gift
        assert gift is not None
        assert isinstance(gift.amount_pence, int) and 100 <= gift.amount_pence <= MAX_GIFT_PENCE
        assert gift.interval in {"", "month"} and gift.full_name and gift.email
    else:
        assert form.errors
        assert all(isinstance(m, str) and m for messages in form.errors.values() for m in messages)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=10**9))
def test_pounds_round_trip_exactly(pence):
    text = f"{pence // 100}.{pence % 100:02d}"
    assert parse_pounds(text) == pence
