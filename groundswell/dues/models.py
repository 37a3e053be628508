"""Membership dues: types and their rates (rows, so a rate change is a new row), the rules of good standing per
party unit, each member's arrangement (type, interval, method, payer, the payment method's fingerprint), the dues
payments credited to a membership, and the reminders sent. The arithmetic of standing is `standing.py`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from groundswell.people.models import Membership, OrganisationUnit, Person


class Interval(models.TextChoices):
    MONTH = "month", "Monthly"
    YEAR = "year", "Yearly"


class Method(models.TextChoices):
    DIRECT_DEBIT = "direct_debit", "Direct Debit"
    CARD = "card", "Card"
    CHEQUE = "cheque", "Cheque"
    TRANSFER = "transfer", "Bank transfer"
    CASH = "cash", "Cash"


class MembershipType(models.Model):
    """Standard, reduced, youth, student, retired, union-affiliated…: who qualifies is said in words."""

    code = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=80)
    description = models.CharField(max_length=300, blank=True, default="", help_text="Who may choose this type")
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True, help_text="Offered to members setting up dues")

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Rate(models.Model):
    """What a type costs per month or per year from a date. Never edited: a change is a new row."""

    membership_type = models.ForeignKey(MembershipType, on_delete=models.PROTECT, related_name="rates")
    interval = models.CharField(max_length=5, choices=Interval.choices)
    amount_pence = models.PositiveBigIntegerField()
    effective_from = models.DateField()
    source = models.CharField(max_length=200, blank=True, default="", help_text="The decision that set it")

    class Meta:
        ordering = ["membership_type", "interval", "effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["membership_type", "interval", "effective_from"], name="dues_rate_once"),
            models.CheckConstraint(condition=Q(amount_pence__gt=0), name="dues_rate_positive"),
        ]


class DuesRules(models.Model):
    """Good standing and lapsing for a party unit and the units below it; the row with no unit is the party's
    default. The nearest row up the tree from a membership's constituency party (or branch) applies."""

    unit = models.OneToOneField(
        OrganisationUnit, null=True, blank=True, on_delete=models.CASCADE, related_name="dues_rules"
    )
    grace_months = models.PositiveSmallIntegerField(
        default=1, help_text="Months behind that still count as good standing (a Direct Debit may be on its way)"
    )
    lapse_after_months = models.PositiveSmallIntegerField(default=6, help_text="Months unpaid before lapsing")
    lapse_warning_months = models.PositiveSmallIntegerField(
        default=4, help_text="Months behind at which the member is warned they are about to lapse"
    )
    renewal_notice_days = models.PositiveSmallIntegerField(
        default=21, help_text="Days before a yearly card payment is due that the member is reminded"
    )
    default_type = models.ForeignKey(
        MembershipType, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="The type owed by a member who has not chosen one",
    )  # fmt: skip
    source = models.CharField(max_length=200, blank=True, default="", help_text="The rule book clause")

    class Meta:
        verbose_name_plural = "dues rules"
        constraints = [
            models.CheckConstraint(
                condition=Q(lapse_after_months__gt=models.F("grace_months")), name="dues_lapse_after_grace"
            ),
        ]


class Arrangement(models.Model):
    """How a membership pays: a type, an interval, a method and a payer. A change of type or amount ends one
    arrangement and starts the next, so history is kept; a re-join after a lapse starts a new run of membership."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the payment provider"
        ACTIVE = "active", "Active"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"
        REPLACED = "replaced", "Replaced by a newer arrangement"

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="dues_arrangements")
    membership_type = models.ForeignKey(MembershipType, on_delete=models.PROTECT, related_name="arrangements")
    interval = models.CharField(max_length=5, choices=Interval.choices)
    method = models.CharField(max_length=12, choices=Method.choices)
    amount_pence = models.PositiveBigIntegerField(help_text="Charged each period: the rate, or more if chosen")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    starts_run = models.BooleanField(default=False, help_text="A re-join after a lapse: continuous membership restarts")
    started_on = models.DateField(default=timezone.localdate)
    ended_on = models.DateField(null=True, blank=True)
    # Who pays: the member, or a third party (a relative, a union branch…) — recorded either way.
    payer = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="dues_paid_for")
    payer_is_member = models.BooleanField(default=True)
    payer_name = models.CharField(max_length=200, blank=True, default="")
    # The payments app's fingerprint of the card or bank account ("card:<hex>" / "bank:<hex>"): never reversible.
    method_fingerprint = models.CharField(max_length=80, blank=True, default="", db_index=True)
    # The payments app's regular payment; its purpose_ref is "dues.arrangement:<id>" of the arrangement that
    # started it (a change of type or amount keeps the subscription on the new arrangement).
    subscription = models.ForeignKey(
        "payments.Subscription", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    next_renewal_on = models.DateField(null=True, blank=True, help_text="Yearly card payments: when next due")
    cancel_reason = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["membership", "started_on", "id"]
        indexes = [models.Index(fields=["membership", "status"])]

    @property
    def purpose_ref(self) -> str:
        return f"dues.arrangement:{self.pk}"

    @property
    def unit(self) -> OrganisationUnit:
        return self.membership.person.unit


class DuesPayment(models.Model):
    """Money credited to a membership's dues: from the payments app (a paid Payment) or recorded by a treasurer
    (cheque, cash, transfer). `source_ref` is unique, so a notice delivered twice credits once."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="dues_payments")
    arrangement = models.ForeignKey(
        Arrangement, null=True, blank=True, on_delete=models.SET_NULL, related_name="payments"
    )
    amount_pence = models.PositiveBigIntegerField()
    refunded_pence = models.PositiveBigIntegerField(default=0)
    paid_on = models.DateField(db_index=True)
    method = models.CharField(max_length=12, choices=Method.choices)
    method_fingerprint = models.CharField(max_length=80, blank=True, default="", db_index=True)
    payer = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    payer_is_member = models.BooleanField(default=True)
    payer_name = models.CharField(max_length=200, blank=True, default="")
    payment = models.ForeignKey("payments.Payment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    source_ref = models.CharField(max_length=100, unique=True, help_text="e.g. payments.payment:12, test:<n>")
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["membership", "paid_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_pence__gt=0), name="dues_payment_positive"),
            models.CheckConstraint(
                condition=Q(refunded_pence__lte=models.F("amount_pence")), name="dues_refund_within"
            ),
        ]

    @property
    def net_pence(self) -> int:
        return self.amount_pence - self.refunded_pence


class Reminder(models.Model):
    """One reminder emailed to a member; (membership, kind, key) is unique so a job run twice sends once."""

    class Kind(models.TextChoices):
        FAILED_PAYMENT = "failed_payment", "A payment failed"
        RENEWAL_DUE = "renewal_due", "Yearly renewal due"
        ABOUT_TO_LAPSE = "about_to_lapse", "About to lapse"

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="dues_reminders")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    key = models.CharField(max_length=60, help_text="What it is about, e.g. the period or the payment")
    sent_at = models.DateTimeField(default=timezone.now)
    email_send = models.ForeignKey("messaging.EmailSend", null=True, blank=True, on_delete=models.SET_NULL)
    delivered = models.BooleanField(default=False, help_text="False: the member had no usable email address")

    class Meta:
        ordering = ["-sent_at"]
        constraints = [models.UniqueConstraint(fields=["membership", "kind", "key"], name="dues_reminder_once")]


class DailyRun(models.Model):
    """The days the daily dues job has run to the end: the scheduler calls it every round, it works once a day."""

    day = models.DateField(unique=True)
    finished_at = models.DateTimeField(default=timezone.now)
    summary = models.JSONField(default=dict)
