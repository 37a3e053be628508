"""`groundswell bench selections [--size N] [--database-url …]`: the eligible list of a large constituency.

1. Builds one constituency party with 10 branches and N members (default 20,000), each with a dues payment
   (bulk writes), plus a crafted cluster of 12 joins at one address paid from one account by someone else.
2. Takes the eligible list at the freeze date (dues standing for every member, the SHA-256 fingerprint, the six
   bulk-join signals) RUNS times as new versions and reports the median (`snapshot_s`) and the worst.
3. Renders the transparency page as an eligible member and the flag list as the procedures secretary
   (`page_s`, `flags_page_s`: medians through the full Django stack).
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import date, timedelta
from typing import Any

from allauth.mfa.totp.internal.auth import TOTP
from django.db import connection
from django.test import Client
from django.test.utils import override_settings

from groundswell.accounts.models import Role, RoleAssignment, User
from groundswell.dues.models import DuesPayment, Method
from groundswell.loadgen import time_pages
from groundswell.people.models import Membership, OrganisationUnit, Person

from . import services
from .defaults import seed_rule_sets
from .models import RuleSet, Selection

DEFAULT_MEMBERS = 20_000
RUNS = 3
FREEZE = date(2026, 6, 1)


def _login(email: str, role: str, unit: OrganisationUnit, person: Person | None = None) -> tuple[User, Client]:
    user = User.objects.create_user(email=email, password="bench-password-1", person=person)
    RoleAssignment.objects.create(user=user, role=role, unit=unit)
    TOTP.activate(user, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    client = Client()
    client.force_login(user)
    return user, client


def _build(members: int) -> tuple[OrganisationUnit, list[Person]]:
    rng = random.Random(20)
    clp = OrganisationUnit.objects.create(code="BENCH-SEL-CLP", name="Bench CLP", kind="constituency")
    branches = [
        OrganisationUnit.objects.create(code=f"BENCH-SEL-B{i}", name=f"Branch {i}", kind="branch", parent=clp)
        for i in range(10)
    ]
    people = Person.objects.bulk_create(
        [
            Person(
                unit=branches[i % 10],
                given_name="Bench",
                family_name=f"Member {i}",
                address_line1=f"{i} Long Street" if i >= 12 else "14 Cumberland Road",
                postcode="RG1 1AA",
            )  # fmt: skip
            for i in range(members)
        ],
        batch_size=5000,
    )
    joined = [
        FREEZE - timedelta(days=30 + i) if i < 12 else date(2015, 1, 1) + timedelta(days=rng.randint(0, 4000))
        for i in range(members)
    ]
    memberships = Membership.objects.bulk_create(
        [
            Membership(person=p, number=f"BSEL{i:08d}", joined_on=joined[i], branch=p.unit, constituency_party=clp)
            for i, p in enumerate(people)
        ],
        batch_size=5000,
    )
    DuesPayment.objects.bulk_create(
        [
            DuesPayment(
                membership=m,
                amount_pence=550 * 150,
                paid_on=m.joined_on + timedelta(days=30 if i < 12 else 0),
                method=Method.DIRECT_DEBIT,
                method_fingerprint="bench:one-account" if i < 12 else f"bench:{i}",
                payer=people[0] if i < 12 else people[i],
                payer_is_member=i >= 12,
                source_ref=f"bench-sel:{i}",
            )  # fmt: skip
            for i, m in enumerate(memberships)
        ],
        batch_size=5000,
    )
    return clp, people


def run(size: int | None = None, progress: bool = True) -> dict[str, Any]:
    members = DEFAULT_MEMBERS if size is None else max(100, size)
    started = time.perf_counter()
    seed_rule_sets()
    clp, people = _build(members)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and connection.get_autocommit():
            for table in ("people_person", "people_membership", "dues_duespayment"):
                cursor.execute(f"VACUUM ANALYZE {table}")
        else:
            cursor.execute("ANALYZE")
    build_s = time.perf_counter() - started
    with override_settings(ALLOWED_HOSTS=["testserver", "localhost", "127.0.0.1"]):
        secretary, secretary_client = _login("selections-bench-secretary@example.org", Role.PROCEDURES_SECRETARY, clp)
        _, member_client = _login("selections-bench-member@example.org", Role.MEMBER, people[-1].unit, people[-1])
        selection = services.create_selection(
            secretary, unit=clp, kind=Selection.Kind.PARLIAMENTARY, title="Bench selection", freeze_date=FREEZE,
            rules=RuleSet.objects.get(name__startswith="Labour parliamentary"),
        )  # fmt: skip
        timings = []
        for i in range(RUNS):
            t0 = time.perf_counter()
            snapshot = services.take_snapshot(secretary, selection, reason=f"Bench run {i}" if i else "")
            timings.append(time.perf_counter() - t0)
        page = time_pages(member_client, f"/selections/{selection.pk}/", RUNS)
        flags_page = time_pages(secretary_client, f"/selections/{selection.pk}/flags/", RUNS)
    return {
        "members": members,
        "eligible": snapshot.eligible_count,
        "flags": snapshot.flags.count(),
        "build_s": round(build_s, 2),
        "snapshot_s": round(statistics.median(timings), 3),
        "snapshot_worst_s": round(max(timings), 3),
        "page_s": round(statistics.median(page), 3),
        "flags_page_s": round(statistics.median(flags_page), 3),
        "runs": RUNS,
        "database": connection.vendor,
        "timing": "snapshot: the service call (standing, fingerprint, flags, writes); pages: full GETs, medians",
    }
