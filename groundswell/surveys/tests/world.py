"""A small survey world for the tests: a unit tree, an organiser, people, and a survey of every question kind."""

from __future__ import annotations

from types import SimpleNamespace

from allauth.mfa.totp.internal.auth import TOTP
from django.test import Client

from groundswell.accounts.models import Role
from groundswell.questions.models import Question
from groundswell.surveys import services
from groundswell.surveys.models import Survey
from groundswell.tests.factories import MembershipFactory, PersonFactory, UnitTreeFactory, user_with_role

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def login(user) -> Client:
    """A client signed in as by the login and two-factor pages (both tested in accounts)."""
    from allauth.mfa.models import Authenticator

    client = Client()
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, SECRET)
    client.force_login(user)
    return client


def add_questions(survey: Survey, organiser) -> dict[str, Question]:
    """Care priorities: a single choice, a conditional follow-up, multiple, scale, ranking, yes/no, free text."""
    add = services.add_survey_question
    qs = [
        add(survey, text="Do you or your family use social care?", kind="single", actor=organiser,
            choices_text="Yes, now\nIn the past\nNo", required=True, section="About you"),
        add(survey, text="How good was the care?", kind="scale", actor=organiser, scale_min=1, scale_max=5,
            condition_key="do_you_or_your_family_use_social_care", condition_values=["Yes, now", "In the past"],
            required=True),
        add(survey, text="What should we fight for?", kind="multiple", actor=organiser,
            choices_text="Free personal care\nCare workers' pay\nMore carers' breaks", section="Priorities"),
        add(survey, text="Rank these", kind="ranking", actor=organiser, choices_text="Pay\nFunding\nStaffing"),
        add(survey, text="Would you come to a meeting?", kind="yes_no", actor=organiser),
        add(survey, text="Anything else?", kind="text", actor=organiser),
    ]  # fmt: skip
    return {q.key: q for q in qs}


def build_world(*, anonymous: bool = False, people: int = 3) -> SimpleNamespace:
    units = UnitTreeFactory.build_tree()
    organiser = user_with_role(Role.ORGANISER, units.clp_a)
    survey = services.create_survey(
        unit=units.clp_a, title="Social care: what should we fight for?", actor=organiser, anonymous=anonymous
    )
    questions = add_questions(survey, organiser)
    services.set_status(survey, Survey.Status.OPEN, organiser)
    folk = [
        PersonFactory(unit=units.branch_a1, ward_code="E05002000", constituency_code="E14000879") for _ in range(people)
    ]
    MembershipFactory(person=folk[0], status="active")
    return SimpleNamespace(units=units, organiser=organiser, survey=survey, q=questions, people=folk)


# Keys of the questions above, for the answers dicts in tests.
USES, QUALITY, FIGHT, RANK, MEETING, ELSE = (
    "do_you_or_your_family_use_social_care",
    "how_good_was_the_care",
    "what_should_we_fight_for",
    "rank_these",
    "would_you_come_to_a_meeting",
    "anything_else",
)


def form_data(**answers) -> dict:
    """POST data for the survey form from {key: value} (lists for multiple; {choice: rank} for the ranking)."""
    data: dict = {}
    for key, value in answers.items():
        if isinstance(value, dict):
            for choice, rank in value.items():
                data[f"q_{key}__{choice}"] = str(rank)
        else:
            data[f"q_{key}"] = value
    return data
