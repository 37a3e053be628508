"""Surveys through the messaging app: emailing the personal links, and the segment filter "answered survey X
(with answer Y)" that messaging's segments offer (registered from SurveysConfig.ready)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, QuerySet

from groundswell.messaging import segments
from groundswell.messaging.services import create_email_send, email_recipients, queue_send
from groundswell.people.models import OrganisationUnit, Person

from .models import Invitation, Response, ResponseAnswer, Survey
from .selectors import surveys_for

LINK_FIELD = re.compile(r"\{\{\s*survey_link\s*\}\}")
# Messaging's purposes are promotion and service. A survey invitation is not a service message, so it goes only
# to people who gave email consent: the promotion rule (a party has no soft opt-in), which is what we want.
INVITATION_PURPOSE = "promotion"
SEGMENT_KEY = "survey_response"


def invitees_to_email(survey: Survey) -> QuerySet[Person]:
    """Invited people who have not answered yet and may be emailed (consent granted, not suppressed)."""
    waiting = Person.objects.filter(
        Exists(Invitation.objects.filter(survey=survey, person=OuterRef("pk"), responded=False))
    )
    return email_recipients(waiting, INVITATION_PURPOSE)


def email_invitations(
    survey: Survey, *, subject: str, body_text: str, actor: Any, link_for: Callable[[Invitation], str]
) -> Any:
    """Create and queue one email per invitee still to answer, each carrying their own link as {{ survey_link }}.

    Returns the messaging EmailSend (its page shows the progress). Bad input raises ValidationError naming the
    field, before anything is written.
    """
    if not LINK_FIELD.search(body_text or ""):
        raise ValidationError({"body_text": "Put {{ survey_link }} in the message: it becomes each person's own link."})
    if not survey.is_open():
        raise ValidationError({"__all__": "Open the survey before emailing its links."})
    recipients = invitees_to_email(survey)
    links = {
        inv.person_id: {"survey_link": link_for(inv)}
        for inv in Invitation.objects.filter(survey=survey, responded=False, person__in=recipients.values("pk"))
    }
    if not links:
        raise ValidationError({"__all__": "Nobody to email: no invitee still to answer has given email consent."})
    send = create_email_send(
        unit=survey.unit,
        subject=subject,
        body_text=body_text,
        people=recipients,
        actor=actor,
        source=f"survey #{survey.pk} personal links",
        purpose=INVITATION_PURPOSE,
        merge_data=links,
    )
    queue_send(send)
    return send


# ------------------------------------------------------------------------------------------ segment filter


def _answer_values(survey_id: int, key: str, answer: str) -> list[str]:
    """The stored values `answer` can mean: itself, and the value of a choice whose label it is (any case)."""
    values = {answer, answer.lower()}
    survey = Survey.objects.filter(pk=survey_id).select_related("question_set").first()
    question = survey.question_set.questions.filter(key=key).first() if survey else None
    for choice in (question.choices or []) if question else []:
        if str(choice.get("label", "")).lower() == answer.lower():
            values.add(str(choice["value"]))
    return sorted(values)


def answered_survey(qs: QuerySet[Person], value: dict[str, Any], unit: OrganisationUnit) -> QuerySet[Person]:
    """People with a response to the survey (identified surveys only: anonymous responses have no person), and
    with that answer when one is given — read from the answer rows, so a multiple-choice tick, a yes/no or a
    scale number matches as well as a single choice."""
    survey_id = int(value["survey_id"])
    if not value.get("question"):
        return qs.filter(Exists(Response.objects.filter(survey_id=survey_id, person=OuterRef("pk"))))
    rows = ResponseAnswer.objects.filter(
        survey_id=survey_id,
        question_key=value["question"],
        value__in=_answer_values(survey_id, value["question"], str(value.get("answer", ""))),
        response__person=OuterRef("pk"),
    )
    return qs.filter(Exists(rows))


def register_segment_filters() -> None:
    # Beside messaging's own "survey_answer" (which reads JSON on the timeline and so cannot match a ticked
    # multiple choice or a yes/no stored as true/false), this one reads the indexed answer rows.
    segments.register_segment_filter(
        SEGMENT_KEY,
        "Answered survey (from its results: any kind of question)",
        lambda: segments.SurveyChoiceAnswerField(help_text="optionally with an answer: question=answer"),
        answered_survey,
        lambda v: (
            f"Answered survey #{v['survey_id']}" + (f": {v['question']} = {v['answer']}" if v.get("question") else "")
        ),
        choices=lambda user: [(s.pk, s.title) for s in surveys_for(user).order_by("-pk")],
    )
