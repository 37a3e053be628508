"""`groundswell bench dues [--size MEMBERS] [--database-url …]`: are a constituency party's standings quick?

1. Builds MEMBERS (default 20,000) memberships in one constituency party, each with a monthly Direct Debit
   arrangement and up to 24 monthly payments (a tenth stopped paying some months ago, so the arrears list is
   long), in bulk.
2. Times `standings()` for every membership (`standings_s`: what the selections app asks), the daily job's status
   pass (`daily_s`), and the treasurer's overview page through the full Django stack (`overview_s`, median).
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
from typing import Any

from allauth.mfa.totp.internal.auth import TOTP
from django.db import connection, transaction
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from groundswell.accounts.models import Role, RoleAssignment, User
from groundswell.db.bulk import allocate_ids, insert_rows
from groundswell.loadgen import time_pages
from groundswell.people.models import Membership, OrganisationUnit, Person

from . import selectors, services
from .models import Arrangement, DuesPayment, MembershipType
from .standing import add_months

DEFAULT_MEMBERS = 20_000
MONTHS = 24
RUNS = 3


def _build(members: int) -> tuple[User, OrganisationUnit]:
    rng = random.Random(19)
    today = timezone.localdate()
    unit = OrganisationUnit.objects.create(code="BENCH-DUES", name="Bench dues CLP", kind="constituency")
    treasurer = User.objects.create_user(email="dues-bench@example.org", password="bench-password-1")
    RoleAssignment.objects.create(user=treasurer, role=Role.TREASURER, unit=unit)
    TOTP.activate(treasurer, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    standard = MembershipType.objects.get(code="standard")
    now = timezone.now()
    plans = []
    for _ in range(members):
        months = rng.randint(3, MONTHS)
        stopped = min(months, rng.randint(2, 8)) if rng.random() < 0.1 else 0
        plans.append((add_months(today, -months), months, stopped))
    with transaction.atomic():
        people = Person.objects.bulk_create(
            [Person(unit=unit, given_name="Bench", family_name=f"Member {i}", synthetic=True) for i in range(members)],
            batch_size=2000,
        )
        memberships = Membership.objects.bulk_create(
            [Membership(person=p, number=f"BENCH{i:07d}", joined_on=plans[i][0], constituency_party=unit)
             for i, p in enumerate(people)], batch_size=2000,
        )  # fmt: skip
        arrangements = Arrangement.objects.bulk_create(
            [Arrangement(membership=m, membership_type=standard, interval="month", method="direct_debit",
                         amount_pence=550, status="active", started_on=plans[i][0], payer=m.person,
                         method_fingerprint=f"bank:{i:064x}") for i, m in enumerate(memberships)], batch_size=2000,
        )  # fmt: skip
        ids = allocate_ids(DuesPayment, sum(months + 1 - stopped for _, months, stopped in plans))
        rows, n = [], 0
        for i, (start, months, stopped) in enumerate(plans):
            m, a = memberships[i], arrangements[i]
            for k in range(months + 1 - stopped):
                rows.append((ids[n], m.pk, a.pk, 550, 0, add_months(start, k), "direct_debit", f"bank:{i:064x}",
                             m.person_id, True, "", f"bench:{i}:{k}", now))  # fmt: skip
                n += 1
        insert_rows(DuesPayment, ["id", "membership", "arrangement", "amount_pence", "refunded_pence", "paid_on",
                                  "method", "method_fingerprint", "payer", "payer_is_member", "payer_name",
                                  "source_ref", "recorded_at"], rows)  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return treasurer, unit


def run(size: int | None = None, progress: bool = True, **_: Any) -> dict[str, Any]:
    members = DEFAULT_MEMBERS if size is None else max(10, size)
    started = time.perf_counter()
    treasurer, unit = _build(members)
    build_s = time.perf_counter() - started
    scoped = Membership.objects.filter(person__unit=unit)
    started = time.perf_counter()
    found = selectors.standings(list(scoped))
    standings_s = time.perf_counter() - started
    started = time.perf_counter()
    changed = services.refresh_statuses(scoped)
    daily_s = time.perf_counter() - started
    with override_settings(ALLOWED_HOSTS=["testserver", "localhost", "127.0.0.1"]):
        client = Client()
        client.force_login(treasurer)
        overview = time_pages(client, f"/dues/?unit={unit.code}", RUNS)
    statuses: dict[str, int] = {}
    for s in found.values():
        statuses[s.status] = statuses.get(s.status, 0) + 1
    return {
        "members": members,
        "payments": DuesPayment.objects.filter(membership__in=scoped).count(),
        "statuses": statuses,
        "build_s": round(build_s, 2),
        "standings_s": round(standings_s, 3),
        "standings_per_s": round(members / standings_s) if standings_s else None,
        "daily_s": round(daily_s, 3),
        "statuses_changed": changed,
        "overview_s": round(statistics.median(overview), 3),
        "runs": RUNS,
        "on": dt.date.today().isoformat(),
    }
