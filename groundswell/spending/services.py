"""Writes of the spending ledger: evidence uploads, items with their splits, corrections, withdrawals, returns.

Every write checks the actor holds the unit, validates everything before writing anything (one transaction),
versions the item and records it in the audit log. Amounts are integer pence.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils import timezone

from groundswell import uploads
from groundswell.accounts.access import Perm, has_perm, require
from groundswell.people.models import OrganisationUnit

from . import notify
from .apportion import ROUNDING_NOTE, split_pence
from .auditing import audit
from .elections import candidacy_dates, candidacy_limit, election_dates
from .models import (
    CANDIDATE_CATEGORIES,
    PARTY_CATEGORIES,
    Allocation,
    Candidacy,
    Election,
    Evidence,
    ItemVersion,
    LimitWarning,
    Period,
    PersonalExpense,
    ReturnReminder,
    SpendingItem,
    SpendingReturn,
)
from .selectors import counted_total

EVIDENCE_REQUIRED_OVER_PENCE = 200_00  # any payment over £200 needs an invoice or receipt
WARNING_THRESHOLDS = (75, 90, 100)
NOTIONAL_TESTS = {
    "for_candidate": "provided for the candidate's use",
    "free_or_discount": "given free or at a discount of more than 10%",
    "over_50": "the value difference is over £50",
    "used": "made use of by or on behalf of the candidate",
    "election_expense": "would have been election expenses had they been paid for",
}


def max_upload_bytes() -> int:
    """Largest invoice or receipt: `SPENDING_EVIDENCE_MAX_BYTES` (10 MB unless set)."""
    return uploads.setting_bytes("SPENDING_EVIDENCE_MAX_BYTES")


def upload_evidence(
    *, actor: Any, election: Election, unit: OrganisationUnit, upload: UploadedFile, kind: str = Evidence.Kind.INVOICE
) -> Evidence:
    """Store an invoice, receipt or written authority privately, after checking size and content."""
    require(actor, Perm.MANAGE_SPENDING, unit)
    if kind not in Evidence.Kind.values:
        raise ValidationError({"kind": f"{kind!r} is not invoice, receipt or authority"})
    limit = max_upload_bytes()
    data = upload.read(limit + 1)  # one byte over is enough to refuse; a huge file is never read whole
    sniffed = uploads.check_upload(upload.name or "", data, "file", accept=uploads.PDF_OR_IMAGE, max_bytes=limit)
    ext = sniffed.extension
    evidence = Evidence(
        election=election, unit=unit, kind=kind, original_name=(upload.name or "")[:255],
        content_type=sniffed.content_type, extension=ext, size=sniffed.size, sha256=sniffed.sha256, uploaded_by=actor,
    )  # fmt: skip
    with transaction.atomic():
        evidence.file.save(f"{evidence.sha256}.{ext}", ContentFile(data), save=False)
        evidence.save()
        detail = {"kind": kind, "size": len(data)}
        audit("spending.evidence.upload", actor=actor, obj=evidence, unit=unit, detail=detail)
    return evidence


@dataclass
class Split:
    """One share of an item: a seat (None: the party's national spending), a period, and either a basis
    (households, electors, days, area: the item is split in proportion) or, for a manual split, its pence."""

    candidacy: Candidacy | None
    period: str | None = None
    basis: Decimal | int | None = None
    amount_pence: int | None = None


def _amount(value: Any, field: str = "amount_pence") -> int:
    if isinstance(value, bool) or isinstance(value, float):
        raise ValidationError({field: "give the amount in whole pence (or as a decimal string), never a float"})
    try:
        pence = int(value)
    except (TypeError, ValueError) as exc:
        raise ValidationError({field: f"{value!r} is not a whole number of pence"}) from exc
    if pence != Decimal(str(value)):
        raise ValidationError({field: f"{value!r} is not a whole number of pence"})
    if pence <= 0:
        raise ValidationError({field: "the amount must be more than nothing (negative amounts are not spending)"})
    return pence


def _check_item(
    *,
    actor: Any,
    election: Election,
    unit: OrganisationUnit,
    fields: dict[str, Any],
    splits: list[Split],
    override_reason: str,
    exclude_item: SpendingItem | None = None,
) -> tuple[list[tuple[Split, int, str]], list[tuple[Candidacy, str, int, int]]]:
    """Validate an item and its splits; return the shares (split, pence, period) and the seats it takes over
    their limit (candidacy, period, new total, limit). Raises ValidationError naming the field."""
    errors: dict[str, str] = {}
    amount = _amount(fields.get("amount_pence"))
    category = fields.get("category", "")
    national = not any(s.candidacy for s in splits)
    allowed = PARTY_CATEGORIES if national else CANDIDATE_CATEGORIES
    if category not in [c.value for c in allowed]:
        errors["category"] = f"{category!r} is not a category of the {'party' if national else 'candidate'} return"
    if not (fields.get("description") or "").strip():
        errors["description"] = "say what was bought"
    incurred = fields.get("incurred_on")
    if not isinstance(incurred, dt.date):
        errors["incurred_on"] = "give the date the spending was incurred"
    for name in ("invoice_received_on", "paid_on"):
        value = fields.get(name)
        if value is not None and not isinstance(value, dt.date):
            errors[name] = "not a date"
        elif value is not None and isinstance(incurred, dt.date) and value < incurred - dt.timedelta(days=366):
            errors[name] = "is more than a year before the spending was incurred"
    supplier = (fields.get("supplier") or "").strip()
    invoice = (fields.get("invoice_number") or "").strip()
    if invoice:
        dupes = SpendingItem.objects.filter(
            election=election, supplier__iexact=supplier, invoice_number__iexact=invoice, withdrawn=False
        )
        if exclude_item is not None:
            dupes = dupes.exclude(pk=exclude_item.pk).exclude(pk=exclude_item.corrects_id or 0)
        if fields.get("corrects") is not None:  # corrections may carry the invoice they correct
            dupes = dupes.exclude(pk=fields["corrects"].pk).exclude(corrects=fields["corrects"])
        if dupes.exists():
            errors["invoice_number"] = f"invoice {invoice!r} from {supplier or '(no supplier)'} is already entered"
    who = fields.get("authorised_by", "")
    if who not in SpendingItem.AuthorisedBy.values:
        errors["authorised_by"] = "say who directed, authorised or encouraged it: candidate, agent or authorised person"
    elif who == SpendingItem.AuthorisedBy.AUTHORISED_PERSON:
        if not (fields.get("authorised_person") or "").strip():
            errors["authorised_person"] = "name the person with the agent's written authority"
        authority = fields.get("authority")
        if authority is None or authority.kind != Evidence.Kind.AUTHORITY:
            errors["authority"] = "upload the agent's written authority"
    elif who == SpendingItem.AuthorisedBy.PARTY and not national:
        errors["authorised_by"] = "an item counted for a candidate is authorised by the candidate or agent"
    if fields.get("notional"):
        tests = fields.get("notional_tests") or {}
        failed = [label for key, label in NOTIONAL_TESTS.items() if not tests.get(key)]
        if failed:
            errors["notional_tests"] = "not notional spending unless every test is met; not met: " + "; ".join(failed)
        market = fields.get("market_value_pence")
        if market is None or int(market) < amount:
            errors["market_value_pence"] = "give the market value (at least the value counted)"
    if fields.get("paid_on") and amount > EVIDENCE_REQUIRED_OVER_PENCE and not fields.get("evidence"):
        errors["evidence"] = "a payment over £200 needs an invoice or receipt: upload it"
    if not splits:
        errors["splits"] = "say which seat (or the party's national spending) the item counts against"
    if errors:
        raise ValidationError(errors)

    method = fields.get("method") or SpendingItem.Method.WHOLE
    if method == SpendingItem.Method.MANUAL:
        if not (fields.get("method_note") or "").strip():
            raise ValidationError({"method_note": "a manual split needs its reason"})
        pence = [_amount(s.amount_pence, "splits") if s.amount_pence != 0 else 0 for s in splits]
        if sum(pence) != amount:
            raise ValidationError(
                {"splits": f"the splits add up to £{sum(pence) / 100:.2f}, not the item's £{amount / 100:.2f}"}
            )
    elif method == SpendingItem.Method.WHOLE:
        if len(splits) != 1:
            raise ValidationError({"method": "a whole item goes to one seat; choose a method to split it"})
        pence = [amount]
    else:
        if any(s.basis is None for s in splits):
            raise ValidationError({"splits": f"every share needs its {method} figure"})
        try:
            pence = split_pence(amount, [Decimal(s.basis) for s in splits])
        except ValueError as exc:
            raise ValidationError({"splits": str(exc)}) from exc

    shares: list[tuple[Split, int, str]] = []
    seen: set[tuple[int | None, str]] = set()
    for index, (split, share) in enumerate(zip(splits, pence, strict=True), start=1):
        if split.candidacy is None:
            start, end = election_dates(election).regulated_start, election.poll_date
            if incurred < start or incurred > end:
                raise ValidationError(
                    {"incurred_on": f"{incurred} is outside the party's regulated period ({start} to {end})"}
                )
            period = Period.REGULATED
        else:
            c = split.candidacy
            if c.election_id != election.pk:
                raise ValidationError({"splits": f"line {index}: {c} is a seat of another election"})
            if not c.unit.is_within(unit) and not has_perm(actor, Perm.MANAGE_SPENDING, c.unit):
                raise ValidationError({"splits": f"line {index}: {c.constituency.name} is not a seat of your unit"})
            dates = candidacy_dates(c)
            period = split.period or dates.period_of(incurred)
            if period is None:
                long_part = f"long {dates.long_start} to {dates.long_end}; " if dates.long_start else ""
                raise ValidationError(
                    {"incurred_on": f"{incurred} is outside every period of {c.constituency.name} "
                     f"({long_part}short {dates.short_start} to {dates.short_end})"}
                )  # fmt: skip
            if period == Period.LONG and dates.long_start is None:
                raise ValidationError({"splits": f"line {index}: {c.constituency.name} has no long campaign"})
            if period not in (Period.LONG, Period.SHORT):
                raise ValidationError({"splits": f"line {index}: {period!r} is not a candidate's period"})
            if SpendingReturn.objects.filter(candidacy=c, submitted_at__isnull=False).exists() and not fields.get(
                "corrects"
            ):
                raise ValidationError(
                    {"splits": f"{c.constituency.name}'s return is submitted: enter a correction instead"}
                )
        key = (split.candidacy.pk if split.candidacy else None, period)
        if key in seen:
            raise ValidationError({"splits": f"line {index} repeats a seat and period"})
        seen.add(key)
        shares.append((split, -share if fields.get("reduces") else share, period))

    over: list[tuple[Candidacy, str, int, int]] = []
    for split, share, period in shares:
        if split.candidacy is None or share <= 0:  # a reduction never takes a seat over
            continue
        limit = candidacy_limit(split.candidacy, period)
        if limit is None:
            continue
        total = counted_total(split.candidacy, period, exclude_item=exclude_item) + share
        if total > limit.limit_pence:
            over.append((split.candidacy, period, total, limit.limit_pence))
    if over:
        reason = (override_reason or "").strip()
        names = ", ".join(f"{c.constituency.name} ({p}: £{t / 100:,.2f} of £{lim / 100:,.2f})" for c, p, t, lim in over)
        if not reason:
            raise ValidationError({"amount_pence": f"this item takes {names} over the limit; the agent may override "
                                   "with a reason"})  # fmt: skip
        for c, _, _, _ in over:
            if not has_perm(actor, Perm.OVERRIDE_SPENDING_LIMIT, c.unit):
                raise ValidationError({"override_reason": f"only the election agent may take {c.constituency.name} "
                                       "over its limit"})  # fmt: skip
    return shares, over


ITEM_FIELDS = (
    "description", "supplier", "invoice_number", "amount_pence", "category", "status", "incurred_on",
    "invoice_received_on", "paid_on", "authorised_by", "authorised_person", "authority", "notional",
    "notional_tests", "market_value_pence", "method", "method_note", "event", "walk_ids", "reduces", "disputed",
    "dispute_note",
)  # fmt: skip


def _snapshot(item: SpendingItem) -> dict[str, Any]:
    data = {f: getattr(item, f) for f in ITEM_FIELDS if f not in ("authority", "event")}
    data = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in data.items()}
    data["authority_id"] = item.authority_id
    data["event_id"] = item.event_id
    data["withdrawn"] = item.withdrawn
    data["evidence"] = sorted(item.evidence.values_list("pk", flat=True))
    data["allocations"] = [
        {"candidacy": a.candidacy_id, "period": a.period, "pence": a.amount_pence, "basis": str(a.basis)}
        for a in item.allocations.order_by("pk")
    ]
    return data


def _write_allocations(item: SpendingItem, shares: list[tuple[Split, int, str]]) -> None:
    Allocation.objects.bulk_create(
        Allocation(item=item, candidacy=s.candidacy, period=period, amount_pence=pence,
                   basis=Decimal(s.basis if s.basis is not None else pence))
        for s, pence, period in shares
    )  # fmt: skip


def record_item(
    *,
    actor: Any,
    election: Election,
    unit: OrganisationUnit,
    splits: list[Split],
    evidence: list[Evidence] | None = None,
    override_reason: str = "",
    request: Any = None,
    **fields: Any,
) -> SpendingItem:
    """Enter one item with its splits and evidence. Refused (nothing written) on any bad field, a duplicate
    invoice, a date outside every period, splits that do not add up, or a seat taken over its limit without the
    agent's override and reason."""
    require(actor, Perm.MANAGE_SPENDING, unit)
    evidence = list(evidence or [])
    fields = {k: v for k, v in fields.items() if k in ITEM_FIELDS or k == "corrects"}
    fields["evidence"] = evidence
    for e in evidence:
        if e.election_id != election.pk or e.item_id is not None:
            raise ValidationError({"evidence": "that file belongs to another item or election"})
    with transaction.atomic():
        shares, over = _check_item(actor=actor, election=election, unit=unit, fields=fields, splits=splits,
                                   override_reason=override_reason)  # fmt: skip
        fields.pop("evidence")
        method = fields.get("method") or SpendingItem.Method.WHOLE
        note = (fields.get("method_note") or "").strip()
        if method not in (SpendingItem.Method.WHOLE, SpendingItem.Method.MANUAL) and ROUNDING_NOTE not in note:
            fields["method_note"] = f"{note}; {ROUNDING_NOTE}" if note else ROUNDING_NOTE
        item = SpendingItem.objects.create(
            election=election, unit=unit, created_by=actor, override_reason=override_reason if over else "",
            **{k: v for k, v in fields.items() if v is not None},
        )  # fmt: skip
        _write_allocations(item, shares)
        Evidence.objects.filter(pk__in=[e.pk for e in evidence]).update(item=item)
        ItemVersion.objects.create(item=item, version=1, data=_snapshot(item), changed_by=actor)
        audit("spending.item.create", actor=actor, obj=item, unit=unit, request=request,
               detail={"pence": item.amount_pence, "splits": len(shares)})  # fmt: skip
        _audit_overrides(actor, item, over, override_reason, request)
        touched = {(s.candidacy.pk, p) for s, _, p in shares if s.candidacy is not None}
        transaction.on_commit(lambda: check_warnings(touched))
    return item


def _audit_overrides(actor: Any, item: SpendingItem, over: list, reason: str, request: Any) -> None:
    """One audit entry per seat the agent took over its limit, with the reason."""
    for c, period, total, limit in over:
        detail = {"candidacy": c.pk, "period": period, "total": total, "limit": limit}
        audit("spending.limit.override", actor=actor, obj=item, unit=c.unit, reason=reason, request=request,
               detail=detail)  # fmt: skip


def _locked(item: SpendingItem) -> str | None:
    submitted = SpendingReturn.objects.filter(
        candidacy__allocations__item=item, submitted_at__isnull=False
    ).select_related("candidacy__constituency")
    found = submitted.first()
    return found.candidacy.constituency.name if found else None


def update_item(
    *,
    actor: Any,
    item: SpendingItem,
    splits: list[Split] | None = None,
    reason: str = "",
    override_reason: str = "",
    request: Any = None,
    **changes: Any,
) -> SpendingItem:
    """Change an item (a new version; the old one is kept). Refused once a return counting it is submitted."""
    require(actor, Perm.MANAGE_SPENDING, item.unit)
    if (seat := _locked(item)) is not None:
        raise ValidationError({"item": f"{seat}'s return is submitted: enter a correction, not a change"})
    if item.withdrawn:
        raise ValidationError({"item": "this item is withdrawn"})
    if splits is None:
        splits = [Split(a.candidacy, a.period, a.basis, a.amount_pence) for a in item.allocations.all()]
    fields = {f: getattr(item, f) for f in ITEM_FIELDS}
    fields.update({k: v for k, v in changes.items() if k in ITEM_FIELDS})
    fields["evidence"] = list(item.evidence.all())
    with transaction.atomic():
        locked = SpendingItem.objects.select_for_update().get(pk=item.pk)
        shares, over = _check_item(actor=actor, election=item.election, unit=item.unit, fields=fields, splits=splits,
                                   override_reason=override_reason, exclude_item=locked)  # fmt: skip
        fields.pop("evidence")
        for k, v in fields.items():
            setattr(locked, k, v)
        locked.version += 1
        if over:
            locked.override_reason = override_reason
        locked.save()
        locked.allocations.all().delete()
        _write_allocations(locked, shares)
        ItemVersion.objects.create(item=locked, version=locked.version, data=_snapshot(locked), changed_by=actor,
                                   reason=reason)  # fmt: skip
        audit("spending.item.update", actor=actor, obj=locked, unit=locked.unit, reason=reason, request=request,
               detail={"version": locked.version})  # fmt: skip
        _audit_overrides(actor, locked, over, override_reason, request)
        touched = {(s.candidacy.pk, p) for s, _, p in shares if s.candidacy is not None}
        transaction.on_commit(lambda: check_warnings(touched))
    return locked


def withdraw_item(*, actor: Any, item: SpendingItem, reason: str, request: Any = None) -> SpendingItem:
    """Take an item out of the totals (it is never deleted). Refused once a return counting it is submitted."""
    require(actor, Perm.MANAGE_SPENDING, item.unit)
    if not reason.strip():
        raise ValidationError({"reason": "say why the item is withdrawn"})
    if (seat := _locked(item)) is not None:
        raise ValidationError({"item": f"{seat}'s return is submitted: enter a correction, not a withdrawal"})
    with transaction.atomic():
        item.withdrawn = True
        item.version += 1
        item.save(update_fields=["withdrawn", "version"])
        ItemVersion.objects.create(item=item, version=item.version, data=_snapshot(item), changed_by=actor,
                                   reason=reason)  # fmt: skip
        audit("spending.item.withdraw", actor=actor, obj=item, unit=item.unit, reason=reason, request=request)
    return item


def record_correction(
    *,
    actor: Any,
    original: SpendingItem,
    candidacy: Candidacy,
    reason: str,
    evidence: list[Evidence] | None = None,
    override_reason: str = "",
    request: Any = None,
    reduce: bool = False,
    spread: bool = False,
    **fields: Any,
) -> SpendingItem:
    """A correction: a new entry linked to `original` (which stays as it was: nothing is deleted or changed once a
    return counting it is submitted). By default it adds the amount in `candidacy`, in the period the original
    counted there; `reduce` takes the amount off instead (an invoice entered too high, a credit note), never more
    than the original and its corrections still count there; `spread` shares the correction across every seat and
    period the original counted in, in proportion to what each counted (pence rounding as for any split). Every
    check of a new item applies; the reason is required and kept on the audit log and the item's first version."""
    require(actor, Perm.MANAGE_SPENDING, original.unit)
    errors = {}
    if not (reason or "").strip():
        errors["reason"] = "say what the correction corrects and why"
    amount = None
    try:  # named beside the reason's error, not after it is put right
        amount = _amount(fields.get("amount_pence"))
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if original.withdrawn:
        errors["item"] = "that item is withdrawn: enter a new item instead"
    if original.corrects_id is not None:
        errors["item"] = "that entry is itself a correction: correct the original item"
    allocations = list(original.allocations.select_related("candidacy__constituency").order_by("pk"))
    if not spread:
        allocations = [a for a in allocations if a.candidacy_id == candidacy.pk]
        if not allocations:
            errors["item"] = f"that item is not counted in {candidacy.constituency.name}"
    if errors:
        raise ValidationError(errors)
    shares = split_pence(amount, [Decimal(abs(a.amount_pence)) for a in allocations]) if spread else [amount]
    if reduce:
        for a, share in zip(allocations, shares, strict=True):
            still = _still_counted(original, a)
            if share > still:
                seat = a.candidacy.constituency.name if a.candidacy else "the party's national spending"
                raise ValidationError({"amount_pence": f"that takes off £{share / 100:,.2f} in {seat}, where the "
                                       f"item and its corrections count £{still / 100:,.2f}"})  # fmt: skip
    splits = [Split(a.candidacy, a.period, amount_pence=share) for a, share in zip(allocations, shares, strict=True)]
    method = {}
    if spread:
        method = {"method": SpendingItem.Method.MANUAL,
                  "method_note": f"spread as item #{original.pk} was counted; {ROUNDING_NOTE}"}  # fmt: skip
    defaults = {f: getattr(original, f) for f in ("supplier", "invoice_number", "category", "authorised_by",
                                                   "authorised_person", "incurred_on")}  # fmt: skip
    with transaction.atomic():
        item = record_item(
            actor=actor, election=original.election, unit=original.unit, request=request, evidence=evidence,
            splits=splits, override_reason=override_reason, corrects=original, reduces=reduce,
            **{**defaults, **{k: v for k, v in fields.items() if v not in (None, "")}, **method},
        )  # fmt: skip
        item.versions.filter(version=1).update(reason=reason.strip())
        audit("spending.item.correct", actor=actor, obj=item, unit=item.unit, reason=reason.strip(),
              request=request, detail={"corrects": original.pk, "pence": -amount if reduce else amount,
                                       "seats": len(splits)})  # fmt: skip
    return item


def _still_counted(original: SpendingItem, allocation: Allocation) -> int:
    """What the original and its corrections still count in one seat and period (pence)."""
    rows = Allocation.objects.filter(
        candidacy=allocation.candidacy, period=allocation.period, item__withdrawn=False
    ).filter(models.Q(item=original) | models.Q(item__corrects=original))
    return rows.aggregate(total=models.Sum("amount_pence"))["total"] or 0


def set_disputed(
    *, actor: Any, item: SpendingItem, disputed: bool, note: str = "", request: Any = None
) -> SpendingItem:
    """Mark a claim as disputed by the agent (or settle the dispute). A disputed claim still counts against the
    limit and is listed apart on the return with the note; each change is a new version of the item."""
    note = (note or "").strip()
    if disputed and not note:
        raise ValidationError({"dispute_note": "say what is disputed (the amount, the work, whether it was ordered)"})
    reason = f"claim disputed: {note}" if disputed else f"dispute settled{': ' + note if note else ''}"
    return update_item(actor=actor, item=item, reason=reason, request=request, disputed=disputed,
                       dispute_note=note if disputed else "")  # fmt: skip


def record_personal_expense(
    *,
    actor: Any,
    candidacy: Candidacy,
    description: str,
    amount_pence: Any,
    incurred_on: Any,
    paid_on: Any = None,
    request: Any = None,
) -> PersonalExpense:
    """A personal expense the candidate stated to the agent: listed on the return, not counted against the limit.
    Refused (naming the field) for a bad amount or date, or once the seat's return is submitted."""
    require(actor, Perm.MANAGE_SPENDING, candidacy.unit)
    errors: dict[str, str] = {}
    if not (description or "").strip():
        errors["description"] = "say what the expense was (for example: rail fares to the count)"
    try:
        pence = _amount(amount_pence)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if not isinstance(incurred_on, dt.date):
        errors["incurred_on"] = "give the date of the expense"
    if paid_on is not None and not isinstance(paid_on, dt.date):
        errors["paid_on"] = "not a date"
    if SpendingReturn.objects.filter(candidacy=candidacy, submitted_at__isnull=False).exists():
        errors["description"] = f"{candidacy.constituency.name}'s return is submitted"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        expense = PersonalExpense.objects.create(
            candidacy=candidacy, description=description.strip(), amount_pence=pence, incurred_on=incurred_on,
            paid_on=paid_on, created_by=actor,
        )  # fmt: skip
        audit("spending.personal_expense.create", actor=actor, obj=expense, unit=candidacy.unit, request=request,
              detail={"pence": pence})  # fmt: skip
    return expense


def submit_return(*, actor: Any, candidacy: Candidacy, request: Any = None) -> SpendingReturn:
    """Mark the candidate's return delivered: from now on its items cannot be changed or withdrawn."""
    require(actor, Perm.MANAGE_SPENDING, candidacy.unit)
    with transaction.atomic():
        ret, _ = SpendingReturn.objects.get_or_create(candidacy=candidacy)
        if ret.submitted_at is not None:
            raise ValidationError({"return": "this return was already submitted"})
        spent = candidacy.allocations.filter(item__withdrawn=False).exists()
        ret.nil = not spent and not candidacy.personal_expenses.exists()
        ret.submitted_at = timezone.now()
        ret.submitted_by = actor
        ret.save()
        audit("spending.return.submit", actor=actor, obj=ret, unit=candidacy.unit, request=request,
               detail={"nil": ret.nil})  # fmt: skip
    return ret


def check_warnings(touched: set[tuple[int, str]]) -> list[LimitWarning]:
    """Warn the agent once as a seat's period passes 75%, 90% and 100% of its limit."""
    sent: list[LimitWarning] = []
    for candidacy_id, period in touched:
        candidacy = Candidacy.objects.select_related("election", "constituency", "agent", "unit").get(pk=candidacy_id)
        limit = candidacy_limit(candidacy, period)
        if limit is None or limit.limit_pence == 0:
            continue
        total = counted_total(candidacy, period)
        percent = Decimal(total * 100) / Decimal(limit.limit_pence)
        for threshold in WARNING_THRESHOLDS:
            if percent < threshold:
                break
            warning, created = LimitWarning.objects.get_or_create(
                candidacy=candidacy, period=period, threshold=threshold,
                defaults={"percent": percent.quantize(Decimal("0.01"))},
            )  # fmt: skip
            if created:
                notify.limit_warning(warning, total, limit.limit_pence)
                sent.append(warning)
    return sent


def can_override(actor: Any, candidacy: Candidacy) -> bool:
    return has_perm(actor, Perm.OVERRIDE_SPENDING_LIMIT, candidacy.unit)


def require_view(actor: Any, unit: OrganisationUnit) -> None:
    if not has_perm(actor, Perm.VIEW_SPENDING, unit):
        raise PermissionDenied("view_spending")


REMINDER_DAYS = (14, 7, 3, 1, 0)  # days before the return is due


def send_return_reminders(today: dt.date | None = None) -> int:
    """Remind each seat's agent 14, 7, 3 and 1 days before the return is due and on the day, once each, until
    the return is submitted. Safe to run as often as the scheduler likes."""
    today = today or timezone.localdate()
    sent = 0
    seats = Candidacy.objects.select_related("election", "constituency", "agent").filter(
        agent__isnull=False, election__poll_date__lte=today
    ).exclude(spending_return__submitted_at__isnull=False)  # fmt: skip
    for candidacy in seats:
        due = candidacy_dates(candidacy).return_due
        left = (due - today).days
        # The nearest step not yet passed: 12 days left is the 14-day reminder, the day itself the last.
        step = next((d for d in sorted(REMINDER_DAYS) if 0 <= left <= d), None)
        if step is None:
            continue
        reminder, created = ReturnReminder.objects.get_or_create(candidacy=candidacy, days_before=step)
        if created and notify.return_reminder(reminder, due, left):
            sent += 1
    return sent


def record_event_cost(
    *,
    actor: Any,
    event: Any,
    election: Election,
    description: str,
    amount_pence: Any,
    request: Any = None,
    **fields: Any,
) -> SpendingItem:
    """An event's cost (hall hire, PA) for the seat the event is in, on the day it was held: the seat comes from
    the events app's constituency code, the date from its start, the category is public meetings."""
    code = (event.constituency_code or "").strip()
    candidacy = Candidacy.objects.filter(election=election, constituency__code=code).select_related("unit").first()
    if candidacy is None:
        raise ValidationError({"event": f"the event is in no seat with a ledger for {election.election_id} "
                               f"(its constituency: {code or 'not known'})"})  # fmt: skip
    fields.setdefault("category", "meetings")
    fields.setdefault("incurred_on", timezone.localtime(event.starts_at).date())
    fields.setdefault("authorised_by", SpendingItem.AuthorisedBy.AGENT)
    return record_item(actor=actor, election=election, unit=fields.pop("unit", candidacy.unit), request=request,
                       splits=[Split(candidacy)], event=event, description=description, amount_pence=amount_pence,
                       **fields)  # fmt: skip
