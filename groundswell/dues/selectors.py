"""Reads of dues: a membership's standing on a day (`standing_on`, the contract selections use), standings in
bulk, who pays for which membership (`payment_sources`), the rules that apply, and the treasurer's overview."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from groundswell import charts
from groundswell.accounts import access
from groundswell.people.models import Membership, OrganisationUnit

from . import standing as rules_
from .models import Arrangement, DailyRun, DuesPayment, DuesRules, Interval, MembershipType, Rate
from .standing import Standing

__all__ = ["PaymentSource", "Standing", "payment_sources", "standing_on", "standings"]

HELD = {Membership.Status.RESIGNED: rules_.RESIGNED, Membership.Status.SUSPENDED: rules_.SUSPENDED}


@dataclass(frozen=True)
class PaymentSource:
    """Where a membership's dues come from. `fingerprint` is the payments app's keyed hash of the card or bank
    account ("" when unknown, e.g. cash), so many memberships paid from one source share it."""

    fingerprint: str
    payer_person_id: int | None
    payer_is_member: bool
    first_paid_on: dt.date | None
    method: str


def rate_table() -> rules_.RateTable:
    rows = Rate.objects.values_list("membership_type__code", "interval", "effective_from", "amount_pence")
    return rules_.RateTable.of(rows)


def rate_on(membership_type: MembershipType, interval: str, on: dt.date | None = None) -> int | None:
    """The rate in pence for a type and interval on a day (today by default)."""
    return rate_table().amount(membership_type.code, interval, on or timezone.localdate())


def home_unit(membership: Membership) -> OrganisationUnit:
    """The unit whose rules apply: the constituency party, else the branch, else the person's unit."""
    return membership.constituency_party or membership.branch or membership.person.unit


class _RulesIndex:
    """The rules rows by unit path, so the nearest row up the tree is found without a query per membership."""

    def __init__(self) -> None:
        rows = list(DuesRules.objects.select_related("unit", "default_type"))
        self.default = next((r for r in rows if r.unit_id is None), None)
        self.by_path = {r.unit.path: r for r in rows if r.unit_id is not None}

    def row_for(self, unit: OrganisationUnit | None) -> DuesRules | None:
        return self.row_for_path(unit.path if unit is not None else "")

    def row_for_path(self, path: str | None) -> DuesRules | None:
        path = path or ""
        best = None
        for p, row in self.by_path.items():
            if path.startswith(p) and (best is None or len(p) > len(best[0])):
                best = (p, row)
        return best[1] if best else self.default

    def rules_for(self, unit: OrganisationUnit | None) -> rules_.Rules:
        return self.rules_for_path(unit.path if unit is not None else "")

    def rules_for_path(self, path: str | None) -> rules_.Rules:
        row = self.row_for_path(path)
        if row is None:
            return rules_.Rules()
        default = row.default_type.code if row.default_type_id else "standard"
        return rules_.Rules(row.grace_months, row.lapse_after_months, default)


def rules_row_for(membership: Membership) -> DuesRules | None:
    """The DuesRules row that applies to a membership (nearest up the tree, else the party default)."""
    return _RulesIndex().row_for(home_unit(membership))


def standings(memberships: Iterable[Membership], on: dt.date | None = None) -> dict[int, Standing]:
    """Each membership's standing on `on` (today by default), in a fixed number of queries (plain rows, not model
    instances: the selections app asks this for whole constituencies)."""
    on = on or timezone.localdate()
    members = list(memberships)
    ids = [m.pk for m in members]
    plans: dict[int, list[rules_.Plan]] = defaultdict(list)
    names = dict(MembershipType.objects.values_list("code", "name"))
    rows = Arrangement.objects.filter(membership_id__in=ids).values_list(
        "membership_id", "started_on", "membership_type__code", "interval", "amount_pence", "starts_run", "method"
    )
    for mid, started, code, interval, amount, starts_run, method in rows:
        plans[mid].append(rules_.Plan(started, code, interval, amount, starts_run, names.get(code, code), method))
    paid: dict[int, list[rules_.Paid]] = defaultdict(list)
    for mid, day, amount, refunded in DuesPayment.objects.filter(membership_id__in=ids).values_list(
        "membership_id", "paid_on", "amount_pence", "refunded_pence"
    ):
        paid[mid].append(rules_.Paid(day, amount - refunded))
    rates, index = rate_table(), _RulesIndex()
    homes = {
        pk: party or branch or own
        for pk, party, branch, own in Membership.objects.filter(pk__in=ids).values_list(
            "pk", "constituency_party__path", "branch__path", "person__unit__path"
        )
    }
    rules_by_home = {path: index.rules_for_path(path) for path in set(homes.values())}
    return {
        m.pk: rules_.compute(
            on=on,
            joined_on=m.joined_on,
            plans=plans[m.pk],
            payments=paid[m.pk],
            rates=rates,
            rules=rules_by_home[homes[m.pk]],
            held_status=HELD.get(m.status, ""),
            recorded_lapse=_imported_lapse(m, plans[m.pk], paid[m.pk]),
        )  # fmt: skip
        for m in members
    }


def _imported_lapse(m: Membership, plans: list, paid: list) -> dt.date | None:
    """A lapse recorded on a membership with no dues here (imported as lapsed) stands until a re-join; once dues
    are kept here, the lapse is worked out from them (so a cheque recorded late, dated before the lapse, counts)."""
    if m.status == Membership.Status.LAPSED and not plans and not paid:
        return m.lapsed_on or m.joined_on
    return None


def standing_on(membership: Membership, on: dt.date) -> Standing:
    """A membership's dues standing on a day: good or not, the status and the reason in plain words, arrears in
    pence, the day paid up to and the start of the unbroken run of membership (a lapse then re-join restarts it)."""
    return standings([membership], on)[membership.pk]


def payment_sources(memberships: Iterable[Membership]) -> dict[int, PaymentSource]:
    """membership id → where its dues come from: the current (newest) arrangement's payer and fingerprint, or the
    newest payment's when no arrangement carries one. Memberships with no arrangement and no payment are left out."""
    ids = [m.pk for m in memberships]
    out: dict[int, PaymentSource] = {}
    first_paid: dict[tuple[int, str], dt.date] = {}
    latest_payment: dict[int, DuesPayment] = {}
    for p in DuesPayment.objects.filter(membership_id__in=ids).order_by("paid_on", "id"):
        first_paid.setdefault((p.membership_id, p.method_fingerprint), p.paid_on)
        latest_payment[p.membership_id] = p
    arrangements: dict[int, Arrangement] = {}
    for a in Arrangement.objects.filter(membership_id__in=ids).order_by("started_on", "id"):
        if a.method_fingerprint or a.membership_id not in arrangements:
            arrangements[a.membership_id] = a
    for mid in ids:
        a, p = arrangements.get(mid), latest_payment.get(mid)
        src = a if a is not None and (a.method_fingerprint or p is None) else p
        if src is None:
            continue
        fp = src.method_fingerprint
        out[mid] = PaymentSource(
            fingerprint=fp, payer_person_id=src.payer_id, payer_is_member=src.payer_is_member,
            first_paid_on=first_paid.get((mid, fp)), method=src.method,
        )  # fmt: skip
    return out


def current_arrangement(membership: Membership) -> Arrangement | None:
    """The arrangement in force: the newest that is not replaced or cancelled (pending counts: it is being set up)."""
    return (
        membership.dues_arrangements.exclude(status__in=[Arrangement.Status.REPLACED, Arrangement.Status.CANCELLED])
        .select_related("membership_type")
        .order_by("-started_on", "-id")
        .first()
    )


def offered_types() -> list[tuple[MembershipType, int | None, int | None]]:
    """The types a member may choose, with today's monthly and yearly rates in pence."""
    table, today = rate_table(), timezone.localdate()
    return [
        (t, table.amount(t.code, Interval.MONTH, today), table.amount(t.code, Interval.YEAR, today))
        for t in MembershipType.objects.filter(active=True)
    ]


# ----------------------------------------------------------------------------------------- the treasurer's view


def memberships_for(user: Any, perm: access.Perm) -> QuerySet[Membership]:
    """The memberships of people in the units where `user` holds `perm`."""
    return access.scope(Membership.objects.all(), user, perm, "person__unit__path").filter(
        person__merged_into__isnull=True
    )


@dataclass
class Overview:
    unit: OrganisationUnit | None
    on: dt.date
    by_status: list[tuple[str, str, int]] = field(default_factory=list)  # (status, label, count)
    monthly_income_pence: int = 0
    arrangements_by_method: list[tuple[str, int]] = field(default_factory=list)
    arrears: list[tuple[Membership, Standing]] = field(default_factory=list)
    arrears_total_pence: int = 0
    received_chart: dict[str, Any] = field(default_factory=dict)
    received_total_pence: int = 0
    without_dues: int = 0  # memberships with no arrangement or payment here (imported; dues kept elsewhere)
    last_run: dt.datetime | None = None

    @property
    def members(self) -> int:
        return sum(n for _, _, n in self.by_status)

    @property
    def status_rows(self) -> list[tuple[str, str, int, int]]:
        """(status, label, count, bar width %) for the members-by-standing bars."""
        top = max((n for _, _, n in self.by_status), default=0) or 1
        return [(key, label, n, round(100 * n / top)) for key, label, n in self.by_status]


STATUS_LABELS = [
    (Membership.Status.ACTIVE, "Good standing"),
    (Membership.Status.ARREARS, "In arrears"),
    (Membership.Status.LAPSED, "Lapsed"),
    (Membership.Status.SUSPENDED, "Suspended"),
    (Membership.Status.RESIGNED, "Resigned"),
]


def overview(memberships: QuerySet[Membership], unit: OrganisationUnit | None, on: dt.date) -> Overview:
    """Members by standing, recurring income (a month's worth of active arrangements) and the arrears list, over
    the memberships whose dues are kept here (those with an arrangement or a payment)."""
    has_dues = Q(Exists(Arrangement.objects.filter(membership=OuterRef("pk")))) | Q(
        Exists(DuesPayment.objects.filter(membership=OuterRef("pk")))
    )
    managed = memberships.filter(has_dues)
    view = Overview(unit=unit, on=on, without_dues=memberships.exclude(has_dues).count())
    view.last_run = DailyRun.objects.order_by("-day").values_list("finished_at", flat=True).first()
    # Counts from the status the daily job (and every payment) keeps in step: one grouped query, whatever the size.
    counts = dict(managed.values_list("status").annotate(n=Count("id")).order_by())
    view.by_status = [(value, label, counts.get(value, 0)) for value, label in STATUS_LABELS]
    # The arrears list is worked out now, for the members marked in arrears only.
    behind = list(managed.filter(status=Membership.Status.ARREARS).select_related("person"))
    found = standings(behind, on)
    for m in behind:
        s = found[m.pk]
        if s.arrears_pence:
            view.arrears.append((m, s))
            view.arrears_total_pence += s.arrears_pence
    view.arrears.sort(key=lambda pair: (-pair[1].months_behind, -pair[1].arrears_pence))
    active = Arrangement.objects.filter(membership__in=memberships, status=Arrangement.Status.ACTIVE)
    by_method: dict[str, int] = defaultdict(int)
    for interval, method, amount in active.values_list("interval", "method", "amount_pence"):
        monthly = amount if interval == Interval.MONTH else amount // 12
        view.monthly_income_pence += monthly
        by_method[method] += monthly
    view.arrangements_by_method = sorted(by_method.items())
    _received(view, memberships, on)
    return view


def _received(view: Overview, memberships: QuerySet[Membership], on: dt.date) -> None:
    """Dues received in each of the last twelve months (whole pounds), as a column chart."""
    first = rules_.add_months(on.replace(day=1), -11)
    totals = [0] * 12
    rows = DuesPayment.objects.filter(membership__in=memberships, paid_on__gte=first, paid_on__lte=on)
    for day, amount, refunded in rows.values_list("paid_on", "amount_pence", "refunded_pence"):
        totals[(day.year - first.year) * 12 + day.month - first.month] += amount - refunded
    view.received_total_pence = sum(totals)
    frame = charts.Frame(width=560, height=200, left=52, right=8, top=10, bottom=30)
    labels = {i: rules_.add_months(first, i).strftime("%b") for i in range(12)}
    view.received_chart = charts.column_chart(frame, [t // 100 for t in totals], labels)


@dataclass
class MemberPage:
    """What a member sees of their own dues."""

    membership: Membership
    standing: Standing
    arrangement: Arrangement | None
    rate_pence: int | None
    payments: list[DuesPayment]
    can_rejoin: bool
    lapse_after_months: int

    @property
    def can_set_up(self) -> bool:
        """No arrangement, a failed one (the bank refused the mandate), or a lapse to re-join from."""
        return self.arrangement is None or self.arrangement.status == Arrangement.Status.FAILED or self.can_rejoin

    @property
    def finish_url(self) -> str:
        """The provider's page to finish a set-up the member left half-way."""
        a = self.arrangement
        if a is None or a.status != Arrangement.Status.PENDING or a.subscription_id is None:
            return ""
        return a.subscription.checkout_url or ""


def member_page(membership: Membership, on: dt.date | None = None) -> MemberPage:
    on = on or timezone.localdate()
    found = standing_on(membership, on)
    arrangement = current_arrangement(membership)
    rate = rate_on(arrangement.membership_type, arrangement.interval, on) if arrangement else None
    payments = list(membership.dues_payments.order_by("-paid_on", "-id")[:24])
    row = rules_row_for(membership)
    lapse_after = row.lapse_after_months if row else rules_.Rules().lapse_after_months
    return MemberPage(membership, found, arrangement, rate, payments, found.status == rules_.LAPSED, lapse_after)


def rules_rows_for(user: Any) -> list[tuple[str, DuesRules]]:
    """The rules rows a dues viewer sees: the party default and those of the units they cover."""
    rows = [("Party default", r) for r in DuesRules.objects.filter(unit__isnull=True)]
    covered = access.scope(DuesRules.objects.filter(unit__isnull=False), user, access.Perm.VIEW_DUES)
    return rows + [(r.unit.name, r) for r in covered.select_related("unit").order_by("unit__path")]
