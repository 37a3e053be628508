"""The demo's complaints backlog: cases at every stage around Reading East, some over target, one interim
suspension; the demo member's own complaint (lodged through the real service) on their page; a trained handler and
the independent reviewer. All synthetic; built once (a second run finds the cases and stops)."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from groundswell.accounts.models import User
from groundswell.people.models import Membership, OrganisationUnit, Person

from . import services, synthetic
from .models import Case, Category

DEMO_CASES = 120
DEMO_SUMMARY = (
    "Synthetic demo complaint: at the Abbey branch meeting another member repeatedly talked over and mocked women "
    "speakers, and later sent unpleasant messages."
)


def build_complaints_demo(say: Callable[[str], None], *, unit_code: str = "CLP-E14000889") -> None:
    services.seed_defaults()
    if Case.objects.filter(summary__startswith="Synthetic demo").exists():
        return
    clp = OrganisationUnit.objects.filter(code=unit_code).first()
    if clp is None:
        return
    units = list(OrganisationUnit.objects.filter(path__startswith=clp.path))
    member = User.objects.filter(email="member@example.org").select_related("person").first()
    # The demo member appears only in their own case, so their page shows one case, not dozens.
    members = list(
        Membership.objects.filter(person__synthetic=True, person__unit__in=units)
        .exclude(person_id=getattr(member, "person_id", None))
        .order_by("person_id")
        .values_list("person_id", flat=True)[:400]
    )
    if len(members) < 20:
        return
    handler = User.objects.filter(email="handler@example.org").first()
    if handler is not None:
        services.set_training(handler, trained_on=timezone.localdate() - datetime.timedelta(days=90))
    with transaction.atomic():
        half = len(members) // 2
        counts = synthetic.build_cases(DEMO_CASES, units=units, respondents=members[:half], complainants=members[half:])
        if member is not None and member.person_id:
            respondent = Person.objects.filter(pk__in=members[:half]).exclude(pk=member.person_id).first()
            case = services.lodge_complaint(
                category=Category.SEX, summary=DEMO_SUMMARY, respondent=respondent, complainant=member.person,
                actor=member,
            )  # fmt: skip
            if handler is not None:
                services.assign_handler(case, handler, actor=handler)
    say(f"Built the complaints backlog: {counts['cases']} cases at every stage, some over target.")
