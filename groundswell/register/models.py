"""The electoral register: households (properties), electors, absent voting and turnout history.

Electors are their own records, not people: they become linked to a Person only when matched.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class RegisterImport(models.Model):
    """One register file applied: a full register, a monthly update, an absent voters list or a marked register."""

    class Kind(models.TextChoices):
        FULL = "full", "Full register"
        UPDATE = "update", "Monthly update (notice of alteration)"
        ABSENT = "absent", "Absent voters list"
        MARKED = "marked", "Marked register"

    constituency = models.ForeignKey("geography.Constituency", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    format = models.CharField(max_length=40, help_text="Detected layout, e.g. 'xpress-full-14'")
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    month = models.CharField(max_length=20, blank=True, default="", help_text="Register month the file states")
    encoding = models.CharField(max_length=20, blank=True, default="", help_text="How the file was decoded")
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    amended = models.PositiveIntegerField(default=0)
    deleted = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    warnings = models.JSONField(default=list, blank=True)
    imported_at = models.DateTimeField(default=timezone.now)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-imported_at"]


class Property(models.Model):
    """A household: one address on the register. Walks are cut by property, never splitting one."""

    constituency = models.ForeignKey("geography.Constituency", on_delete=models.PROTECT, related_name="properties")
    polling_district = models.CharField(max_length=12, db_index=True)
    address_key = models.CharField(max_length=400, help_text="Normalised full address; unique per constituency")
    address_lines = models.JSONField(default=list)
    postcode = models.CharField(max_length=8, blank=True, default="", db_index=True)
    street = models.CharField(max_length=200, blank=True, default="", db_index=True)
    house_number = models.IntegerField(null=True, blank=True, help_text="For odd/even sides and street order")
    house_label = models.CharField(max_length=200, blank=True, default="", help_text="Flat/house name or number")
    uprn = models.CharField(max_length=20, blank=True, default="")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    register_order = models.PositiveIntegerField(default=0, help_text="Position in the register's street order")
    synthetic = models.BooleanField(default=False)

    class Meta:
        verbose_name_plural = "properties"
        ordering = ["polling_district", "register_order", "id"]
        constraints = [models.UniqueConstraint(fields=["constituency", "address_key"], name="unique_property_address")]

    def __str__(self) -> str:
        return ", ".join(line for line in self.address_lines if line)


class Elector(models.Model):
    """One entry on the register. The teller's key is `PD-number/suffix` (suffix shown only when non-zero)."""

    constituency = models.ForeignKey("geography.Constituency", on_delete=models.PROTECT, related_name="electors")
    polling_district = models.CharField(max_length=12, db_index=True)
    number = models.PositiveIntegerField()
    suffix = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=20, blank=True, default="")
    forenames = models.CharField(max_length=200, blank=True, default="")
    initials = models.CharField(max_length=20, blank=True, default="")
    surname = models.CharField(max_length=200, blank=True, default="")
    # Raw marker letters as supplied (F, G, B, K, L, M, N, E…): meanings differ by nation and date.
    markers = models.CharField(max_length=20, blank=True, default="")
    open_register_opt_out = models.BooleanField(default=False, help_text="'(z)' prefix / opt-out flag")
    attainer_date = models.DateField(null=True, blank=True, help_text="Date they reach voting age")
    household = models.ForeignKey(Property, null=True, blank=True, on_delete=models.SET_NULL, related_name="electors")
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="electors"
    )

    class Link(models.TextChoices):
        NONE = "", "Not linked"
        AUTO = "auto", "Matched automatically"
        HAND = "hand", "Linked by hand"

    # Automatic matching never overwrites a link somebody made by hand.
    person_link = models.CharField(max_length=4, choices=Link.choices, blank=True, default="")
    # Absent voting (from the absent voters list).
    postal_voter = models.BooleanField(default=False)
    proxy_voter = models.BooleanField(default=False)
    absent_vote_detail = models.JSONField(default=dict, blank=True, help_text="Postal address / proxy name")
    # Derived from contacts (never typed in): the latest support and when it was recorded.
    current_support = models.CharField(max_length=20, blank=True, default="", db_index=True)
    current_support_at = models.DateTimeField(null=True, blank=True)
    current_likelihood = models.PositiveSmallIntegerField(null=True, blank=True)
    last_contacted_at = models.DateTimeField(null=True, blank=True, db_index=True)
    registered_month = models.CharField(max_length=20, blank=True, default="")
    deleted_at = models.DateTimeField(null=True, blank=True, help_text="Removed from the register; history kept")
    synthetic = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["polling_district", "number", "suffix"]
        constraints = [
            # Only live entries hold a number: a deleted elector keeps their row (and their canvass history)
            # while the number is given to somebody else, as EROs do when they renumber.
            models.UniqueConstraint(
                fields=["constituency", "polling_district", "number", "suffix"],
                condition=models.Q(deleted_at__isnull=True),
                name="unique_elector_number",
            )
        ]
        indexes = [
            models.Index(fields=["constituency", "deleted_at"]),
            models.Index(fields=["constituency", "polling_district", "number", "suffix"], name="elector_number_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.elector_number} {self.forenames} {self.surname}".strip()

    @property
    def elector_number(self) -> str:
        base = f"{self.polling_district}-{self.number}"
        return f"{base}/{self.suffix}" if self.suffix else base

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.forenames, self.surname) if p)


class TurnoutRecord(models.Model):
    """From a marked register: whether an elector voted at one election, and how."""

    class Mark(models.TextChoices):
        IN_PERSON = "v", "Voted in person"
        POSTAL = "x", "Voted by post"
        DID_NOT_VOTE = "0", "Did not vote"

    elector = models.ForeignKey(Elector, on_delete=models.CASCADE, related_name="turnout")
    election = models.CharField(max_length=60, help_text="e.g. 'parl.2024-07-04'")
    mark = models.CharField(max_length=1, choices=Mark.choices)
    source = models.ForeignKey(RegisterImport, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["elector", "election"], name="unique_turnout_per_election")]
