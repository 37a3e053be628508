"""A small ballot world for the tests: a CLP, its procedures secretary, a returning officer, members with codes."""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.core import mail
from django.test import Client
from django.utils import timezone

from groundswell.accounts.models import Role
from groundswell.ballots import services
from groundswell.ballots.models import Ballot
from groundswell.tests.factories import EmailFactory, PersonFactory, UnitTreeFactory, user_with_role

CODE = re.compile(r"code to vote in .*?: ([A-Z0-9-]+)")
CANDIDATES = ["Ada Adams", "Ben Brown", "Cat Chen", "Dev Das"]


def login(user) -> Client:
    """A client signed in, with two-factor set up (organisers need it; the login pages are tested in accounts)."""
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    client = Client()
    client.force_login(user)
    return client


def codes_from_outbox() -> dict[str, str]:
    """{email address: code} from the messages sent so far."""
    return {m.to[0]: CODE.search(m.body).group(1) for m in mail.outbox if CODE.search(m.body)}


def build_world(
    *, voters: int = 4, method: str = "stv", seats: int = 2, open_now: bool = True, units=None
) -> SimpleNamespace:
    units = units or UnitTreeFactory.build_tree()
    secretary = user_with_role(Role.ORGANISER, units.clp_a)
    officer = user_with_role(Role.MEMBER, units.clp_a)
    people = [PersonFactory(unit=units.branch_a1) for _ in range(voters)]
    for person in people:
        EmailFactory(person=person, primary=True)
    now = timezone.now()
    ballot = services.create_ballot(
        secretary,
        unit=units.clp_a,
        title="CLP executive: two places",
        method=method,
        seats=seats,
        candidates=CANDIDATES,
        opens_at=now - timedelta(hours=1) if open_now else now + timedelta(hours=1),
        closes_at=now + timedelta(days=1),
        returning_officer=officer,
        voters=people,
    )
    mail.outbox.clear()
    services.issue_codes(secretary, ballot)
    by_address = codes_from_outbox()
    codes = [by_address[p.email_addresses.get().address] for p in people]
    return SimpleNamespace(units=units, secretary=secretary, officer=officer, people=people, ballot=ballot, codes=codes)


def close(ballot: Ballot) -> None:
    """Move the ballot's close into the past (as if time had passed)."""
    Ballot.objects.filter(pk=ballot.pk).update(
        opens_at=timezone.now() - timedelta(days=2), closes_at=timezone.now() - timedelta(seconds=1)
    )
    ballot.refresh_from_db()
