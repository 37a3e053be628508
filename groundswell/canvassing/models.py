"""Canvass campaigns, contacts, targets and walks, over the electoral register (support codes: questions)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class CanvassCampaign(models.Model):
    unit = models.ForeignKey("people.OrganisationUnit", on_delete=models.PROTECT, related_name="canvass_campaigns")
    constituency = models.ForeignKey("geography.Constituency", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    question_set = models.ForeignKey(
        "questions.QuestionSet", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    starts_on = models.DateField(default=timezone.localdate)
    ends_on = models.DateField(null=True, blank=True, help_text="Canvassers lose access after this day")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class DoorOutcome(models.TextChoices):
    SPOKE = "spoke", "Spoke to them"
    NOT_IN = "not_in", "Not in"
    REFUSED = "refused", "Refused"
    MOVED = "moved", "Moved away"
    DECEASED = "deceased", "Deceased"
    WRONG_ADDRESS = "wrong_address", "Wrong address"
    POSTER = "poster", "Poster / garden stake"
    WANTS_POSTAL_VOTE = "postal_vote", "Wants a postal vote"
    WANTS_TO_VOLUNTEER = "volunteer", "Wants to volunteer"


class Contact(models.Model):
    """One canvass contact with one elector. Never edited: the elector's current support is derived."""

    class Method(models.TextChoices):
        DOOR = "door", "On the doorstep"
        PHONE = "phone", "By phone"
        PAPER = "paper", "From a paper sheet"

    elector = models.ForeignKey("register.Elector", on_delete=models.CASCADE, related_name="contacts")
    campaign = models.ForeignKey(
        CanvassCampaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )
    walk = models.ForeignKey("Walk", null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts")
    canvasser = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    method = models.CharField(max_length=10, choices=Method.choices, default=Method.DOOR)
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    outcome = models.CharField(max_length=20, choices=DoorOutcome.choices, default=DoorOutcome.SPOKE)
    support_code = models.CharField(max_length=10, blank=True, default="")
    likelihood = models.PositiveSmallIntegerField(null=True, blank=True)
    previous_vote = models.CharField(max_length=20, blank=True, default="")
    issues = models.JSONField(default=list, blank=True)
    notes = models.TextField(blank=True, default="")
    answers = models.JSONField(default=dict, blank=True)
    # Client-generated id: a result sent twice (retry, replayed queue) is stored once.
    client_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    # Moved / deceased / wrong address: the register may be out of date. The organiser reviews these;
    # the elector is never deleted from here (only a register update removes electors).
    needs_review = models.BooleanField(default=False, db_index=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["elector", "-occurred_at"])]


class Target(models.Model):
    """A saved filter over electors: polling districts, streets, support and its age, postal voters, turnout…"""

    campaign = models.ForeignKey(CanvassCampaign, on_delete=models.CASCADE, related_name="targets")
    name = models.CharField(max_length=200)
    filters = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Walk(models.Model):
    """A round of doors for one canvasser, in walking order."""

    campaign = models.ForeignKey(CanvassCampaign, on_delete=models.CASCADE, related_name="walks")
    target = models.ForeignKey(Target, null=True, blank=True, on_delete=models.SET_NULL, related_name="walks")
    name = models.CharField(max_length=200)
    polling_district = models.CharField(max_length=12, blank=True, default="")
    route_length_m = models.FloatField(default=0)
    assigned_to = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="WalkAssignment", through_fields=("walk", "user"), related_name="walks"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["campaign", "name"]

    def __str__(self) -> str:
        return self.name


class WalkStop(models.Model):
    """A door on a walk, in route order. A property is on at most one walk of a campaign."""

    walk = models.ForeignKey(Walk, on_delete=models.CASCADE, related_name="stops")
    household = models.ForeignKey("register.Property", on_delete=models.CASCADE, related_name="walk_stops")
    campaign = models.ForeignKey(CanvassCampaign, on_delete=models.CASCADE, related_name="+")
    order = models.PositiveIntegerField()

    class Meta:
        ordering = ["walk", "order"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "household"], name="one_walk_per_property_per_campaign")
        ]


class WalkAssignment(models.Model):
    walk = models.ForeignKey(Walk, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="walk_assignments")
    assigned_at = models.DateTimeField(default=timezone.now)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["walk", "user"], name="unique_walk_assignment")]
