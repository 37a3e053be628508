"""Whatever arrives at the webhook endpoint, the answer is 400 (not signed by the provider) or a stored event; never
a crash, never money counted from an unsigned body."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from groundswell.payments.models import Payment, WebhookEvent
from groundswell.payments.providers.fake import SIGNATURE_HEADER, sign

pytestmark = pytest.mark.django_db

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


@given(body=st.binary(max_size=300), signature=st.text(max_size=80))
def test_unsigned_bodies_are_refused(body, signature):
    response = Client().post(
        "/payments/webhooks/fake_card/",
        data=body,
        content_type="application/json",
        headers={SIGNATURE_HEADER: signature},
    )
    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()


@given(
    event=st.fixed_dictionaries(
        {"id": st.text(min_size=1, max_size=20), "type": st.sampled_from(["payment.paid", "mandate.failed", "x"])},
        optional={
            "data": st.dictionaries(
                st.sampled_from(["payment", "subscription", "mandate", "amount_pence"]), json_values
            )
        },
    )
)
def test_signed_but_odd_events_are_stored_or_refused_never_a_crash(event):
    body = json.dumps(event).encode()
    response = Client().post(
        "/payments/webhooks/fake_card/", data=body, content_type="application/json", headers=sign(body)
    )
    assert response.status_code in (200, 400), response.content
    assert not Payment.objects.filter(status="paid").exists()


def test_nul_characters_are_stored_without_them():
    body = json.dumps(
        {"id": "evt\x00nul", "type": "payment.paid", "data": {"payment": "p\x00", "x": "a\x00b"}}
    ).encode()
    response = Client().post(
        "/payments/webhooks/fake_card/", data=body, content_type="application/json", headers=sign(body)
    )
    assert response.status_code == 200
    event = WebhookEvent.objects.get(event_id="evtnul")
    assert event.outcome == "error" and event.payload["data"]["x"] == "ab"
