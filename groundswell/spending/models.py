"""Election spending: elections, the legal limits (as data rows with their source), candidacies, the ledger of
items and their splits, evidence files, returns.

Money is integer pence throughout; the limits' per-elector rates are pence per elector.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ElectionType(models.TextChoices):
    UK_PARLIAMENT = "parl", "UK Parliament general election"
    UK_PARLIAMENT_BY = "parl_by", "UK Parliament by-election"
    LOCAL = "local", "Local election (England)"


class Period(models.TextChoices):
    LONG = "long", "Long campaign"
    SHORT = "short", "Short campaign"
    REGULATED = "regulated", "Party regulated period"


class AreaType(models.TextChoices):
    BOROUGH = "borough", "Borough (burgh)"
    COUNTY = "county", "County"
    ANY = "any", "Any"


class CandidateLimit(models.Model):
    """One row of the candidate limits: fixed sum + pence per elector, for an election type, a period and an area
    type, for polls from `applies_from` (an uprating order is a new row)."""

    election_type = models.CharField(max_length=10, choices=ElectionType.choices)
    period = models.CharField(max_length=10, choices=Period.choices)
    area_type = models.CharField(max_length=10, choices=AreaType.choices, default=AreaType.ANY)
    applies_from = models.DateField(help_text="Polls on or after this date")
    applies_to = models.DateField(null=True, blank=True, help_text="Polls on or before this date (blank: open)")
    fixed_pence = models.PositiveBigIntegerField()
    per_elector_pence = models.PositiveIntegerField(default=0)
    # The long campaign: statutory start when it is not "55 months after Parliament first met", and whether the
    # limit is scaled by the month of dissolution (RPA 1983 s.76ZA; not under the Fixed-term Parliaments Act).
    long_campaign_start = models.DateField(null=True, blank=True)
    scaled_by_dissolution = models.BooleanField(default=True)
    source = models.CharField(max_length=400)

    class Meta:
        ordering = ["election_type", "period", "area_type", "applies_from"]

    def __str__(self) -> str:
        return f"{self.election_type} {self.period} {self.area_type} from {self.applies_from}"


class JointCandidateShare(models.Model):
    """Joint candidates (English local elections): the limit is reduced to numerator/denominator of itself."""

    election_type = models.CharField(max_length=10, choices=ElectionType.choices)
    candidates = models.PositiveSmallIntegerField(help_text="Number of joint candidates (the last row: or more)")
    numerator = models.PositiveIntegerField()
    denominator = models.PositiveIntegerField()
    applies_from = models.DateField()
    source = models.CharField(max_length=400)

    class Meta:
        ordering = ["election_type", "candidates"]


class NationalLimit(models.Model):
    """A party's national limit in one part of the UK: per seat contested, with a floor."""

    class Part(models.TextChoices):
        ENGLAND = "england", "England"
        SCOTLAND = "scotland", "Scotland"
        WALES = "wales", "Wales"
        NORTHERN_IRELAND = "northern_ireland", "Northern Ireland"

    part = models.CharField(max_length=20, choices=Part.choices)
    applies_from = models.DateField()
    applies_to = models.DateField(null=True, blank=True)
    per_seat_pence = models.PositiveBigIntegerField()
    floor_pence = models.PositiveBigIntegerField(default=0)
    source = models.CharField(max_length=400)

    class Meta:
        ordering = ["part", "applies_from"]


class ParliamentSitting(models.Model):
    """When a Parliament first met (the long campaign starts after it has sat 55 months)."""

    first_met = models.DateField(unique=True)
    source = models.CharField(max_length=400)

    class Meta:
        ordering = ["first_met"]


class Election(models.Model):
    """An election named by Democracy Club's id (parl.2024-07-04, local.reading.2026-05-07, by-elections)."""

    election_id = models.CharField(max_length=200, unique=True)
    poll_date = models.DateField()
    election_type = models.CharField(max_length=10, choices=ElectionType.choices)
    country = models.CharField(max_length=20, default="england")
    dissolved = models.DateField(null=True, blank=True, help_text="Dissolution of Parliament (general elections)")
    source = models.CharField(max_length=400, blank=True, default="")

    class Meta:
        ordering = ["-poll_date", "election_id"]

    def __str__(self) -> str:
        return self.election_id


class Candidacy(models.Model):
    """A candidate's campaign in one seat at one election: the ledger's seat, its limit and its return."""

    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="candidacies")
    constituency = models.ForeignKey("geography.Constituency", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("people.OrganisationUnit", on_delete=models.PROTECT, related_name="candidacies")
    candidate_name = models.CharField(max_length=200, blank=True, default="")
    area_type = models.CharField(max_length=10, choices=AreaType.choices)
    electorate = models.PositiveIntegerField(null=True, blank=True)
    electorate_source = models.CharField(max_length=300, blank=True, default="")
    became_candidate = models.DateField(null=True, blank=True, help_text="Start of the short campaign")
    declared = models.DateField(null=True, blank=True, help_text="Declaration of the result")
    joint_candidates = models.PositiveSmallIntegerField(default=1)
    # A manual class override, shown labelled on the national-money report; the report's class and flags come
    # from targeting's latest projection.
    seat_class = models.CharField(
        max_length=10, blank=True, default="",
        choices=[("held", "Held"), ("marginal", "Marginal"), ("target", "Target"), ("safe", "Safe")],
    )  # fmt: skip
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name_plural = "candidacies"
        constraints = [
            models.UniqueConstraint(fields=["election", "constituency"], name="unique_candidacy_per_seat"),
        ]

    def __str__(self) -> str:
        return f"{self.constituency.name} ({self.election.election_id})"


class Category(models.TextChoices):
    # The candidate return's categories (Electoral Commission, UK Parliamentary candidates).
    ADVERTISING = "advertising", "Advertising"
    UNSOLICITED = "unsolicited", "Unsolicited material to electors"
    TRANSPORT = "transport", "Transport"
    MEETINGS = "meetings", "Public meetings"
    STAFF = "staff", "Agent and other staff costs"
    ACCOMMODATION = "accommodation", "Accommodation and administration"
    # The party return's categories (PPERA Sch 8).
    PARTY_BROADCASTS = "p_broadcasts", "Party political broadcasts"
    PARTY_ADVERTISING = "p_advertising", "Advertising (party)"
    PARTY_UNSOLICITED = "p_unsolicited", "Unsolicited material to electors (party)"
    PARTY_MANIFESTO = "p_manifesto", "Manifesto or referendum material"
    PARTY_MARKET_RESEARCH = "p_research", "Market research and canvassing"
    PARTY_MEDIA = "p_media", "Media"
    PARTY_TRANSPORT = "p_transport", "Transport (party)"
    PARTY_RALLIES = "p_rallies", "Rallies and other events"
    PARTY_OVERHEADS = "p_overheads", "Overheads and general administration"


CANDIDATE_CATEGORIES = [c for c in Category if not c.value.startswith("p_")]
PARTY_CATEGORIES = [c for c in Category if c.value.startswith("p_")]


class SpendingItem(models.Model):
    """One item of spending: what, who supplied it, the invoice, the money (pence), who authorised it."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        COMMITTED = "committed", "Committed (ordered, not invoiced)"
        INVOICED = "invoiced", "Invoiced"
        PAID = "paid", "Paid"

    class AuthorisedBy(models.TextChoices):
        CANDIDATE = "candidate", "The candidate"
        AGENT = "agent", "The election agent"
        AUTHORISED_PERSON = "authorised", "A person with the agent's written authority"
        PARTY = "party", "The party (national spending)"

    class Method(models.TextChoices):
        WHOLE = "whole", "Whole item to one seat"
        HOUSEHOLDS = "households", "Households delivered"
        ELECTORS = "electors", "Electors"
        DAYS = "days", "Days"
        AREA = "area", "Area"
        MANUAL = "manual", "Manual split"

    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="items")
    unit = models.ForeignKey("people.OrganisationUnit", on_delete=models.PROTECT, related_name="spending_items")
    description = models.CharField(max_length=300)
    supplier = models.CharField(max_length=200, blank=True, default="")
    invoice_number = models.CharField(max_length=100, blank=True, default="")
    amount_pence = models.PositiveBigIntegerField()
    category = models.CharField(max_length=20, choices=Category.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.INVOICED)
    incurred_on = models.DateField()
    invoice_received_on = models.DateField(null=True, blank=True)
    paid_on = models.DateField(null=True, blank=True)
    authorised_by = models.CharField(max_length=12, choices=AuthorisedBy.choices)
    authorised_person = models.CharField(max_length=200, blank=True, default="")
    authority = models.ForeignKey(
        "Evidence", null=True, blank=True, on_delete=models.PROTECT, related_name="authorised_items"
    )
    # Notional spending (RPA s.90C): given free or at a discount; the five tests and the value counted.
    notional = models.BooleanField(default=False)
    notional_tests = models.JSONField(default=dict, blank=True)
    market_value_pence = models.PositiveBigIntegerField(null=True, blank=True)
    # Where an apportionment came from: an event's costs (hall hire, PA); a leaflet run's walks.
    event = models.ForeignKey("events.Event", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    walk_ids = models.JSONField(default=list, blank=True)
    method = models.CharField(max_length=12, choices=Method.choices, default=Method.WHOLE)
    method_note = models.CharField(max_length=400, blank=True, default="")
    override_reason = models.CharField(max_length=400, blank=True, default="")
    version = models.PositiveIntegerField(default=1)
    corrects = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections")
    # A correction that takes money off (an invoice entered too high, a credit note): its allocations are
    # negative, so the seat's total falls; it never takes a seat below what the original counted there.
    reduces = models.BooleanField(default=False)
    # A claim the agent disputes (RPA 1983 s.80): still counted against the limit, and listed apart on the return.
    disputed = models.BooleanField(default=False)
    dispute_note = models.CharField(max_length=400, blank=True, default="")
    withdrawn = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["incurred_on", "id"]
        indexes = [models.Index(fields=["election", "supplier", "invoice_number"])]

    def __str__(self) -> str:
        return self.description


class Allocation(models.Model):
    """The part of an item counted against one seat's candidate limit in one period, or (no candidacy) the
    party's national spending. An item's allocations add up exactly to its amount."""

    item = models.ForeignKey(SpendingItem, on_delete=models.CASCADE, related_name="allocations")
    candidacy = models.ForeignKey(
        Candidacy, null=True, blank=True, on_delete=models.PROTECT, related_name="allocations"
    )
    period = models.CharField(max_length=10, choices=Period.choices)
    amount_pence = models.BigIntegerField()
    basis = models.DecimalField(max_digits=18, decimal_places=4, default=0, help_text="Households, electors, days…")

    class Meta:
        indexes = [models.Index(fields=["candidacy", "period"])]


class ItemVersion(models.Model):
    """Every saved state of an item (and its splits), so any change can be read back."""

    item = models.ForeignKey(SpendingItem, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    data = models.JSONField()
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=400, blank=True, default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "version"], name="unique_item_version")]
        ordering = ["item", "version"]


def evidence_path(instance: Evidence, filename: str) -> str:
    return f"spending/{instance.election_id}/{instance.sha256[:2]}/{instance.sha256}.{instance.extension}"


class Evidence(models.Model):
    """An invoice, receipt or written authority: stored privately, served only through an audited view."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", "Invoice"
        RECEIPT = "receipt", "Receipt"
        AUTHORITY = "authority", "Agent's written authority"

    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("people.OrganisationUnit", on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(SpendingItem, null=True, blank=True, on_delete=models.PROTECT, related_name="evidence")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    file = models.FileField(upload_to=evidence_path)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=40)
    extension = models.CharField(max_length=5)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "evidence"


class SpendingReturn(models.Model):
    """A candidate's return; once submitted, nothing counted in it may be changed or deleted."""

    candidacy = models.OneToOneField(Candidacy, on_delete=models.PROTECT, related_name="spending_return")
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    nil = models.BooleanField(default=False)


class PersonalExpense(models.Model):
    """The candidate's personal expenses (travel, accommodation…), stated to the agent: listed on the return,
    not counted against the limit (RPA 1983 s.74). Kept once the return is submitted, like every ledger line."""

    candidacy = models.ForeignKey(Candidacy, on_delete=models.PROTECT, related_name="personal_expenses")
    description = models.CharField(max_length=300)
    amount_pence = models.PositiveBigIntegerField()
    incurred_on = models.DateField()
    paid_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["incurred_on", "id"]

    def __str__(self) -> str:
        return self.description


class LimitWarning(models.Model):
    """A warning sent to the agent as a seat's spending crossed 75, 90 or 100% of a period's limit (once each)."""

    candidacy = models.ForeignKey(Candidacy, on_delete=models.CASCADE, related_name="warnings")
    period = models.CharField(max_length=10, choices=Period.choices)
    threshold = models.PositiveSmallIntegerField()
    percent = models.DecimalField(max_digits=7, decimal_places=2)
    sent_at = models.DateTimeField(default=timezone.now)
    email_send = models.ForeignKey(
        "messaging.EmailSend", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set when the agent's login has no person record, so the email went straight to the login's address.
    emailed_to = models.EmailField(blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["candidacy", "period", "threshold"], name="unique_limit_warning"),
        ]


class ReturnReminder(models.Model):
    """A reminder sent to the agent that the return is due in `days_before` days (once each)."""

    candidacy = models.ForeignKey(Candidacy, on_delete=models.CASCADE, related_name="reminders")
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(default=timezone.now)
    email_send = models.ForeignKey(
        "messaging.EmailSend", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set when the agent's login has no person record, so the email went straight to the login's address.
    emailed_to = models.EmailField(blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["candidacy", "days_before"], name="unique_return_reminder"),
        ]
