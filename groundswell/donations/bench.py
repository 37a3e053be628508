"""`groundswell bench donations [--size DONATIONS] [--database-url …]`: is the year's aggregation and a quarter's
report quick at a national party's size?

1. Builds the central party and 649 constituency accounting units (650 in all), donors (one per five donations;
   200,000 at the full 1,000,000) and donations across 2024 by bulk insert (COPY on PostgreSQL). Each donor gives
   mostly to their own unit and sometimes to the central party; 70% of gifts are £500 or less (not donations),
   25% £501–£3,000 and 5% £3,000–£20,000; most donations accepted, some awaiting a decision, a few returned.
2. Times the year's aggregation with the grouping rule (`aggregation_s`) and then Q2's report from it with its CSV
   (`quarter_s`); `report_s` is the two together.
3. If the payments app offers `groundswell.payments.bench.webhook_bench()`, runs it and adds its figures
   (`webhook_per_s`, `webhook_p99_ms`, `duplicates`).

Default size 100,000 donations for a quick run; the issue's figure is `--size 1000000` on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import importlib
import random
import time
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from groundswell.db.bulk import allocate_ids, insert_rows
from groundswell.people.models import OrganisationUnit

from .models import AccountingUnit, Donation, Donor
from .reports import quarterly_report, report_csv, year_aggregation

DEFAULT_DONATIONS = 100_000
FULL_DONATIONS = 1_000_000
UNITS = 650
DONATIONS_PER_DONOR = 5
YEAR = 2024


def _units(count: int) -> list[AccountingUnit]:
    national = OrganisationUnit.objects.create(code="DON-BENCH-NAT", name="Bench party", kind="national")
    units = OrganisationUnit.objects.bulk_create([
        OrganisationUnit(code=f"DON-BENCH-{i:03d}", name=f"Bench CLP {i}", kind="constituency", parent=national,
                         path=national.path)
        for i in range(count - 1)
    ])  # fmt: skip
    for u in units:  # the materialised path save() would write, in bulk
        u.path = f"{national.path}{u.pk}/"
    OrganisationUnit.objects.bulk_update(units, ["path"], batch_size=1000)
    central = AccountingUnit.objects.create(unit=national, name="Bench party (central)", is_central=True)
    rest = AccountingUnit.objects.bulk_create([AccountingUnit(unit=u, name=u.name) for u in units])
    return [central, *rest]


def _amount(rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.70:
        return rng.randint(5_00, 500_00)
    if roll < 0.95:
        return rng.randint(501_00, 3_000_00)
    return rng.randint(3_000_00, 20_000_00)


def _build(donations: int, progress: bool) -> dict[str, int]:
    rng = random.Random(19)
    units = _units(UNITS)
    donors = max(1, donations // DONATIONS_PER_DONOR)
    now = timezone.now()
    donor_ids = allocate_ids(Donor, donors)
    donor_rows = (
        (pk, "individual", f"Donor {pk}", f"{pk % 200 + 1} Bench Street", "", "Benchtown",
         f"BE{pk % 90 + 1} {pk % 9}AA", "United Kingdom", "", "", False, f"individual:donor {pk}:be{pk}", now)
        for pk in donor_ids
    )  # fmt: skip
    donor_fields = ["id", "donor_type", "full_name", "address_line1", "address_line2", "town", "postcode", "country",
                    "email", "company_number", "overseas_elector", "identity", "created_at"]  # fmt: skip
    start = dt.date(YEAR, 1, 1)
    fields = ["accounting_unit", "donor", "recipient", "candidate_election_id", "candidate_name", "channel", "nature",
              "description", "amount_pence", "received_on", "check_due_on", "is_donation", "status", "decision_note",
              "return_method", "reference", "recorded_at", "decided_on", "refunded_pence"]  # fmt: skip
    central = units[0].pk
    unit_ids = [u.pk for u in units]
    channels = ["online", "online", "online", "cheque", "transfer", "cash"]

    def rows():
        for n in range(donations):
            donor = donor_ids[rng.randrange(donors)]
            unit = central if rng.random() < 0.1 else unit_ids[donor % UNITS]
            pence = _amount(rng)
            received = start + dt.timedelta(days=rng.randrange(366))
            is_donation = pence > 500_00
            if not is_donation:
                status = "below"
            else:
                roll = rng.random()
                status = "accepted" if roll < 0.9 else ("pending" if roll < 0.98 else "returned")
            decided = received + dt.timedelta(days=rng.randrange(1, 25)) if status in ("accepted", "returned") else None
            yield (unit, donor, "party", "", "", channels[n % 6], "cash", "", pence, received,
                   received + dt.timedelta(days=30), is_donation, status, "", "", "", now, decided, 0)  # fmt: skip

    with transaction.atomic():
        insert_rows(Donor, donor_fields, donor_rows)
        insert_rows(Donation, fields, rows())
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"donors": donors, "accounting_units": len(units)}


def _webhook_figures() -> dict[str, Any]:
    try:
        module = importlib.import_module("groundswell.payments.bench")
    except ImportError:
        return {"webhook": "skipped: groundswell.payments.bench is not available"}
    bench = getattr(module, "webhook_bench", None)
    if bench is None:
        return {"webhook": "skipped: groundswell.payments.bench has no webhook_bench()"}
    figures = bench()
    return {k: figures[k] for k in ("webhook_per_s", "webhook_p99_ms", "duplicates") if k in figures} | {
        "webhook": {k: v for k, v in figures.items() if k not in ("webhook_per_s", "webhook_p99_ms", "duplicates")}
    }


def run(size: int | None = None, progress: bool = True, **_: Any) -> dict[str, Any]:
    donations = DEFAULT_DONATIONS if size is None else max(1_000, size)
    started = time.perf_counter()
    built = _build(donations, progress)
    build_s = time.perf_counter() - started
    t0 = time.perf_counter()
    aggregation = year_aggregation(YEAR)
    t1 = time.perf_counter()
    rows = quarterly_report(YEAR, 2, aggregation=aggregation)
    text = report_csv(rows)
    t2 = time.perf_counter()
    return {
        "donations": Donation.objects.count(),
        **built,
        "database": connection.vendor,
        "build_s": round(build_s, 2),
        "aggregation_s": round(t1 - t0, 3),
        "quarter_s": round(t2 - t1, 3),
        "report_s": round(t2 - t0, 3),
        "reportable_groups": len(aggregation.groups),
        "sources_read_row_by_row": aggregation.sources_checked,
        "q2_report_rows": len(rows),
        "q2_csv_bytes": len(text.encode()),
        **_webhook_figures(),
        "timing": "one run each after ANALYZE; report_s = the year's aggregation + Q2's report and CSV",
    }
