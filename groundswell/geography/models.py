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


class BoundarySet(models.Model):
    """One generation of Westminster boundaries: the 2010 set (fought in 2010, 2015, 2017 and 2019) or the 2024 set.

    Its code is its primary key, so `Constituency.objects.filter(boundary_set="2024")` reads as it always did.
    """

    code = models.CharField(max_length=10, primary_key=True, help_text="e.g. 2010 or 2024")
    name = models.CharField(max_length=120)
    valid_from = models.DateField(help_text="the general election first fought on these boundaries")
    valid_to = models.DateField(null=True, blank=True, help_text="the day before the next set; empty while in force")

    class Meta:
        ordering = ["valid_from"]

    def __str__(self) -> str:
        return self.name


# The UK's nations and England's regions (seeded by migration 0002) and the boundary sets Groundswell knows
# (migration 0003): apps.py seeds them again after a flush, which empties a test database's tables.
NATIONS = (
    ("E92000001", "England"),
    ("W92000004", "Wales"),
    ("S92000003", "Scotland"),
    ("N92000002", "Northern Ireland"),
)
ENGLISH_REGIONS = (
    ("E12000001", "North East"),
    ("E12000002", "North West"),
    ("E12000003", "Yorkshire and The Humber"),
    ("E12000004", "East Midlands"),
    ("E12000005", "West Midlands"),
    ("E12000006", "East of England"),
    ("E12000007", "London"),
    ("E12000008", "South East"),
    ("E12000009", "South West"),
)
KNOWN_BOUNDARY_SETS = (
    ("2010", "2010 boundaries (general elections of 2010, 2015, 2017 and 2019)", "2010-05-06", "2024-07-03"),
    ("2024", "2024 boundaries (general elections from 4 July 2024)", "2024-07-04", None),
)


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
    """A Westminster parliamentary constituency of one boundary set.

    Codes are unique within a set, not across sets: five Scottish seats kept their ONS codes in 2024.
    """

    code = models.CharField(max_length=12, help_text="ONS/GSS code, e.g. E14000889; unique within its boundary set")
    boundary_set = models.ForeignKey(
        BoundarySet,
        on_delete=models.PROTECT,
        default="2010",
        db_column="boundary_set",
        related_name="constituencies",
    )
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.SET_NULL)
    # The seat's place on the hex cartogram (odd-r offset coordinates), where a hex layout is imported.
    hex_q = models.SmallIntegerField(null=True, blank=True)
    hex_r = models.SmallIntegerField(null=True, blank=True)

    class Meta(Area.Meta):
        verbose_name_plural = "constituencies"
        constraints = [
            models.UniqueConstraint(fields=["boundary_set", "code"], name="unique_constituency_code_in_set"),
        ]


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


# The Westminster boundary sets a postcode carries a constituency for (one column each, below). The current one
# (geography.selectors.current_boundary_set) is the set whose code `Postcode.constituency_code` and lookups'
# plain `constituency_code` give.
BOUNDARY_SETS = tuple(code for code, *_ in KNOWN_BOUNDARY_SETS)


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


class ConstituencyOverlap(models.Model):
    """How much of one constituency's population lives in a constituency of another boundary set.

    Seats are named by (boundary set, ONS code) strings rather than foreign keys: overlaps load from mySociety's
    table whether or not either set's boundaries are imported, and a code names a seat only within its set
    (five Scottish codes exist in both the 2010 and the 2024 set). `share_of_from` over one from-seat sums to one.
    """

    from_set = models.CharField(max_length=10, help_text="boundary set of the old seat, e.g. 2010")
    from_code = models.CharField(max_length=12)
    to_set = models.CharField(max_length=10, help_text="boundary set of the new seat, e.g. 2024")
    to_code = models.CharField(max_length=12)
    population = models.FloatField(help_text="people living in both seats (mySociety's estimate)")
    share_of_from = models.FloatField(help_text="the overlap as a share of the old seat's population")
    share_of_to = models.FloatField(null=True, blank=True, help_text="the overlap as a share of the new seat's")
    source = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["from_set", "from_code", "to_set", "to_code"], name="unique_overlap")
        ]
        indexes = [models.Index(fields=["to_set", "to_code"])]
        ordering = ["from_set", "from_code", "-population"]

    def __str__(self) -> str:
        return f"{self.from_set}:{self.from_code} → {self.to_set}:{self.to_code} ({self.share_of_from:.1%})"
