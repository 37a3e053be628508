"""Tours: a leader's or regional tour's days, stops (each an event), its team, the plan of each day (route, times,
constituencies crossed) with the attribution rule it used, the attributions the agents accept or refuse, the stops'
two-person checklists, and the on-the-day record of arrivals, departures and the vehicle's position.

Money is integer pence.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class RoadNetwork(models.Model):
    """A road network an organiser imported (in the columns of England's SRN graph); tours without one use the
    shipped network in data/roads/."""

    name = models.CharField(max_length=200)
    source = models.CharField(max_length=400, help_text="Where the file came from and its licence")
    links = models.PositiveIntegerField(default=0)
    junctions = models.PositiveIntegerField(default=0)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    imported_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class RoadLink(models.Model):
    network = models.ForeignKey(RoadNetwork, on_delete=models.CASCADE, related_name="road_links")
    start = models.CharField(max_length=40)
    end = models.CharField(max_length=40)
    start_lat = models.FloatField()
    start_lon = models.FloatField()
    end_lat = models.FloatField()
    end_lon = models.FloatField()
    road = models.CharField(max_length=20)
    km = models.FloatField()


class Tour(models.Model):
    """A tour, with the attribution rule its plans use: a day rate the organiser enters (e.g. £461) or one derived
    from the hire, fuel and staff costs a day of the tour carries."""

    class RateBasis(models.TextChoices):
        ENTERED = "entered", "A day rate I enter"
        DERIVED = "derived", "Derived from hire, fuel and staff costs per day"

    unit = models.ForeignKey("people.OrganisationUnit", on_delete=models.PROTECT, related_name="tours")
    election = models.ForeignKey("spending.Election", on_delete=models.PROTECT, related_name="tours")
    name = models.CharField(max_length=200)
    vehicles = models.CharField(max_length=300, blank=True, default="", help_text="e.g. 'Coach (Smith's Travel)'")
    network = models.ForeignKey(RoadNetwork, null=True, blank=True, on_delete=models.PROTECT, related_name="tours")
    rate_basis = models.CharField(max_length=10, choices=RateBasis.choices, default=RateBasis.ENTERED)
    day_rate_pence = models.PositiveBigIntegerField(default=0)
    hire_pence_per_day = models.PositiveBigIntegerField(default=0)
    fuel_pence_per_day = models.PositiveBigIntegerField(default=0)
    staff_pence_per_day = models.PositiveBigIntegerField(default=0)
    minimise_local = models.BooleanField(default=False, help_text="Keep the bus on the network through seats "
                                         "near their limit")  # fmt: skip
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name

    @property
    def rate_pence(self) -> int:
        """The day rate a candidate stop attributes to its seat, under this tour's rule."""
        if self.rate_basis == self.RateBasis.DERIVED:
            return self.hire_pence_per_day + self.fuel_pence_per_day + self.staff_pence_per_day
        return self.day_rate_pence


class TourMember(models.Model):
    """The tour team: who may see the exact venues and times and the vehicle's position."""

    class Role(models.TextChoices):
        MANAGER = "manager", "Tour manager"
        ADVANCE = "advance", "Advance staff"
        DRIVER = "driver", "Driver"

    tour = models.ForeignKey(Tour, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tour_memberships")
    role = models.CharField(max_length=10, choices=Role.choices)
    phone = models.CharField(max_length=40, blank=True, default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tour", "user", "role"], name="unique_tour_member_role")]


class TourDay(models.Model):
    """A day of the tour: where it starts and ends, and (once planned) its plan with the rule it used."""

    tour = models.ForeignKey(Tour, on_delete=models.CASCADE, related_name="days")
    date = models.DateField()
    start_name = models.CharField(max_length=200)
    start_lat = models.FloatField()
    start_lon = models.FloatField()
    end_name = models.CharField(max_length=200)
    end_lat = models.FloatField()
    end_lon = models.FloatField()
    depart_at = models.TimeField()
    arrive_by = models.TimeField()
    plan = models.JSONField(default=dict, blank=True)
    planned_at = models.DateTimeField(null=True, blank=True)
    planned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["tour", "date"], name="unique_tour_day")]

    def __str__(self) -> str:
        return f"{self.tour} — {self.date}"


class Stop(models.Model):
    """A stop: an event in the events app whose exact venue and time stay with the tour until published."""

    class Purpose(models.TextChoices):
        NATIONAL = "national", "Promoting the party nationally"
        CANDIDATE = "candidate", "Promoting a candidate"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        BLOCKED = "blocked", "Blocked (an agent refused its attribution)"
        CONFIRMED = "confirmed", "Confirmed"
        CANCELLED = "cancelled", "Cancelled"

    day = models.ForeignKey(TourDay, on_delete=models.CASCADE, related_name="stops")
    event = models.OneToOneField("events.Event", on_delete=models.PROTECT, related_name="tour_stop")
    title = models.CharField(max_length=200)
    purpose = models.CharField(max_length=10, choices=Purpose.choices)
    candidacy = models.ForeignKey(
        "spending.Candidacy", null=True, blank=True, on_delete=models.PROTECT, related_name="tour_stops"
    )
    venue_name = models.CharField(max_length=200)
    address = models.CharField(max_length=300, blank=True, default="")
    postcode = models.CharField(max_length=8, blank=True, default="")
    latitude = models.FloatField()
    longitude = models.FloatField()
    constituency_code = models.CharField(max_length=12, blank=True, default="")
    window_start = models.TimeField()
    window_end = models.TimeField()
    minutes_on_site = models.PositiveSmallIntegerField(default=45)
    own_costs_pence = models.PositiveBigIntegerField(default=0, help_text="Hall hire, staging, PA…")
    stewards_needed = models.PositiveSmallIntegerField(default=0)
    sequence = models.PositiveSmallIntegerField(null=True, blank=True)
    planned_arrival = models.TimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    advance_team = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="advance_stops")
    published_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    arrived_at = models.DateTimeField(null=True, blank=True)
    departed_at = models.DateTimeField(null=True, blank=True)
    delay_minutes = models.IntegerField(default=0)

    class Meta:
        ordering = ["day__date", "sequence", "window_start", "id"]

    def __str__(self) -> str:
        return self.title


class Attribution(models.Model):
    """What a day's plan attributes: a stop's day rate and own costs to its candidate (or the party's national
    spending), or a seat where the bus leaves the network without a stop, flagged for its agent to decide. Once
    accepted it is an item of the spending ledger (planned, committed when the stop is confirmed)."""

    class Kind(models.TextChoices):
        DAY_RATE = "day_rate", "The bus's day rate"
        STOP_COSTS = "stop_costs", "The stop's own costs"
        OFF_NETWORK = "off_network", "Left the network without a stop (for the agent to decide)"

    class Decision(models.TextChoices):
        PENDING = "pending", "Waiting for the agent"
        ACCEPTED = "accepted", "Accepted"
        REFUSED = "refused", "Refused"

    day = models.ForeignKey(TourDay, on_delete=models.CASCADE, related_name="attributions")
    stop = models.ForeignKey(Stop, null=True, blank=True, on_delete=models.CASCADE, related_name="attributions")
    candidacy = models.ForeignKey(
        "spending.Candidacy", null=True, blank=True, on_delete=models.PROTECT, related_name="tour_attributions"
    )
    constituency_code = models.CharField(max_length=12, blank=True, default="")
    constituency_name = models.CharField(max_length=200, blank=True, default="")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    amount_pence = models.PositiveBigIntegerField()
    basis = models.CharField(max_length=300)
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=400, blank=True, default="")
    item = models.ForeignKey(
        "spending.SpendingItem", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["day", "stop", "kind", "id"]


class ChecklistItem(models.Model):
    """One item of a stop's advance checklist: confirmed by one person, checked by a different person."""

    class Key(models.TextChoices):
        VENUE = "venue", "Venue confirmed (named contact)"
        ACCESS = "access", "Access and parking for the vehicle"
        STEWARDS = "stewards", "Stewards needed vs signed up"
        LIAISON = "liaison", "Police and venue liaison"
        MEDIA = "media", "Media plan"
        ACCESSIBILITY = "accessibility", "Accessibility"
        RISKS = "risks", "Risks"

    stop = models.ForeignKey(Stop, on_delete=models.CASCADE, related_name="checklist")
    key = models.CharField(max_length=15, choices=Key.choices)
    detail = models.TextField(blank=True, default="")
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    reopened = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["stop", "id"]
        constraints = [
            models.UniqueConstraint(fields=["stop", "key"], name="unique_checklist_item"),
            # The database holds the two-person rule too: a check by the person who confirmed is refused.
            models.CheckConstraint(
                condition=models.Q(checked_by__isnull=True) | ~models.Q(checked_by=models.F("confirmed_by")),
                name="checklist_checked_by_another",
            ),
        ]


class OnTheDay(models.Model):
    """An arrival or departure recorded from a phone (queued offline, sent with a client id so a replay is once)."""

    class Kind(models.TextChoices):
        ARRIVED = "arrived", "Arrived"
        DEPARTED = "departed", "Departed"

    stop = models.ForeignKey(Stop, on_delete=models.CASCADE, related_name="timings")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    at = models.DateTimeField()
    client_id = models.CharField(max_length=64, unique=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    received_at = models.DateTimeField(default=timezone.now)


class VehiclePosition(models.Model):
    tour = models.ForeignKey(Tour, on_delete=models.CASCADE, related_name="positions")
    latitude = models.FloatField()
    longitude = models.FloatField()
    at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-at"]


class Notice(models.Model):
    """A message to the tour team (a reopened checklist item, a refused attribution, a delay), shown on the tour's
    board and to the stop's advance team."""

    tour = models.ForeignKey(Tour, on_delete=models.CASCADE, related_name="notices")
    stop = models.ForeignKey(Stop, null=True, blank=True, on_delete=models.CASCADE, related_name="notices")
    message = models.CharField(max_length=400)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
