"""`bench_people_import`: time `import_people_csv` on a realistic generated file (part of `groundswell bench imports`).

The file is generated before the clock starts; only the import (check + match + write) is timed. Runs in the
scratch database the bench command provides.
"""

from __future__ import annotations

import csv
import os
import random
import tempfile
import time

from faker import Faker

from groundswell.geography.models import Postcode
from groundswell.geography.postcodes import is_valid_postcode

from .importing import import_people_csv
from .models import OrganisationUnit

SEED = 20_240_704
HEADER = [
    "First name",
    "Surname",
    "Email address",
    "Mobile",
    "Address line 1",
    "Town",
    "Post code",
    "DOB",
    "Member no",
    "Membership status",
    "Joined",
    "Branch code",
    "Tags",
    "consent_email",
    "consent_sms",
    "consent_phone",
    "consent_post",
    "Volunteer skills",
]
TAGS = ["volunteer", "donor", "deliverer", "poster-site", "canvasser", "phonebanker", "young-members", "trade-union"]
SKILLS = ["", "", "", "driving", "data entry", "social media", "leafleting", "welsh speaker"]


def _bench_units() -> list[OrganisationUnit]:
    national, _ = OrganisationUnit.objects.get_or_create(
        code="BENCH-NAT", defaults={"name": "Bench national", "kind": "national"}
    )
    clp, _ = OrganisationUnit.objects.get_or_create(
        code="BENCH-CLP", defaults={"name": "Bench CLP", "kind": "constituency", "parent": national}
    )
    return [
        OrganisationUnit.objects.get_or_create(
            code=f"BENCH-BR{i}", defaults={"name": f"Bench branch {i}", "kind": "branch", "parent": clp}
        )[0]
        for i in range(1, 6)
    ]


def _postcodes(fake: Faker, rng: random.Random, wanted: int = 20_000) -> list[str]:
    # Prefer real postcodes already in the table (the postcode half of `bench imports` loads them first), so
    # geocoding does real work; otherwise Faker's, keeping only well-formed ones.
    real = list(Postcode.objects.values_list("postcode", flat=True)[: wanted * 5])
    if real:
        return rng.sample(real, min(wanted, len(real)))
    found: set[str] = set()
    while len(found) < min(wanted, 2_000):
        candidate = fake.postcode()
        if is_valid_postcode(candidate):
            found.add(candidate)
    return sorted(found)


def write_people_csv(path: str, rows: int, seed: int = SEED) -> None:
    """A members-list-like CSV: unique emails, phones and membership numbers; UK formats as people type them."""
    fake = Faker("en_GB")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    branches = [u.code for u in _bench_units()]
    postcodes = _postcodes(fake, rng)
    # Faker is slow per call; draw pools once and combine, uniqueness comes from the row number.
    first_names = [fake.first_name() for _ in range(500)]
    last_names = [fake.last_name() for _ in range(500)]
    streets = [fake.street_address() for _ in range(2_000)]
    towns = [fake.city() for _ in range(300)]
    domains = ["example.org", "example.com", "example.net", "mail.example.co.uk"]
    yes_no = ["yes", "no", "", "granted", "withdrawn", "true", "false"]
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for i in range(rows):
            first, last = rng.choice(first_names), rng.choice(last_names)
            mobile = f"07{400_000_000 + i:09d}"
            phone = rng.choice([mobile, f"{mobile[:5]} {mobile[5:]}", f"+44 {mobile[1:5]} {mobile[5:]}"])
            member = rng.random() < 0.7
            writer.writerow(
                [
                    first,
                    last,
                    f"{first}.{last}.{i}@{rng.choice(domains)}".lower().replace(" ", "").replace("'", ""),
                    phone,
                    rng.choice(streets),
                    rng.choice(towns),
                    rng.choice(postcodes),
                    f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(1940, 2006)}",
                    f"B{i:08d}" if member else "",
                    rng.choice(["active", "active", "active", "lapsed", "In arrears"]) if member else "",
                    f"{rng.randint(2000, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}" if member else "",
                    rng.choice(branches),
                    "; ".join(rng.sample(TAGS, rng.randint(0, 3))),
                    rng.choice(yes_no),
                    rng.choice(yes_no),
                    rng.choice(yes_no),
                    rng.choice(yes_no),
                    rng.choice(SKILLS),
                ]
            )


def bench_people_import(rows: int, progress: bool = True) -> dict:
    """Generate `rows` people, import them, and return the figures."""
    handle, path = tempfile.mkstemp(prefix="gsbench-people-", suffix=".csv")
    os.close(handle)
    try:
        write_people_csv(path, rows)
        started = time.perf_counter()
        report = import_people_csv(path, progress=progress)
        seconds = time.perf_counter() - started
    finally:
        os.unlink(path)
    if not report.ok or report.created != rows:
        raise RuntimeError(f"benchmark import created {report.created} of {rows}: {report.error_lines(limit=10)}")
    return {
        "people": rows,
        "people_s": round(seconds, 3),
        "people_per_s": round(rows / seconds, 1) if seconds else None,
        "people_created": report.created,
    }
