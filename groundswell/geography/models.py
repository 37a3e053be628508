"""Electoral geography: nations/regions, constituencies, wards, polling districts and postcodes.

Geometry is stored as GeoJSON text (WGS84 lon/lat) with a bounding box for cheap pre-filtering;
shapely does the real work in Python, so no GDAL/PostGIS is needed.
"""

from __future__ import annotations

from django.db import models


class Region(models.Model):
    """A nation (England, Scotland, Wales, Northern Ireland) or an English region."""

    class Kind(models.TextChoices):
        NATION = "nation", "Nation"
        REGION = "region", "Region"

    code = models.CharField(max_length=12, unique=True)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")

    def __str__(self) -> str:
        return self.name


class Area(models.Model):
    """Common fields of every bounded area."""

    code = models.CharField(max_length=12, unique=True, help_text="ONS/GSS code, e.g. E14000889")
    name = models.CharField(max_length=200)
    geometry = models.TextField(blank=True, default="", help_text="GeoJSON geometry, WGS84")
    simplified = models.TextField(blank=True, default="", help_text="Simplified GeoJSON for maps")
    min_lon = models.FloatField(null=True, blank=True)
    min_lat = models.FloatField(null=True, blank=True)
    max_lon = models.FloatField(null=True, blank=True)
    max_lat = models.FloatField(null=True, blank=True)
    source = models.CharField(max_length=200, blank=True, default="", help_text="File or release imported from")
    # Part of the version stamp that tells in-process lookup caches (in every worker) that a
    # re-import changed the boundaries even when the row count and ids stayed the same.
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Constituency(Area):
    """A Westminster parliamentary constituency."""

    boundary_set = models.CharField(max_length=10, default="2010", help_text="e.g. 2010 or 2024")
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta(Area.Meta):
        verbose_name_plural = "constituencies"


class Ward(Area):
    """A local-authority electoral ward (or division)."""

    local_authority_code = models.CharField(max_length=12, blank=True, default="")
    constituency = models.ForeignKey(
        Constituency, null=True, blank=True, on_delete=models.SET_NULL, related_name="wards"
    )


class PollingDistrict(Area):
    """A polling district. Codes are unique only within a council, so `code` carries a prefix when needed."""

    ward = models.ForeignKey(Ward, null=True, blank=True, on_delete=models.SET_NULL, related_name="polling_districts")
    constituency = models.ForeignKey(
        Constituency, null=True, blank=True, on_delete=models.SET_NULL, related_name="polling_districts"
    )


# The Westminster boundary sets a postcode carries a constituency for (one column each), and the current one:
# the set new work uses by default and whose code `Postcode.constituency_code` and lookups' plain
# `constituency_code` give.
BOUNDARY_SETS = ("2010", "2024")
CURRENT_BOUNDARY_SET = "2024"


class Postcode(models.Model):
    """One postcode with its position and areas, from the ONS Postcode Directory or OS Code-Point Open."""

    postcode = models.CharField(max_length=8, primary_key=True, help_text="Normalised, e.g. 'SW1A 1AA'")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    constituency_code = models.CharField(
        max_length=12, blank=True, default="", db_index=True, help_text="The current boundary set's constituency"
    )
    # No indexes on the per-set codes: they are read with the postcode (its primary key), and every index
    # costs the 1.7-million-row import time.
    constituency_code_2010 = models.CharField(max_length=12, blank=True, default="", help_text="2010–2019 set")
    constituency_code_2024 = models.CharField(max_length=12, blank=True, default="", help_text="2024 set")
    ward_code = models.CharField(max_length=12, blank=True, default="", db_index=True)
    local_authority_code = models.CharField(max_length=12, blank=True, default="")
    country_code = models.CharField(max_length=12, blank=True, default="")
    region_code = models.CharField(max_length=12, blank=True, default="")
    terminated = models.CharField(max_length=6, blank=True, default="", help_text="yyyymm when terminated")
    synthetic = models.BooleanField(default=False, help_text="Made up for the demo, not from a postcode file")

    def __str__(self) -> str:
        return self.postcode


# The postcode table's columns in the order the importers write them and lookups read them (postcode first).
POSTCODE_COLUMNS = (
    "postcode",
    "latitude",
    "longitude",
    "constituency_code",
    "ward_code",
    "local_authority_code",
    "country_code",
    "region_code",
    "terminated",
    "constituency_code_2010",
    "constituency_code_2024",
)
