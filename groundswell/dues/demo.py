"""The demo's membership dues: members of the demo constituency (Reading East) paying through the payments app's
fake providers — most by monthly Direct Debit and in good standing, some in arrears (missed charges), a few lapsed
(a mandate cancelled long ago), some paying yearly by card, two by cheque, and two paid for by one third party
from one bank account (the pattern the selections app's bulk-join flags look for). The demo member's own login is
among the good payers. All synthetic; built once (a second run finds arrangements there and stops)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from groundswell.accounts.models import Role, RoleAssignment, User
from groundswell.payments import testing
from groundswell.payments.services import Checkout
from groundswell.people.models import Membership, OrganisationUnit

from . import services
from .models import Arrangement, MembershipType
from .standing import add_months

READING_EAST = "E14000889"
GROUPS = {"good": 30, "arrears": 8, "lapsed": 4, "card": 3, "cheque": 2, "third_party": 2}
SHARED_ACCOUNT = ("40-11-22", "31926819")  # the one account that pays for two memberships
CARDS = ["4242 4242 4242 4242", "5555 5555 5555 4444", "4000 0566 5566 5556"]  # test cards: one each


def _checkout(arrangement: Arrangement) -> Checkout:
    arrangement.refresh_from_db()
    sub = arrangement.subscription
    return Checkout(url=sub.checkout_url, payment=None, subscription=sub)


def _start(
    m: Membership, kind: MembershipType, interval: str, method: str, on: dt.date, actor=None, **kw
) -> Arrangement:
    Membership.objects.filter(pk=m.pk).update(joined_on=on, status=Membership.Status.ACTIVE, lapsed_on=None)
    m.refresh_from_db()
    a = services.set_up_dues(m, membership_type=kind, interval=interval, method=method, actor=actor, on=on, **kw)
    if method in ("direct_debit", "card"):
        services.start_payment(a, return_url="/dues/me/", cancel_url="/dues/me/")
    return a


def _bank(rng: random.Random) -> tuple[str, str]:
    return f"{rng.randint(10, 99)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}", f"{rng.randint(10**7, 10**8 - 1)}"


def _direct_debit(m, kind, today, rng, *, months: int, missed: set[int], stop_after: int | None = None, **kw):
    start = add_months(today, -months)
    sort_code, account = kw.pop("account", None) or _bank(rng)
    a = _start(m, kind, "month", "direct_debit", start, **kw)
    sub = testing.complete_direct_debit(_checkout(a), sort_code=sort_code, account_number=account, on=start)
    charges = stop_after - 1 if stop_after is not None else months  # up to and including today's
    testing.history(sub, start=add_months(start, 1), months=max(0, charges), missed=missed)
    if stop_after is not None:
        testing.cancel_mandate(sub, reason="cancelled by the payer")
    return a


def build_dues_demo(say: Callable[[str], None] = lambda m: None) -> int:
    clp = OrganisationUnit.objects.filter(code=f"CLP-{READING_EAST}").first()
    if clp is None:
        return 0
    in_seat = Membership.objects.filter(person__unit__path__startswith=clp.path, person__synthetic=True)
    if Arrangement.objects.filter(membership__in=in_seat).exists():
        return 0
    member_login = User.objects.filter(email="member@example.org").first()
    candidates = list(
        in_seat.exclude(status__in=[Membership.Status.SUSPENDED, Membership.Status.RESIGNED])
        .select_related("person")
        .order_by("id")[: sum(GROUPS.values()) + 1]
    )
    if member_login and member_login.person_id:
        own = [m for m in candidates if m.person_id == member_login.person_id]
        candidates = own + [m for m in candidates if m.person_id != member_login.person_id]
    if len(candidates) < sum(GROUPS.values()) + 1:
        return 0
    rng = random.Random(19)
    today = timezone.localdate()
    types = {t.code: t for t in MembershipType.objects.all()}
    monthly_types = [types["standard"]] * 5 + [types["reduced"], types["youth"], types["retired"], types["union"]]
    treasurer = (
        RoleAssignment.objects.filter(role=Role.TREASURER, unit__path__in=_ancestors(clp))
        .select_related("user")
        .first()
    )
    members = iter(candidates)
    with transaction.atomic():
        for _ in range(GROUPS["good"]):
            _direct_debit(next(members), rng.choice(monthly_types), today, rng, months=rng.randint(3, 11), missed=set())
        for _ in range(GROUPS["arrears"]):
            months = rng.randint(6, 11)
            behind = rng.randint(2, 4)
            missed = set(range(months - behind, months))  # the last charges, up to today's, failed
            _direct_debit(next(members), rng.choice(monthly_types), today, rng, months=months, missed=missed)
        for _ in range(GROUPS["lapsed"]):
            _direct_debit(next(members), types["standard"], today, rng, months=18, missed=set(), stop_after=5)
        for card in CARDS[: GROUPS["card"]]:
            a = _start(next(members), rng.choice([types["standard"], types["student"]]), "year", "card", today)
            testing.complete_checkout(_checkout(a), card_number=card)
        for _ in range(GROUPS["cheque"]):
            m = next(members)
            if treasurer is None:
                break
            _start(m, types["standard"], "year", "cheque", add_months(today, -1), actor=treasurer.user)
            services.record_offline_payment(
                m, amount_pence=6000, paid_on=add_months(today, -1), method="cheque", actor=treasurer.user
            )
        payer = next(members).person  # a member who pays for two others from their one account
        for _ in range(GROUPS["third_party"]):
            _direct_debit(
                next(members), types["standard"], today, rng, months=4, missed=set(), payer=payer,
                account=SHARED_ACCOUNT,
            )  # fmt: skip
        changed = services.refresh_statuses(services.managed_memberships().filter(pk__in=[m.pk for m in candidates]))
    say(f"Dues: {len(candidates) - 1} Reading East members paying dues ({changed} statuses updated)")
    return len(candidates) - 1


def _ancestors(unit: OrganisationUnit) -> list[str]:
    parts = [p for p in unit.path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]
