"""A monthly donor's own page, opened by the signed personal link in their receipt: change the amount, stop it."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from groundswell.fundraising import selectors
from groundswell.fundraising.models import Appeal, Gift
from groundswell.fundraising.services import manage_token
from groundswell.messaging.models import EmailRecipient

from .world import give_and_pay

pytestmark = pytest.mark.django_db


def test_the_receipt_carries_the_personal_link_and_it_opens_the_gift(w):
    gift = give_and_pay(w.appeal, frequency="month", amount="1000")
    recipient = EmailRecipient.objects.get(person=gift.person)
    link = recipient.merge_data["manage_url"]
    assert link.endswith(reverse("fundraising:manage", args=[manage_token(gift)]))
    page = Client().get(reverse("fundraising:manage", args=[manage_token(gift)]))
    assert page.status_code == 200 and "£10" in page.content.decode()


def test_a_forged_or_revoked_link_opens_nothing(w):
    gift = give_and_pay(w.appeal, frequency="month", amount="1000")
    token = manage_token(gift)
    assert Client().get(reverse("fundraising:manage", args=[token[:-2] + "xx"])).status_code == 404
    gift.key = "new-key"
    gift.save()
    assert Client().get(reverse("fundraising:manage", args=[token])).status_code == 404


def test_the_donor_changes_the_amount_then_stops_the_gift(w):
    gift = give_and_pay(w.appeal, frequency="month", amount="1000")
    url = reverse("fundraising:manage", args=[manage_token(gift)])
    client = Client()
    bad = client.post(url, {"action": "change", "amount": "12.345"})
    assert bad.status_code == 400 and "two decimal places" in bad.content.decode()
    client.post(url, {"action": "change", "amount": "15"})
    gift.refresh_from_db()
    gift.subscription.refresh_from_db()
    assert gift.amount_pence == 1500 and gift.subscription.amount_pence == 1500
    assert selectors.run_rate_pence(Appeal.objects.all()) == 1500
    client.post(url, {"action": "cancel"})
    gift.refresh_from_db()
    gift.subscription.refresh_from_db()
    assert gift.cancelled_at is not None and gift.subscription.status == "cancelled"
    assert selectors.run_rate_pence(Appeal.objects.all()) == 0
    assert "You stopped this gift" in client.get(url).content.decode()
    assert gift.status == Gift.Status.PAID  # what was given stays given
