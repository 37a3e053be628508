"""`groundswell bench email [--size N] [--workers W] [--database-url …]`: queue and send N emails (100,000 by
default) through the real task code in `groundswell db_worker` processes, SIGKILL the workers midway, restart
them, and count what reached the "provider".

1. Seeds N people with an email address and granted email consent (bulk COPY/executemany).
2. Creates one send over all of them (the real `create_email_send`, which freezes the list), then suppresses a
   few addresses after the freeze, which sending must honour.
3. Queues it W times (`queue_send` is safe to repeat: workers share the rows) and starts W `db_worker`
   processes whose email backend is `RecordingBackend`: it builds each MIME message and appends its Message-ID
   to a file with one write() system call, so a SIGKILL cannot lose a line that was written.
4. At 40% sent, SIGKILLs every worker (a crashed machine); queues again and starts W new workers. Rows the dead
   workers held come back when their lease (10 s here) ends.
5. Reads the file: `duplicate_sends` counts Message-IDs delivered more than once; `missing` counts rows never
   delivered (at most one per killed worker: the message it had in flight, which is never resent because it
   may have gone). The database's own figures (sent, skipped, timeline entries) are reported beside it.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from typing import Any

from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone
from tqdm import tqdm

from groundswell.db.bulk import allocate_ids, insert_with_defaults
from groundswell.people.models import Consent, EmailAddress, OrganisationUnit, Person, Suppression, TimelineEntry

from . import services
from .models import EmailRecipient

DEFAULT_SIZE = 100_000
DEFAULT_WORKERS = 2
KILL_AT = 0.4
LEASE_SECONDS = 10
SUPPRESS_EVERY = 1000  # one address in this many is suppressed after the list is frozen
RECORD_ENV = "GS_BENCH_EMAIL_RECORD"


class RecordingBackend(BaseEmailBackend):
    """The benchmark's provider: builds each message as SMTP would, records its Message-ID, sends nothing."""

    def open(self) -> bool:
        if getattr(self, "_fd", None) is None:
            self._fd = os.open(os.environ[RECORD_ENV], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            return True
        return False

    def close(self) -> None:
        if getattr(self, "_fd", None) is not None:
            os.close(self._fd)
            self._fd = None

    def send_messages(self, email_messages) -> int:
        opened = self.open()
        try:
            for message in email_messages:
                message.message().as_bytes()  # the MIME work a real backend does
                os.write(self._fd, (message.extra_headers["Message-ID"] + "\n").encode())
        finally:
            if opened:
                self.close()
        return len(email_messages)


def _seed(size: int) -> Any:
    unit = OrganisationUnit.objects.create(code="BENCH-CLP", name="Bench CLP", kind="constituency")
    ids = allocate_ids(Person, size)
    insert_with_defaults(
        Person,
        ["id", "unit", "given_name", "family_name", "synthetic"],
        [(pk, unit.pk, f"Bench{pk}", "Person", True) for pk in ids],
    )
    insert_with_defaults(
        EmailAddress, ["person", "address", "primary"], [(pk, f"bench{pk}@example.invalid", True) for pk in ids]
    )
    now = timezone.now()
    insert_with_defaults(
        Consent,
        ["person", "channel", "status", "source", "recorded_at"],
        [(pk, "email", "granted", "bench", now) for pk in ids],
    )
    return unit, ids


def _start_workers(count: int, env: dict[str, str]) -> list[subprocess.Popen]:
    command = [sys.executable, "-m", "groundswell.manage", "db_worker", "--batch", "--no-startup-delay"]
    command += ["--interval", "0.2"]
    return [subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for _ in range(count)]


def run(size: int | None = None, progress: bool = True, workers: int | None = None, **_: Any) -> dict[str, Any]:
    size = size or DEFAULT_SIZE
    workers = workers or DEFAULT_WORKERS
    t0 = time.perf_counter()
    unit, ids = _seed(size)
    seed_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    send = services.create_email_send(
        unit=unit,
        subject="Bench {{ given_name }}",
        body_text="Hello {{ given_name }},\n\nThis is the benchmark.\n\nUnsubscribe: {{ unsubscribe_url }}\n",
        people=Person.objects.filter(unit=unit),
        actor=None,
        source="bench",
    )
    create_s = time.perf_counter() - t0
    late = ids[::SUPPRESS_EVERY]
    Suppression.objects.bulk_create(
        [Suppression(kind="no_email", email=f"bench{pk}@example.invalid", source="bench") for pk in late]
    )

    record = tempfile.NamedTemporaryFile(prefix="gsbench-email-", suffix=".ids", delete=False)
    record.close()
    env = dict(
        os.environ,
        EMAIL_BACKEND=f"{__name__}.RecordingBackend",
        MESSAGING_LEASE_SECONDS=str(LEASE_SECONDS),
        DEBUG="0",  # DEBUG keeps every query in memory: not how a worker runs
        **{RECORD_ENV: record.name},
    )
    env.pop("TASKS_BACKEND", None)  # the database backend, as in production

    def sent_so_far() -> int:
        return EmailRecipient.objects.filter(send=send, status="sent").count()

    bar = tqdm(total=size, unit="msg", disable=not progress, desc="sending")

    def watch(procs: list[subprocess.Popen], until: int | None) -> None:
        last = 0
        while any(p.poll() is None for p in procs):
            done = sent_so_far()
            bar.update(done - last)
            last = done
            if until is not None and done >= until:
                return
            time.sleep(0.05 if until is not None else 1.0)  # watch closely only while waiting to kill
        bar.update(sent_so_far() - last)

    started = time.perf_counter()
    for _ in range(workers):
        services.queue_send(send)
    first = _start_workers(workers, env)
    watch(first, until=int(size * KILL_AT))
    killed_at = time.perf_counter()
    sent_at_kill = sent_so_far()
    for proc in first:
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait()
    rows_left_sending = EmailRecipient.objects.filter(send=send, status="sending").count()

    restarted = time.perf_counter()
    for _ in range(workers):
        services.queue_send(send)
    second = _start_workers(workers, env)
    watch(second, until=None)
    errors = [p.stderr.read().decode(errors="replace")[-2000:] for p in second if p.wait() != 0]
    finished = time.perf_counter()
    bar.close()

    with open(record.name) as handle:
        delivered = Counter(line.strip() for line in handle if line.strip())
    os.unlink(record.name)
    stats = services.send_stats(send)
    expected = size - len(late)
    peak_rss_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {
        "messages": size,
        "workers": workers,
        "seed_s": round(seed_s, 2),
        "create_send_s": round(create_s, 2),
        "sending_s": round(finished - started, 2),
        "messages_per_s": round(len(delivered) / (finished - started), 1),
        "messages_per_s_before_kill": round(sent_at_kill / (killed_at - started), 1),
        "killed_after_s": round(killed_at - started, 2),
        "sent_at_kill": sent_at_kill,
        "rows_held_by_killed_workers": rows_left_sending,
        "restart_to_done_s": round(finished - restarted, 2),
        "lease_s": LEASE_SECONDS,
        "delivered": len(delivered),
        "duplicate_sends": sum(c - 1 for c in delivered.values()),
        "missing": expected - len(delivered),
        "skipped_suppressed_after_freeze": stats["skipped"],
        # Rows a killed worker had in flight: maybe delivered, so never resent (see sending.py).
        "uncertain_not_resent": EmailRecipient.objects.filter(send=send, error__startswith="uncertain").count(),
        "db_sent": stats["sent"],
        "timeline_entries": TimelineEntry.objects.filter(kind="email", data__send_id=send.pk).count(),
        "peak_rss_mb": round(peak_rss_kb / 1024, 1),
        "worker_errors": errors,
    }
