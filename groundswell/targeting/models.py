"""Past results, polls, constituency covariates and saved projections.

Results are kept per (election, seat, party) exactly as imported, Northern Ireland included; the projection
engine reads them into arrays and decides what to model (Great Britain only).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Result(models.Model):
    """Votes for one party (normalised code) in one constituency at one general election."""

    year = models.PositiveSmallIntegerField(db_index=True)
    ons_code = models.CharField(max_length=12, help_text="ONS code (2010 boundaries) or the file's older id")
    name = models.CharField(max_length=200)
    region = models.CharField(max_length=60)
    nation = models.CharField(max_length=30)
    electorate = models.PositiveIntegerField(default=0)
    party = models.CharField(max_length=8)
    votes = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["year", "ons_code", "party"], name="unique_result_party")]
        indexes = [models.Index(fields=["year", "ons_code"])]

    def __str__(self) -> str:
        return f"{self.year} {self.name} {self.party} {self.votes}"


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
