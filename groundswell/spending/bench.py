"""`groundswell bench spending [--size SEATS] [--database-url …]`: is the all-seats headroom page quick at a
general election's size, and one seat's return with 200 lines?

1. Builds SEATS (default 650) 2024 seats with their constituency units and ledgers for parl.2024-07-04, 200 items
   per seat in the short campaign (bulk inserts), and 5,000 national items each apportioned by households across
   ten seats (exact pence splits). One seat's 200 items carry a small PDF invoice each.
2. Renders the all-seats headroom page (`/spending/`) as the national treasurer through the full Django stack,
   RUNS times (median `dashboard_s`, worst also given); then that seat's return PDF (`return_pdf_s`) and its
   invoice ZIP (`return_zip_s`) through their views.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from groundswell.accounts.models import Role, RoleAssignment, User
from groundswell.db.bulk import allocate_ids, insert_rows
from groundswell.geography.models import Constituency
from groundswell.loadgen import time_pages
from groundswell.people.models import OrganisationUnit

from .apportion import ROUNDING_NOTE, split_pence
from .models import Allocation, Candidacy, Election, Evidence, SpendingItem

DEFAULT_SEATS = 650
ITEMS_PER_SEAT = 200
NATIONAL_ITEMS = 5_000
SEATS_PER_NATIONAL_ITEM = 10
RUNS = 5
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CATEGORIES = ["advertising", "unsolicited", "transport", "meetings", "staff", "accommodation"]


def _seats(count: int) -> list[tuple[str, str, str]]:
    path = Path(settings.DATA_DIR) / "results" / "hoc_ge2024_by_constituency.csv"
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = [(r["ONS ID"], r["Constituency name"], r["Constituency type"].lower()) for r in csv.DictReader(f)]
    while len(rows) < count:  # more seats than the country has: numbered copies
        rows += [(f"B{len(rows):08d}", f"Bench seat {len(rows)}", "county")]
    return rows[:count]


def _build(seats: int, progress: bool) -> tuple[User, Candidacy]:
    rng = random.Random(17)
    election = Election.objects.get(election_id="parl.2024-07-04")
    national = OrganisationUnit.objects.create(code="BENCH-NAT", name="Bench national", kind="national")
    treasurer = User.objects.create_user(email="spending-bench@example.org", password="bench-password-1")
    RoleAssignment.objects.create(user=treasurer, role=Role.TREASURER, unit=national)
    RoleAssignment.objects.create(user=treasurer, role=Role.ELECTION_AGENT, unit=national)
    TOTP.activate(treasurer, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    rows = _seats(seats)
    Constituency.objects.filter(boundary_set="2024", code__in=[r[0] for r in rows]).delete()
    cons = Constituency.objects.bulk_create(
        [Constituency(code=code, name=name, boundary_set_id="2024") for code, name, _ in rows]
    )
    units = []
    for (code, name, _), con in zip(rows, cons, strict=True):
        units.append(OrganisationUnit(code=f"BENCH-{code}", name=f"{name} CLP", kind="constituency",
                                      parent=national, path=f"{national.path}", constituency=con))  # fmt: skip
    units = OrganisationUnit.objects.bulk_create(units)
    for u in units:  # the materialised path save() would write, in bulk
        u.path = f"{national.path}{u.pk}/"
    OrganisationUnit.objects.bulk_update(units, ["path"], batch_size=1000)
    candidacies = Candidacy.objects.bulk_create([
        Candidacy(election=election, constituency=con, unit=u, area_type="borough" if kind == "borough" else "county",
                  electorate=rng.randint(65_000, 80_000), electorate_source="bench", candidate_name=f"Candidate {i}",
                  agent=treasurer)
        for i, ((_, _, kind), con, u) in enumerate(zip(rows, cons, units, strict=True))
    ])  # fmt: skip
    now = timezone.now()
    start = dt.date(2024, 5, 31)
    local_count = seats * ITEMS_PER_SEAT
    item_ids = allocate_ids(SpendingItem, local_count + NATIONAL_ITEMS)
    alloc_rows: list[tuple] = []
    item_rows: list[tuple] = []
    fields = ["id", "election", "unit", "description", "supplier", "invoice_number", "amount_pence", "category",
              "status", "incurred_on", "authorised_by", "method", "method_note", "created_at", "notional_tests",
              "walk_ids", "authorised_person", "notional", "override_reason", "version", "withdrawn",
              "reduces", "disputed", "dispute_note"]  # fmt: skip
    blank = ("", False, "", 1, False, False, False, "")
    n = 0
    for c, u in zip(candidacies, units, strict=True):
        for k in range(ITEMS_PER_SEAT):
            pence = rng.randint(5_00, 60_00)
            item_rows.append((item_ids[n], election.pk, u.pk, f"Item {k}", f"Supplier {k % 17}", f"{c.pk}-{k}", pence,
                              CATEGORIES[k % 6], "paid" if k % 3 else "invoiced", start + dt.timedelta(days=k % 30),
                              "agent", "whole", "", now, {}, [], *blank))  # fmt: skip
            alloc_rows.append((item_ids[n], c.pk, "short", pence, pence))
            n += 1
    for k in range(NATIONAL_ITEMS):
        pence = rng.randint(500_00, 5_000_00)
        chosen = rng.sample(candidacies, SEATS_PER_NATIONAL_ITEM)
        households = [rng.randint(500, 5_000) for _ in chosen]
        item_rows.append((item_ids[n], election.pk, national.pk, f"National leaflet run {k}", "National Print",
                          f"NAT-{k}", pence, "unsolicited", "paid", start + dt.timedelta(days=k % 30), "agent",
                          "households", ROUNDING_NOTE, now, {}, [], *blank))  # fmt: skip
        for c, share, h in zip(chosen, split_pence(pence, households), households, strict=True):
            alloc_rows.append((item_ids[n], c.pk, "short", share, h))
        n += 1
    with transaction.atomic():
        insert_rows(SpendingItem, fields, item_rows)
        insert_rows(Allocation, ["item", "candidacy", "period", "amount_pence", "basis"], alloc_rows)
    measured = candidacies[0]
    first = SpendingItem.objects.filter(allocations__candidacy=measured, unit=measured.unit).order_by("pk")
    for it in first[:ITEMS_PER_SEAT]:
        e = Evidence(election=election, unit=measured.unit, item=it, kind="invoice", original_name="i.pdf",
                     content_type="application/pdf", extension="pdf", size=len(PDF),
                     sha256=f"{it.pk:064d}")  # fmt: skip
        e.file.save(f"{it.pk}.pdf", ContentFile(PDF), save=False)
        e.save()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return treasurer, measured


def run(size: int | None = None, progress: bool = True, **_: Any) -> dict[str, Any]:
    seats = DEFAULT_SEATS if size is None else max(SEATS_PER_NATIONAL_ITEM, size)
    with (
        tempfile.TemporaryDirectory(prefix="gs-bench-spending-") as media,
        override_settings(MEDIA_ROOT=media, ALLOWED_HOSTS=["testserver", "localhost", "127.0.0.1"]),
    ):
        started = time.perf_counter()
        treasurer, measured = _build(seats, progress)
        build_s = time.perf_counter() - started
        client = Client()
        client.force_login(treasurer)
        runs = RUNS if seats >= 100 else 2
        dashboard = time_pages(client, "/spending/?election=parl.2024-07-04", runs)
        pdf = time_pages(client, f"/spending/seats/{measured.pk}/return.pdf", runs)
        zipped = time_pages(client, f"/spending/seats/{measured.pk}/return.zip", runs)
    return {
        "seats": seats,
        "items": SpendingItem.objects.count(),
        "allocations": Allocation.objects.count(),
        "return_lines": Allocation.objects.filter(candidacy=measured).count(),
        "build_s": round(build_s, 2),
        "dashboard_s": round(statistics.median(dashboard), 3),
        "dashboard_worst_s": round(max(dashboard), 3),
        "return_pdf_s": round(statistics.median(pdf), 3),
        "return_zip_s": round(statistics.median(zipped), 3),
        "runs": runs,
        "timing": "median of the runs; each a full GET through the Django stack as the national treasurer",
    }
