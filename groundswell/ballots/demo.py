"""The demo's finished internal election: Reading East CLP's executive, three places by STV, counted and
certified, with its bulletin. The demo member is on the roll and voted (receipt shown on their ballots page
via the bulletin). All synthetic; built once (a second run finds the ballot and stops)."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from groundswell.accounts.models import User
from groundswell.people.models import OrganisationUnit, Person

from . import services
from .models import Ballot, CastBallot, EligibleVoter

DEMO_TITLE = "Reading East CLP executive: three places (STV)"
CANDIDATES = ["Amina Begum", "Tom Hughes", "Grace Okafor", "Priya Shah", "Owen Price", "Hannah Reid"]
APPEAL = [1.0, 0.8, 0.75, 0.6, 0.35, 0.3]
TURNOUT = 0.55


def build_ballots_demo(say: Callable[[str], None] = lambda m: None) -> None:
    if Ballot.objects.filter(title=DEMO_TITLE).exists():
        return
    clp = OrganisationUnit.objects.filter(code="CLP-E14000889").first()
    organiser = User.objects.filter(email="organiser@example.org").first()
    if clp is None or organiser is None:
        return
    member = User.objects.filter(email="member@example.org").first()
    roll = list(
        Person.objects.filter(unit__path__startswith=clp.path, synthetic=True, memberships__status="active")
        .distinct()
        .order_by("id")[:400]
    )
    if member and member.person and member.person not in roll:
        roll.append(member.person)
    if len(roll) < 10:
        return
    rng = random.Random(20)
    now = timezone.now()
    with transaction.atomic():
        ballot = services.create_ballot(
            organiser,
            unit=clp,
            title=DEMO_TITLE,
            method="stv",
            seats=3,
            candidates=CANDIDATES,
            opens_at=now - timedelta(days=10),
            closes_at=now - timedelta(days=3),
            returning_officer=organiser,
            voters=roll,
            source="demo",
        )
        # The votes are written directly (codes were "sent" and used during the ballot's fortnight):
        # the has-voted register and the anonymous ballots, as casting leaves them.
        voters = [p for p in roll if rng.random() < TURNOUT or (member and p == member.person)]
        EligibleVoter.objects.filter(ballot=ballot, person__in=voters).update(
            voted=True, voted_on=(now - timedelta(days=5)).date(), code_sent_at=now - timedelta(days=10)
        )
        CastBallot.objects.bulk_create(
            CastBallot(receipt=services.random_code(2, 5), ballot=ballot, preferences=_preferences(rng)) for _ in voters
        )
        services.run_count(organiser, ballot)
        services.certify(organiser, ballot)
    say(f"Demo ballot: {len(voters)} votes over {len(roll)} members, elected {', '.join(ballot.result['elected'])}.")


def _preferences(rng: random.Random) -> list[str]:
    pool = list(range(len(CANDIDATES)))
    order = []
    for _ in range(rng.randint(1, len(CANDIDATES))):
        pick = rng.choices(pool, [APPEAL[i] for i in pool])[0]
        pool.remove(pick)
        order.append(CANDIDATES[pick])
    return order
