"""`groundswell bench complaints [--size N] [--database-url …]`: is the backlog readable at 50,000 cases?

1. Builds a unit tree (national, 3 regions, 12 constituencies), 2,000 members, and N cases (default 50,000) across
   every stage with their stage periods, events and interim suspensions (`synthetic.build_cases`, bulk writes).
2. Renders the backlog dashboard (as the independent reviewer, national scope) and the published statistics
   (as a member) through the full Django stack RUNS times each and reports the medians (`dashboard_s`,
   `statistics_s`) and the worst.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from allauth.mfa.totp.internal.auth import TOTP
from django.db import connection, transaction
from django.test import Client
from django.test.utils import override_settings

from groundswell.accounts.models import Role, RoleAssignment, User
from groundswell.loadgen import time_pages
from groundswell.people.models import Membership, OrganisationUnit, Person

from . import services, synthetic

DEFAULT_CASES = 50_000
RUNS = 7
PEOPLE = 2_000


def _units() -> list[OrganisationUnit]:
    national = OrganisationUnit.objects.create(code="BENCH-NAT", name="Bench national", kind="national")
    clps = []
    for r in range(3):
        region = OrganisationUnit.objects.create(code=f"BENCH-R{r}", name=f"Region {r}", kind="region", parent=national)
        for c in range(4):
            clps.append(
                OrganisationUnit.objects.create(
                    code=f"BENCH-R{r}-C{c}", name=f"CLP {r}.{c}", kind="constituency", parent=region
                )
            )
    return [national, *clps]


def _people(units: list[OrganisationUnit]) -> list[int]:
    people = Person.objects.bulk_create(
        [
            Person(unit=units[1 + i % (len(units) - 1)], given_name="Bench", family_name=f"Member {i}")
            for i in range(PEOPLE)
        ]
    )
    Membership.objects.bulk_create([Membership(person=p, number=f"BENCH{p.pk:08d}") for p in people])
    return [p.pk for p in people]


def _login(email: str, role: str, unit: OrganisationUnit, person: Person | None = None) -> Client:
    user = User.objects.create_user(email=email, password="bench-password-1", person=person)
    RoleAssignment.objects.create(user=user, role=role, unit=unit)
    TOTP.activate(user, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    client = Client()
    client.force_login(user)
    return client


def run(size: int | None = None, progress: bool = True) -> dict[str, Any]:
    count = DEFAULT_CASES if size is None else max(10, size)
    started = time.perf_counter()
    services.seed_defaults()
    units = _units()
    people = _people(units)
    with transaction.atomic():
        totals = synthetic.build_cases(count, units=units[1:], respondents=people[: PEOPLE // 2],
                                       complainants=people[PEOPLE // 2 :])  # fmt: skip
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and connection.get_autocommit():
            tables = ("people_organisationunit", "complaints_case", "complaints_stageperiod", "complaints_caseevent")
            for table in tables:
                cursor.execute(f"VACUUM ANALYZE {table}")
        else:
            cursor.execute("ANALYZE")
    build_s = time.perf_counter() - started
    runs = RUNS if count >= 1000 else 2
    with override_settings(ALLOWED_HOSTS=["testserver", "localhost", "127.0.0.1"]):
        reviewer = _login("complaints-bench-reviewer@example.org", Role.INDEPENDENT_REVIEWER, units[0])
        member = _login("complaints-bench-member@example.org", Role.MEMBER, units[1], Person.objects.get(pk=people[0]))
        dashboard = time_pages(reviewer, "/complaints/backlog/", runs)
        stats = time_pages(member, "/complaints/statistics/", runs)
    return {
        **totals,
        "build_s": round(build_s, 2),
        "dashboard_s": round(statistics.median(dashboard), 3),
        "dashboard_worst_s": round(max(dashboard), 3),
        "statistics_s": round(statistics.median(stats), 3),
        "statistics_worst_s": round(max(stats), 3),
        "runs": runs,
        "database": connection.vendor,
        "timing": "median of the runs (worst also given); each a full GET through the Django stack",
    }
