"""The demo's parliamentary selection in Reading East, mid-way: the eligible list taken at the freeze date (with
its fingerprint), a cluster of joins just before it flagged and under review (five memberships at one address,
paid from one account by someone else, joined in a few days, dated before the first payment), applicants checked,
the longlist published with a reason for everyone, the panel's scores, and branch nominations in.

All synthetic; dues payments for the seat's synthetic members are written directly (as the dues app would have
recorded them) so the good-standing rule has history to read. Built once: a second run finds the selection.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from groundswell.accounts.models import Role, RoleAssignment, User
from groundswell.dues.models import DuesPayment, Method
from groundswell.people.models import EmailAddress, Membership, OrganisationUnit, Person

from . import eligibility, services
from .defaults import seed_rule_sets
from .models import Applicant, JoinFlag, RuleSet, Selection

DEMO_TITLE = "Reading East: parliamentary candidate selection"
SECRETARY = "secretary@example.org"
CLUSTER_ADDRESS = ("14 Cumberland Road", "RG1 3JX")
APPLICANTS = [
    # (given, family, gender, minority-ethnic, longlisted, reason)
    ("Nadia", "Rahman", "woman", True, True, "Strong record leading the Save Battle Hospital campaign."),
    ("Chris", "Webb", "man", False, True, "Council group leader; detailed knowledge of the constituency."),
    ("Helen", "Okoro", "woman", True, True, "Union rep at the Royal Berkshire; clear answers on the NHS."),
    ("Mark", "Ellis", "man", False, False, "Application did not address the published criteria on local work."),
    ("Sarah", "Lind", "woman", False, True, "Ran the 2024 ward campaign that took Park ward."),
]


def build_selections_demo(say: Callable[[str], None] = lambda m: None) -> None:
    if Selection.objects.filter(title=DEMO_TITLE).exists():
        return
    clp = OrganisationUnit.objects.filter(code="CLP-E14000889").first()
    organiser = User.objects.filter(email="organiser@example.org").first()
    board = User.objects.filter(email="board@example.org").first()
    secretary = User.objects.filter(email=SECRETARY).first()
    seed_rule_sets()
    rules = RuleSet.objects.filter(name__startswith="Labour parliamentary").first()
    if None in (clp, organiser, secretary, rules):
        return
    if not RoleAssignment.objects.filter(user=secretary, role=Role.PROCEDURES_SECRETARY, unit=clp).exists():
        RoleAssignment.objects.create(user=secretary, role=Role.PROCEDURES_SECRETARY, unit=clp)
    rng = random.Random(20)
    today = timezone.localdate()
    freeze = today - timedelta(days=30)
    with transaction.atomic():
        _pay_dues(clp, rng)
        cluster = _cluster(clp, freeze)
        selection = services.create_selection(
            secretary,
            unit=clp,
            kind=Selection.Kind.PARLIAMENTARY,
            title=DEMO_TITLE,
            freeze_date=freeze,
            rules=rules,
            timetable={
                "freeze": (freeze, freeze),
                "applications": (freeze + timedelta(days=1), freeze + timedelta(days=12)),
                "longlisting": (freeze + timedelta(days=13), freeze + timedelta(days=20)),
                "nominations": (freeze + timedelta(days=21), today + timedelta(days=10)),
                "shortlisting": (today + timedelta(days=11), today + timedelta(days=14)),
                "hustings": (today + timedelta(days=20), today + timedelta(days=20)),
                "ballot": (today + timedelta(days=21), today + timedelta(days=35)),
                "result": (today + timedelta(days=36), today + timedelta(days=36)),
            },
            criteria=[
                "A record of campaigning in and for Reading East",
                "Commitment to the party's values and programme",
                "Ability to communicate with members and voters",
            ],
            nomination_quorum=5,
        )
        snapshot = services.take_snapshot(secretary, selection)
        # One flag reviewed, the rest left for the secretary: the cluster is "under review".
        contact_flag = selection.flags.filter(signal=JoinFlag.Signal.SHARED_CONTACT).first()
        if contact_flag:
            services.review_flag(
                secretary, contact_flag, decision=JoinFlag.Decision.CONCERN,
                reason="Members contacted by phone: the address is a shared house; the email is one recruiter's.",
            )  # fmt: skip
        applicants = _applicants(selection, snapshot, secretary)
        panel = [services.add_panel_member(secretary, selection, organiser, name="Demo organiser", role="CLP officer")]
        if board is not None:
            panel.append(services.add_panel_member(secretary, selection, board, name="Demo NEC member", role="Chair"))
        services.declare_conflict(organiser, panel[0], applicants[1], "Worked on the applicant's council campaign")
        for member in panel:
            for a in applicants:
                if member.conflicts.filter(applicant=a).exists():
                    continue
                for c in selection.criteria.all():
                    services.score(member.user, a, c, rng.randint(2, 5))
        for a, (_, _, _, _, longlisted, reason) in zip(applicants, APPLICANTS, strict=False):
            services.decide_longlist(secretary, a, longlisted=longlisted, reason=reason)
        services.publish_list(secretary, selection, "longlist")
        _nominations(selection, snapshot, secretary, applicants, rng)
    say(
        f"Demo selection: {snapshot.eligible_count} of {snapshot.checked_count} members eligible, "
        f"{selection.flags.count()} bulk-join flags ({len(cluster)} joins at one address), "
        f"{selection.nomination_meetings.count()} nominations in."
    )


def _pay_dues(clp: OrganisationUnit, rng: random.Random) -> None:
    """A year's dues ahead for each of the seat's synthetic members without any payment on record."""
    memberships = Membership.objects.filter(person__unit__path__startswith=clp.path, person__synthetic=True).exclude(
        dues_payments__isnull=False
    )
    today = timezone.localdate()
    rows = []
    for m in memberships.select_related("person"):
        if m.joined_on is None:
            continue
        # Paid on joining for the whole time since (a standing order), so the continuous run starts at joining.
        months = max(12, (today - m.joined_on).days // 30 + 12)
        rows.append(
            DuesPayment(
                membership=m,
                amount_pence=550 * months,
                paid_on=m.joined_on,
                method=Method.DIRECT_DEBIT,
                method_fingerprint=f"demo:own-{m.pk}",
                payer=m.person,
                source_ref=f"demo-selections:{m.pk}",
            )  # fmt: skip
        )
    DuesPayment.objects.bulk_create(rows, batch_size=1000)
    member = User.objects.filter(email="member@example.org").select_related("person").first()
    if member and member.person and not Membership.objects.filter(person=member.person).exists():
        joined = today - timedelta(days=800)
        m = Membership.objects.create(
            person=member.person, number="DEMO-MEMBER", joined_on=joined, branch=member.person.unit,
            constituency_party=member.person.unit.parent,
        )  # fmt: skip
        DuesPayment.objects.create(
            membership=m, amount_pence=550 * 40, paid_on=joined, method=Method.DIRECT_DEBIT,
            method_fingerprint="demo:member", payer=member.person, source_ref="demo-selections:member",
        )  # fmt: skip


def _cluster(clp: OrganisationUnit, freeze) -> list[Membership]:
    """Five joins at one address in the weeks before the freeze date, paid by one outsider from one account, each
    join dated five weeks before the first payment, two sharing one email address (Falkirk, 2013)."""
    branch = clp.children.order_by("pk").first() or clp
    payer = Person.objects.create(
        unit=branch, given_name="Recruiter", family_name="(synthetic)", synthetic=True, postcode="RG1 1AA"
    )
    made = []
    for i, (given, family) in enumerate(
        [("Amy", "Kerr"), ("Ben", "Kerr"), ("Cal", "Doyle"), ("Dee", "Doyle"), ("Eli", "Moss")]
    ):
        person = Person.objects.create(
            unit=branch, given_name=given, family_name=family, normalised_name=f"{given} {family}".lower(),
            address_line1=CLUSTER_ADDRESS[0], postcode=CLUSTER_ADDRESS[1], locality="Reading", synthetic=True,
        )  # fmt: skip
        if i < 2:
            EmailAddress.objects.create(person=person, address="kerr.household@example.net", primary=True)
        joined = freeze - timedelta(days=60 - i)
        m = Membership.objects.create(
            person=person, number=f"DEMO-C{i + 1}", joined_on=joined, branch=branch, constituency_party=clp
        )
        DuesPayment.objects.create(
            membership=m, amount_pence=6000, paid_on=joined + timedelta(days=35), method=Method.CARD,
            method_fingerprint="demo:recruiter-card", payer=payer, payer_is_member=False,
            source_ref=f"demo-selections:cluster-{i}",
        )  # fmt: skip
        made.append(m)
    return made


def _applicants(selection: Selection, snapshot, secretary) -> list[Applicant]:
    """Five eligible members apply (their checks recorded as the apply form records them)."""
    eligible = list(
        snapshot.entries.filter(eligible=True, person__synthetic=True)
        .exclude(person__memberships__joined_on__gt=timezone.localdate() - timedelta(days=400))
        .select_related("person")
        .order_by("membership_number")[: len(APPLICANTS)]
    )
    made = []
    for entry, (given, family, gender, bame, _, _) in zip(eligible, APPLICANTS, strict=False):
        checks = eligibility.applicant_checks(selection, entry.person, timezone.localdate(), True)
        made.append(
            Applicant.objects.create(
                selection=selection,
                person=entry.person,
                public_name=f"{given} {family}",
                union_member=True,
                union_name="Unison",
                diversity_consent=True,
                gender=gender,
                minority_ethnic=bame,
                anonymise_reasons=family == "Ellis",
                checks=checks,
                eligible=all(ok for ok, _ in checks.values()),
            )  # fmt: skip
        )
    return made


def _nominations(selection: Selection, snapshot, secretary, applicants: list[Applicant], rng: random.Random) -> None:
    """Each branch with enough eligible members meets and nominates (an open and a woman's nomination)."""
    longlisted = [a for a in applicants if a.status == Applicant.Status.LONGLISTED]
    women = [a for a in longlisted if a.gender == "woman"]
    for i, branch in enumerate(selection.unit.children.order_by("pk")[:3]):
        numbers = list(
            snapshot.entries.filter(eligible=True, person__unit=branch).values_list("membership_number", flat=True)
        )
        if len(numbers) < selection.nomination_quorum:
            continue
        present = rng.sample(numbers, min(len(numbers), selection.nomination_quorum + rng.randint(0, 6)))
        for category, pool in (("open", longlisted), ("woman", women)):
            nominee = pool[(i + (category == "woman")) % len(pool)]
            votes = {nominee.public_name: len(present) // 2 + 1, "others": len(present) - (len(present) // 2 + 1)}
            services.record_nomination(
                secretary, selection, body_kind="branch", body_name=branch.name, held_on=timezone.localdate(),
                attendee_numbers=present, votes=votes, nominee=nominee, category=category, branch=branch,
            )  # fmt: skip
