"""Appeals (a public page asking for money for a unit or a campaign) and the gifts made through them.

A gift is one checkout: one payment (one-off) or one subscription (monthly). Each payment that arrives for it is
a `GiftPayment`, recorded once in the donations ledger; the appeal's progress counts those and nothing else, so a
checkout abandoned or declined never shows as money raised. Amounts are integer pence.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from groundswell.people.models import OrganisationUnit, Person


def _new_key() -> str:
    return secrets.token_urlsafe(12)


class Appeal(models.Model):
    """A public appeal at /give/<slug>/: the story, a target, suggested amounts and the unit the money goes to (its
    accounting unit is found by walking up from `unit`)."""

    unit = models.ForeignKey(OrganisationUnit, on_delete=models.PROTECT, related_name="appeals")
    campaign = models.CharField(max_length=120, blank=True, default="", help_text="Optional campaign name")
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    story = models.TextField(help_text="Plain text; blank lines start new paragraphs")
    target_pence = models.PositiveBigIntegerField()
    suggested_pence = models.JSONField(default=list, blank=True, help_text="Suggested amounts in pence")
    allow_one_off = models.BooleanField(default=True)
    allow_monthly = models.BooleanField(default=True)
    opens_on = models.DateField(null=True, blank=True)
    closes_on = models.DateField(null=True, blank=True)
    published = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(allow_one_off=True) | models.Q(allow_monthly=True), name="appeal_allows_some_gift"
            ),
            models.CheckConstraint(
                condition=models.Q(closes_on__isnull=True)
                | models.Q(opens_on__isnull=True)
                | models.Q(closes_on__gte=models.F("opens_on")),
                name="appeal_closes_after_it_opens",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def is_open(self, today=None) -> bool:
        """Taking gifts: published, and today within its dates (inclusive)."""
        today = today or timezone.localdate()
        if not self.published:
            return False
        if self.opens_on and today < self.opens_on:
            return False
        return not (self.closes_on and today > self.closes_on)


class Gift(models.Model):
    """One checkout through an appeal, with the donor's details as they gave them (the permissibility evidence the
    ledger needs; never copied over an existing person's record)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for payment"
        PAID = "paid", "Paid"
        FAILED = "failed", "Failed"
        REFUNDED = "refunded", "Refunded"

    class Interval(models.TextChoices):
        ONE_OFF = "", "One-off"
        MONTH = "month", "Monthly"

    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="gifts")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="gifts")
    amount_pence = models.PositiveBigIntegerField(help_text="Each payment (monthly: the current monthly amount)")
    interval = models.CharField(max_length=5, blank=True, default="", choices=Interval.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    full_name = models.CharField(max_length=200)
    address_line1 = models.CharField(max_length=200)
    address_line2 = models.CharField(max_length=200, blank=True, default="")
    town = models.CharField(max_length=100, blank=True, default="")
    postcode = models.CharField(max_length=12, blank=True, default="")
    country = models.CharField(max_length=100, blank=True, default="United Kingdom")
    email = models.CharField(max_length=254)
    phone = models.CharField(max_length=20, blank=True, default="")
    on_register = models.BooleanField(null=True, help_text="The donor's answer: on a UK electoral register?")
    overseas_elector = models.BooleanField(default=False)
    payment = models.ForeignKey("payments.Payment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    subscription = models.ForeignKey(
        "payments.Subscription", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    key = models.CharField(max_length=32, default=_new_key, help_text="Signed into the donor's personal link")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True, help_text="A monthly gift stopped")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["appeal", "status"])]

    def __str__(self) -> str:
        return f"Gift #{self.pk}"

    @property
    def monthly(self) -> bool:
        return self.interval == self.Interval.MONTH

    @property
    def purpose_ref(self) -> str:
        return f"fundraising.gift:{self.pk}"


class GiftPayment(models.Model):
    """One payment received for a gift (a one-off gift has one; a monthly gift one a month), with the donation it
    was recorded as. Unique per payment: a redelivered notice never counts a pound twice."""

    gift = models.ForeignKey(Gift, on_delete=models.CASCADE, related_name="payments")
    # The gift's appeal, copied: the organisers' totals group 200,000 payments by appeal without a join.
    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="+")
    payment = models.OneToOneField("payments.Payment", on_delete=models.PROTECT, related_name="+")
    amount_pence = models.PositiveBigIntegerField()
    refunded_pence = models.PositiveBigIntegerField(default=0)
    received_on = models.DateField(db_index=True)
    donation = models.OneToOneField(
        "donations.Donation", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="The donations ledger row",
    )  # fmt: skip
    receipt_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["received_on", "id"]
        indexes = [models.Index(fields=["appeal", "received_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(refunded_pence__lte=models.F("amount_pence")), name="giftpayment_refund_le_amount"
            )
        ]

    @property
    def net_pence(self) -> int:
        return self.amount_pence - self.refunded_pence
