"""The demo's call campaign: Reading East's members' call round, a session to join, and an hour of calls."""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable

from django.utils import timezone

from groundswell.accounts.models import User
from groundswell.people.models import OrganisationUnit
from groundswell.questions.models import Question, QuestionSet

from . import campaigns, seats, services
from .models import CallCampaign, Outcome, PhonebankSession

DEMO_CAMPAIGN = "Members' call round: Saturday action day"
DEMO_OUTCOMES = [
    (Outcome.NO_ANSWER, 45),
    (Outcome.VOICEMAIL, 10),
    (Outcome.BUSY, 5),
    (Outcome.COMPLETED, 30),
    (Outcome.CALL_BACK, 4),
    (Outcome.REFUSED, 3),
    (Outcome.WRONG_NUMBER, 2),
    (Outcome.DO_NOT_CALL, 1),
]


def _script(unit: OrganisationUnit) -> QuestionSet:
    qs = QuestionSet.objects.create(
        unit=unit,
        name="Saturday action day call script",
        purpose=QuestionSet.Purpose.CALL,
        introduction=(
            "Hi, is that {first name}? I'm a volunteer with the Reading East party, calling members about "
            "Saturday's action day. Have you got two minutes?"
        ),
    )
    Question.objects.create(
        question_set=qs,
        key="coming",
        text="Can you come out on Saturday?",
        kind=Question.Kind.SINGLE,
        order=1,
        required=True,
        branches={"no": "other_help"},
        choices=[
            {"value": "yes", "label": "Yes"},
            {"value": "maybe", "label": "Maybe"},
            {"value": "no", "label": "No"},
        ],
    )
    Question.objects.create(
        question_set=qs,
        key="slot",
        text="Morning or afternoon?",
        kind=Question.Kind.SINGLE,
        order=2,
        choices=[{"value": "am", "label": "Morning (10:00)"}, {"value": "pm", "label": "Afternoon (14:00)"}],
    )
    Question.objects.create(
        question_set=qs,
        key="other_help",
        text="Could you help another way (phonebanking from home, leaflets)?",
        kind=Question.Kind.YES_NO,
        order=3,
        branches={"no": "end"},
    )
    Question.objects.create(
        question_set=qs,
        key="notes_for_organiser",
        text="Anything the organiser should know?",
        kind=Question.Kind.TEXT,
        order=4,
    )
    return qs


ANSWERS = [
    {"coming": "yes", "slot": "am", "other_help": "yes"},
    {"coming": "maybe", "slot": "pm", "other_help": "no"},
    {"coming": "no", "other_help": "yes", "notes_for_organiser": "Happy to phonebank from home on weekday evenings"},
    {"coming": "no", "other_help": "no"},
]


def build_demo_phonebank(say: Callable[[str], None] = lambda m: None) -> None:
    clp = OrganisationUnit.objects.filter(code__startswith="CLP-", kind="constituency").order_by("id").first()
    if clp is None or CallCampaign.objects.filter(unit=clp, name=DEMO_CAMPAIGN).exists():
        return
    organiser = User.objects.filter(email="organiser@example.org").first()
    campaign = CallCampaign.objects.create(
        unit=clp,
        name=DEMO_CAMPAIGN,
        purpose="member_contact",
        question_set=_script(clp),
        target_filter={"membership": ["active"]},
        # Open all day so the demo can be tried at any hour; a real campaign keeps 09:00–21:00 (the default).
        window_start=datetime.time(0, 0),
        window_end=datetime.time(0, 0),
        brief=(
            "We're asking members to come out on Saturday's action day, or help another way.\n"
            "Be friendly, keep it short, and never argue. If someone asks not to be called again, choose "
            "'Do not call again': it is recorded at once.\n"
            "(Demo: calling hours are open all day so you can try it; real campaigns call 09:00–21:00.)"
        ),
        created_by=organiser,
    )
    report = campaigns.build_list(campaign, actor=organiser)
    campaign.status = CallCampaign.Status.ACTIVE
    campaign.save(update_fields=["status"])
    session = PhonebankSession.objects.create(
        campaign=campaign, title="Tuesday evening phonebank", created_by=organiser
    )
    say(f"Demo call campaign: {report.added} members to call; session link /phonebank/join/{session.token}/")
    # An hour of calls by three volunteers, so the dashboard and leaderboard have something to show.
    rng = random.Random(2017)
    callers = list(
        User.objects.filter(email__in=["caller@example.org", "canvasser@example.org", "volunteer@example.org"])
    )
    for user in callers:
        seats.join(session, user)
    start = timezone.now() - datetime.timedelta(minutes=70)
    campaign.targets.update(available_at=start - datetime.timedelta(minutes=1))
    outcomes, weights = zip(*DEMO_OUTCOMES, strict=True)
    for n in range(90):
        user = callers[n % len(callers)]
        at = start + datetime.timedelta(seconds=45 * n + rng.randint(0, 30))
        card = services.claim_next(campaign, user.pk, at)
        if not isinstance(card, services.ContactCard):
            break
        outcome = rng.choices(outcomes, weights)[0]
        services.submit_result(
            session,
            user,
            client_id=f"demo-{n}",
            target_id=card.target_id,
            lease_seq=card.lease_seq,
            outcome=outcome,
            answers=rng.choice(ANSWERS) if outcome == Outcome.COMPLETED else None,
            callback_at=at + datetime.timedelta(days=1) if outcome == Outcome.CALL_BACK else None,
            now=at + datetime.timedelta(seconds=rng.randint(20, 120)),
            and_next=False,
        )
