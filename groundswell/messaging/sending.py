"""The sending engine behind the email and SMS tasks: claim rows, send, record, write the timeline.

Idempotency (a restarted or second worker never sends a row twice):

1. A worker *claims* a batch of recipient rows: queued rows (due for a retry, if any) and rows whose lease ran
   out (their worker died). On PostgreSQL `SELECT … FOR UPDATE SKIP LOCKED`, so workers take different rows
   without waiting; on SQLite (which has no row locks and whose write transactions are serialised anyway) a
   conditional UPDATE of candidate rows, keeping only those the UPDATE actually changed. Either way the rows
   get status 'sending', a lease owner token unique to this claim, and a lease end.
2. Just before a message goes to the backend, its row is marked *in flight*; the same UPDATE (one commit per
   message) confirms the previous message as 'sent'. A worker stops taking messages from a batch well before
   its lease ends, so a lease never runs out under a live worker.
3. Each message carries a Message-ID derived from its row (the same on every attempt), so a provider, a
   mailbox or the benchmark's recording backend can recognise a repeat.

After a crash (lease over), rows never put in flight go back to the queue and are sent by the next worker. A
row left *in flight* is uncertain — the provider may or may not have taken it — and is never retried: it is
marked failed with the reason, and counted. The same happens to a message whose live worker overran its lease
while handing it over (a backend stalled for longer than the lease's margin). So a crash or an overrun costs at
most one unconfirmed message per claim, never a duplicate; closing that last gap needs a provider that honours
an idempotency key.

Timeline entries are bulk-created per batch for the rows it sent; rows sent by a worker that died before
writing them are picked up (by lease expiry, the same way) by the next run.
"""

from __future__ import annotations

import datetime
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.db.models import F, Model, Q
from django.template import Context, Engine
from django.urls import reverse
from django.utils import timezone

from groundswell.people.models import EmailAddress, Person, Suppression, TimelineEntry
from groundswell.people.selectors import UNUSABLE_EMAIL_STATUSES, contactable

from .models import EmailRecipient, EmailSend, RecipientStatus, SendStatus, SmsRecipient, SmsSend
from .sms import get_adapter

BATCH_SIZE = 200
LEASE_SECONDS = 120
# Stop sending from a batch this long before its lease ends (slow backends, clock drift between hosts).
LEASE_MARGIN_SECONDS = 30
MAX_ATTEMPTS = 4
RETRY_DELAYS = (10, 60, 300)  # seconds before the 2nd, 3rd and 4th attempts
# A task waits in-process for retries due this soon; later ones are left for `queue_send` / resume_sends.
MAX_INLINE_WAIT_SECONDS = 15

_TEXT_ENGINE = Engine(autoescape=False)
_HTML_ENGINE = Engine(autoescape=True)
UNSUBSCRIBE_SALT = "groundswell.messaging.unsubscribe"

SMS_OPT_OUT = "Reply STOP to opt out"


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


# ------------------------------------------------------------------------------------------ rendering


def compile_template(text: str, html: bool = False) -> Any:
    return (_HTML_ENGINE if html else _TEXT_ENGINE).from_string(text)


def render(template: Any, data: dict[str, Any], html: bool = False) -> str:
    # Context() escapes by default whatever the engine says; only the HTML part should be escaped.
    return template.render(Context(data, autoescape=html))


# How a merge field reads where the message is listed rather than sent (send lists, timelines, titles).
MERGE_FIELD_LABELS = {"given_name": "first name", "family_name": "last name", "unsubscribe_url": "unsubscribe link"}
_MERGE_FIELD = re.compile(r"\{\{\s*([A-Za-z_][\w.]*)[^}]*\}\}")
_MERGE_TAG = re.compile(r"\{%.*?%\}")


def merge_title(text: str) -> str:
    """A subject or body with its merge fields as readable placeholders: 'Hello {{ given_name }}' → 'Hello [first
    name]', so nobody mistakes template code for the message."""
    text = _MERGE_FIELD.sub(lambda m: f"[{MERGE_FIELD_LABELS.get(m.group(1), m.group(1).replace('_', ' '))}]", text)
    return " ".join(_MERGE_TAG.sub("", text).split())


def unsubscribe_token(recipient_id: int) -> str:
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object(["e", recipient_id])


def read_unsubscribe_token(token: str) -> int:
    """The email recipient row id in a token; raises signing.BadSignature for anything forged or mangled."""
    kind, recipient_id = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign_object(token)
    if kind != "e":
        raise signing.BadSignature("not an email unsubscribe token")
    return int(recipient_id)


def unsubscribe_url(recipient_id: int) -> str:
    # reverse() once per process, not once per message (URLconf changes need a restart anyway).
    global _UNSUBSCRIBE_PATH
    if _UNSUBSCRIBE_PATH is None:
        _UNSUBSCRIBE_PATH = reverse("messaging:unsubscribe", args=["TOKEN"])
    return settings.PUBLIC_BASE_URL + _UNSUBSCRIBE_PATH.replace("TOKEN", unsubscribe_token(recipient_id))


_UNSUBSCRIBE_PATH: str | None = None


def merge_context(given_name: str, family_name: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"given_name": given_name or "", "family_name": family_name or "", **(extra or {})}


def message_id_for(channel: str, send_id: int, recipient_id: int) -> str:
    domain = _setting("MESSAGING_MESSAGE_ID_DOMAIN", "groundswell.invalid")
    return f"<gs.{channel}{send_id}.{recipient_id}@{domain}>"


def sms_body(body: str) -> str:
    # Every promotional text says how to stop them (PECR reg. 22(3)(b): a simple means of refusing).
    return body if "STOP" in body.upper() else f"{body}\n{SMS_OPT_OUT}"


# ------------------------------------------------------------------------------------------ claiming


def _claimable(now: datetime.datetime) -> Q:
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    return (Q(status=RecipientStatus.QUEUED) & due) | Q(status=RecipientStatus.SENDING, lease_until__lt=now)


def claim(model: type[Model], send_id: int, token: str, limit: int, lease_seconds: int = LEASE_SECONDS) -> list[int]:
    """Lease up to `limit` rows of one send to `token`; returns their ids (possibly empty)."""
    now = timezone.now()
    give_up_uncertain(model, send_id, now)
    rows = model.objects.filter(send_id=send_id).filter(_claimable(now))
    lease = {
        "status": RecipientStatus.SENDING,
        "lease_owner": token,
        "lease_until": now + datetime.timedelta(seconds=lease_seconds),
        "attempts": F("attempts") + 1,
    }
    if connection.vendor == "postgresql":
        with transaction.atomic():
            ids = list(rows.select_for_update(skip_locked=True).order_by("id").values_list("id", flat=True)[:limit])
            if ids:
                model.objects.filter(id__in=ids).update(**lease)
        return ids
    # SQLite ignores skip_locked. The UPDATE re-checks the claimable condition, so a row another worker took
    # in between is not taken again; the rows that carry our token afterwards are ours.
    candidates = list(rows.order_by("id").values_list("id", flat=True)[:limit])
    if not candidates:
        return []
    changed = model.objects.filter(id__in=candidates).filter(_claimable(now)).update(**lease)
    if not changed:
        return []
    return list(model.objects.filter(id__in=candidates, lease_owner=token).values_list("id", flat=True))


UNCERTAIN = (
    "uncertain: the worker stopped while handing this message to the provider; not resent, so nobody gets it twice"
)


def give_up_uncertain(model: type[Model], send_id: int, now: datetime.datetime) -> int:
    """Rows a dead worker had in flight (lease over): they may have been sent, so they are not retried."""
    return model.objects.filter(
        send_id=send_id, status=RecipientStatus.SENDING, lease_until__lt=now, in_flight_at__isnull=False
    ).update(status=RecipientStatus.FAILED, error=UNCERTAIN[:300])


def release(model: type[Model], token: str, ids: list[int]) -> int:
    """Give back rows this claim leased but did not send (so another claim can take them now)."""
    return model.objects.filter(id__in=ids, lease_owner=token, status=RecipientStatus.SENDING).update(
        status=RecipientStatus.QUEUED, lease_until=None, in_flight_at=None, attempts=F("attempts") - 1
    )


# ------------------------------------------------------------------------------------------ throttling


class TokenBucket:
    """Allow `rate` messages a second on average, bursts up to `capacity`."""

    def __init__(self, rate: float | None, capacity: float | None = None, clock=None, sleep=None):
        self.rate = rate if rate and rate > 0 else None
        self.capacity = capacity or max(1.0, self.rate or 1.0)
        self.tokens = self.capacity
        self.clock = clock or time.monotonic
        self.sleep = sleep or (lambda seconds: time.sleep(seconds))  # looked up late so tests can patch it
        self.last = self.clock()

    def take(self) -> None:
        if self.rate is None:
            return
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens < 1:
            wait = (1 - self.tokens) / self.rate
            self.sleep(wait)
            self.last = self.clock()
            self.tokens = 1.0
        self.tokens -= 1


# ------------------------------------------------------------------------------------------ channels


@dataclass
class Outgoing:
    recipient_id: int
    person_id: int
    to: str
    message_id: str


@dataclass
class Channel:
    name: str  # "email" | "sms"
    send_model: type[Model]
    recipient_model: type[Model]
    timeline_kind: str
    load: Callable[[Any, list[int]], list[dict[str, Any]]]
    deliver: Callable[[Any, list[dict[str, Any]], Callable[[], None], Any], None]
    summary: Callable[[Any], str]


def _load_rows(channel: str, send: Any, ids: list[int], to_field: str) -> list[dict[str, Any]]:
    """The claimed rows, minus any whose person or address became uncontactable since the list was frozen
    (those are marked skipped): suppression and withdrawn consent apply up to the moment of sending."""
    model = EmailRecipient if channel == "email" else SmsRecipient
    rows = list(
        model.objects.filter(id__in=ids)
        .order_by("id")
        .values("id", "person_id", to_field, "merge_data", "person__given_name", "person__family_name")
    )
    people = Person.objects.filter(pk__in=[r["person_id"] for r in rows])
    allowed = set(contactable(people, channel, send.purpose).values_list("pk", flat=True))
    kinds = [
        Suppression.Kind.DO_NOT_CONTACT,
        Suppression.Kind.NO_EMAIL if channel == "email" else Suppression.Kind.NO_PHONE,
    ]
    column = "email" if channel == "email" else "phone"
    values = [r[to_field] for r in rows]
    blocked = set(
        Suppression.objects.filter(kind__in=kinds, **{f"{column}__in": values}).values_list(column, flat=True)
    )
    if channel == "email":
        unusable = EmailAddress.objects.filter(address__in=values, status__in=UNUSABLE_EMAIL_STATUSES).values_list(
            "address", flat=True
        )
        blocked |= set(unusable)
    keep = [r for r in rows if r["person_id"] in allowed and r[to_field] not in blocked]
    skipped = [r["id"] for r in rows if r not in keep]
    if skipped:
        model.objects.filter(id__in=skipped, status=RecipientStatus.SENDING).update(
            status=RecipientStatus.SKIPPED, error="no longer contactable when sent"
        )
    return keep


@dataclass
class _EmailParts:
    subject: Any
    text: Any
    html: Any | None
    from_email: str
    headers: dict[str, str] = field(default_factory=dict)


def _email_parts(send: EmailSend) -> _EmailParts:
    cached = getattr(send, "_gs_parts", None)
    if cached is None:
        cached = _EmailParts(
            compile_template(send.subject),
            compile_template(send.body_text),
            compile_template(send.body_html, html=True) if send.body_html else None,
            settings.DEFAULT_FROM_EMAIL,
        )
        send._gs_parts = cached
    return cached


def build_email(send: EmailSend, row: dict[str, Any]) -> EmailMultiAlternatives:
    """The message for one recipient row (also used by the preview and the test send)."""
    parts = _email_parts(send)
    url = unsubscribe_url(row["id"]) if row.get("id") else settings.PUBLIC_BASE_URL + "/messaging/unsubscribe-preview/"
    names = (row.get("person__given_name", ""), row.get("person__family_name", ""))
    data = {**merge_context(*names, row.get("merge_data")), "unsubscribe_url": url}
    subject = " ".join(render(parts.subject, data).split())  # no newlines in a header
    text = render(parts.text, data)
    if "unsubscribe" not in text.lower():
        text += f"\n\n--\nTo stop these emails: {url}\n"
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=parts.from_email,
        to=[row["address"]],
        headers={
            "Message-ID": message_id_for("e", send.pk or 0, row.get("id") or 0),
            # RFC 8058 one-click unsubscribe: mail clients POST "List-Unsubscribe=One-Click" to the URL.
            "List-Unsubscribe": f"<{url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    if parts.html is not None:
        message.attach_alternative(render(parts.html, data, html=True), "text/html")
    # Anymail providers return these with tracking events (Postmark: "Metadata"), so a bounce finds its row.
    message.metadata = {"gs_recipient": str(row.get("id") or ""), "gs_send": str(send.pk or "")}
    message.tags = [f"send-{send.pk}"]
    return message


def _deliver_email(send: EmailSend, rows, throttle, recorder: _Recorder) -> None:
    backend = get_connection(fail_silently=False)
    opened = False
    try:
        for row in rows:
            throttle()
            if not recorder.may_send(row):
                return
            try:
                if not opened:
                    backend.open()
                    opened = True
                message = build_email(send, row)
                if backend.send_messages([message]) != 1:
                    raise RuntimeError("the email backend did not accept the message")
            except Exception as exc:  # noqa: BLE001 - any backend failure is retried, then recorded
                recorder.failed(row, exc)
                continue
            status = getattr(message, "anymail_status", None)
            provider_id = (getattr(status, "message_id", None) or "") if status is not None else ""
            recorder.sent(row, str(provider_id or message.extra_headers["Message-ID"]))
    finally:
        if opened:
            backend.close()


def _deliver_sms(send: SmsSend, rows, throttle, recorder: _Recorder) -> None:
    adapter = get_adapter()
    template = getattr(send, "_gs_template", None) or compile_template(sms_body(send.body))
    send._gs_template = template
    for row in rows:
        throttle()
        if not recorder.may_send(row):
            return
        try:
            data = merge_context(row["person__given_name"], row["person__family_name"], row["merge_data"])
            provider_id = adapter.send(
                to=row["number"], body=render(template, data), reference=message_id_for("s", send.pk, row["id"])
            )
        except Exception as exc:  # noqa: BLE001 - SmsError, network errors, a bad merge field: retried, then recorded
            recorder.failed(row, exc)
            continue
        recorder.sent(row, str(provider_id))


EMAIL = Channel(
    "email",
    EmailSend,
    EmailRecipient,
    TimelineEntry.Kind.EMAIL,
    lambda send, ids: _load_rows("email", send, ids, "address"),
    _deliver_email,
    lambda send: f"Email sent: {merge_title(send.subject)}"[:300],
)
SMS = Channel(
    "sms",
    SmsSend,
    SmsRecipient,
    TimelineEntry.Kind.SMS,
    lambda send, ids: _load_rows("sms", send, ids, "number"),
    _deliver_sms,
    lambda send: f"Text message sent: {merge_title(send.body)[:80]}"[:300],
)
CHANNELS = {"email": EMAIL, "sms": SMS}


# ------------------------------------------------------------------------------------------ the loop


@dataclass
class RunReport:
    sent: int = 0
    failed: int = 0
    retrying: int = 0
    batches: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"sent": self.sent, "failed": self.failed, "retrying": self.retrying, "batches": self.batches}


def _retry_delay(attempts: int) -> int:
    delays = _setting("MESSAGING_RETRY_DELAYS", RETRY_DELAYS)
    return delays[min(max(attempts - 1, 0), len(delays) - 1)]


def write_timeline(channel: Channel, send: Any, token: str, ids: list[int] | None = None) -> int:
    """Timeline entries for the rows this claim sent and has not yet written (one bulk insert).

    The rows are locked first (PostgreSQL; SQLite's write transactions are serialised anyway), so two workers
    adopting the same orphaned rows cannot both write their entries."""
    model = channel.recipient_model
    rows = model.objects.filter(send_id=send.pk, lease_owner=token, status=RecipientStatus.SENT, on_timeline=False)
    if ids is not None:
        rows = rows.filter(id__in=ids)  # by primary key: no scan of the whole send
    with transaction.atomic():
        rows = list(rows.select_for_update().values_list("id", "person_id", "sent_at"))
        if not rows:
            return 0
        summary = channel.summary(send)
        TimelineEntry.objects.bulk_create(
            [
                TimelineEntry(
                    person_id=person_id,
                    kind=channel.timeline_kind,
                    occurred_at=sent_at,
                    summary=summary,
                    data={"channel": channel.name, "send_id": send.pk, "recipient_id": rid, "source": send.source},
                    actor_id=send.created_by_id,
                )
                for rid, person_id, sent_at in rows
            ],
            batch_size=500,
        )
        model.objects.filter(id__in=[r[0] for r in rows]).update(on_timeline=True)
    return len(rows)


def _adopt_orphaned_timeline(channel: Channel, send: Any, token: str) -> None:
    """Rows a dead worker sent but did not put on the timeline (its lease is over): write them now."""
    model = channel.recipient_model
    now = timezone.now()
    model.objects.filter(send_id=send.pk, status=RecipientStatus.SENT, on_timeline=False, lease_until__lt=now).update(
        lease_owner=token
    )
    write_timeline(channel, send, token)


def run_send(
    channel_name: str,
    send_id: int,
    *,
    batch_size: int | None = None,
    lease_seconds: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Send every claimable row of one send (the body of the background tasks). Safe to run many at once."""
    channel = CHANNELS[channel_name]
    send = channel.send_model.objects.select_related("created_by").get(pk=send_id)
    model = channel.recipient_model
    batch_size = batch_size or _setting("MESSAGING_BATCH_SIZE", BATCH_SIZE)
    # At least 10 s, so a batch always has time to send something before its lease is judged too close to ending.
    lease_seconds = max(10, lease_seconds or _setting("MESSAGING_LEASE_SECONDS", LEASE_SECONDS))
    margin = min(LEASE_MARGIN_SECONDS, lease_seconds / 4)
    worker = uuid.uuid4().hex[:12]
    bucket = TokenBucket(send.rate_per_second)
    report = RunReport()
    channel.send_model.objects.filter(pk=send_id, status=SendStatus.QUEUED).update(status=SendStatus.SENDING)
    # A throttled send takes smaller batches so one batch always fits well inside its lease.
    if send.rate_per_second:
        batch_size = max(1, min(batch_size, int(send.rate_per_second * (lease_seconds - margin) / 2)))

    for n in range(1, 10**9):
        token = f"{worker}:{n}"
        ids = claim(model, send_id, token, batch_size, lease_seconds)
        if not ids:
            if _wait_for_open_rows(model, send_id):
                continue
            break
        report.batches += 1
        deadline = time.monotonic() + lease_seconds - margin

        recorder = _Recorder(model, channel_name, send_id, token, report, progress, deadline)
        rows = channel.load(send, ids)
        try:
            channel.deliver(send, rows, bucket.take, recorder)
        finally:
            recorder.flush()
        release(model, token, ids)  # anything left because the lease was nearly over
        write_timeline(channel, send, token, ids)

    _adopt_orphaned_timeline(channel, send, f"{worker}:adopt")
    # Rows left open but not claimable for a while are the task's to follow up (messaging.tasks).
    _finish_if_done(channel, send_id)
    return report.as_dict()


@dataclass
class _Recorder:
    """Records each message's fate so that no message is ever handed to the provider twice.

    Before a message goes to the backend its row is marked *in flight*, in the same UPDATE that confirms the
    previous message as sent (one commit per message). A worker killed while a row is in flight leaves that row
    uncertain: it may or may not have reached the provider. Such rows are never retried (`claim` marks them
    failed, "uncertain"), so the worst a crash does is leave one message per worker unconfirmed, never a
    duplicate. Rows claimed but not yet in flight go back to the queue when the lease ends.
    """

    model: type[Model]
    channel_name: str
    send_id: int
    token: str
    report: RunReport
    progress: Callable[[int], None] | None
    deadline: float
    pending: tuple[int, str] | None = None  # (row id, provider id) accepted but not yet confirmed

    def may_send(self, row: dict[str, Any]) -> bool:
        """Confirm the previous message and mark this one in flight (one commit); False if it must not go."""
        if time.monotonic() >= self.deadline:
            return False  # the lease is nearly over: stop, and let the rest go back to the queue
        now = timezone.now()
        done_id, provider_id = self.pending or (0, "")  # no row has id 0
        params = [
            *(done_id, RecipientStatus.SENT),
            *(done_id, connection.ops.adapt_datetimefield_value(now)),
            *(done_id, provider_id[:200]),
            *(done_id, message_id_for(self.channel_name[0], self.send_id, done_id)),
            done_id,
            *(row["id"], connection.ops.adapt_datetimefield_value(now)),
            *(row["id"], done_id, self.token, RecipientStatus.SENDING),
        ]
        with connection.cursor() as cursor:
            cursor.execute(_confirm_and_mark_sql(self.model), params)
            changed = cursor.rowcount
        expected = 2 if self.pending else 1
        had_pending, self.pending = self.pending is not None, None
        if changed == expected:
            self._count_confirmed(1 if had_pending else 0)
            return True
        # Rare: a row is no longer this claim's. Find out which.
        mine = self.model.objects.filter(id=row["id"], lease_owner=self.token, in_flight_at__isnull=False).exists()
        self._count_confirmed(changed - (1 if mine else 0))
        return mine

    def _count_confirmed(self, done: int) -> None:
        done = max(done, 0)
        self.report.sent += done
        if self.progress and done:
            self.progress(done)

    def sent(self, row: dict[str, Any], provider_id: str) -> None:
        self.pending = (row["id"], provider_id)

    def failed(self, row: dict[str, Any], error: Exception) -> None:
        self.flush()
        _record_failure(self.model, row["id"], self.token, error, self.report)

    def flush(self) -> None:
        """Confirm the last accepted message on its own (end of a batch, or before recording a failure)."""
        if self.pending is None:
            return
        done_id, provider_id = self.pending
        self.pending = None
        changed = self.model.objects.filter(id=done_id, lease_owner=self.token, status=RecipientStatus.SENDING).update(
            status=RecipientStatus.SENT,
            sent_at=timezone.now(),
            provider_message_id=provider_id[:200],
            message_id=message_id_for(self.channel_name[0], self.send_id, done_id),
            error="",
        )
        self._count_confirmed(changed)


def _confirm_and_mark_sql(model: type[Model]) -> str:
    """One UPDATE: row A (the message just accepted) → sent; row B (the next) → in flight. Raw SQL because it runs
    once per message, and compiling an ORM CASE update costs more than the database does."""
    table = connection.ops.quote_name(model._meta.db_table)
    return (
        f"UPDATE {table} SET "  # noqa: S608 - the table name comes from the model; values are parameters
        "status = CASE WHEN id = %s THEN %s ELSE status END, "
        "sent_at = CASE WHEN id = %s THEN %s ELSE sent_at END, "
        "provider_message_id = CASE WHEN id = %s THEN %s ELSE provider_message_id END, "
        "message_id = CASE WHEN id = %s THEN %s ELSE message_id END, "
        "error = CASE WHEN id = %s THEN '' ELSE error END, "
        "in_flight_at = CASE WHEN id = %s THEN %s ELSE in_flight_at END "
        "WHERE id IN (%s, %s) AND lease_owner = %s AND status = %s"
    )


def _record_failure(model: type[Model], row_id: int, token: str, error: Exception, report: RunReport) -> None:
    row = model.objects.filter(id=row_id, lease_owner=token).values("attempts").first()
    if row is None:
        return
    message = f"{type(error).__name__}: {error}"[:300]
    if row["attempts"] >= _setting("MESSAGING_MAX_ATTEMPTS", MAX_ATTEMPTS):
        model.objects.filter(id=row_id, lease_owner=token).update(
            status=RecipientStatus.FAILED, error=message, in_flight_at=None
        )
        report.failed += 1
    else:
        model.objects.filter(id=row_id, lease_owner=token).update(
            status=RecipientStatus.QUEUED,
            error=message,
            lease_until=None,
            in_flight_at=None,
            next_attempt_at=timezone.now() + datetime.timedelta(seconds=_retry_delay(row["attempts"])),
        )
        report.retrying += 1


def next_due(model: type[Model], send_id: int) -> datetime.datetime | None:
    """When a row of this send next becomes claimable: a retry falling due, or another worker's lease ending."""
    rows = model.objects.filter(send_id=send_id)
    retry = (
        rows.filter(status=RecipientStatus.QUEUED, next_attempt_at__isnull=False)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    lease = (
        rows.filter(status=RecipientStatus.SENDING)
        .order_by("lease_until")
        .values_list("lease_until", flat=True)
        .first()
    )
    return min((t for t in (retry, lease) if t is not None), default=None)


def _wait_for_open_rows(model: type[Model], send_id: int) -> bool:
    """If rows will become claimable soon (a retry, or a dead worker's lease), sleep until then and say so."""
    due = next_due(model, send_id)
    if due is None:
        return False
    wait = (due - timezone.now()).total_seconds()
    if wait > _setting("MESSAGING_MAX_INLINE_WAIT", MAX_INLINE_WAIT_SECONDS):
        return False
    time.sleep(max(wait, 0) + 0.05)
    return True


def unfinished(model: type[Model], send_id: int) -> int:
    return model.objects.filter(send_id=send_id, status__in=[RecipientStatus.QUEUED, RecipientStatus.SENDING]).count()


def _finish_if_done(channel: Channel, send_id: int) -> bool:
    if unfinished(channel.recipient_model, send_id):
        return False
    channel.send_model.objects.filter(pk=send_id).exclude(status=SendStatus.DONE).update(
        status=SendStatus.DONE, finished_at=timezone.now()
    )
    return True


def channel_for(send: Any) -> Channel:
    return EMAIL if isinstance(send, EmailSend) else SMS
