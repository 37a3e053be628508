"""Phonebank reads: a caller's tally, the session's team and leaderboard, campaign statistics."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q

from .models import CallAttempt, Outcome, PhonebankSession

REACHED = (Outcome.COMPLETED, Outcome.CALL_BACK, Outcome.REFUSED, Outcome.DO_NOT_CALL)


def caller_tally(session: PhonebankSession, user_id: int) -> dict[str, int]:
    """This caller's own calls in this session: dialled, reached, completed."""
    row = CallAttempt.objects.filter(session=session, caller_id=user_id).aggregate(
        calls=Count("id"),
        reached=Count("id", filter=Q(outcome__in=REACHED)),
        completed=Count("id", filter=Q(outcome=Outcome.COMPLETED)),
    )
    return {k: int(v or 0) for k, v in row.items()}


def caller_label(user: Any) -> str:
    """What other callers see of a caller: a first name (or the part of the email before @), never more."""
    name = (getattr(user, "display_name", "") or "").strip()
    if name:
        return name.split()[0]
    return (getattr(user, "email", "") or "caller").split("@")[0][:20]


def leaderboard(session: PhonebankSession, limit: int = 10) -> dict[str, Any]:
    """The session's team: total calls and the callers with most calls (first names only)."""
    from groundswell.accounts.models import User

    rows = list(
        CallAttempt.objects.filter(session=session)
        .values("caller_id")
        .annotate(calls=Count("id"), completed=Count("id", filter=Q(outcome=Outcome.COMPLETED)))
        .order_by("-calls", "caller_id")
    )
    users = {u.pk: u for u in User.objects.filter(pk__in=[r["caller_id"] for r in rows[:limit]])}
    return {
        "calls": sum(r["calls"] for r in rows),
        "completed": sum(r["completed"] for r in rows),
        "callers": len(rows),
        "top": [
            {"caller": caller_label(users.get(r["caller_id"])), "calls": r["calls"], "completed": r["completed"]}
            for r in rows[:limit]
        ],
    }
