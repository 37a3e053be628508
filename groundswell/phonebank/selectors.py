"""Phonebank reads, for both paths: a caller's tally and the session's team and leaderboard (the caller path,
see services.py), and for organisers (see campaigns.py) who a campaign's filter matches, the filter preview,
campaign statistics, the live dashboard, the export rows and the script preview. Nothing here writes.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncMinute
from django.utils import timezone

from groundswell import charts
from groundswell.accounts import access
from groundswell.accounts.models import User
from groundswell.geography.models import Ward
from groundswell.people import selectors as people_selectors
from groundswell.people.models import Membership, Person, Tag
from groundswell.questions.models import Question
from groundswell.questions.services import asked_path, branch_target, validate_answer
from groundswell.questions.support_codes import support_codes_for

from .models import (
    CallAttempt,
    CallCampaign,
    CallSkip,
    CallTarget,
    Outcome,
    PhonebankSession,
    Purpose,
    SessionCaller,
)

REACHED = (Outcome.COMPLETED, Outcome.CALL_BACK, Outcome.REFUSED, Outcome.DO_NOT_CALL)


def sessions_for_caller(user: Any) -> dict[str, list[PhonebankSession]]:
    """A caller's sessions: those they have joined, and the others open in units where they call ("joinable").
    Only live sessions of running campaigns: a caller has nothing to do in an ended one."""
    if not getattr(user, "is_authenticated", False):
        return {"joined": [], "joinable": []}
    live = PhonebankSession.objects.filter(active=True, campaign__status=CallCampaign.Status.ACTIVE).select_related(
        "campaign"
    )
    joined_ids = set(SessionCaller.objects.filter(user=user).values_list("session_id", flat=True))
    joined = list(live.filter(pk__in=joined_ids).order_by("-starts_at")[:20])
    units = [a.unit for a in user.roles.filter(role="caller").select_related("unit")]
    joinable = list(
        live.filter(access.within_units(units, "campaign__unit__path"))
        .exclude(pk__in=joined_ids)
        .order_by("-starts_at")[:20]
    )
    return {"joined": joined, "joinable": joinable}


def caller_tally(session: PhonebankSession, user_id: int) -> dict[str, int]:
    """This caller's own calls in this session: dialled, reached, completed. Here and in every figure below,
    only applied results count: one for a contact the caller did not hold is kept on record, nothing more."""
    row = CallAttempt.objects.filter(session=session, caller_id=user_id, applied=True).aggregate(
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
    rows = list(
        CallAttempt.objects.filter(session=session, applied=True)
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


# ------------------------------------------------------------------------------------------ organisers' reads
#
# Everything below serves the organisers' pages: which campaigns a user runs, the filter preview, the live
# dashboard and the export. Each figure is a grouped count in the database, so a dashboard refresh stays
# cheap with hundreds of thousands of contacts and calls.

ONLINE_WINDOW = datetime.timedelta(minutes=5)
RATE_WINDOW = datetime.timedelta(minutes=15)
# Quality flags: a completed call shorter than this was hardly a conversation.
SHORT_CALL = datetime.timedelta(seconds=20)
FLAG_MIN_CALLS = 10  # rates are not judged on fewer calls than this
FLAG_REFUSAL_SHARE = 0.5
FLAG_SHORT_SHARE = 0.25
FLAG_NOT_HELD = 5  # results for contacts the caller did not hold

# The dashboard's calls-per-minute chart: its SVG box and margins.
PER_MINUTE_CHART = charts.Frame(width=640, height=180, left=36, right=8, top=10, bottom=24)


def can_manage(user: Any, campaign: CallCampaign) -> bool:
    return access.has_perm(user, access.Perm.MANAGE_PHONEBANK, campaign.unit)


def campaigns_for(user: Any) -> QuerySet[CallCampaign]:
    """Call campaigns in the units where `user` runs phonebanks (and below)."""
    campaigns = access.scope(CallCampaign.objects.all(), user, access.Perm.MANAGE_PHONEBANK)
    return campaigns.select_related("unit").order_by("-created_at")


def campaign_counts(campaign_ids: list[int]) -> dict[int, dict[str, int]]:
    """Contacts listed and calls made per campaign (two grouped counts, not a join of the two)."""
    counts: dict[int, dict[str, int]] = {pk: {"listed": 0, "calls": 0} for pk in campaign_ids}
    for model, name in ((CallTarget, "listed"), (CallAttempt, "calls")):
        grouped = model.objects.filter(campaign_id__in=campaign_ids).values_list("campaign_id").annotate(n=Count("id"))
        for pk, n in grouped:
            counts[pk][name] = n
    return counts


# ------------------------------------------------------------------------------------------ who a campaign calls


def people_purpose(campaign: CallCampaign) -> str:
    """The contact rules' purpose: party promotion is direct marketing (TPS-screened); the rest is not."""
    return people_selectors.PROMOTION if campaign.purpose == Purpose.PROMOTION else people_selectors.SERVICE


def people_for_filter(campaign: CallCampaign) -> QuerySet[Person]:
    """People in the campaign's unit (and below) matching its saved filter, before contact rules."""
    f = campaign.target_filter or {}
    qs = Person.objects.filter(access.within_units([campaign.unit]))
    if f.get("tags"):
        qs = qs.filter(tags__name__in=f["tags"])
    if f.get("membership"):
        qs = qs.filter(memberships__status__in=f["membership"])
    if f.get("support"):
        qs = qs.filter(electors__current_support__in=f["support"], electors__deleted_at__isnull=True)
    if f.get("wards"):
        qs = qs.filter(ward_code__in=f["wards"])
    return qs.distinct()


def filter_preview(campaign: CallCampaign) -> dict[str, int]:
    """How many people the campaign's filter matches, and how many of them may be phoned for its purpose."""
    matched = people_for_filter(campaign)
    return {
        "matched": matched.count(),
        "contactable": people_selectors.contactable(matched, "phone", people_purpose(campaign)).count(),
    }


def filter_options(units: list[Any]) -> dict[str, Any]:
    """What the target filter offers across `units` (each with its subtree): tags in use there, membership
    statuses, support codes, and the wards people live in."""
    people = Person.objects.filter(access.within_units(units))
    ward_codes = people.exclude(ward_code="").values("ward_code").distinct()
    support: dict[str, str] = {}
    for unit in units:
        for code, sc in support_codes_for(unit).items():
            support.setdefault(code, sc.label)
    return {
        "tags": list(Tag.objects.filter(taggings__person__in=people).distinct().values_list("name", flat=True)),
        "membership": list(Membership.Status.choices),
        "support": list(support.items()),
        "wards": list(Ward.objects.filter(code__in=ward_codes).order_by("name").values_list("code", "name")),
    }


def stored_answer_keys(campaign: CallCampaign) -> set[str]:
    """Keys under which this script's answers are stored (removed questions' too), so no new question reuses one."""
    if campaign.question_set_id is None:
        return set()
    each = (
        "jsonb_object_keys(a.answers) FROM phonebank_callattempt a"
        if connection.vendor == "postgresql"
        else "j.key FROM phonebank_callattempt a, json_each(a.answers) j"
    )
    sql = (
        f"SELECT DISTINCT {each} JOIN phonebank_callcampaign c ON c.id = a.campaign_id "
        "WHERE c.question_set_id = %s AND a.outcome = 'completed'"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [campaign.question_set_id])
        return {row[0] for row in cursor.fetchall()}


# ------------------------------------------------------------------------------------------ the dashboard


def callers_online(campaign: CallCampaign, now: datetime.datetime) -> int:
    """Callers holding a live lease or who sent a result in the last five minutes (read, never written)."""
    holding = set(
        CallTarget.objects.filter(
            campaign=campaign, state=CallTarget.State.OPEN, lease_owner__isnull=False, available_at__gt=now
        )
        .values_list("lease_owner_id", flat=True)
        .distinct()
    )
    recent = set(
        CallAttempt.objects.filter(campaign=campaign, submitted_at__gte=now - ONLINE_WINDOW)
        .values_list("caller_id", flat=True)
        .distinct()
    )
    return len((holding | recent) - {None})


def calls_per_minute(campaign: CallCampaign, now: datetime.datetime, minutes: int = 60) -> list[int]:
    """Calls in each of the last `minutes` clock minutes, oldest first (the last entry is the current minute).

    Grouped by minute in the database: at a thousand calls a minute, an hour is 60,000 rows that should never
    travel to Python on each refresh."""
    current = now.astimezone(datetime.UTC).replace(second=0, microsecond=0)
    start = current - datetime.timedelta(minutes=minutes - 1)
    counts = [0] * minutes
    grouped = (
        CallAttempt.objects.filter(campaign=campaign, applied=True, submitted_at__gte=start, submitted_at__lte=now)
        .annotate(minute=TruncMinute("submitted_at", tzinfo=datetime.UTC))
        .values_list("minute")
        .annotate(n=Count("id"))
        .order_by()
    )
    for minute, n in grouped:
        i = int((minute - start).total_seconds() // 60)
        if 0 <= i < minutes:
            counts[i] += n
    return counts


def bar_rows(counts: list[tuple[str, str, int]]) -> list[dict[str, Any]]:
    """(value, label, count) → rows with a percentage of the largest, for the horizontal bar tables."""
    top = max((n for _, _, n in counts), default=0) or 1
    total = sum(n for _, _, n in counts) or 1
    return [
        {"value": v, "label": label, "count": n, "width": round(100 * n / top), "share": round(100 * n / total)}
        for v, label, n in counts
    ]


def outcome_counts(campaign: CallCampaign) -> list[dict[str, Any]]:
    got = dict(
        CallAttempt.objects.filter(campaign=campaign, applied=True).values_list("outcome").annotate(n=Count("id"))
    )
    return bar_rows([(value, label, int(got.get(value, 0))) for value, label in Outcome.choices])


def answer_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    return str(value)


def answer_counts(campaign: CallCampaign) -> list[dict[str, Any]]:
    """Per script question: how completed calls answered it (one grouped query per question)."""
    if campaign.question_set_id is None:
        return []
    completed = CallAttempt.objects.filter(campaign=campaign, outcome=Outcome.COMPLETED, applied=True)
    charts = []
    for q in campaign.question_set.questions.all():
        grouped = completed.filter(answers__has_key=q.key).values_list(f"answers__{q.key}").annotate(n=Count("id"))
        tally: dict[str, int] = {}
        for value, n in grouped:
            values = value if isinstance(value, list) else [value]
            for v in values:
                key = answer_text(v)
                tally[key] = tally.get(key, 0) + n
        if q.kind == Question.Kind.TEXT:
            charts.append({"question": q, "answered": sum(tally.values()), "rows": []})
            continue
        labels = {str(c["value"]): str(c.get("label", c["value"])) for c in q.choices or []}
        if q.kind == Question.Kind.YES_NO:
            labels = {"yes": "Yes", "no": "No"}
        order = list(labels) + sorted(k for k in tally if k not in labels)
        rows = bar_rows([(k, labels.get(k, k), tally.get(k, 0)) for k in order])
        charts.append({"question": q, "answered": sum(tally.values()), "rows": rows})
    return charts


def remaining(campaign: CallCampaign, now: datetime.datetime) -> dict[str, Any]:
    """The list by state: open and callable now, being called, waiting for a retry, done, and excluded (why)."""
    targets = CallTarget.objects.filter(campaign=campaign)
    open_ = Q(state=CallTarget.State.OPEN, attempts__lt=campaign.max_attempts)
    row = targets.aggregate(
        total=Count("id"),
        # A contact in an app process's block (leasing.py) is waiting to be handed out: callable now.
        now=Count("id", filter=open_ & (Q(available_at__lte=now) | Q(block__isnull=False))),
        in_call=Count("id", filter=open_ & Q(available_at__gt=now, lease_owner__isnull=False)),
        later=Count("id", filter=open_ & Q(available_at__gt=now, lease_owner__isnull=True, block__isnull=True)),
        done=Count("id", filter=Q(state=CallTarget.State.DONE)),
        out_of_attempts=Count("id", filter=Q(state=CallTarget.State.OPEN, attempts__gte=campaign.max_attempts)),
        excluded=Count("id", filter=Q(state=CallTarget.State.EXCLUDED)),
    )
    reasons = list(
        targets.filter(state=CallTarget.State.EXCLUDED)
        .values_list("excluded_reason")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    result: dict[str, Any] = {k: int(v or 0) for k, v in row.items()}
    result["exclusions"] = [{"reason": r or "(no reason)", "count": n} for r, n in reasons]
    result["open"] = result["now"] + result["in_call"] + result["later"]
    return result


def completion_estimate(open_contacts: int, recent_calls: int, window: datetime.timedelta) -> dict[str, Any] | None:
    """At the recent rate, how long the open contacts take (one call each: retries add to it). None: no rate."""
    per_minute = recent_calls / (window.total_seconds() / 60)
    if not per_minute or not open_contacts:
        return None
    minutes = round(open_contacts / per_minute)
    return {"per_minute": round(per_minute, 1), "minutes": minutes, "hours": minutes // 60, "rest": minutes % 60}


# Skipping most contacts (cherry-picking, or a caller who needs help with the script).
FLAG_SKIP_SHARE = 0.5


def quality_flags(campaign: CallCampaign, has_script: bool) -> list[dict[str, Any]]:
    """Callers whose calls look wrong: very short completed calls, a high refusal rate, completed calls with no
    answers recorded. A flag is a prompt for a friendly word, not a verdict."""
    short = Q(outcome=Outcome.COMPLETED, assigned_at__isnull=False, submitted_at__lt=F("assigned_at") + SHORT_CALL)
    rows = (
        CallAttempt.objects.filter(campaign=campaign)
        .values("caller_id")
        .annotate(
            calls=Count("id"),
            completed=Count("id", filter=Q(outcome=Outcome.COMPLETED)),
            short=Count("id", filter=short),
            refused=Count("id", filter=Q(outcome__in=[Outcome.REFUSED, Outcome.DO_NOT_CALL])),
            no_answers=Count("id", filter=Q(outcome=Outcome.COMPLETED, answers={})),
            not_held=Count("id", filter=Q(applied=False)),
        )
        .order_by("caller_id")
    )
    skips = dict(
        CallSkip.objects.filter(campaign=campaign)
        .values("caller_id")
        .annotate(n=Count("id"))
        .values_list("caller_id", "n")
    )
    rows = list(rows)
    for caller_id in set(skips) - {r["caller_id"] for r in rows}:
        rows.append(
            {
                "caller_id": caller_id,
                "calls": 0,
                "completed": 0,
                "short": 0,
                "refused": 0,
                "no_answers": 0,
                "not_held": 0,
            }
        )
    flagged = []
    for r in rows:
        flags = []
        skipped = skips.get(r["caller_id"], 0)
        if skipped + r["calls"] >= FLAG_MIN_CALLS and skipped / (skipped + r["calls"]) >= FLAG_SKIP_SHARE:
            flags.append(f"skipped {skipped} of {skipped + r['calls']} contacts")
        if r["short"] and (r["short"] >= 3 or r["short"] / max(1, r["completed"]) >= FLAG_SHORT_SHARE):
            flags.append(f"{r['short']} completed call{'s' * (r['short'] != 1)} under {SHORT_CALL.seconds} s")
        if r["calls"] >= FLAG_MIN_CALLS and r["refused"] / r["calls"] >= FLAG_REFUSAL_SHARE:
            flags.append(f"{round(100 * r['refused'] / r['calls'])}% refusals")
        if r["not_held"] >= FLAG_NOT_HELD:
            # A few are normal (a lease that ran out mid-call); many are someone posting results for others.
            flags.append(f"{r['not_held']} results for contacts they did not hold (not applied)")
        if has_script and r["no_answers"]:
            flags.append(f"{r['no_answers']} completed call{'s' * (r['no_answers'] != 1)} with no answers")
        if flags:
            flagged.append({"caller_id": r["caller_id"], "calls": r["calls"], "flags": flags})
    users = User.objects.in_bulk([f["caller_id"] for f in flagged if f["caller_id"]])
    for f in flagged:
        user = users.get(f["caller_id"])
        f["caller"] = caller_label(user) if user else "(removed account)"
        f["email"] = getattr(user, "email", "")
    return flagged


def dashboard(campaign: CallCampaign, now: datetime.datetime | None = None) -> dict[str, Any]:
    """Everything on the live dashboard, in one place for the page and its 10-second refresh."""
    now = now or timezone.now()
    per_minute = calls_per_minute(campaign, now)
    left = remaining(campaign, now)
    recent = sum(per_minute[-int(RATE_WINDOW.total_seconds() // 60) :])
    labels = {}
    for i in range(0, 60, 15):
        labels[i] = timezone.localtime(now - datetime.timedelta(minutes=60 - i)).strftime("%H:%M")
    labels[59] = "now"
    has_script = bool(campaign.question_set_id and campaign.question_set.questions.exists())
    return {
        "as_of": now,
        "callers_online": callers_online(campaign, now),
        "calls_last_hour": sum(per_minute),
        "per_minute_chart": charts.column_chart(PER_MINUTE_CHART, per_minute, labels),
        "outcomes": outcome_counts(campaign),
        "answers": answer_counts(campaign),
        "remaining": left,
        "estimate": completion_estimate(left["open"], recent, RATE_WINDOW),
        "flags": quality_flags(campaign, has_script),
    }


def session_calls(session: PhonebankSession, limit: int = 50) -> list[dict[str, Any]]:
    """The team's latest calls in a session: when, who called (first name), the outcome. No callee details."""
    rows = list(
        CallAttempt.objects.filter(session=session)
        .order_by("-submitted_at", "-id")
        .values("caller_id", "outcome", "submitted_at", "assigned_at")[:limit]
    )
    users = User.objects.in_bulk({r["caller_id"] for r in rows if r["caller_id"]})
    return [
        {
            "caller": caller_label(users.get(r["caller_id"])),
            "outcome": Outcome(r["outcome"]).label,
            "at": r["submitted_at"],
            "seconds": int((r["submitted_at"] - r["assigned_at"]).total_seconds()) if r["assigned_at"] else None,
        }
        for r in rows
    ]


# ------------------------------------------------------------------------------------------ export


def export_columns(campaign: CallCampaign) -> tuple[list[str], list[str]]:
    """The answer columns: the script's questions in order, then keys of removed questions still in answers."""
    if campaign.question_set_id is None:
        return [], []
    keys = list(campaign.question_set.questions.values_list("key", flat=True))
    retired = sorted(stored_answer_keys(campaign) - set(keys))
    return keys + retired, [*keys, *(f"{k} (removed question)" for k in retired)]


def export_rows(campaign: CallCampaign) -> Any:
    """Every call attempt of the campaign, oldest first, with what the export needs (streamed in chunks)."""
    caller_ids = CallAttempt.objects.filter(campaign=campaign, caller__isnull=False).values_list("caller_id")
    labels: dict[int | None, str] = {None: ""}
    for user in User.objects.filter(pk__in=caller_ids.distinct()).only("pk", "email", "display_name").iterator():
        labels[user.pk] = caller_label(user)
    rows = (
        CallAttempt.objects.filter(campaign=campaign)
        .order_by("submitted_at", "id")
        .values(
            "submitted_at",
            "caller_id",
            "target__person_id",
            "target__person__given_name",
            "target__person__family_name",
            "target__phone",
            "outcome",
            "applied",
            "notes",
            "answers",
        )
    )
    for r in rows.iterator(chunk_size=2000):
        yield {
            "submitted_at": r["submitted_at"],
            "caller": labels.get(r["caller_id"], ""),
            "person_id": r["target__person_id"],
            "name": f"{r['target__person__given_name']} {r['target__person__family_name']}".strip(),
            "phone": r["target__phone"],
            "outcome": r["outcome"],
            "applied": r["applied"],
            "notes": r["notes"],
            "answers": r["answers"],
        }


# ------------------------------------------------------------------------------------------ script preview


def _form_answer(question: Any, params: Any) -> Any:
    name = f"a_{question.key}"
    if question.kind in (Question.Kind.MULTIPLE, Question.Kind.RANKING):
        return [v for v in params.getlist(name) if v]
    return (params.get(name) or "").strip()


def preview_walk(questions: list[Any], params: Any, support_codes: list[str]) -> dict[str, Any]:
    """One step of walking the script as a caller would. `params` (the preview form) carries the answers so far
    (`a_<key>`) and which questions were already shown (`seen`). Returns the answered steps, the question to
    ask now (None when the call ends), and an error for the current answer if it does not validate."""
    by_key = {q.key: q for q in questions}
    seen = [k for k in params.getlist("seen") if k in by_key]
    # The walk follows the answers as the caller's page sends them ("yes", not True), as submit_result does.
    raw: dict[str, Any] = {}
    shown: dict[str, str] = {}
    error = ""
    for key in seen:
        value = _form_answer(by_key[key], params)
        try:
            cleaned = validate_answer(by_key[key], value, support_codes)
            labels = dict(answer_values(by_key[key], support_codes))
            shown_values = cleaned if isinstance(cleaned, list) else [cleaned]
            shown[key] = "; ".join(labels.get(answer_text(v), answer_text(v)) for v in shown_values if v is not None)
            shown[key] = shown[key] or "(no answer)"
        except ValidationError as exc:
            # Only the question just answered can be wrong (earlier ones passed already): ask it again.
            error = " ".join(exc.messages)
            seen = seen[: seen.index(key)]
            break
        raw[key] = value if value not in ("", []) else None
    path = asked_path(questions, raw)
    steps = []
    ended_by = ""
    for key in path:
        if key not in seen:
            break
        steps.append({"question": by_key[key], "answer": shown[key]})
        if branch_target(by_key[key], raw[key]) == "end":
            ended_by = key
    current = None
    if not ended_by:
        current = next((by_key[k] for k in path if k not in seen), None)
    raw_values = {k: v for k, v in raw.items() if v is not None}
    return {
        "steps": steps,
        "current": current,
        "ended_by": ended_by,
        "error": error,
        "seen": seen,
        "carried": [
            (f"a_{k}", v) for k, value in raw_values.items() for v in (value if isinstance(value, list) else [value])
        ],
        "choices": answer_values(current, support_codes) if current else [],
    }


def answer_values(question: Question, support_codes: Iterable[str] = ()) -> list[tuple[str, str]]:
    """The answers a branch can hang on, as (value, label): choices, yes/no, a scale's numbers, support codes."""
    if question.kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
        return [(str(c["value"]), str(c.get("label", c["value"]))) for c in question.choices or []]
    if question.kind == Question.Kind.YES_NO:
        return [("yes", "Yes"), ("no", "No")]
    if question.kind in (Question.Kind.SCALE, Question.Kind.LIKELIHOOD):
        scale = question.scale or {"min": 0, "max": 10}
        return [(str(n), str(n)) for n in range(int(scale.get("min", 0)), int(scale.get("max", 10)) + 1)]
    if question.kind == Question.Kind.SUPPORT:
        return [(c, c) for c in support_codes]
    return []
