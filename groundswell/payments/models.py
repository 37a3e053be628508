"""Money movements through providers: payments, Direct Debit mandates, regular payments (subscriptions), the
webhook events that report them, refunds, and the provider's payouts they are reconciled against.

Money is integer pence (GBP only). Statuses change only through `transitions.py`, one rule per object kind.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class Provider(models.TextChoices):
    FAKE_CARD = "fake_card", "Fake card (development)"
    FAKE_DD = "fake_dd", "Fake Direct Debit (development)"
    STRIPE = "stripe", "Stripe"
    GOCARDLESS = "gocardless", "GoCardless"
    MANUAL = "manual", "Recorded by hand"


class Method(models.TextChoices):
    CARD = "card", "Card"
    DIRECT_DEBIT = "direct_debit", "Direct Debit"
    CHEQUE = "cheque", "Cheque"
    TRANSFER = "transfer", "Bank transfer"
    CASH = "cash", "Cash"


OFFLINE_METHODS = (Method.CHEQUE, Method.TRANSFER, Method.CASH)


class Interval(models.TextChoices):
    MONTH = "month", "Monthly"
    YEAR = "year", "Yearly"


class Mandate(models.Model):
    """A Direct Debit instruction from a bank account. Nothing reversible about the account is kept: only the keyed
    fingerprint of sort code + account number (`fingerprints.bank_fingerprint`)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACTIVE = "active", "Active"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"
        EXPIRED = "expired", "Expired"

    provider = models.CharField(max_length=20, choices=Provider.choices)
    provider_ref = models.CharField(max_length=100)
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    method_fingerprint = models.CharField(max_length=80, blank=True, db_index=True)
    account_holder = models.CharField(max_length=200, blank=True)
    # The provider's time of the last event applied, so an older event arriving late cannot undo a newer one.
    status_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["provider", "provider_ref"], name="payments_mandate_ref")]

    def __str__(self) -> str:
        return f"{self.provider} mandate {self.provider_ref}"


class Subscription(models.Model):
    """A regular payment (card or Direct Debit) of `amount_pence` every `interval`, for a purpose in a calling app."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACTIVE = "active", "Active"
        CANCELLED = "cancelled", "Cancelled"
        FAILED = "failed", "Failed"

    provider = models.CharField(max_length=20, choices=Provider.choices)
    provider_ref = models.CharField(max_length=100)
    method = models.CharField(max_length=20, choices=Method.choices, default=Method.CARD)
    mandate = models.ForeignKey(Mandate, null=True, blank=True, on_delete=models.PROTECT, related_name="subscriptions")
    amount_pence = models.PositiveBigIntegerField()
    interval = models.CharField(max_length=5, choices=Interval.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    purpose = models.CharField(max_length=40, db_index=True)
    purpose_ref = models.CharField(max_length=100, db_index=True)
    description = models.CharField(max_length=200, blank=True)
    payer = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    payer_name = models.CharField(max_length=200, blank=True)
    payer_email = models.CharField(max_length=254, blank=True)
    unit = models.ForeignKey(
        "people.OrganisationUnit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    method_fingerprint = models.CharField(max_length=80, blank=True, db_index=True)
    next_charge_on = models.DateField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=200, blank=True)
    # The hosted page's id at the provider (Stripe Checkout Session, GoCardless billing request; the fake's own ref)
    # and its address, so a repeated start with the same idempotency key returns the same page.
    checkout_ref = models.CharField(max_length=100, blank=True, db_index=True)
    checkout_url = models.CharField(max_length=500, blank=True)
    success_url = models.CharField(max_length=500, blank=True)
    cancel_url = models.CharField(max_length=500, blank=True)
    status_at = models.DateTimeField(null=True, blank=True)
    cancelled_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "provider_ref"], name="payments_subscription_ref"),
            models.UniqueConstraint(
                fields=["idempotency_key"], condition=~Q(idempotency_key=""), name="payments_subscription_idem"
            ),
            models.CheckConstraint(condition=Q(amount_pence__gt=0), name="payments_subscription_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} subscription {self.provider_ref}"


class Payout(models.Model):
    """Money the provider paid into the party's bank account: the sum of payments less fees, on `paid_on`."""

    provider = models.CharField(max_length=20, choices=Provider.choices)
    provider_ref = models.CharField(max_length=100)
    paid_on = models.DateField()
    amount_pence = models.BigIntegerField(help_text="Net amount paid to the bank")
    fees_pence = models.BigIntegerField(default=0)
    reconciled_at = models.DateTimeField(null=True, blank=True)
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-paid_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["provider", "provider_ref"], name="payments_payout_ref")]

    def __str__(self) -> str:
        return f"{self.provider} payout {self.provider_ref}"


class PayoutItem(models.Model):
    """One line of a payout as the provider reports it: a payment (gross), its fee, or a refund (negative)."""

    payout = models.ForeignKey(Payout, on_delete=models.CASCADE, related_name="items")
    payment_ref = models.CharField(max_length=100, db_index=True)
    amount_pence = models.BigIntegerField()
    fee_pence = models.BigIntegerField(default=0)


class Payment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        PAID = "paid", "Paid"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"
        REFUNDED = "refunded", "Refunded"

    provider = models.CharField(max_length=20, choices=Provider.choices)
    method = models.CharField(max_length=20, choices=Method.choices)
    amount_pence = models.PositiveBigIntegerField()
    refunded_pence = models.PositiveBigIntegerField(default=0)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True)
    provider_ref = models.CharField(max_length=100)
    purpose = models.CharField(max_length=40, db_index=True)
    purpose_ref = models.CharField(max_length=100, db_index=True)
    description = models.CharField(max_length=200, blank=True)
    payer = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    payer_name = models.CharField(max_length=200, blank=True)
    payer_email = models.CharField(max_length=254, blank=True)
    unit = models.ForeignKey(
        "people.OrganisationUnit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    method_fingerprint = models.CharField(max_length=80, blank=True, db_index=True)
    subscription = models.ForeignKey(
        Subscription, null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    charged_on = models.DateField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    payout = models.ForeignKey(Payout, null=True, blank=True, on_delete=models.SET_NULL, related_name="payments")
    idempotency_key = models.CharField(max_length=200, blank=True)
    # The hosted page's id at the provider (Stripe Checkout Session, GoCardless billing request; the fake's own ref)
    # and its address, so a repeated start with the same idempotency key returns the same page.
    checkout_ref = models.CharField(max_length=100, blank=True, db_index=True)
    checkout_url = models.CharField(max_length=500, blank=True)
    success_url = models.CharField(max_length=500, blank=True)
    cancel_url = models.CharField(max_length=500, blank=True)
    status_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "provider_ref"], name="payments_payment_ref"),
            models.UniqueConstraint(
                fields=["idempotency_key"], condition=~Q(idempotency_key=""), name="payments_payment_idem"
            ),
            models.CheckConstraint(condition=Q(amount_pence__gt=0), name="payments_payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(refunded_pence__lte=models.F("amount_pence")), name="payments_refund_within_amount"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} payment {self.provider_ref}"

    @property
    def refundable_pence(self) -> int:
        return self.amount_pence - self.refunded_pence if self.status in ("paid", "refunded") else 0


class Refund(models.Model):
    """A refund of part or all of a payment; `provider_ref` unique so the provider's webhook for a refund we asked
    for is not counted a second time."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    provider_ref = models.CharField(max_length=100)
    amount_pence = models.PositiveBigIntegerField()
    reason = models.CharField(max_length=300, blank=True)
    actor = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["payment", "provider_ref"], name="payments_refund_ref"),
            models.CheckConstraint(condition=Q(amount_pence__gt=0), name="payments_refund_amount_positive"),
        ]


class WebhookEvent(models.Model):
    """One provider event, stored by its id so a redelivery is recognised and has no effect."""

    class Outcome(models.TextChoices):
        RECEIVED = "received", "Received"
        PROCESSED = "processed", "Processed"
        DUPLICATE = "duplicate", "Duplicate"
        IGNORED = "ignored", "Ignored"
        ERROR = "error", "Error"

    provider = models.CharField(max_length=20, choices=Provider.choices)
    event_id = models.CharField(max_length=120)
    type = models.CharField(max_length=80)
    payload = models.JSONField(default=dict)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.RECEIVED, db_index=True)
    error = models.TextField(blank=True, help_text="Why the event was ignored or failed, in plain words")
    deliveries = models.PositiveIntegerField(default=1)
    # The unit of the payment the event touched (for the treasurer's scoped list of exceptions).
    unit = models.ForeignKey(
        "people.OrganisationUnit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["provider", "event_id"], name="payments_webhook_event_id")]

    def __str__(self) -> str:
        return f"{self.provider} {self.type} {self.event_id}"


class StatusChange(models.Model):
    """The history of every status change (payment, subscription, mandate) and the event that made it. Also how the
    benchmark counts double processing: one event never changes one object twice."""

    object_type = models.CharField(max_length=12)  # payment | subscription | mandate
    object_id = models.BigIntegerField()
    from_status = models.CharField(max_length=12)
    to_status = models.CharField(max_length=12)
    event = models.ForeignKey(WebhookEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="changes")
    note = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["object_type", "object_id"])]
