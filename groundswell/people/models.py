"""People, memberships, organisation units, consent, suppression and the timeline."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class OrganisationUnit(models.Model):
    """A node of the party's tree: national → nation/region → constituency party → branch.

    `path` is a materialised path of primary keys ("/1/4/17/") so "this unit and everything below it"
    is one indexed prefix query on either database.
    """

    class Kind(models.TextChoices):
        NATIONAL = "national", "National"
        REGION = "region", "Nation/region"
        CONSTITUENCY = "constituency", "Constituency party"
        BRANCH = "branch", "Branch"

    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    constituency = models.ForeignKey(
        "geography.Constituency", null=True, blank=True, on_delete=models.SET_NULL, related_name="units"
    )
    ward = models.ForeignKey("geography.Ward", null=True, blank=True, on_delete=models.SET_NULL, related_name="units")

    class Meta:
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        parent_path = self.parent.path if self.parent_id else "/"
        path = f"{parent_path}{self.pk}/"
        if path != self.path:
            self.path = path
            type(self).objects.filter(pk=self.pk).update(path=path)

    def is_within(self, other: OrganisationUnit) -> bool:
        """True if this unit is `other` or below it."""
        return self.path.startswith(other.path)

    def subtree(self) -> models.QuerySet[OrganisationUnit]:
        return OrganisationUnit.objects.filter(path__startswith=self.path)

    def ancestor_ids(self) -> list[int]:
        """Primary keys from the root down to this unit, read from the path ('/1/4/17/'); [] before it is saved."""
        return [int(p) for p in (self.path or "").strip("/").split("/") if p]

    def ancestors(self) -> list[OrganisationUnit]:
        ids = self.ancestor_ids()
        by_id = OrganisationUnit.objects.in_bulk(ids)
        return [by_id[i] for i in ids if i in by_id]


class Tag(models.Model):
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    """Someone the party knows: a member, supporter, volunteer or contact."""

    unit = models.ForeignKey(OrganisationUnit, on_delete=models.PROTECT, related_name="people")
    given_name = models.CharField(max_length=100, blank=True, default="")
    family_name = models.CharField(max_length=100, blank=True, default="")
    additional_name = models.CharField(max_length=100, blank=True, default="")
    # Lower-cased, punctuation-free "given family" for duplicate detection and search.
    normalised_name = models.CharField(max_length=210, blank=True, default="", db_index=True)
    date_of_birth = models.DateField(null=True, blank=True)
    address_line1 = models.CharField(max_length=200, blank=True, default="")
    address_line2 = models.CharField(max_length=200, blank=True, default="")
    locality = models.CharField(max_length=100, blank=True, default="", help_text="Town or city")
    postcode = models.CharField(max_length=8, blank=True, default="", db_index=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    constituency_code = models.CharField(max_length=12, blank=True, default="", db_index=True)
    ward_code = models.CharField(max_length=12, blank=True, default="", db_index=True)
    custom_fields = models.JSONField(default=dict, blank=True)
    tags = models.ManyToManyField(Tag, through="Tagging", related_name="people", blank=True)
    synthetic = models.BooleanField(default=False, help_text="Made-up demo data")
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    erased_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["family_name", "given_name", "id"]
        indexes = [models.Index(fields=["family_name", "given_name"])]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.erased_at:
            return "[erased]"
        return " ".join(p for p in (self.given_name, self.family_name) if p) or f"Person #{self.pk}"

    @property
    def primary_email(self) -> str:
        emails = list(self.email_addresses.all())
        primary = [e for e in emails if e.primary] or emails
        return primary[0].address if primary else ""

    @property
    def primary_phone(self) -> str:
        phones = list(self.phone_numbers.all())
        primary = [p for p in phones if p.primary] or phones
        return primary[0].number if primary else ""


class EmailAddress(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="email_addresses")
    address = models.CharField(max_length=254, db_index=True, help_text="Lower-cased")
    primary = models.BooleanField(default=False)
    status = models.CharField(max_length=20, default="subscribed", blank=True)

    class Meta:
        ordering = ["-primary", "id"]

    def __str__(self) -> str:
        return self.address


class PhoneNumber(models.Model):
    class Kind(models.TextChoices):
        MOBILE = "mobile", "Mobile"
        HOME = "home", "Home"
        WORK = "work", "Work"
        OTHER = "other", "Other"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="phone_numbers")
    number = models.CharField(max_length=20, db_index=True, help_text="E.164, e.g. +447700900123")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.OTHER)
    primary = models.BooleanField(default=False)

    class Meta:
        ordering = ["-primary", "id"]

    def __str__(self) -> str:
        return self.number


class Tagging(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="taggings")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="taggings")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "tag"], name="unique_tagging")]


class Membership(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        ARREARS = "arrears", "In arrears"
        LAPSED = "lapsed", "Lapsed"
        SUSPENDED = "suspended", "Suspended"
        RESIGNED = "resigned", "Resigned"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships")
    number = models.CharField(max_length=40, unique=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    joined_on = models.DateField(null=True, blank=True)
    lapsed_on = models.DateField(null=True, blank=True)
    branch = models.ForeignKey(
        OrganisationUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="branch_memberships"
    )
    constituency_party = models.ForeignKey(
        OrganisationUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="constituency_memberships"
    )
    payment_reference = models.CharField(
        max_length=100, blank=True, default="", help_text="Payment source reference, kept for audits"
    )

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number} ({self.get_status_display()})"


class Consent(models.Model):
    """One recorded consent decision. History is kept: the newest row per person and channel is current."""

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        SMS = "sms", "SMS"
        PHONE = "phone", "Phone"
        POST = "post", "Post"

    class Status(models.TextChoices):
        GRANTED = "granted", "Granted"
        WITHDRAWN = "withdrawn", "Withdrawn"
        UNKNOWN = "unknown", "Not asked"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    status = models.CharField(max_length=10, choices=Status.choices)
    source = models.CharField(max_length=200, help_text="Where it was given, e.g. 'import: members.csv', 'RSVP form'")
    wording = models.TextField(blank=True, default="", help_text="The words the person was shown")
    recorded_at = models.DateTimeField(default=timezone.now, db_index=True)
    recorded_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["person", "channel", "-recorded_at"])]


class Suppression(models.Model):
    """An entry on the global suppression list. Matches by person, email or phone number."""

    class Kind(models.TextChoices):
        DO_NOT_CONTACT = "do_not_contact", "Do not contact (any channel)"
        TPS = "tps", "TPS-registered phone number"
        NO_EMAIL = "no_email", "Do not email"
        NO_PHONE = "no_phone", "Do not phone"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.CASCADE, related_name="suppressions")
    email = models.CharField(max_length=254, blank=True, default="", db_index=True)
    phone = models.CharField(max_length=20, blank=True, default="", db_index=True)
    reason = models.CharField(max_length=200, blank=True, default="")
    source = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)


class TimelineEntry(models.Model):
    """One interaction with a person. Later apps (canvassing, calls, events, surveys, email) write here."""

    class Kind(models.TextChoices):
        NOTE = "note", "Note"
        IMPORT = "import", "Imported"
        CANVASS = "canvass", "Canvass contact"
        CALL = "call", "Phone call"
        EVENT = "event", "Event attendance"
        SURVEY = "survey", "Survey response"
        EMAIL = "email", "Email"
        MEMBERSHIP = "membership", "Membership"
        CONSENT = "consent", "Consent"
        MERGE = "merge", "Merged record"
        SMS = "sms", "Text message"
        EDIT = "edit", "Record edited"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="timeline")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    summary = models.CharField(max_length=300)
    data = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name_plural = "timeline entries"
