"""A small world for fundraising tests: a unit tree, an organiser at Reading East, a treasurer at Reading West, an
open appeal at Reading East, and helpers that give through the public page and press Pay on the fake checkout."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.test import Client
from django.urls import reverse

from groundswell.accounts.models import Role
from groundswell.fundraising.models import Appeal, Gift
from groundswell.payments.services import Checkout
from groundswell.payments.testing import complete_checkout
from groundswell.tests.factories import UnitTreeFactory, user_with_role

DONOR = {
    "amount": "2500",
    "other_amount": "",
    "frequency": "once",
    "full_name": "Ada Lovelace",
    "address_line1": "1 Market Place",
    "town": "Reading",
    "postcode": "rg1 1aa",
    "on_register": "yes",
    "email": "ada@example.org",
}


def build_world() -> SimpleNamespace:
    tree = UnitTreeFactory.build_tree()
    organiser = user_with_role(Role.ORGANISER, tree.clp_a)
    treasurer = user_with_role(Role.TREASURER, tree.clp_b)
    appeal = Appeal.objects.create(
        unit=tree.clp_a,
        title="Fighting fund",
        slug="fighting-fund",
        story="We need leaflets.\n\nAnd a hall.",
        target_pence=500_000,
        suggested_pence=[1000, 2500, 5000],
        published=True,
    )
    return SimpleNamespace(tree=tree, organiser=organiser, treasurer=treasurer, appeal=appeal)


def login(user) -> Client:
    client = Client()
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    client.force_login(user)
    return client


def give(appeal: Appeal, client: Client | None = None, **over: Any):
    """Post the appeal's gift form; returns the response (a redirect to the fake checkout when accepted)."""
    data = {**DONOR, **over}
    return (client or Client()).post(reverse("fundraising:appeal", args=[appeal.slug]), data)


def pay(gift: Gift, *, pay: bool = True):
    """Press Pay (or Decline) on the gift's fake checkout page."""
    gift.refresh_from_db()
    return complete_checkout(Checkout(url="", payment=gift.payment, subscription=gift.subscription), pay=pay)


def give_and_pay(appeal: Appeal, **over: Any) -> Gift:
    response = give(appeal, **over)
    assert response.status_code == 302, response.content.decode()[:2000]
    gift = Gift.objects.order_by("-id").first()
    pay(gift)
    gift.refresh_from_db()
    return gift
