"""Fundraising writes: appeals (organisers, scoped to their units), starting a gift from the public page, what
happens when payments says money arrived (the ledger entry and the receipt), and the donor changing or stopping
a monthly gift through their personal link.

Money reaches this app only through payments' notices (`on_payment_notice`, registered in apps.ready()), inside
the webhook's transaction: an error here rolls the event back and payments retries it. Every write is audited
with ids, never names (the audit log outlives erasure).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from groundswell.accounts.access import Perm, has_perm
from groundswell.audit.services import record
from groundswell.donations import selectors as donation_selectors
from groundswell.donations import services as donations
from groundswell.donations.models import DonorDetails
from groundswell.messaging.services import create_email_send, queue_send
from groundswell.payments import services as payments
from groundswell.payments.listeners import PaymentNotice
from groundswell.people import services as people
from groundswell.people.models import OrganisationUnit, Person

from .forms import CONSENT_WORDING, MAX_GIFT_PENCE, MIN_GIFT_PENCE, GiftRequest, pounds
from .models import Appeal, Gift, GiftPayment

PURPOSE = "donation"  # payments' purpose for every gift (the contract's name; the ledger's word)
REF_PREFIX = "fundraising.gift:"
MANAGE_SALT = "fundraising.gift.manage"
THANKS_SALT = "fundraising.gift.thanks"
CONSENT_SOURCE = "Appeal form"

APPEAL_FIELDS = (
    "unit", "campaign", "title", "slug", "story", "target_pence", "suggested_pence", "allow_one_off",
    "allow_monthly", "opens_on", "closes_on", "published",
)  # fmt: skip


# ------------------------------------------------------------------------------------------ appeals


def _require_manage(actor: Any, unit: OrganisationUnit) -> None:
    if not has_perm(actor, Perm.MANAGE_APPEALS, unit):
        raise PermissionDenied("You cannot run appeals for this unit.")


def save_appeal(actor: Any, fields: dict[str, Any], appeal: Appeal | None = None) -> Appeal:
    """Create or change an appeal. The actor must run appeals at the appeal's unit (its old unit too, when moving
    it); the web address must be free."""
    values = {k: fields[k] for k in APPEAL_FIELDS if k in fields}
    _require_manage(actor, values.get("unit") or appeal.unit)
    if appeal is not None:
        _require_manage(actor, appeal.unit)
    slug = values.get("slug")
    if slug and Appeal.objects.filter(slug=slug).exclude(pk=getattr(appeal, "pk", None)).exists():
        raise ValidationError({"slug": f"The web address /give/{slug}/ is taken; choose another."})
    try:
        with transaction.atomic():
            if appeal is None:
                appeal = Appeal.objects.create(created_by=actor, **values)
                action = "created"
            else:
                for key, value in values.items():
                    setattr(appeal, key, value)
                appeal.save()
                action = "changed"
            record(action, actor=actor, obj=appeal, unit=appeal.unit, detail={"published": appeal.published})
    except IntegrityError:
        raise ValidationError({"slug": f"The web address /give/{slug}/ is taken; choose another."}) from None
    return appeal


# ------------------------------------------------------------------------------------------ starting a gift


def thanks_token(gift: Gift) -> str:
    return signing.dumps({"g": gift.pk}, salt=THANKS_SALT, compress=True)


def gift_from_thanks_token(token: str) -> Gift | None:
    try:
        data = signing.loads(token, salt=THANKS_SALT, max_age=60 * 60 * 24 * 7)
    except signing.BadSignature:
        return None
    return Gift.objects.select_related("appeal").filter(pk=data.get("g") if isinstance(data, dict) else None).first()


def manage_token(gift: Gift) -> str:
    """The donor's personal link to their monthly gift: the gift id and its random key, signed with SECRET_KEY (so a
    changed character fails, and a new key revokes every old link)."""
    return signing.dumps({"g": gift.pk, "k": gift.key}, salt=MANAGE_SALT, compress=True)


def manage_url(gift: Gift) -> str:
    return f"{settings.PUBLIC_BASE_URL}{reverse('fundraising:manage', args=[manage_token(gift)])}"


def gift_from_manage_token(token: str) -> Gift | None:
    """The gift a personal link opens, or None for a forged or revoked one (callers answer 404 whatever the reason)."""
    try:
        data = signing.loads(token, salt=MANAGE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("g"), int):
        return None
    gift = Gift.objects.select_related("appeal", "subscription").filter(pk=data["g"]).first()
    if gift is None or gift.key != data.get("k"):
        return None
    return gift


def _match_or_create_person(appeal: Appeal, req: GiftRequest) -> Person:
    """The live record with this email (the oldest), else a new supporter in the appeal's unit. An existing record
    is never overwritten from a public form: anyone can type anyone's email address."""
    live = Person.objects.filter(merged_into__isnull=True, erased_at__isnull=True)
    person = live.filter(email_addresses__address=req.email).order_by("id").first()
    if person is not None:
        if req.phone:
            people.add_phone(person, req.phone)
        return person
    given, _, family = req.full_name.partition(" ")
    return people.create_person(
        appeal.unit,
        given_name=given[:100],
        family_name=family[:100],
        address_line1=req.address_line1,
        address_line2=req.address_line2,
        locality=req.town,
        postcode=req.postcode if not req.overseas_elector else "",
        emails=[req.email],
        phones=[req.phone] if req.phone else [],
    )


def start_gift(appeal: Appeal, req: GiftRequest, *, base_url: str) -> tuple[Gift, str]:
    """Record a pending gift and start the provider's hosted checkout; returns the gift and the checkout address to
    send the donor to. Consent boxes ticked are recorded now, with the words shown; unticked boxes record nothing
    (leaving a box empty here does not withdraw consent given elsewhere)."""
    if not appeal.is_open():
        raise ValidationError("This appeal is not taking gifts at the moment.")
    if not (MIN_GIFT_PENCE <= req.amount_pence <= MAX_GIFT_PENCE):
        raise ValidationError({"other_amount": f"Choose an amount between {pounds(MIN_GIFT_PENCE)} and "
                                               f"{pounds(MAX_GIFT_PENCE)}."})  # fmt: skip
    with transaction.atomic():
        person = _match_or_create_person(appeal, req)
        for channel, granted in req.consents.items():
            if granted:
                people.set_consent(
                    person, channel, "granted", f"{CONSENT_SOURCE}: appeal #{appeal.pk}", CONSENT_WORDING[channel]
                )
        gift = Gift.objects.create(
            appeal=appeal,
            person=person,
            amount_pence=req.amount_pence,
            interval=req.interval,
            full_name=req.full_name,
            address_line1=req.address_line1,
            address_line2=req.address_line2,
            town=req.town,
            postcode=req.postcode,
            country=req.country,
            email=req.email,
            phone=req.phone,
            on_register=req.on_register,
            overseas_elector=req.overseas_elector,
        )
        checkout = payments.start_checkout(
            amount_pence=req.amount_pence,
            purpose=PURPOSE,
            purpose_ref=gift.purpose_ref,
            description=f"{'Monthly gift' if gift.monthly else 'Gift'}: {appeal.title}",
            success_url=base_url + reverse("fundraising:thanks", args=[appeal.slug, thanks_token(gift)]),
            cancel_url=base_url + reverse("fundraising:appeal", args=[appeal.slug]) + "?cancelled=1",
            email=req.email,
            name=req.full_name,
            payer=person,
            interval=req.interval or None,
            idempotency_key=f"fundraising-gift-{gift.pk}",
            unit=appeal.unit,
        )
        gift.payment, gift.subscription = checkout.payment, checkout.subscription
        gift.save(update_fields=["payment", "subscription"])
        record("created", obj=gift, unit=appeal.unit, detail={"appeal": appeal.pk, "interval": gift.interval})
    return gift, checkout.url


# ------------------------------------------------------------------------------------------ money arriving


def gift_for_notice(notice: PaymentNotice) -> Gift | None:
    """The gift a notice is about (a monthly gift's later payments carry the subscription's reference)."""
    refs = [notice.purpose_ref]
    if notice.subscription is not None:
        refs.append(notice.subscription.purpose_ref)
    for ref in refs:
        if ref and ref.startswith(REF_PREFIX) and ref[len(REF_PREFIX) :].isdigit():
            return Gift.objects.select_for_update().filter(pk=int(ref[len(REF_PREFIX) :])).first()
    return None


def on_payment_notice(notice: PaymentNotice) -> None:
    """Payments' listener for purpose 'donation': only notices about our gifts are acted on (other apps may take
    donations through payments too)."""
    gift = gift_for_notice(notice)
    if gift is None:
        return
    if notice.kind == "payment_paid" and notice.payment is not None:
        record_payment(gift, notice.payment, received_on=timezone.localdate(notice.occurred_at))
    elif notice.kind == "payment_failed":
        line = GiftPayment.objects.filter(payment=notice.payment).first() if notice.payment is not None else None
        if line is not None:  # a paid payment failed later (a charge-back): the money went back
            record_refund(gift, notice.payment, whole=True)
        elif not gift.payments.exists() and gift.status == Gift.Status.PENDING:
            gift.status = Gift.Status.FAILED
            gift.save(update_fields=["status"])
    elif notice.kind == "payment_refunded" and notice.payment is not None:
        record_refund(gift, notice.payment)
    elif notice.kind == "subscription_cancelled" and gift.cancelled_at is None:
        # Payments says "cancelled" for every stop, a card declined at the first checkout included.
        gift.cancelled_at = notice.occurred_at
        if gift.status == Gift.Status.PENDING and not gift.payments.exists():
            gift.status = Gift.Status.FAILED
        gift.save(update_fields=["cancelled_at", "status"])


def donor_details(gift: Gift) -> DonorDetails:
    """The ledger's donor record from what the donor gave on the form (never from the person record, which someone
    else may have written)."""
    return DonorDetails(
        donor_type="individual",
        full_name=gift.full_name,
        address_line1=gift.address_line1,
        address_line2=gift.address_line2,
        town=gift.town,
        postcode=gift.postcode,
        country=gift.country,
        email=gift.email,
        on_register_declared=gift.on_register,
        overseas_elector=gift.overseas_elector,
        person=gift.person,
    )


def record_payment(gift: Gift, payment: Any, *, received_on: dt.date) -> GiftPayment | None:
    """A payment arrived for `gift` (call inside the webhook's transaction, the gift locked): one GiftPayment and
    one ledger donation per payment, then the receipt. A second notice for the same payment changes nothing."""
    if GiftPayment.objects.filter(payment=payment).exists():
        return None
    accounting_unit = donation_selectors.accounting_unit_for(gift.appeal.unit)
    donation = donations.record_donation(
        accounting_unit=accounting_unit,
        amount_pence=payment.amount_pence,
        received_on=received_on,
        channel="online",
        donor=donor_details(gift),
        payment=payment,
        description=f"Appeal #{gift.appeal_id} {'monthly ' if gift.monthly else ''}gift #{gift.pk}",
    )
    line = GiftPayment.objects.create(
        gift=gift,
        appeal_id=gift.appeal_id,
        payment=payment,
        amount_pence=payment.amount_pence,
        received_on=received_on,
        donation=donation,
    )
    if gift.status != Gift.Status.PAID:
        gift.status, gift.paid_at = Gift.Status.PAID, gift.paid_at or timezone.now()
        gift.save(update_fields=["status", "paid_at"])
    record("changed", obj=gift, unit=gift.appeal.unit, detail={"event": "fundraising.gift.paid", "line": line.pk})
    send_receipt(line)
    return line


def record_refund(gift: Gift, payment: Any, *, whole: bool = False) -> None:
    """The provider refunded (part of) a payment, or it failed after being paid (`whole`): the appeal's progress
    and the donations ledger drop by it; a one-off gift refunded in full is marked refunded."""
    line = GiftPayment.objects.filter(payment=payment).first()
    if line is None:
        return
    line.refunded_pence = line.amount_pence if whole else min(line.amount_pence, int(payment.refunded_pence))
    line.save(update_fields=["refunded_pence"])
    donations.record_payment_refund(payment, refunded_pence=line.refunded_pence)  # the ledger keeps only money held
    if not gift.monthly and line.refunded_pence >= line.amount_pence:
        gift.status = Gift.Status.REFUNDED
        gift.save(update_fields=["status"])
    record("changed", obj=gift, unit=gift.appeal.unit, detail={"event": "fundraising.gift.refunded"})


def send_receipt(line: GiftPayment) -> None:
    """The receipt, through messaging with purpose 'service': a receipt for money given is a transactional
    message, not marketing, so it is sent whether or not the donor ticked any consent box (PECR covers direct
    marketing only; the ICO's direct marketing guidance treats such service messages as outside it). The do-not-
    contact list and unusable addresses are still respected by messaging."""
    gift = line.gift
    if gift.person is None:
        return
    context = {
        "gift": gift,
        "line": line,
        "appeal": gift.appeal,
        "amount": pounds(line.amount_pence),
        "first": gift.payments.count() == 1,
    }
    subject = f"Thank you: your {'monthly ' if gift.monthly else ''}gift of {pounds(line.amount_pence)}"
    body = render_to_string("fundraising/email/receipt.txt", context)
    merge = {gift.person_id: {"manage_url": manage_url(gift) if gift.monthly else ""}}
    send = create_email_send(
        unit=gift.person.unit,
        subject=subject,
        body_text=body,
        people=Person.objects.filter(pk=gift.person_id),
        actor=None,
        source=f"fundraising receipt gift #{gift.pk}",
        purpose="service",
        merge_data=merge,
    )
    line.receipt_sent_at = timezone.now()
    line.save(update_fields=["receipt_sent_at"])
    transaction.on_commit(lambda: queue_send(send))


# ------------------------------------------------------------------------------------------ the donor's own page


def change_monthly_amount(gift: Gift, amount_pence: int) -> Gift:
    """The donor changes their monthly amount (from the next payment)."""
    if not gift.monthly or gift.subscription is None or gift.cancelled_at:
        raise ValidationError({"amount": "Only a running monthly gift can be changed."})
    if not (MIN_GIFT_PENCE <= amount_pence <= MAX_GIFT_PENCE):
        limits = f"{pounds(MIN_GIFT_PENCE)} and {pounds(MAX_GIFT_PENCE)}"
        raise ValidationError({"amount": f"Choose an amount between {limits}."})
    try:
        payments.change_subscription(gift.subscription, amount_pence=amount_pence)
    except payments.PaymentError as exc:
        raise ValidationError({"amount": str(exc)}) from None
    with transaction.atomic():
        before = gift.amount_pence
        gift.amount_pence = amount_pence
        gift.save(update_fields=["amount_pence"])
        record("changed", obj=gift, unit=gift.appeal.unit,
               detail={"event": "fundraising.gift.amount", "from_pence": before, "to_pence": amount_pence})  # fmt: skip
    return gift


def cancel_monthly(gift: Gift) -> Gift:
    """The donor stops their monthly gift. Payments already made stay given (and recorded)."""
    if not gift.monthly or gift.subscription is None:
        raise ValidationError("This is not a monthly gift.")
    if gift.cancelled_at:
        return gift
    try:
        payments.cancel_subscription(gift.subscription, reason="Donor cancelled through their personal link")
    except payments.PaymentError as exc:
        raise ValidationError(str(exc)) from None
    with transaction.atomic():
        gift.cancelled_at = timezone.now()
        gift.save(update_fields=["cancelled_at"])
        record("changed", obj=gift, unit=gift.appeal.unit, detail={"event": "fundraising.gift.cancelled"})
    return gift
