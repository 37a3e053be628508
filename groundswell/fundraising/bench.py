"""`groundswell bench fundraising [--size GIFTS] [--database-url …]`: are the organisers' pages and the public
progress bar quick with a national party's appeals, and how many gifts a second go through the whole flow?

1. Builds 650 constituency units, one published appeal each, and GIFTS (default 200,000) paid one-off gifts spread
   over the appeals and the last twelve weeks, each with its payment and its `GiftPayment` (bulk inserts; the
   ledger rows are left out, the donations bench times those).
2. Times, through the full Django stack as a national organiser: the fundraising home (totals by appeal and unit,
   run-rate, the weekly chart), one appeal's page (progress, chart, latest 500 gifts) and the public progress
   fragment the appeal page polls (median of RUNS).
3. Then FLOW (default 100) strangers each post the gift form and press Pay on the fake checkout: the signed webhook,
   the ledger entry and the receipt all run. Reports gifts per second and the p99 of one gift.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
from typing import Any

from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from groundswell.accounts.models import Role, RoleAssignment, User
from groundswell.loadgen import time_pages
from groundswell.payments import fakes
from groundswell.payments.models import Payment
from groundswell.people.models import OrganisationUnit

from .models import Appeal, Gift, GiftPayment

APPEALS = 650
DEFAULT_GIFTS = 200_000
FLOW = 100
RUNS = 5
BATCH = 5_000


def _build(gifts: int, appeals: int, progress: bool) -> tuple[User, Appeal]:
    rng = random.Random(19)
    national = OrganisationUnit.objects.create(code="BENCH-FR-NAT", name="Bench national", kind="national")
    organiser = User.objects.create_user(email="fundraising-bench@example.org", password="bench-password-1")
    RoleAssignment.objects.create(user=organiser, role=Role.ORGANISER, unit=national)
    TOTP.activate(organiser, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    units = OrganisationUnit.objects.bulk_create(
        [
            OrganisationUnit(
                code=f"BENCH-FR-{i}", name=f"Seat {i} CLP", kind="constituency", parent=national, path=national.path
            )
            for i in range(appeals)
        ]  # fmt: skip
    )
    for u in units:  # the materialised path save() would write, in bulk
        u.path = f"{national.path}{u.pk}/"
    OrganisationUnit.objects.bulk_update(units, ["path"], batch_size=1000)
    rows = Appeal.objects.bulk_create(
        [
            Appeal(
                unit=u,
                title=f"Seat {i} fighting fund",
                slug=f"bench-seat-{i}",
                story="Bench.",
                target_pence=500_000,
                suggested_pence=[1000, 2500, 5000],
                published=True,
            )
            for i, u in enumerate(units)
        ]  # fmt: skip
    )
    now = timezone.now()
    for start in range(0, gifts, BATCH):
        count = min(BATCH, gifts - start)
        when = [now - dt.timedelta(minutes=rng.randint(0, 12 * 7 * 24 * 60)) for _ in range(count)]
        amounts = [rng.choice([500, 1000, 2500, 2500, 5000, 10000]) for _ in range(count)]
        chosen = [rng.choice(rows) for _ in range(count)]
        payments = Payment.objects.bulk_create(
            [Payment(provider="fake_card", method="card", amount_pence=a, status="paid", paid_at=w, unit=ap.unit,
                     provider_ref=f"bench-fr-{start + i}", purpose="donation", purpose_ref="fundraising.bench")
             for i, (a, w, ap) in enumerate(zip(amounts, when, chosen, strict=True))]
        )  # fmt: skip
        made = Gift.objects.bulk_create(
            [Gift(appeal=ap, amount_pence=a, status="paid", full_name=f"Donor {start + i}", address_line1="1 High St",
                  postcode="RG1 1AA", email=f"donor{start + i}@example.org", on_register=True, payment=p, paid_at=w,
                  created_at=w, interval="month" if i % 10 == 0 else "")
             for i, (a, w, ap, p) in enumerate(zip(amounts, when, chosen, payments, strict=True))]
        )  # fmt: skip
        GiftPayment.objects.bulk_create(
            [GiftPayment(gift=g, appeal_id=g.appeal_id, payment=p, amount_pence=g.amount_pence,
                         received_on=timezone.localdate(g.created_at))
             for g, p in zip(made, payments, strict=True)]
        )  # fmt: skip
        if progress:
            print(f"  {start + count:,} gifts", flush=True)
    return organiser, rows[0]


def _flow(appeal: Appeal, count: int) -> list[float]:
    """Seconds for each stranger's gift: the form posted, then Pay pressed on the fake checkout."""
    times = []
    url = reverse("fundraising:appeal", args=[appeal.slug])
    for i in range(count):
        data = {"amount": "2500", "frequency": "once", "full_name": f"Flow Donor{i}", "address_line1": "1 High St",
                "town": "Reading", "postcode": "RG1 1AA", "on_register": "yes", "email": f"flow{i}@example.org",
                "consent_email": "on"}  # fmt: skip
        started = time.perf_counter()
        response = Client(REMOTE_ADDR=f"10.9.{i // 250}.{i % 250}").post(url, data)
        if response.status_code != 302:
            raise RuntimeError(f"gift form answered {response.status_code}")
        gift = Gift.objects.filter(email=f"flow{i}@example.org").latest("id")
        fakes.pay_checkout(gift.payment.checkout_ref)
        times.append(time.perf_counter() - started)
    return times


def run(size: int | None = None, progress: bool = True, **_: Any) -> dict[str, Any]:
    gifts = DEFAULT_GIFTS if size is None else max(10, size)
    appeals = APPEALS if gifts >= 10_000 else 10
    flow = FLOW if gifts >= 10_000 else 5
    with override_settings(ALLOWED_HOSTS=["testserver", "localhost", "127.0.0.1"],
                           EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):  # fmt: skip
        started = time.perf_counter()
        organiser, measured = _build(gifts, appeals, progress)
        build_s = time.perf_counter() - started
        client = Client()
        client.force_login(organiser)
        runs = RUNS if gifts >= 10_000 else 2
        home = time_pages(client, reverse("fundraising:home"), runs)
        detail = time_pages(client, reverse("fundraising:appeal_detail", args=[measured.pk]), runs)
        fragment = time_pages(Client(), reverse("fundraising:progress", args=[measured.slug]), runs)
        flow_times = _flow(measured, flow)
    ordered = sorted(flow_times)
    return {
        "gifts": GiftPayment.objects.count(),
        "appeals": Appeal.objects.count(),
        "build_s": round(build_s, 2),
        "home_s": round(statistics.median(home), 3),
        "appeal_page_s": round(statistics.median(detail), 3),
        "progress_ms": round(1000 * statistics.median(fragment), 1),
        "gift_flow_per_s": round(len(flow_times) / sum(flow_times), 1),
        "gift_flow_p99_ms": round(1000 * ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 1),
        "flow_gifts": len(flow_times),
        "runs": runs,
        "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
        "timing": "median of the runs; each a full GET through the Django stack; the flow is form post + Pay",
    }
