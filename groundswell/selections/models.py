"""Selections: a unit choosing its candidate (or office holder) in the open, every step recorded with its reason.

The rules of a selection (membership months, quorum, balance, bulk-join thresholds) are copied from a `RuleSet`
row that names its source, then kept on the selection, so a later change to the party's rules does not rewrite a
selection already under way. The eligibility snapshot is immutable: a reset freeze date or an upheld challenge
makes a new version and keeps the old.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from groundswell.ballots.models import Ballot
from groundswell.events.models import Event
from groundswell.people.models import Membership, OrganisationUnit, Person


class RuleSet(models.Model):
    """A party's selection rules as data, with where they come from (NEC procedural guidelines, a CLP's own)."""

    name = models.CharField(max_length=120, unique=True)
    voter_min_months = models.PositiveSmallIntegerField(help_text="Continuous membership by the freeze date to vote")
    applicant_min_months = models.PositiveSmallIntegerField(help_text="Continuous membership to stand")
    require_good_standing = models.BooleanField(default=True)
    applicant_requires_union = models.BooleanField(default=True)
    nomination_quorum = models.PositiveSmallIntegerField(default=5)
    one_nomination_per_body_per_category = models.BooleanField(default=True)
    only_nominated_shortlisted = models.BooleanField(default=True)
    min_women_percent = models.PositiveSmallIntegerField(null=True, blank=True)
    min_minority_ethnic = models.PositiveSmallIntegerField(null=True, blank=True)
    source = models.CharField(max_length=300)

    def __str__(self) -> str:
        return self.name


class Selection(models.Model):
    class Kind(models.TextChoices):
        PARLIAMENTARY = "parliamentary", "Parliamentary candidate"
        COUNCIL = "council", "Council candidates"
        INTERNAL = "internal", "Internal office"

    class Stage(models.TextChoices):
        FREEZE = "freeze", "Freeze date"
        APPLICATIONS = "applications", "Applications"
        LONGLISTING = "longlisting", "Longlisting"
        NOMINATIONS = "nominations", "Nominations by branches and affiliates"
        SHORTLISTING = "shortlisting", "Shortlisting"
        HUSTINGS = "hustings", "Hustings"
        BALLOT = "ballot", "Ballot"
        RESULT = "result", "Result"

    unit = models.ForeignKey(OrganisationUnit, on_delete=models.PROTECT, related_name="selections")
    kind = models.CharField(max_length=14, choices=Kind.choices)
    title = models.CharField(max_length=200)
    stage = models.CharField(max_length=14, choices=Stage.choices, default=Stage.FREEZE)
    freeze_date = models.DateField()
    procedures_secretary = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The rules, copied from a RuleSet (and then adjustable for this selection by its secretary).
    rules_name = models.CharField(max_length=120)
    rules_source = models.CharField(max_length=300)
    voter_min_months = models.PositiveSmallIntegerField()
    applicant_min_months = models.PositiveSmallIntegerField()
    require_good_standing = models.BooleanField(default=True)
    applicant_requires_union = models.BooleanField(default=True)
    nomination_quorum = models.PositiveSmallIntegerField()
    one_nomination_per_body_per_category = models.BooleanField(default=True)
    only_nominated_shortlisted = models.BooleanField(default=True)
    min_women_percent = models.PositiveSmallIntegerField(null=True, blank=True)
    min_minority_ethnic = models.PositiveSmallIntegerField(null=True, blank=True)
    # Bulk-join detection (Falkirk): joins within the window before the freeze date are examined.
    flag_window_days = models.PositiveSmallIntegerField(default=120)
    flag_cluster_size = models.PositiveSmallIntegerField(default=3, help_text="Memberships at one address/payer")
    flag_burst_size = models.PositiveSmallIntegerField(default=8, help_text="Joins in the unit within 7 days")
    flag_payment_gap_days = models.PositiveSmallIntegerField(default=14, help_text="Join date before first payment")
    ballot = models.OneToOneField(Ballot, null=True, blank=True, on_delete=models.PROTECT, related_name="selection")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    def rules(self) -> dict:
        """The rules in force, as hashed into each eligibility snapshot."""
        return {
            "rules": self.rules_name,
            "source": self.rules_source,
            "voter_min_months": self.voter_min_months,
            "require_good_standing": self.require_good_standing,
        }


class TimetableStage(models.Model):
    """One published step of the timetable, with its dates."""

    selection = models.ForeignKey(Selection, on_delete=models.CASCADE, related_name="timetable")
    stage = models.CharField(max_length=14, choices=Selection.Stage.choices)
    starts_on = models.DateField()
    ends_on = models.DateField()

    class Meta:
        ordering = ["starts_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["selection", "stage"], name="selection_stage_once"),
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="stage_ends_after"),
        ]


class Criterion(models.Model):
    """A published criterion the panel scores each applicant against."""

    selection = models.ForeignKey(Selection, on_delete=models.CASCADE, related_name="criteria")
    text = models.CharField(max_length=300)
    max_score = models.PositiveSmallIntegerField(default=5)

    class Meta:
        ordering = ["pk"]


class Snapshot(models.Model):
    """The eligible list at a freeze date, one version. Never changed once written (see save())."""

    selection = models.ForeignKey(Selection, on_delete=models.PROTECT, related_name="snapshots")
    version = models.PositiveSmallIntegerField()
    freeze_date = models.DateField()
    rules = models.JSONField()
    digest = models.CharField(max_length=64, help_text="SHA-256 of the sorted eligible list and the rules")
    eligible_count = models.PositiveIntegerField()
    checked_count = models.PositiveIntegerField()
    reason = models.CharField(max_length=300)
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    taken_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["selection", "-version"]
        constraints = [models.UniqueConstraint(fields=["selection", "version"], name="snapshot_version_once")]

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValidationError("An eligibility snapshot is never changed: take a new version.")
        super().save(*args, **kwargs)


class SnapshotEntry(models.Model):
    """One member as the snapshot found them: eligible or not, and why in plain words."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.PROTECT, related_name="entries")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    membership_number = models.CharField(max_length=40)
    eligible = models.BooleanField()
    reason = models.CharField(max_length=300)
    overridden = models.BooleanField(default=False, help_text="Set by an upheld challenge")

    class Meta:
        ordering = ["membership_number"]
        constraints = [models.UniqueConstraint(fields=["snapshot", "person"], name="snapshot_person_once")]

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValidationError("An eligibility snapshot is never changed: take a new version.")
        super().save(*args, **kwargs)


class Challenge(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Waiting for a decision"
        UPHELD = "upheld", "Upheld"
        REJECTED = "rejected", "Rejected"

    selection = models.ForeignKey(Selection, on_delete=models.CASCADE, related_name="challenges")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    against = models.ForeignKey(Snapshot, on_delete=models.PROTECT, related_name="challenges")
    statement = models.TextField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True, default="")
    new_snapshot = models.ForeignKey(Snapshot, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    lodged_at = models.DateTimeField(default=timezone.now)


class Applicant(models.Model):
    class Status(models.TextChoices):
        APPLIED = "applied", "Applied"
        INELIGIBLE = "ineligible", "Not eligible to stand"
        LONGLISTED = "longlisted", "Longlisted"
        NOT_LONGLISTED = "not_longlisted", "Not longlisted"
        SHORTLISTED = "shortlisted", "Shortlisted"
        NOT_SHORTLISTED = "not_shortlisted", "Not shortlisted"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class Gender(models.TextChoices):
        WOMAN = "woman", "Woman"
        MAN = "man", "Man"
        OTHER = "other", "Another gender"

    selection = models.ForeignKey(Selection, on_delete=models.CASCADE, related_name="applicants")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    public_name = models.CharField(max_length=200)
    anonymise_reasons = models.BooleanField(default=False, help_text="Publish my reasons without my name")
    union_member = models.BooleanField(default=False)
    union_name = models.CharField(max_length=200, blank=True, default="")
    # Self-declared, held only with the applicant's consent, for the balance checks; never shown per person.
    diversity_consent = models.BooleanField(default=False)
    gender = models.CharField(max_length=6, choices=Gender.choices, blank=True, default="")
    minority_ethnic = models.BooleanField(null=True, blank=True)
    # The stand check, recorded when they applied: {"continuous": [ok, "why"], "union": […], "disqualified": […]}.
    checks = models.JSONField(default=dict)
    eligible = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.APPLIED)
    applied_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["public_name"]
        constraints = [models.UniqueConstraint(fields=["selection", "person"], name="applicant_once")]

    def __str__(self) -> str:
        return self.public_name


class Disqualification(models.Model):
    """Someone barred from standing (a rule-book disqualification), with its source, until a date or for good."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=300)
    until = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)


class Decision(models.Model):
    """A decision of the selection with its reason: the public record on the transparency page, as it happens."""

    selection = models.ForeignKey(Selection, on_delete=models.CASCADE, related_name="decisions")
    stage = models.CharField(max_length=14, choices=Selection.Stage.choices)
    subject = models.CharField(max_length=300, help_text="Published words: no member's personal data")
    outcome = models.CharField(max_length=200)
    reason = models.TextField()
    applicant = models.ForeignKey(Applicant, null=True, blank=True, on_delete=models.CASCADE, related_name="decisions")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["decided_at", "pk"]


class PanelMember(models.Model):
    selection = models.ForeignKey(Selection, on_delete=models.CASCADE, related_name="panel")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=200, blank=True, default="", help_text="e.g. 'NEC member (chair)'")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["selection", "user"], name="panel_member_once")]


class Conflict(models.Model):
    """A declared conflict: the panel member may not score that applicant."""

    panel_member = models.ForeignKey(PanelMember, on_delete=models.CASCADE, related_name="conflicts")
    applicant = models.ForeignKey(Applicant, on_delete=models.CASCADE, related_name="conflicts")
    nature = models.CharField(max_length=300)
    declared_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["panel_member", "applicant"], name="conflict_once")]


class Score(models.Model):
    panel_member = models.ForeignKey(PanelMember, on_delete=models.PROTECT, related_name="scores")
    applicant = models.ForeignKey(Applicant, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="scores")
    score = models.PositiveSmallIntegerField()
    note = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["panel_member", "applicant", "criterion"], name="score_once"),
        ]


class NominationMeeting(models.Model):
    """A branch's or affiliate's nomination meeting: who attended (from the eligible list), the votes, the nominee."""

    class BodyKind(models.TextChoices):
        BRANCH = "branch", "Party branch"
        AFFILIATE = "affiliate", "Affiliate (union or society)"

    class Category(models.TextChoices):
        OPEN = "open", "Open"
        WOMAN = "woman", "Woman"
        MINORITY_ETHNIC = "minority_ethnic", "Minority-ethnic"

    selection = models.ForeignKey(Selection, on_delete=models.CASCADE, related_name="nomination_meetings")
    body_kind = models.CharField(max_length=10, choices=BodyKind.choices)
    body_name = models.CharField(max_length=200)
    branch = models.ForeignKey(OrganisationUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    category = models.CharField(max_length=16, choices=Category.choices, default=Category.OPEN)
    held_on = models.DateField()
    quorum = models.PositiveSmallIntegerField()
    attendees = models.ManyToManyField(Person, related_name="+", blank=True)
    attendance = models.PositiveIntegerField()
    votes = models.JSONField(default=dict, help_text="{applicant public name: votes}")
    nominee = models.ForeignKey(Applicant, on_delete=models.PROTECT, related_name="nominations")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["held_on", "pk"]


class Hustings(models.Model):
    """A hustings: an event in the events app, with the invitation and reminder sent through messaging."""

    selection = models.ForeignKey(Selection, on_delete=models.CASCADE, related_name="hustings")
    event = models.OneToOneField(Event, on_delete=models.PROTECT, related_name="+")
    invited = models.PositiveIntegerField(default=0)
    invited_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)


class JoinFlag(models.Model):
    """A pattern among joins before the freeze date worth a look. Never excludes anyone by itself."""

    class Signal(models.TextChoices):
        SAME_ADDRESS = "same_address", "Many memberships at one address"
        SAME_PAYER = "same_payer", "Many memberships paid from one payment source"
        THIRD_PARTY = "third_party", "Paid by someone else"
        BURST = "burst", "A burst of joins"
        JOIN_BEFORE_PAYMENT = "join_before_payment", "Join date well before the first payment"
        SHARED_CONTACT = "shared_contact", "The same email address or phone number on several members"

    class Decision(models.TextChoices):
        OPEN = "open", "Waiting for review"
        GENUINE = "genuine", "Reviewed: genuine, no action"
        CONCERN = "concern", "Reviewed: concern noted, members kept on the roll"
        REFERRED = "referred", "Referred for investigation"

    selection = models.ForeignKey(Selection, on_delete=models.CASCADE, related_name="flags")
    snapshot = models.ForeignKey(Snapshot, on_delete=models.PROTECT, related_name="flags")
    signal = models.CharField(max_length=20, choices=Signal.choices)
    key = models.CharField(max_length=200, help_text="What the cluster shares (an address, a payer fingerprint…)")
    evidence = models.JSONField(help_text="Plain-words lines and the memberships concerned")
    memberships = models.ManyToManyField(Membership, related_name="+")
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.OPEN)
    reason = models.TextField(blank=True, default="")
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    raised_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["signal", "key"]
        constraints = [models.UniqueConstraint(fields=["snapshot", "signal", "key"], name="flag_once_per_snapshot")]
