"""`groundswell bench payments [--size N]`: does the webhook handler keep up, and never count twice?

1. Creates N pending card payments (default 5,000) with the fake provider.
2. Signs one `payment.paid` event per payment, adds ~10% redeliveries of the same events (same event id, same
   body), shuffles them, and posts them from `threads` threads through the real view (`/payments/webhooks/fake_card/`,
   the whole Django stack via the test client), timing each request.
3. Counts from the database the payments changed to paid more than once (`duplicates`, which must be 0) and
   checks every payment ended paid.

`webhook_bench` is also called by `groundswell bench donations` (the donations app), which reports its keys.
"""

from __future__ import annotations

import random
import statistics
import threading
import time
from typing import Any

from django.db import connections
from django.db.models import Count
from django.test import Client
from django.test.utils import override_settings

from .models import Payment, Provider, StatusChange
from .providers.fake import event_body, sign

DEFAULT_EVENTS = 5_000
REDELIVERED_SHARE = 0.10
URL = "/payments/webhooks/fake_card/"


def _payments(count: int, tag: str) -> list[Payment]:
    return Payment.objects.bulk_create(
        [
            Payment(
                provider=Provider.FAKE_CARD,
                method="card",
                amount_pence=500 + i % 5000,
                provider_ref=f"bench_{tag}_{i}",
                checkout_ref=f"bench_{tag}_{i}",
                purpose="bench",
                purpose_ref=f"bench:{i}",
            )
            for i in range(count)
        ],
        batch_size=2000,
    )


def webhook_bench(events: int = DEFAULT_EVENTS, threads: int = 4) -> dict[str, Any]:
    """Deliver `events` signed events (+~10% redeliveries) from `threads` threads; figures as a dict."""
    tag = f"{int(time.time() * 1000)}"
    payments = _payments(events, tag)
    deliveries = []
    for payment in payments:
        body = event_body(
            "payment.paid",
            {"payment": payment.provider_ref, "amount_pence": payment.amount_pence},
            event_id=f"bench_evt_{tag}_{payment.pk}",
        )
        deliveries.append((body, sign(body)))
    rng = random.Random(19)
    deliveries += rng.sample(deliveries, int(len(deliveries) * REDELIVERED_SHARE))
    rng.shuffle(deliveries)
    shares = [deliveries[i::threads] for i in range(threads)]
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    errors: list[BaseException] = []

    def worker(share: list[tuple[bytes, dict]]) -> None:
        client = Client()
        mine, codes = [], {}
        try:
            for body, headers in share:
                started = time.perf_counter()
                response = client.post(URL, data=body, content_type="application/json", headers=headers)
                mine.append(time.perf_counter() - started)
                codes[response.status_code] = codes.get(response.status_code, 0) + 1
        except BaseException as exc:  # noqa: BLE001 - reported in the figures
            errors.append(exc)
        finally:
            connections.close_all()
            with lock:
                latencies.extend(mine)
                for code, n in codes.items():
                    statuses[code] = statuses.get(code, 0) + n

    with override_settings(ALLOWED_HOSTS=["testserver", "localhost", "127.0.0.1"]):
        started = time.perf_counter()
        pool = [threading.Thread(target=worker, args=(share,)) for share in shares]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
        elapsed = time.perf_counter() - started
    ids = [p.pk for p in payments]
    twice = (
        StatusChange.objects.filter(object_type="payment", object_id__in=ids, to_status="paid")
        .values("object_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    paid = Payment.objects.filter(pk__in=ids, status="paid").count()
    ordered = sorted(latencies)
    return {
        "webhook_events": len(deliveries),
        "webhook_redeliveries": len(deliveries) - events,
        "webhook_threads": threads,
        "webhook_s": round(elapsed, 2),
        "webhook_per_s": round(len(deliveries) / elapsed, 1) if elapsed else 0.0,
        "webhook_p50_ms": round(statistics.median(ordered) * 1000, 1) if ordered else None,
        "webhook_p99_ms": round(ordered[int(len(ordered) * 0.99) - 1] * 1000, 1) if ordered else None,
        "webhook_statuses": {str(k): v for k, v in sorted(statuses.items())},
        "webhook_errors": [repr(e) for e in errors][:3],
        "payments_paid": paid,
        "payments_not_paid": events - paid,
        "duplicates": twice,
    }


def run(size: int | None = None, progress: bool = True, threads: int | None = None) -> dict[str, Any]:
    return webhook_bench(events=DEFAULT_EVENTS if size is None else max(10, size), threads=threads or 4)
