"""The demo's appeal: Reading East's fighting fund, published, with gifts from the demo's synthetic supporters paid
through the fake card provider over the last ten weeks (one-off and monthly, one declined), so payments, gifts,
the donations ledger and the progress bar all agree. Built once (a second run finds the appeal and stops)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from django.conf import settings
from django.utils import timezone

from groundswell.payments import fakes
from groundswell.payments.testing import pay_next_charge
from groundswell.people.models import OrganisationUnit, Person

from . import services
from .forms import GiftRequest
from .models import Appeal, Gift

SLUG = "reading-east-fighting-fund"
READING_EAST = "E14000889"
STORY = (
    "Reading East is a seat we can win, and every leaflet, hall and phone line is paid for by people like you.\n\n"
    "Your gift buys leaflets for the estates the canvass has not reached, the hall for our public meeting, and the "
    "phones for polling-day knock-up. Give once, or give monthly so we can plan."
)


def _request(person: Person, amount_pence: int, interval: str, rng: random.Random) -> GiftRequest:
    return GiftRequest(
        amount_pence=amount_pence,
        interval=interval,
        full_name=f"{person.given_name} {person.family_name}".strip() or "Demo Donor",
        address_line1=person.address_line1 or f"{rng.randint(1, 120)} London Road",
        address_line2="",
        town=person.locality or "Reading",
        postcode=person.postcode or "RG1 5AQ",
        country="United Kingdom",
        email=person.primary_email,
        phone="",
        on_register=rng.random() > 0.1,
        overseas_elector=False,
        consents={"email": rng.random() < 0.5, "sms": False, "phone": False, "post": rng.random() < 0.2},
    )


def build_fundraising_demo(say: Callable[[str], None] = lambda m: None) -> Appeal | None:
    clp = OrganisationUnit.objects.filter(code=f"CLP-{READING_EAST}").first()
    if clp is None:
        return None
    found = Appeal.objects.filter(slug=SLUG).first()
    if found is not None:
        return found
    today = timezone.localdate()
    appeal = Appeal.objects.create(
        unit=clp,
        campaign="General election",
        title="Reading East fighting fund",
        slug=SLUG,
        story=STORY,
        target_pence=500_000,
        suggested_pence=[1000, 2500, 5000, 10000],
        opens_on=today - dt.timedelta(weeks=11),
        published=True,
    )
    donors = list(
        Person.objects.filter(unit__path__startswith=clp.path, synthetic=True, email_addresses__isnull=False)
        .distinct()
        .order_by("id")[:40]
    )
    rng = random.Random(19)
    base = settings.PUBLIC_BASE_URL
    for index, person in enumerate(donors):
        if not person.primary_email:
            continue
        monthly = index % 5 == 0
        amount = rng.choice([500, 1000, 2500, 2500, 5000, 10000, 25000]) if not monthly else rng.choice([500, 1000])
        gift, _ = services.start_gift(appeal, _request(person, amount, "month" if monthly else "", rng), base_url=base)
        ref = (gift.payment or gift.subscription).checkout_ref
        when = timezone.now() - dt.timedelta(days=rng.randint(1, 70), hours=rng.randint(0, 8))
        if index % 13 == 7:
            fakes.decline_checkout(ref)  # a declined card: a failed gift, nothing raised
            continue
        fakes.pay_checkout(ref, at=when)
        gift.refresh_from_db()
        if gift.subscription is not None:
            gift.subscription.refresh_from_db()
            while gift.subscription.next_charge_on and gift.subscription.next_charge_on <= today:
                pay_next_charge(gift.subscription)
                gift.subscription.refresh_from_db()
    paid = Gift.objects.filter(appeal=appeal, status=Gift.Status.PAID).count()
    say(f"Fundraising: appeal /give/{SLUG}/ with {paid} paid gifts")
    return appeal
