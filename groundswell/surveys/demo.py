"""The demo's social-care consultation: a survey, a discussion event whose host entered the room's answers,
online responses from demo people through their personal links, a few from the public link, and tagged comments.
All synthetic; built once (a second run finds the survey and stops)."""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from groundswell.accounts.access import within_units
from groundswell.accounts.models import User
from groundswell.events.demo import SOCIAL_CARE
from groundswell.events.models import Event
from groundswell.people.models import OrganisationUnit, Person

from . import selectors, services
from .models import Discussion, Invitation, ResponseAnswer, Survey

DEMO_TITLE = "Social care: what should we fight for?"
DEMO_DISCUSSION = "Social care discussion, Reading East"
ONLINE = 200
HOST_ENTERED = 15
PUBLIC = 30
COMMENTS = [
    ("My mum waited eleven weeks for a care package after leaving hospital.", "waiting times"),
    ("Care workers deserve at least the real living wage.", "care workers' pay"),
    ("Pay carers properly and they will stay.", "care workers' pay"),
    ("Free personal care, like in Scotland.", "free personal care"),
    ("I am a carer for my husband and I have not had a break in two years.", "carers' breaks"),
    ("The council keeps cutting home care hours.", "council funding"),
    ("Fifteen-minute visits are not care.", "home care"),
    ("Fund councils properly instead of passing the cost to families.", "council funding"),
    ("Respite care near Reading is almost impossible to find.", "carers' breaks"),
    ("Agency staff change every week; my dad never knows who is coming.", "home care"),
    ("Nobody explained what we were entitled to.", ""),
    ("Run a public meeting in Whitley please.", ""),
]


def _questions(survey: Survey, organiser: Any) -> list[str]:
    """The questions' keys in order (a key is made from the text, cut to 40 characters)."""
    add = services.add_survey_question
    uses = add(
        survey,
        text="Do you, or someone close to you, use social care?",
        kind="single",
        actor=organiser,
        choices_text="Yes, now\nYes, in the past\nNo",
        required=True,
        section="You and social care",
    )
    add(
        survey,
        text="How would you rate the care, 1 (very poor) to 5 (very good)?",
        kind="scale",
        actor=organiser,
        scale_min=1,
        scale_max=5,
        condition_key=uses.key,
        condition_values=["yes_now", "yes_in_the_past"],
    )
    add(survey, text="Are you an unpaid carer?", kind="yes_no", actor=organiser)
    add(
        survey,
        text="What should we fight for? Tick all that matter to you",
        kind="multiple",
        actor=organiser,
        choices_text="Free personal care\nA real living wage for care workers\nBreaks for unpaid carers\n"
        "Proper funding for councils\nMore home care hours",
        section="What we should fight for",
    )
    add(
        survey,
        text="Rank these, most important first",
        kind="ranking",
        actor=organiser,
        choices_text="Care workers' pay\nCouncil funding\nCarers' breaks\nFree personal care",
    )
    add(
        survey,
        text="How much would you get involved, 0 (not at all) to 10 (a lot)?",
        kind="scale",
        actor=organiser,
        scale_min=0,
        scale_max=10,
        section="Getting involved",
    )
    add(survey, text="Anything else you want us to know?", kind="text", actor=organiser)
    return [q.key for q in selectors.survey_questions(survey)]


def _answers(rng: random.Random, keys: list[str], comment_index: list[int]) -> dict[str, Any]:
    uses_key, rating, carer, fight_key, rank_key, involved, comment = keys
    uses = rng.choices(["yes_now", "yes_in_the_past", "no"], [3, 3, 4])[0]
    answers: dict[str, Any] = {uses_key: uses}
    if uses != "no":
        answers[rating] = rng.choices([1, 2, 3, 4, 5], [3, 4, 3, 2, 1])[0]
    answers[carer] = rng.random() < 0.3
    fight = [
        "free_personal_care",
        "a_real_living_wage_for_care_workers",
        "breaks_for_unpaid_carers",
        "proper_funding_for_councils",
        "more_home_care_hours",
    ]
    answers[fight_key] = rng.sample(fight, rng.randint(1, 3))
    rank = ["care_workers_pay", "council_funding", "carers_breaks", "free_personal_care"]
    rng.shuffle(rank)
    answers[rank_key] = rank[: rng.randint(2, 4)]
    answers[involved] = rng.randint(0, 10)
    if rng.random() < 0.35:
        answers[comment] = COMMENTS[comment_index[0] % len(COMMENTS)][0]
        comment_index[0] += 1
    return answers


def build_surveys_demo(say: Callable[[str], None] = lambda m: None) -> Survey | None:
    clp = OrganisationUnit.objects.filter(code="CLP-E14000889").first()
    organiser = User.objects.filter(email="organiser@example.org").first()
    if clp is None or organiser is None or Survey.objects.filter(unit=clp, title=DEMO_TITLE).exists():
        return None
    survey = services.create_survey(
        unit=clp,
        title=DEMO_TITLE,
        actor=organiser,
        intro="The party is deciding what to campaign for on social care. Tell us what matters to you: it takes "
        "about three minutes. (Demo: everything here is synthetic.)",
        thank_you="Thank you. We will share what we heard at the next branch meetings.",
    )
    keys = _questions(survey, organiser)
    services.set_status(survey, Survey.Status.OPEN, organiser)
    rng = random.Random(2026)
    comment_index = [0]
    now = timezone.now()

    # The discussion event on the events map (the events demo builds it first), when there is one.
    event = Event.objects.filter(title=SOCIAL_CARE).first()
    discussion = Discussion.objects.create(
        survey=survey,
        title=DEMO_DISCUSSION,
        held_at=event.starts_at if event else now - datetime.timedelta(days=3, hours=2),
        place=event.venue_name if event else "Community hall, London Road (synthetic)",
        event=event,
        host=organiser,
        notes="About twenty people came; fifteen filled in the paper form, entered here by the host.",
    )
    for n in range(HOST_ENTERED):
        services.submit_response(
            survey, _answers(rng, keys, comment_index), channel="discussion", discussion=discussion, actor=organiser,
            now=discussion.held_at + datetime.timedelta(hours=2, minutes=n),
        )  # fmt: skip

    people = Person.objects.filter(
        within_units([clp]), synthetic=True, merged_into__isnull=True, erased_at__isnull=True
    ).order_by("pk")[: int(ONLINE * 1.3)]
    services.invite_people(survey, Person.objects.filter(pk__in=[p.pk for p in people]), organiser)
    invitations = list(Invitation.objects.filter(survey=survey).select_related("person").order_by("pk"))
    # The online survey is for those who could not come: its answers arrive between the discussion and now.
    first = discussion.held_at + datetime.timedelta(hours=3)
    step = (now - first) / (ONLINE + 1)
    for n, invitation in enumerate(invitations[:ONLINE]):
        services.submit_response(
            survey, _answers(rng, keys, comment_index), channel="personal", invitation=invitation,
            now=first + step * n,
        )  # fmt: skip
    for n in range(PUBLIC):
        services.submit_response(
            survey, _answers(rng, keys, comment_index), channel="public", now=now - datetime.timedelta(hours=5 * n + 1)
        )
    tags = dict(COMMENTS)
    for answer in ResponseAnswer.objects.filter(survey=survey).exclude(text="")[:20]:
        if tags.get(answer.text):
            services.tag_answer(answer, tags[answer.text], organiser)
    say(
        f"Demo survey: “{DEMO_TITLE}”, {survey.responses.count()} responses "
        f"({HOST_ENTERED} from the discussion); public link /surveys/s/{survey.slug}/"
    )
    return survey
