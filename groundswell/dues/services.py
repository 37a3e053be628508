"""Writes of dues: setting up, changing and cancelling a member's arrangement (with re-joining after a lapse),
crediting payments, following the payment provider's notices, keeping `Membership.status` in step with the
standing, and the daily job (status, about-to-lapse and renewal reminders).

Who may act: the member on their own membership, or a holder of MANAGE_DUES at the member's unit. Every write is
one transaction and is audited; bad input raises DuesError with a message naming what is wrong."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from groundswell.accounts import access
from groundswell.payments import services as payments
from groundswell.payments.errors import PaymentError
from groundswell.payments.models import Payment, Subscription
from groundswell.people.models import Membership, OrganisationUnit, Person

from . import notify, selectors
from . import standing as rules_
from .auditing import audit
from .models import Arrangement, DailyRun, DuesPayment, DuesRules, Interval, MembershipType, Method, Rate, Reminder

ONLINE_METHODS = {Method.DIRECT_DEBIT, Method.CARD}
LIVE = [Arrangement.Status.PENDING, Arrangement.Status.ACTIVE, Arrangement.Status.FAILED]
STATUS_FOR = {
    rules_.GOOD: Membership.Status.ACTIVE,
    rules_.ARREARS: Membership.Status.ARREARS,
    rules_.LAPSED: Membership.Status.LAPSED,
}


class DuesError(ValueError):
    """A dues request that cannot be done, with the reason in plain words."""


def is_own(actor: Any, membership: Membership) -> bool:
    return (
        bool(getattr(actor, "person_id", None))
        and actor.person_id == membership.person_id
        and (access.has_perm(actor, access.Perm.VIEW_OWN_RECORD))
    )


def may_manage(actor: Any, membership: Membership) -> bool:
    """The member themselves, or a treasurer (MANAGE_DUES) covering the member's unit."""
    return is_own(actor, membership) or access.has_perm(actor, access.Perm.MANAGE_DUES, membership.person.unit)


def _require(actor: Any, membership: Membership) -> None:
    if actor is not None and not may_manage(actor, membership):
        access.require(actor, access.Perm.MANAGE_DUES, membership.person.unit)


def _amount(membership_type: MembershipType, interval: str, amount_pence: int | None, on: dt.date) -> int:
    if interval not in Interval.values:
        raise DuesError(f"Choose monthly or yearly payments, not '{interval}'.")
    rate = selectors.rate_on(membership_type, interval, on)
    if rate is None:
        raise DuesError(f"The {membership_type.name} type has no {Interval(interval).label.lower()} rate.")
    if amount_pence is None:
        return rate
    if not isinstance(amount_pence, int) or isinstance(amount_pence, bool):
        raise DuesError("The amount must be a whole number of pence.")
    if amount_pence < rate:
        every = "a month" if interval == Interval.MONTH else "a year"
        raise DuesError(
            f"{rules_.pounds(amount_pence)} is less than the {membership_type.name} rate of "
            f"{rules_.pounds(rate)} {every}."
        )
    return amount_pence


@transaction.atomic
def set_up_dues(
    membership: Membership,
    *,
    membership_type: MembershipType,
    interval: str,
    method: str,
    actor: Any,
    amount_pence: int | None = None,
    payer: Person | None = None,
    payer_name: str = "",
    on: dt.date | None = None,
) -> Arrangement:
    """A new arrangement (pending until the provider confirms it). It replaces the one in force; a lapsed member
    setting up dues re-joins, which starts a new run of continuous membership (the old history is kept)."""
    _require(actor, membership)
    on = on or timezone.localdate()
    if not membership_type.active:
        raise DuesError(f"The {membership_type.name} type is no longer offered.")
    if method not in Method.values:
        raise DuesError(f"Unknown payment method '{method}'.")
    if method not in ONLINE_METHODS and not access.has_perm(actor, access.Perm.MANAGE_DUES, membership.person.unit):
        raise DuesError("Members pay by Direct Debit or card; a treasurer records cheques, cash and transfers.")
    amount = _amount(membership_type, interval, amount_pence, on)
    if membership.status in (Membership.Status.RESIGNED, Membership.Status.SUSPENDED):
        raise DuesError(f"This membership is {membership.get_status_display().lower()}; dues cannot be set up.")
    standing = selectors.standing_on(membership, on)
    third_party = payer is not None and payer.pk != membership.person_id or bool(payer_name.strip())
    old = list(Membership.objects.select_for_update().get(pk=membership.pk).dues_arrangements.filter(status__in=LIVE))
    for a in old:
        a.status, a.ended_on = Arrangement.Status.REPLACED, on
        a.save(update_fields=["status", "ended_on"])
        _provider_cancel(a.subscription, "replaced by a new dues arrangement")
    arrangement = Arrangement.objects.create(
        membership=membership, membership_type=membership_type, interval=interval, method=method,
        amount_pence=amount, starts_run=standing.status == rules_.LAPSED, started_on=on,
        payer=payer if third_party else membership.person, payer_is_member=not third_party,
        payer_name=payer_name.strip()[:200] if third_party else "",
        status=Arrangement.Status.PENDING if method in ONLINE_METHODS else Arrangement.Status.ACTIVE,
        created_by=actor if getattr(actor, "pk", None) else None,
    )  # fmt: skip
    if arrangement.starts_run and membership.status == Membership.Status.LAPSED:
        membership.status = Membership.Status.ACTIVE
        membership.save(update_fields=["status"])
    audit(
        "dues.arrangement.create", actor=actor, obj=arrangement, unit=membership.person.unit,
        detail={"membership": membership.pk, "rejoin": arrangement.starts_run, "third_party": third_party},
    )  # fmt: skip
    return arrangement


@transaction.atomic
def change_dues(
    arrangement: Arrangement, *, membership_type: MembershipType, amount_pence: int | None, actor: Any,
    on: dt.date | None = None,
) -> Arrangement:  # fmt: skip
    """A change of type or amount: the same method, payer and provider subscription, from `on`."""
    membership = arrangement.membership
    _require(actor, membership)
    on = on or timezone.localdate()
    if arrangement.status not in LIVE:
        raise DuesError("That arrangement has ended; set up dues again instead.")
    if not membership_type.active:
        raise DuesError(f"The {membership_type.name} type is no longer offered.")
    amount = _amount(membership_type, arrangement.interval, amount_pence, on)
    old_pk = arrangement.pk
    Arrangement.objects.filter(pk=old_pk).update(status=Arrangement.Status.REPLACED, ended_on=on)
    new = Arrangement.objects.get(pk=old_pk)
    new.pk = None
    new.membership_type, new.amount_pence, new.started_on = membership_type, amount, on
    new.status, new.ended_on, new.starts_run = arrangement.status, None, False
    new.created_at, new.created_by = timezone.now(), actor if getattr(actor, "pk", None) else None
    new.save()
    if amount != arrangement.amount_pence:
        _provider_change(new.subscription, amount)
    audit(
        "dues.arrangement.change", actor=actor, obj=new, unit=membership.person.unit,
        detail={"replaces": old_pk, "type": membership_type.code, "amount_pence": amount},
    )  # fmt: skip
    return new


@transaction.atomic
def cancel_dues(arrangement: Arrangement, *, actor: Any, reason: str = "", on: dt.date | None = None) -> Arrangement:
    """Stop paying. The membership stays (dues keep falling due, so it lapses in time unless paid another way)."""
    _require(actor, arrangement.membership)
    if arrangement.status not in LIVE:
        raise DuesError("That arrangement has already ended.")
    arrangement.status, arrangement.ended_on = Arrangement.Status.CANCELLED, on or timezone.localdate()
    arrangement.cancel_reason = reason.strip()[:300]
    arrangement.save(update_fields=["status", "ended_on", "cancel_reason"])
    _provider_cancel(arrangement.subscription, arrangement.cancel_reason)
    audit("dues.arrangement.cancel", actor=actor, obj=arrangement, unit=arrangement.membership.person.unit)
    return arrangement


def start_payment(arrangement: Arrangement, *, return_url: str, cancel_url: str) -> str:
    """Hand a new Direct Debit or card arrangement to the payments app; returns the provider's page to send the
    member to (it comes back to `return_url`). Asking twice gives the same page (the idempotency key)."""
    membership = arrangement.membership
    person = membership.person
    common = dict(
        amount_pence=arrangement.amount_pence, purpose="dues", purpose_ref=arrangement.purpose_ref,
        description=f"Membership dues {membership.number}: {arrangement.membership_type.name}",
        payer=arrangement.payer or person, idempotency_key=f"dues:arrangement:{arrangement.pk}", unit=person.unit,
    )  # fmt: skip
    name = arrangement.payer_name or (arrangement.payer or person).display_name
    email = (arrangement.payer or person).primary_email or ""
    try:
        if arrangement.method == Method.DIRECT_DEBIT:
            checkout = payments.start_direct_debit(
                interval=arrangement.interval, return_url=return_url, name=name, email=email, **common
            )
        elif arrangement.method == Method.CARD:
            checkout = payments.start_checkout(
                interval=arrangement.interval, success_url=return_url, cancel_url=cancel_url, name=name, email=email,
                **common,
            )  # fmt: skip
        else:
            raise DuesError("Only Direct Debit and card payments go to the payment provider.")
    except PaymentError as exc:
        raise DuesError(str(exc)) from exc
    if checkout.subscription is not None and arrangement.subscription_id != checkout.subscription.pk:
        arrangement.subscription = checkout.subscription
        arrangement.save(update_fields=["subscription"])
    return checkout.url


def _provider_change(subscription: Subscription | None, amount_pence: int) -> None:
    """The provider collects the new amount from the next charge (the member's right was checked by the caller)."""
    if subscription is None or subscription.status not in ("pending", "active"):
        return
    try:
        payments.change_subscription(subscription, amount_pence=amount_pence, actor=None)
    except PaymentError as exc:
        raise DuesError(str(exc)) from exc


def _provider_cancel(subscription: Subscription | None, reason: str) -> None:
    if subscription is None or subscription.status == "cancelled":
        return
    try:
        payments.cancel_subscription(subscription, actor=None, reason=reason or "dues cancelled")
    except PaymentError as exc:
        raise DuesError(str(exc)) from exc


def record_payment(
    *,
    membership: Membership,
    amount_pence: int,
    paid_on: dt.date,
    method: str,
    source_ref: str,
    arrangement: Arrangement | None = None,
    fingerprint: str = "",
    payer: Person | None = None,
    payer_is_member: bool = True,
    payer_name: str = "",
    actor: Any = None,
    payment: Payment | None = None,
) -> DuesPayment:
    """Credit a payment to a membership's dues. The same `source_ref` twice credits once (returns the first)."""
    if not isinstance(amount_pence, int) or isinstance(amount_pence, bool) or amount_pence <= 0:
        raise DuesError(f"A dues payment must be a positive whole number of pence, not {amount_pence!r}.")
    if method not in Method.values:
        raise DuesError(f"Unknown payment method '{method}'.")
    if not source_ref:
        raise DuesError("A dues payment needs the reference of where it came from.")
    existing = DuesPayment.objects.filter(source_ref=source_ref).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            credit = DuesPayment.objects.create(
                membership=membership, arrangement=arrangement, amount_pence=amount_pence, paid_on=paid_on,
                method=method, method_fingerprint=fingerprint, payer=payer, payer_is_member=payer_is_member,
                payer_name=payer_name[:200], source_ref=source_ref, payment=payment,
                recorded_by=actor if getattr(actor, "pk", None) else None,
            )  # fmt: skip
    except IntegrityError:  # the same payment credited at the same moment by another worker: theirs stands
        existing = DuesPayment.objects.filter(source_ref=source_ref).first()
        if existing is None:
            raise
        return existing
    with transaction.atomic():
        if arrangement is not None and arrangement.interval == Interval.YEAR:
            standing = selectors.standing_on(membership, paid_on)
            if standing.paid_through:
                arrangement.next_renewal_on = standing.paid_through + dt.timedelta(days=1)
                arrangement.save(update_fields=["next_renewal_on"])
        refresh_statuses(Membership.objects.filter(pk=membership.pk))  # the lists show it at once
        audit(
            "dues.payment.record", actor=actor, obj=credit, unit=membership.person.unit,
            detail={"membership": membership.pk, "amount_pence": amount_pence, "method": method},
        )  # fmt: skip
    return credit


def record_offline_payment(
    membership: Membership, *, amount_pence: int, paid_on: dt.date, method: str, actor: Any, payer_name: str = ""
) -> DuesPayment:
    """A treasurer credits a cheque, cash or a transfer to a member's dues."""
    access.require(actor, access.Perm.MANAGE_DUES, membership.person.unit)
    if method in ONLINE_METHODS:
        raise DuesError("Direct Debit and card payments arrive from the payment provider, not by hand.")
    third = bool(payer_name.strip())
    payer = None if third else membership.person
    with transaction.atomic():
        try:
            money = payments.record_offline_payment(
                method=method, amount_pence=amount_pence, purpose="dues",
                purpose_ref=f"dues.membership:{membership.pk}", received_on=paid_on, payer=payer,
                payer_name=payer_name.strip(), actor=actor, unit=membership.person.unit,
            )  # fmt: skip
        except PaymentError as exc:
            raise DuesError(str(exc)) from exc
        return record_payment(
            membership=membership, amount_pence=amount_pence, paid_on=paid_on, method=method,
            source_ref=f"payments.payment:{money.pk}", payer=payer, payer_is_member=not third,
            payer_name=payer_name.strip(), actor=actor, payment=money,
        )  # fmt: skip


def record_refund(source_ref: str, refunded_pence: int) -> DuesPayment | None:
    """A refund reduces what the payment credits (the provider reports the total refunded so far)."""
    payment = DuesPayment.objects.filter(source_ref=source_ref).first()
    if payment is None:
        return None
    payment.refunded_pence = min(max(0, refunded_pence), payment.amount_pence)
    payment.save(update_fields=["refunded_pence"])
    refresh_statuses(Membership.objects.filter(pk=payment.membership_id))
    return payment


# ------------------------------------------------------------------------------- status and the daily job


def managed_memberships() -> QuerySet[Membership]:
    """Memberships the dues rules decide: those with an arrangement or a payment. Imported memberships whose dues
    are kept elsewhere are left as imported until their first arrangement or payment."""
    return Membership.objects.filter(
        Q(Exists(Arrangement.objects.filter(membership=OuterRef("pk"))))
        | Q(Exists(DuesPayment.objects.filter(membership=OuterRef("pk"))))
    )


def refresh_statuses(memberships: QuerySet[Membership], on: dt.date | None = None, batch: int = 2000) -> int:
    """Write each membership's status (and lapse day) from its standing; returns how many changed."""
    on = on or timezone.localdate()
    changed = 0
    ids = list(memberships.values_list("pk", flat=True))
    for i in range(0, len(ids), batch):
        chunk = list(Membership.objects.filter(pk__in=ids[i : i + batch]))
        found = selectors.standings(chunk, on)
        moved = []
        for m in chunk:
            s = found[m.pk]
            status = _membership_status(s, m)
            lapsed_on = s.lapsed_on if status == Membership.Status.LAPSED else m.lapsed_on
            if status != m.status or lapsed_on != m.lapsed_on:
                m.status, m.lapsed_on = status, lapsed_on
                moved.append(m)
        Membership.objects.bulk_update(moved, ["status", "lapsed_on"], batch_size=500)
        changed += len(moved)
    return changed


def _membership_status(s: rules_.Standing, m: Membership) -> str:
    if s.status in (rules_.RESIGNED, rules_.SUSPENDED):
        return m.status
    if s.status == rules_.NEVER_PAID:
        return Membership.Status.ACTIVE if s.months_behind <= 1 else Membership.Status.ARREARS
    return STATUS_FOR[s.status]


def send_reminders(on: dt.date | None = None) -> dict[str, int]:
    """About-to-lapse warnings and yearly renewal notices, each once (a Reminder row per membership and subject)."""
    on = on or timezone.localdate()
    sent = {"about_to_lapse": 0, "renewal_due": 0}
    members = list(managed_memberships().filter(status=Membership.Status.ARREARS).select_related("person__unit"))
    found = selectors.standings(members, on)
    for m in members:
        s = found[m.pk]
        row = selectors.rules_row_for(m)
        warn_at = row.lapse_warning_months if row else 4
        if s.status == rules_.ARREARS and s.months_behind >= warn_at:
            key = f"after {s.paid_through or 'nothing'}"
            if notify.about_to_lapse(m, s, key):
                sent["about_to_lapse"] += 1
    renewals = Arrangement.objects.filter(
        status=Arrangement.Status.ACTIVE, interval=Interval.YEAR, method=Method.CARD, next_renewal_on__isnull=False
    ).select_related("membership__person__unit", "membership_type")
    for a in renewals:
        row = selectors.rules_row_for(a.membership)
        days = row.renewal_notice_days if row else 21
        if on <= a.next_renewal_on <= on + dt.timedelta(days=days):
            if notify.renewal_due(a, key=a.next_renewal_on.isoformat()):
                sent["renewal_due"] += 1
    return sent


def apply_rate_rises(on: dt.date | None = None) -> int:
    """A rate row that takes effect raises every live arrangement paying less than the new rate to the rate (and
    the provider's regular payment with it), so members do not slide into arrears unawares. Returns how many."""
    on = on or timezone.localdate()
    table = selectors.rate_table()
    raised = 0
    live = Arrangement.objects.filter(status__in=[Arrangement.Status.PENDING, Arrangement.Status.ACTIVE])
    for a in live.select_related("membership__person__unit", "membership_type", "subscription"):
        rate = table.amount(a.membership_type.code, a.interval, on)
        if rate is not None and a.amount_pence < rate:
            change_dues(a, membership_type=a.membership_type, amount_pence=rate, actor=None, on=on)
            raised += 1
    return raised


def daily(on: dt.date | None = None, *, force: bool = False) -> dict:
    """The daily dues job: rate rises applied, statuses from standings, then reminders. Once a day however often
    it is called."""
    on = on or timezone.localdate()
    if not force and DailyRun.objects.filter(day=on).exists():
        return {"skipped": f"already ran for {on.isoformat()}"}
    summary = {
        "rates_raised": apply_rate_rises(on),
        "statuses_changed": refresh_statuses(managed_memberships(), on),
        **send_reminders(on),
    }
    DailyRun.objects.update_or_create(day=on, defaults={"summary": summary, "finished_at": timezone.now()})
    return summary


def reminder_sent(membership: Membership, kind: str, key: str) -> bool:
    return Reminder.objects.filter(membership=membership, kind=kind, key=key).exists()


# ------------------------------------------------------------------------------------------- rates and rules


def is_root_treasurer(actor: Any) -> bool:
    """Rates are the party's: only a MANAGE_DUES holder at the top of the tree changes them."""
    return any(u.parent_id is None for u in access.units_for(actor, access.Perm.MANAGE_DUES))


@transaction.atomic
def add_rate(
    *, actor: Any, membership_type: MembershipType, interval: str, amount_pence: int, effective_from: dt.date,
    source: str,
) -> Rate:  # fmt: skip
    """A new rate row from a date (existing rows are never edited, so history and past standings stay right)."""
    if not is_root_treasurer(actor):
        raise PermissionDenied("Rates are set by a treasurer at the top of the party.")
    if interval not in Interval.values:
        raise DuesError(f"Choose monthly or yearly, not '{interval}'.")
    if not isinstance(amount_pence, int) or amount_pence <= 0:
        raise DuesError("The rate must be a positive amount in pounds and pence.")
    if not source.strip():
        raise DuesError("Say which decision set this rate (e.g. 'Conference 2026, rule 3.2').")
    if Rate.objects.filter(membership_type=membership_type, interval=interval, effective_from=effective_from).exists():
        raise DuesError(
            f"The {membership_type.name} type already has a {interval}ly rate from {effective_from:%d %b %Y}."
        )
    rate = Rate.objects.create(
        membership_type=membership_type, interval=interval, amount_pence=amount_pence, effective_from=effective_from,
        source=source.strip()[:200],
    )  # fmt: skip
    audit("dues.rate.add", actor=actor, obj=rate, detail={"type": membership_type.code, "pence": amount_pence})
    return rate


@transaction.atomic
def set_rules(
    unit: OrganisationUnit | None, *, actor: Any, grace_months: int, lapse_after_months: int,
    lapse_warning_months: int, renewal_notice_days: int, source: str,
) -> DuesRules:  # fmt: skip
    """The good-standing rules of a unit and the units below it (None: the party default, a root treasurer only)."""
    if unit is None:
        if not is_root_treasurer(actor):
            raise PermissionDenied("The party's default rules are set by a treasurer at the top of the party.")
    else:
        access.require(actor, access.Perm.MANAGE_DUES, unit)
    if not 0 <= grace_months < lapse_after_months:
        raise DuesError("The grace months must be fewer than the months before lapsing.")
    if not grace_months < lapse_warning_months <= lapse_after_months:
        raise DuesError("The warning must come after the grace months and no later than the lapse.")
    if not 0 < renewal_notice_days <= 90:
        raise DuesError("The renewal notice is between 1 and 90 days.")
    row = DuesRules.objects.filter(unit=unit).first() or DuesRules(unit=unit)
    row.grace_months, row.lapse_after_months = grace_months, lapse_after_months
    row.lapse_warning_months, row.renewal_notice_days = lapse_warning_months, renewal_notice_days
    row.source = source.strip()[:200]
    row.save()
    audit(
        "dues.rules.set", actor=actor, obj=row, unit=unit,
        detail={"grace": grace_months, "lapse_after": lapse_after_months},
    )  # fmt: skip
    return row
