"""Ballots: one member one vote by eliminating ballot (IRV) or STV, with secrecy and a public bulletin.

Secrecy is in the schema: `CastBallot` has no foreign key to anything but its ballot, no timestamp and a
random primary key, so no join or ordering leads from a vote to a voter. The has-voted register is
`EligibleVoter.voted` (who voted, never how), set in the same transaction that stores the vote.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from groundswell.people.models import OrganisationUnit, Person


class Ballot(models.Model):
    class Method(models.TextChoices):
        IRV = "irv", "Eliminating ballot (one seat)"
        STV = "stv", "Single transferable vote (several seats)"

    unit = models.ForeignKey(OrganisationUnit, on_delete=models.PROTECT, related_name="ballots")
    title = models.CharField(max_length=200)
    method = models.CharField(max_length=3, choices=Method.choices, default=Method.IRV)
    seats = models.PositiveSmallIntegerField(default=1)
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    # Named on the ballot, like a discussion's host: the returning officer runs the count and certifies it.
    returning_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Which process made it (e.g. "selections:42"), so a selection can find its ballot without this app
    # knowing about selections.
    source = models.CharField(max_length=60, blank=True, default="")
    result = models.JSONField(null=True, blank=True)
    counted_at = models.DateTimeField(null=True, blank=True)
    certified_at = models.DateTimeField(null=True, blank=True)
    certified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-closes_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")), name="ballot_closes_after_it_opens"
            ),
            models.CheckConstraint(condition=models.Q(seats__gte=1), name="ballot_at_least_one_seat"),
        ]

    def __str__(self) -> str:
        return self.title

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.opens_at <= now < self.closes_at

    def is_closed(self, now=None) -> bool:
        return (now or timezone.now()) >= self.closes_at


class Candidate(models.Model):
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="candidates")
    name = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField(help_text="Order on the ballot paper")

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["ballot", "name"], name="candidate_name_once_per_ballot"),
            models.UniqueConstraint(fields=["ballot", "position"], name="candidate_position_once_per_ballot"),
        ]

    def __str__(self) -> str:
        return self.name


class EligibleVoter(models.Model):
    """One member on a ballot's roll, their one-time code (hashed) and the has-voted register."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="voters")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="ballot_rolls")
    code_hash = models.CharField(max_length=64, blank=True, default="")
    code_sent_at = models.DateTimeField(null=True, blank=True)
    code_channel = models.CharField(max_length=5, blank=True, default="")  # "email" / "sms"
    # The has-voted register: whether, never when to the second (a time would line up with the vote).
    voted = models.BooleanField(default=False)
    voted_on = models.DateField(null=True, blank=True)
    voted_on_paper = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ballot", "person"], name="voter_once_per_ballot"),
            models.UniqueConstraint(
                fields=["ballot", "code_hash"], condition=~models.Q(code_hash=""), name="voting_code_unique"
            ),
        ]


class CastBallot(models.Model):
    """A vote as cast: its receipt code and its preferences (candidate names, first preference first).

    No link to the voter by design (see the module docstring and test_secrecy.py); the primary key is the
    random receipt code, so rows carry no order of casting.
    """

    receipt = models.CharField(max_length=20, primary_key=True)
    ballot = models.ForeignKey(Ballot, on_delete=models.PROTECT, related_name="cast_ballots")
    preferences = models.JSONField()
    on_paper = models.BooleanField(default=False)

    class Meta:
        ordering = ["receipt"]


class PaperEntry(models.Model):
    """One teller's reading of one numbered paper ballot. Each paper is entered by two tellers independently."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="paper_entries")
    paper_number = models.CharField(max_length=20)
    teller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    preferences = models.JSONField()
    entered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ballot", "paper_number", "teller"], name="paper_entered_once_per_teller")
        ]


class PaperDecision(models.Model):
    """A paper added to the count: both tellers agreed, or the returning officer read the paper and decided."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="paper_decisions")
    paper_number = models.CharField(max_length=20)
    preferences = models.JSONField()
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ballot", "paper_number"], name="paper_decided_once")]


class TriggerRule(models.Model):
    """A party rule for trigger ballots: the share of branches or of affiliates that forces a full selection."""

    name = models.CharField(max_length=120, unique=True)
    branch_numerator = models.PositiveSmallIntegerField()
    branch_denominator = models.PositiveSmallIntegerField()
    affiliate_numerator = models.PositiveSmallIntegerField()
    affiliate_denominator = models.PositiveSmallIntegerField()
    in_force_from = models.DateField()
    source = models.CharField(max_length=300)

    def __str__(self) -> str:
        return self.name


class TriggerBallot(models.Model):
    """Whether a sitting member faces a full selection: one result per branch and per affiliate."""

    unit = models.ForeignKey(OrganisationUnit, on_delete=models.PROTECT, related_name="trigger_ballots")
    sitting_member = models.CharField(max_length=200)
    rule = models.ForeignKey(TriggerRule, on_delete=models.PROTECT, related_name="+")
    branches_eligible = models.PositiveIntegerField(help_text="Party branches entitled to take part")
    affiliates_eligible = models.PositiveIntegerField(help_text="Affiliated branches entitled to take part")
    created_at = models.DateTimeField(default=timezone.now)


class TriggerResult(models.Model):
    class Kind(models.TextChoices):
        BRANCH = "branch", "Party branch"
        AFFILIATE = "affiliate", "Affiliated branch"

    trigger = models.ForeignKey(TriggerBallot, on_delete=models.CASCADE, related_name="results")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(max_length=200)
    wants_selection = models.BooleanField(help_text="The branch voted for a full selection")
    votes_for = models.PositiveIntegerField(default=0)
    votes_against = models.PositiveIntegerField(default=0)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["trigger", "kind", "name"], name="trigger_result_once")]
