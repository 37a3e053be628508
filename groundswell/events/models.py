"""Events (canvass and phonebank sessions, meetups, stalls, socials…), their RSVPs and reminder deliveries.

Search speed: every event stores its point and a coarse grid cell (0.1° × 0.1°, see geo.py). A postcode-radius
search asks for the handful of cells its bounding box covers and a date range, which one composite index
answers; exact distances are then computed in Python over a few hundred rows.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


def new_token() -> str:
    return secrets.token_urlsafe(16)


class EventSeries(models.Model):
    """Recurring events: one row per series, one Event per occurrence (each can be edited or cancelled alone)."""

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", "Every week"
        FORTNIGHTLY = "fortnightly", "Every two weeks"
        MONTHLY = "monthly", "Every month (same weekday)"

    frequency = models.CharField(max_length=12, choices=Frequency.choices)
    occurrences = models.PositiveSmallIntegerField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)


class Event(models.Model):
    class Kind(models.TextChoices):
        CANVASS = "canvass", "Canvass session"
        PHONEBANK = "phonebank", "Phonebank session"
        MEETUP = "meetup", "Campaign meetup"
        DISCUSSION = "discussion", "Discussion / consultation"
        STALL = "stall", "Street stall"
        TRAINING = "training", "Training"
        SOCIAL = "social", "Social"
        ONLINE = "online", "Online call"
        VISIT = "visit", "Campaign visit / rally"

    class Visibility(models.TextChoices):
        PUBLIC = "public", "Public: on the map for everyone"
        MEMBERS = "members", "Members: signed-in members and volunteers"
        INVITE = "invite", "Invite only: people with the link"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for moderation"
        PUBLISHED = "published", "Published"
        REJECTED = "rejected", "Rejected"
        CANCELLED = "cancelled", "Cancelled"

    unit = models.ForeignKey("people.OrganisationUnit", on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    time_zone = models.CharField(max_length=50, default="Europe/London")
    venue_name = models.CharField(max_length=200, blank=True, default="")
    address = models.CharField(max_length=300, blank=True, default="")
    postcode = models.CharField(max_length=8, blank=True, default="")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    grid_cell = models.IntegerField(null=True, blank=True)
    constituency_code = models.CharField(max_length=12, blank=True, default="", db_index=True)
    online_url = models.URLField(blank=True, default="")
    capacity = models.PositiveIntegerField(null=True, blank=True, help_text="Blank for no limit")
    accessibility = models.TextField(blank=True, default="", help_text="Step-free access, hearing loop, toilets…")
    hosts = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="hosted_events")
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PUBLISHED)
    # The secret in an invite-only event's share link (and in every event's embed of its own page).
    token = models.CharField(max_length=32, unique=True, default=new_token, editable=False)
    series = models.ForeignKey(EventSeries, null=True, blank=True, on_delete=models.SET_NULL, related_name="events")
    # Campaign meetups: the follow-up events a meetup's small groups create point back at it.
    meetup = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups")
    meetup_group = models.CharField(max_length=100, blank=True, default="", help_text="The table or area group")
    call_campaign = models.ForeignKey(
        "phonebank.CallCampaign", null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    phonebank_session = models.ForeignKey(
        "phonebank.PhonebankSession", null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    canvass_campaign = models.ForeignKey(
        "canvassing.CanvassCampaign", null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="proposed_events"
    )
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderation_note = models.CharField(max_length=300, blank=True, default="")
    closed_at = models.DateTimeField(null=True, blank=True, help_text="When no-shows were recorded")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gte=models.F("starts_at")), name="event_ends_after_start")
        ]
        indexes = [
            # The map search: per cell of the bounding box, the soonest events first.
            # Covering: the search decides on index entries alone (an index-only scan) and reads the table only
            # for the events it lists.
            models.Index(
                fields=["grid_cell", "starts_at"],
                include=["id", "ends_at", "latitude", "longitude", "kind"],
                condition=Q(status="published", visibility="public"),
                name="events_public_search",
            ),
            models.Index(fields=["unit", "starts_at"]),
            models.Index(fields=["status", "unit"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_online(self) -> bool:
        return self.kind == self.Kind.ONLINE or (bool(self.online_url) and self.latitude is None)


class RSVP(models.Model):
    class Status(models.TextChoices):
        GOING = "going", "Going"
        WAITLIST = "waitlist", "On the waiting list"
        CANCELLED = "cancelled", "Cancelled"
        ATTENDED = "attended", "Attended"
        NO_SHOW = "no_show", "Did not come"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="rsvps")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="event_rsvps")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.GOING)
    source = models.CharField(max_length=100, blank=True, default="", help_text="RSVP form, walk-in, meetup table…")
    token = models.CharField(max_length=32, unique=True, default=new_token, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    promoted_at = models.DateTimeField(null=True, blank=True, help_text="Moved from the waiting list")
    checked_in_at = models.DateTimeField(null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["event", "person"], name="one_rsvp_per_person_per_event")]
        indexes = [models.Index(fields=["event", "status", "created_at"])]


class ReminderDelivery(models.Model):
    """One email about one RSVP (confirmation, 24 h, 2 h). The unique row is claimed before sending, so a
    task run twice (a restarted worker, the sweep and a deferred task both firing) sends at most once."""

    class Kind(models.TextChoices):
        DAY = "24h", "24 hours before"
        HOURS = "2h", "2 hours before"

    rsvp = models.ForeignKey(RSVP, on_delete=models.CASCADE, related_name="deliveries")
    kind = models.CharField(max_length=6, choices=Kind.choices)
    claimed_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rsvp", "kind"], name="one_delivery_per_rsvp_kind")]


class EventInvite(models.Model):
    """An organiser's invitation of people near an event (the selection; the send goes through messaging)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="invites")
    channel = models.CharField(max_length=6, default="email")
    radius_km = models.FloatField()
    not_contacted_days = models.PositiveSmallIntegerField(default=14)
    recipients = models.PositiveIntegerField(default=0)
    subject = models.CharField(max_length=200, blank=True, default="")
    body = models.TextField(blank=True, default="")
    send_id = models.BigIntegerField(null=True, blank=True, help_text="messaging send, once sent")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)
