"""Polling day: stations, committee rooms, promises, tellers' numbers, knock-up rounds and lifts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class PollingDay(models.Model):
    """One election day in one constituency, run by a constituency party."""

    unit = models.ForeignKey("people.OrganisationUnit", on_delete=models.PROTECT, related_name="polling_days")
    constituency = models.ForeignKey("geography.Constituency", on_delete=models.PROTECT, related_name="+")
    campaign = models.ForeignKey(
        "canvassing.CanvassCampaign",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="polling_days",
        help_text="Where promises and walk order come from",
    )
    name = models.CharField(max_length=200)
    election = models.CharField(max_length=60, help_text="Election id for turnout history, e.g. 'parl.2029-05-03'")
    date = models.DateField()
    polls_open = models.TimeField(default="07:00")
    polls_close = models.TimeField(default="22:00")
    # The promise rule: {"support_codes": ["L"], "min_likelihood": 7, "contacted_since": "2029-01-01"}.
    promise_rule = models.JSONField(default=dict, blank=True)
    # Votes needed per polling district, set by the organiser: {"AB1": 900, …}.
    targets = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class PollingStation(models.Model):
    polling_day = models.ForeignKey(PollingDay, on_delete=models.CASCADE, related_name="stations")
    name = models.CharField(max_length=200)
    address = models.CharField(max_length=300, blank=True, default="")
    postcode = models.CharField(max_length=8, blank=True, default="")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    polling_districts = models.JSONField(default=list, help_text="Polling district codes voting here")

    class Meta:
        ordering = ["polling_day", "name"]

    def __str__(self) -> str:
        return self.name


class CommitteeRoom(models.Model):
    polling_day = models.ForeignKey(PollingDay, on_delete=models.CASCADE, related_name="committee_rooms")
    name = models.CharField(max_length=200)
    address = models.CharField(max_length=300, blank=True, default="")
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    polling_districts = models.JSONField(default=list)

    class Meta:
        ordering = ["polling_day", "name"]

    def __str__(self) -> str:
        return self.name


class StationTeller(models.Model):
    """A teller posted at a polling station: they read its numbers and take them there, and no other station's.

    Coordinators and organisers of the day (MANAGE_POLLING_DAY) need no posting: they cover every station.
    """

    station = models.ForeignKey(PollingStation, on_delete=models.CASCADE, related_name="teller_assignments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    assigned_at = models.DateTimeField(default=timezone.now)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["station", "user"], name="unique_station_teller")]


class RoomVolunteer(models.Model):
    """A volunteer knocking up from a committee room: they open its rounds (names and addresses), no other room's.

    The room's coordinator and the day's coordinators and organisers need no posting.
    """

    committee_room = models.ForeignKey(CommitteeRoom, on_delete=models.CASCADE, related_name="volunteer_assignments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    assigned_at = models.DateTimeField(default=timezone.now)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["committee_room", "user"], name="unique_room_volunteer")]


class TellingEntry(models.Model):
    """A number a teller took. One live entry per elector and day: two tellers taking the same voter is one vote.

    Unknown numbers are kept (elector empty, `raw_number` as typed) so that nothing a teller typed is lost.
    """

    class Source(models.TextChoices):
        TELLER = "teller", "Teller at a station"
        POSTAL = "postal", "Postal vote known returned"
        KNOCK_UP = "knock_up", "Told on the doorstep they had voted"

    polling_day = models.ForeignKey(PollingDay, on_delete=models.CASCADE, related_name="telling_entries")
    station = models.ForeignKey(
        PollingStation, null=True, blank=True, on_delete=models.SET_NULL, related_name="telling_entries"
    )
    elector = models.ForeignKey(
        "register.Elector", null=True, blank=True, on_delete=models.CASCADE, related_name="telling_entries"
    )
    raw_number = models.CharField(max_length=40)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.TELLER)
    client_id = models.CharField(max_length=64, unique=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    entered_at = models.DateTimeField(default=timezone.now, db_index=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Review(models.TextChoices):
        RESOLVED = "resolved", "Resolved to an elector"
        DISMISSED = "dismissed", "Dismissed"

    # A flagged entry (no elector) a coordinator has dealt with on the review page (gotv/review.py).
    review = models.CharField(max_length=10, choices=Review.choices, blank=True, default="")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-entered_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["polling_day", "elector"],
                condition=Q(undone_at__isnull=True, elector__isnull=False),
                name="one_live_vote_per_elector_per_day",
            )
        ]
        indexes = [models.Index(fields=["polling_day", "station", "-entered_at"])]


class KnockUpRound(models.Model):
    committee_room = models.ForeignKey(CommitteeRoom, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveIntegerField()
    generated_at = models.DateTimeField(default=timezone.now)
    generated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["committee_room", "number"]
        constraints = [models.UniqueConstraint(fields=["committee_room", "number"], name="unique_round_number")]


class KnockUpItem(models.Model):
    """A promise on a knock-up round, in walk order."""

    round = models.ForeignKey(KnockUpRound, on_delete=models.CASCADE, related_name="items")
    elector = models.ForeignKey("register.Elector", on_delete=models.CASCADE, related_name="+")
    walk = models.ForeignKey("canvassing.Walk", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    order = models.PositiveIntegerField()

    class Meta:
        ordering = ["round", "order"]


class KnockUpResult(models.Model):
    class Outcome(models.TextChoices):
        VOTED = "voted", "Voted already"
        WILL_GO = "will_go", "Will go"
        LIFT = "lift", "Lift needed"
        NOT_IN = "not_in", "Not in"
        REFUSED = "refused", "Refused"

    committee_room = models.ForeignKey(CommitteeRoom, on_delete=models.CASCADE, related_name="results")
    round = models.ForeignKey(KnockUpRound, null=True, blank=True, on_delete=models.SET_NULL, related_name="results")
    elector = models.ForeignKey("register.Elector", on_delete=models.CASCADE, related_name="knock_up_results")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    notes = models.CharField(max_length=300, blank=True, default="")
    client_id = models.CharField(max_length=64, unique=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at", "-id"]


class Lift(models.Model):
    class Status(models.TextChoices):
        NEEDED = "needed", "Needed"
        ARRANGED = "arranged", "Driver on the way"
        DONE = "done", "Taken to vote"
        CANCELLED = "cancelled", "Cancelled"

    committee_room = models.ForeignKey(CommitteeRoom, on_delete=models.CASCADE, related_name="lifts")
    elector = models.ForeignKey("register.Elector", on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(KnockUpResult, null=True, blank=True, on_delete=models.SET_NULL)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEEDED)
    driver = models.CharField(max_length=200, blank=True, default="")
    notes = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["status", "created_at"]
