"""Reads for the messaging pages: what a user may see and manage, segment counts, send progress and charts."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from groundswell.accounts import access
from groundswell.accounts.access import Perm
from groundswell.people.models import OrganisationUnit

from . import segments
from .models import EmailSend, EmailTemplate, Segment, SmsSend
from .services import email_recipients, send_stats, sms_recipients


def segments_for(user: Any) -> QuerySet[Segment]:
    return access.scope(Segment.objects.select_related("unit"), user, Perm.MANAGE_MESSAGING)


def templates_for(user: Any) -> QuerySet[EmailTemplate]:
    return access.scope(EmailTemplate.objects.select_related("unit"), user, Perm.MANAGE_MESSAGING)


def sends_for(user: Any, model: type = EmailSend) -> QuerySet:
    return access.scope(model.objects.select_related("unit", "created_by"), user, Perm.VIEW_MESSAGING)


def can_manage(user: Any, obj: Any) -> bool:
    unit = obj if isinstance(obj, OrganisationUnit) else obj.unit
    return access.has_perm(user, Perm.MANAGE_MESSAGING, unit)


def can_view(user: Any, obj: Any) -> bool:
    return access.has_perm(user, Perm.VIEW_MESSAGING, obj.unit)


def segment_counts(unit: OrganisationUnit, filters: list[dict[str, Any]]) -> dict[str, int]:
    """The live count for the segment form: everyone matching, and how many of them may be emailed / texted."""
    people = segments.people_matching(unit, filters)
    return {
        "people": people.count(),
        "email": email_recipients(people).count(),
        "sms": sms_recipients(people).count(),
    }


def send_progress(send: EmailSend | SmsSend) -> dict[str, Any]:
    stats = send_stats(send)
    done = stats["sent"] + stats["failed"] + stats["skipped"]
    total = stats["recipients"]
    return {
        "stats": stats,
        "done": done,
        "total": total,
        "percent": round(100 * done / total) if total else 100,
        "finished": send.status == "done" or (total and done >= total),
        "chart": stats_chart(stats, sms=isinstance(send, SmsSend)),
    }


def stats_chart(stats: dict[str, int], sms: bool = False) -> list[dict[str, Any]]:
    """Horizontal bars (share of recipients) for the send page's chart."""
    keys = ["sent", "delivered", "unsubscribed", "failed", "skipped"]
    if not sms:
        keys[2:2] = ["opened", "clicked", "bounced", "complained"]
    total = max(stats["recipients"], 1)
    return [
        {
            "label": key.capitalize(),
            "count": stats[key],
            "share": round(100 * stats[key] / total, 1),
            "width": round(100 * stats[key] / total, 1),
        }
        for key in keys
    ]


RECIPIENT_COLUMNS = ["person_id", "name", "to", "status", "sent_at", "delivered_at", "unsubscribed_at", "error"]


def recipient_rows(send: EmailSend | SmsSend) -> list[list[Any]]:
    """One row per recipient for the audited export (the delivery record, not the person's whole file)."""
    to_field = "address" if isinstance(send, EmailSend) else "number"
    rows = send.recipients.order_by("id").values_list(
        "person_id",
        "person__given_name",
        "person__family_name",
        to_field,
        "status",
        "sent_at",
        "delivered_at",
        "unsubscribed_at",
        "error",
    )
    return [[pid, f"{given} {family}".strip(), *rest] for pid, given, family, *rest in rows]


def made_by(send: EmailSend | SmsSend) -> str:
    """Which feature made a send, in words ('' when it came from the messaging page's own segment form, whose
    segment the page already names). Sources are 'feature: detail' strings; the internal segment id is not shown."""
    source = send.source or ""
    if source.startswith("messaging:segment:"):
        return ""
    return source
