"""The donations ledger (PPERA 2000 Part IV, Great Britain): accounting units, donors, donations with their
30-day permissibility clock, the checks and their evidence, and the thresholds as data rows with their sources.

Money is integer pence throughout. A gift at or below the donation threshold (£500 to a party, £50 to a candidate)
is still recorded, marked `is_donation=False`, so the ledger's totals reconcile with the payments received.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.utils import timezone

from groundswell.people.models import Person

# PPERA Sch 7 para 6 / s.56(2): the treasurer has 30 days from receipt to check and accept or return a donation.
CHECK_DAYS = 30


class AccountingUnit(models.Model):
    """The central party or a section registered with the Electoral Commission as an accounting unit. Each sits on
    one organisation unit; a gift to a unit below it (a branch) belongs to the nearest accounting unit above."""

    unit = models.OneToOneField("people.OrganisationUnit", on_delete=models.PROTECT, related_name="accounting_unit")
    name = models.CharField(max_length=200)
    is_central = models.BooleanField(default=False, help_text="The central party (reports at the central threshold)")
    ec_reference = models.CharField(max_length=40, blank=True, default="", help_text="As registered with the EC")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-is_central", "name"]
        constraints = [
            models.UniqueConstraint(fields=["is_central"], condition=models.Q(is_central=True), name="one_central")
        ]

    def __str__(self) -> str:
        return self.name


class DonorType(models.TextChoices):
    INDIVIDUAL = "individual", "Individual"
    COMPANY = "company", "Company"
    TRADE_UNION = "trade_union", "Trade union"
    BUILDING_SOCIETY = "building_society", "Building society"
    LLP = "llp", "Limited liability partnership"
    FRIENDLY_SOCIETY = "friendly_society", "Friendly society"
    UNINCORPORATED = "unincorporated", "Unincorporated association"
    REGISTERED_PARTY = "registered_party", "Registered political party"
    TRUST = "trust", "Trust"
    BEQUEST = "bequest", "Bequest (from an individual's estate)"
    PUBLIC_FUNDS = "public_funds", "Public funds"
    UNIDENTIFIABLE = "unidentifiable", "Unidentifiable (anonymous)"


# Types whose permissibility rests on a company-style registration number and doing business in the UK.
REGISTERED_BODIES = {DonorType.COMPANY, DonorType.LLP}


class Donor(models.Model):
    """One source of donations. `identity` (type, normalised name, postcode or company number) groups a source's
    gifts for the calendar-year aggregation, however each gift came in."""

    donor_type = models.CharField(max_length=20, choices=DonorType.choices)
    full_name = models.CharField(max_length=300)
    address_line1 = models.CharField(max_length=200, blank=True, default="")
    address_line2 = models.CharField(max_length=200, blank=True, default="")
    town = models.CharField(max_length=100, blank=True, default="")
    postcode = models.CharField(max_length=10, blank=True, default="")
    country = models.CharField(max_length=60, blank=True, default="United Kingdom")
    email = models.EmailField(blank=True, default="")
    company_number = models.CharField(max_length=8, blank=True, default="")
    carrying_on_business_in_uk = models.BooleanField(null=True, blank=True)
    on_register_declared = models.BooleanField(null=True, blank=True, help_text="The donor says they are registered")
    overseas_elector = models.BooleanField(default=False)
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    identity = models.CharField(max_length=400, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["full_name", "pk"]

    def __str__(self) -> str:
        return self.full_name

    @property
    def address(self) -> str:
        return ", ".join(p for p in (self.address_line1, self.address_line2, self.town, self.postcode) if p)


class Channel(models.TextChoices):
    ONLINE = "online", "Online (card or Direct Debit)"
    CHEQUE = "cheque", "Cheque"
    TRANSFER = "transfer", "Bank transfer"
    CASH = "cash", "Cash"
    IN_KIND = "in_kind", "In kind (goods or services)"
    SPONSORSHIP = "sponsorship", "Sponsorship"
    LOAN = "loan", "Loan (regulated transaction)"
    CREDIT = "credit", "Credit facility (regulated transaction)"


class Donation(models.Model):
    """One gift received, whatever its channel, recorded against the accounting unit it was given to."""

    class Recipient(models.TextChoices):
        PARTY = "party", "The party (an accounting unit)"
        CANDIDATE = "candidate", "A candidate"

    class Nature(models.TextChoices):
        CASH = "cash", "Cash"
        NON_CASH = "non_cash", "Non-cash (in kind)"

    class Status(models.TextChoices):
        BELOW_THRESHOLD = "below", "Not a PPERA donation (at or below the threshold)"
        PENDING = "pending", "Awaiting a permissibility decision"
        ACCEPTED = "accepted", "Accepted"
        RETURNED = "returned", "Returned to the donor"
        RETURNED_TO_TRANSFERRER = "transferrer", "Returned to the person who transferred it"
        FORFEITED = "forfeited", "Sent to the Electoral Commission"

    accounting_unit = models.ForeignKey(AccountingUnit, on_delete=models.PROTECT, related_name="donations")
    donor = models.ForeignKey(Donor, on_delete=models.PROTECT, related_name="donations")
    recipient = models.CharField(max_length=10, choices=Recipient.choices, default=Recipient.PARTY)
    # A candidate's gift: the seat and the election (Democracy Club id) name the candidacy the spending app keeps.
    candidate_constituency = models.ForeignKey(
        "geography.Constituency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    candidate_election_id = models.CharField(max_length=200, blank=True, default="", db_index=True)
    candidate_name = models.CharField(max_length=200, blank=True, default="")
    channel = models.CharField(max_length=12, choices=Channel.choices)
    nature = models.CharField(max_length=10, choices=Nature.choices, default=Nature.CASH)
    description = models.CharField(max_length=400, blank=True, default="", help_text="What was given, if in kind")
    amount_pence = models.PositiveBigIntegerField(help_text="The amount, or the value of a gift in kind")
    received_on = models.DateField(db_index=True)
    check_due_on = models.DateField(db_index=True, help_text="30 days after receipt")
    is_donation = models.BooleanField(default=True, help_text="Over the donation threshold on the day received")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True)
    decided_on = models.DateField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_note = models.TextField(blank=True, default="")
    returned_on = models.DateField(null=True, blank=True)
    return_method = models.CharField(max_length=200, blank=True, default="", help_text="How it was sent back")
    reference = models.CharField(max_length=100, blank=True, default="", help_text="Cheque number, import ref…")
    # Given back by the payment provider (a refund or a charge-back): `amount_pence` is what the party kept, so
    # every total and report counts only money still held; this keeps what went back.
    refunded_pence = models.PositiveBigIntegerField(default=0)
    # The money movement behind an online (or offline-recorded) gift: one donation per payment.
    payment = models.OneToOneField(
        "payments.Payment", null=True, blank=True, on_delete=models.PROTECT, related_name="donation"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_on", "-pk"]
        indexes = [
            models.Index(fields=["accounting_unit", "received_on"]),
            models.Index(fields=["donor", "accounting_unit", "received_on"]),
            models.Index(fields=["status", "check_due_on"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["accounting_unit", "reference"], condition=~models.Q(reference=""), name="unique_donation_ref"
            )
        ]

    def __str__(self) -> str:
        return f"donation #{self.pk}"

    @property
    def decided(self) -> bool:
        return self.status not in (self.Status.PENDING,)

    def days_left(self, today: dt.date | None = None) -> int:
        return (self.check_due_on - (today or dt.date.today())).days

    def overdue(self, today: dt.date | None = None) -> bool:
        """The 30 days have passed with no decision: in law the donation is now deemed accepted."""
        return self.status == self.Status.PENDING and self.days_left(today) < 0


class PermissibilityCheck(models.Model):
    """An officer's decision on a donation's source, with the evidence it rests on (a register entry and the
    register version in force, a company number, an overseas elector's declaration, or a note)."""

    class Outcome(models.TextChoices):
        PERMISSIBLE = "permissible", "Permissible"
        IMPERMISSIBLE = "impermissible", "Impermissible"
        UNIDENTIFIABLE = "unidentifiable", "Source cannot be identified"

    donation = models.ForeignKey(Donation, on_delete=models.CASCADE, related_name="checks")
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    checked_on = models.DateField()
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    elector = models.ForeignKey("register.Elector", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    register_import = models.ForeignKey(
        "register.RegisterImport", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    evidence = models.JSONField(default=dict, blank=True)
    note = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]


class CheckReminder(models.Model):
    """A reminder of the 30-day clock sent to the accounting unit's treasurers: one per donation and stage."""

    donation = models.ForeignKey(Donation, on_delete=models.CASCADE, related_name="reminders")
    days_left = models.IntegerField(help_text="Stage: days left when sent (negative: overdue)")
    sent_at = models.DateTimeField(default=timezone.now)
    email_send = models.ForeignKey(
        "messaging.EmailSend", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["donation", "days_left"], name="one_reminder_per_stage")]


class Threshold(models.Model):
    """One legal threshold for a period, with its source: an uprating order is a new row, never an edited one."""

    class Kind(models.TextChoices):
        DONATION_PARTY = "donation_party", "A donation to a party (value over)"
        DONATION_CANDIDATE = "donation_candidate", "A donation to a candidate (value over)"
        REPORT_CENTRAL = "report_central", "Reportable: central party (over)"
        REPORT_UNIT = "report_unit", "Reportable: accounting unit (over)"
        REPORT_CENTRAL_FURTHER = "report_central_further", "Reportable: central party, after a reported one (over)"

    kind = models.CharField(max_length=30, choices=Kind.choices)
    applies_from = models.DateField()
    applies_to = models.DateField(null=True, blank=True)
    amount_pence = models.PositiveBigIntegerField()
    source = models.CharField(max_length=400)

    class Meta:
        ordering = ["kind", "applies_from"]

    def __str__(self) -> str:
        return f"{self.kind} over £{self.amount_pence / 100:,.2f} from {self.applies_from}"


@dataclass(frozen=True)
class DonorDetails:
    """Who gave, as a form, an import row or an appeal page collected it (the contract with fundraising)."""

    donor_type: str
    full_name: str
    address_line1: str = ""
    address_line2: str = ""
    town: str = ""
    postcode: str = ""
    email: str = ""
    on_register_declared: bool | None = None
    overseas_elector: bool = False
    company_number: str = ""
    carrying_on_business_in_uk: bool | None = None
    country: str = "United Kingdom"
    person: Person | None = None
