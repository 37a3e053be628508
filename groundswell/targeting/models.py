"""Past results, candidates, polls, constituency covariates and saved projections.

Results are kept per (source, election, boundary set, seat, party) as imported, Northern Ireland included; the
projection engine reads the `uk-politics` source into arrays and decides what to model (Great Britain only).
The seat pages read the House of Commons Library's results and the notionals on the 2024 boundaries.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Result(models.Model):
    """Votes for one party in one constituency at one general election, actual or notional.

    A notional result is an election recounted on boundaries it was not fought on: Rallings & Thrasher's for
    2019 on the 2024 set, or one Groundswell derives from population overlaps (2010–2017 on the 2024 set).
    """

    class Source(models.TextChoices):
        UK_POLITICS = "uk-politics", "uk-politics package (House of Commons Library data)"
        HOC = "hoc", "House of Commons Library"
        RALLINGS_THRASHER = "rallings-thrasher", "Rallings & Thrasher"
        OVERLAPS = "overlaps", "derived from population overlaps"

    source = models.CharField(
        max_length=20,
        choices=Source.choices,
        default=Source.UK_POLITICS,
        help_text="the projection engine reads uk-politics; the seat pages read the others",
    )
    year = models.PositiveSmallIntegerField(db_index=True)
    boundary_set = models.CharField(
        max_length=10, default="2010", help_text="the constituency set the result is counted on: 2010 or 2024"
    )
    notional = models.BooleanField(default=False, help_text="counted on boundaries the election was not fought on")
    ons_code = models.CharField(max_length=12, help_text="ONS code (2010 boundaries) or the file's older id")
    name = models.CharField(max_length=200)
    region = models.CharField(max_length=60)
    nation = models.CharField(max_length=30)
    electorate = models.PositiveIntegerField(default=0)
    party = models.CharField(max_length=8, help_text="the code the party stood under that year (parties.py)")
    votes = models.PositiveIntegerField(default=0)
    won = models.BooleanField(
        default=False, help_text="the party won the seat (a notional: had the most votes); not set on uk-politics rows"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "year", "boundary_set", "ons_code", "party"], name="unique_result_party"
            )
        ]
        indexes = [models.Index(fields=["year", "ons_code"]), models.Index(fields=["boundary_set", "ons_code"])]

    def __str__(self) -> str:
        notional = " (notional)" if self.notional else ""
        return f"{self.year}{notional} {self.name} {self.party} {self.votes}"


class Candidate(models.Model):
    """One candidate at one general election, as the House of Commons Library lists them (2024)."""

    year = models.PositiveSmallIntegerField()
    boundary_set = models.CharField(max_length=10)
    ons_code = models.CharField(max_length=12)
    name = models.CharField(max_length=200)
    party_name = models.CharField(max_length=200, help_text="as on the ballot, e.g. Independent")
    party = models.CharField(max_length=8, help_text="party code (parties.py), OTH for independents and others")
    votes = models.PositiveIntegerField()
    elected = models.BooleanField(default=False)

    class Meta:
        ordering = ["year", "ons_code", "-votes", "name"]
        indexes = [models.Index(fields=["year", "boundary_set", "ons_code"])]

    def __str__(self) -> str:
        return f"{self.year} {self.ons_code} {self.name} ({self.party_name}) {self.votes}"


class Poll(models.Model):
    """One published opinion poll: shares per party code, for Great Britain or one nation."""

    pollster = models.CharField(max_length=100)
    fieldwork_start = models.DateField()
    fieldwork_end = models.DateField(db_index=True)
    sample_size = models.PositiveIntegerField(null=True, blank=True)
    area = models.CharField(max_length=20, default="GB", help_text="GB, England, Scotland or Wales")
    shares = models.JSONField(default=dict)
    source = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        ordering = ["fieldwork_end", "pollster"]
        constraints = [
            models.UniqueConstraint(fields=["pollster", "fieldwork_end", "area"], name="unique_poll_per_pollster_day")
        ]

    def __str__(self) -> str:
        return f"{self.pollster} {self.fieldwork_end} ({self.area})"


class Covariate(models.Model):
    """A number describing a constituency (e.g. estimated Leave share, share of graduates), by ONS code."""

    ons_code = models.CharField(max_length=12)
    name = models.CharField(max_length=60)
    value = models.FloatField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ons_code", "name"], name="unique_covariate")]


class Projection(models.Model):
    """A saved projection run: its inputs, seat totals with intervals and the per-seat table.

    `seats` maps ONS code → {"name", "winner", "shares": {party: share}, "p_win": {party: p}, "nation"}.
    """

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    label = models.CharField(max_length=200, blank=True, default="")
    base_year = models.PositiveSmallIntegerField()
    method = models.CharField(max_length=20)
    sims = models.PositiveIntegerField()
    seed = models.BigIntegerField(null=True, blank=True)
    inputs = models.JSONField(default=dict, help_text="GB shares and nation shares as given")
    totals = models.JSONField(default=dict, help_text="party → {mean, median, p5, p25, p75, p95}")
    seats = models.JSONField(default=dict)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.label or f"Projection #{self.pk}"
