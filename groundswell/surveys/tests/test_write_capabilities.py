"""Every side-effecting survey page refuses whoever does not hold the survey (an organiser of a sibling unit, a
volunteer, the host of another discussion, someone signed out), and changes nothing when it refuses. Objects are
also checked against each other: a question, answer or event of another survey or unit cannot be reached through
a survey the user does hold."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client

from groundswell.accounts.models import Role
from groundswell.audit.models import AuditEntry
from groundswell.messaging.models import EmailSend
from groundswell.questions.models import Question
from groundswell.surveys import services
from groundswell.surveys.models import AnswerTag, Discussion, Invitation, Response, ResponseAnswer, Survey
from groundswell.tests.factories import ConsentFactory, EmailFactory, PersonFactory, user_with_role

from .world import ELSE, MEETING, USES, build_world, form_data, login

pytestmark = pytest.mark.django_db


@pytest.fixture
def w() -> SimpleNamespace:
    w = build_world(people=2)
    EmailFactory(person=w.people[0], address="p0@example.org")
    ConsentFactory(person=w.people[0])  # email consent: the links can be emailed
    services.invite_people(w.survey, type(w.people[0]).objects.filter(pk=w.people[0].pk), w.organiser)
    services.submit_response(w.survey, {USES: "no", ELSE: "Fund care"}, channel="public")
    w.answer = ResponseAnswer.objects.get(question_key=ELSE)
    services.tag_answer(w.answer, "kept", w.organiser)
    w.host = user_with_role(Role.VOLUNTEER, w.units.clp_a)
    w.discussion = Discussion.objects.create(survey=w.survey, title="Hall", host=w.host)
    w.question = w.q[MEETING]  # no other question's condition depends on it, so its organiser may remove it
    # Someone else's survey, in the sibling constituency party, with its own question, answer and discussion.
    w.sibling_organiser = user_with_role(Role.ORGANISER, w.units.clp_b)
    w.theirs = services.create_survey(unit=w.units.clp_b, title="Theirs", actor=w.sibling_organiser)
    w.their_question = services.add_survey_question(w.theirs, text="Theirs?", kind="text", actor=w.sibling_organiser)
    services.set_status(w.theirs, Survey.Status.OPEN, w.sibling_organiser)
    services.submit_response(w.theirs, {w.their_question.key: "Their answer"}, channel="public")
    w.their_answer = ResponseAnswer.objects.get(survey=w.theirs)
    w.other_host = user_with_role(Role.VOLUNTEER, w.units.clp_a)
    Discussion.objects.create(survey=w.survey, title="Other room", host=w.other_host)
    w.outsider = PersonFactory(unit=w.units.branch_b1)
    return w


def _state() -> dict[str, Any]:
    """Everything a survey page can change."""
    return {
        "surveys": sorted(Survey.objects.values_list("pk", "unit_id", "title", "status", "public", "anonymous")),
        "questions": sorted(Question.objects.values_list("pk", "question_set_id", "key", "text", "order")),
        "invitations": sorted(Invitation.objects.values_list("pk", "survey_id", "person_id", "responded")),
        "responses": sorted(Response.objects.values_list("pk", "survey_id", "person_id", "channel")),
        "tags": sorted(AnswerTag.objects.values_list("answer_id", "name")),
        "discussions": sorted(Discussion.objects.values_list("pk", "survey_id", "title", "host_id")),
        "sends": EmailSend.objects.count(),
        "audited": sorted(
            AuditEntry.objects.filter(
                object_type__startswith="surveys.", action__in=["created", "changed", "exported"]
            ).values_list("sequence", flat=True)
        ),
    }


# Each side-effecting endpoint: the URL and a POST that would work for the survey's own organiser.
ENDPOINTS: dict[str, Callable[[SimpleNamespace], tuple[str, dict]]] = {
    "edit settings": lambda w: (f"/surveys/{w.survey.pk}/edit/", {"title": "Hijacked", "public": "on"}),
    "add a question": lambda w: (f"/surveys/{w.survey.pk}/", {"text": "Injected?", "kind": "yes_no"}),
    "move a question": lambda w: (f"/surveys/{w.survey.pk}/questions/{w.question.pk}/move/", {"direction": "down"}),
    "remove a question": lambda w: (f"/surveys/{w.survey.pk}/questions/{w.question.pk}/remove/", {}),
    "invite people": lambda w: (f"/surveys/{w.survey.pk}/invitations/", {"ids": str(w.people[1].pk)}),
    "export the links": lambda w: (f"/surveys/{w.survey.pk}/invitations/export/", {"reason": "a mail merge"}),
    "email the links": lambda w: (
        f"/surveys/{w.survey.pk}/invitations/email/",
        {"subject": "Hello", "body_text": "Hi {{ given_name }}: {{ survey_link }}"},
    ),
    "tag an answer": lambda w: (f"/surveys/{w.survey.pk}/results/text/{w.answer.pk}/tags/", {"tag": "spam"}),
    "untag an answer": lambda w: (
        f"/surveys/{w.survey.pk}/results/text/{w.answer.pk}/tags/",
        {"tag": "kept", "remove": "1"},
    ),
    "export the responses": lambda w: (f"/surveys/{w.survey.pk}/export/", {"reason": "some analysis"}),
    "add a discussion": lambda w: (
        f"/surveys/{w.survey.pk}/discussions/new/",
        {"title": "Fake", "held_at": "2026-12-10T18:00"},
    ),
    "enter a discussion's answers": lambda w: (f"/surveys/discussions/{w.discussion.pk}/", form_data(**{USES: "no"})),
    "close": lambda w: (f"/surveys/{w.survey.pk}/status/", {"status": "closed"}),  # last: the rest need it open
}
ACTORS = {
    "an organiser of a sibling unit": lambda w: w.sibling_organiser,
    "a volunteer of the survey's unit": lambda w: user_with_role(Role.VOLUNTEER, w.units.clp_a),
    "the host of another discussion": lambda w: w.other_host,
    "someone signed out": lambda w: None,
}


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_user_without_the_survey_cannot_change_it(w, endpoint, actor):
    url, data = ENDPOINTS[endpoint](w)
    user = ACTORS[actor](w)
    client = login(user) if user is not None else Client()
    before = _state()
    response = client.post(url, data)
    if user is None:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    else:
        assert response.status_code in (403, 404), response.status_code
    assert "text/csv" not in response.get("Content-Type", "")
    assert _state() == before


def test_the_surveys_own_organiser_can_do_each_of_these(w):
    """The same requests from the rightful organiser do change things: the refusals above are not vacuous."""
    client = login(w.organiser)
    for name, make in ENDPOINTS.items():
        url, data = make(w)
        before = _state()
        response = client.post(url, data)
        assert response.status_code in (200, 302), (name, response.status_code)
        assert _state() != before, name


# ------------------------------------------------------------------------------------------ objects across surveys


CROSSED: dict[str, Callable[[SimpleNamespace], tuple[str, dict]]] = {
    "their question through my survey": lambda w: (
        f"/surveys/{w.survey.pk}/questions/{w.their_question.pk}/remove/",
        {},
    ),
    "their question moved through my survey": lambda w: (
        f"/surveys/{w.survey.pk}/questions/{w.their_question.pk}/move/",
        {"direction": "up"},
    ),
    "their answer tagged through my survey": lambda w: (
        f"/surveys/{w.survey.pk}/results/text/{w.their_answer.pk}/tags/",
        {"tag": "spam"},
    ),
    "a survey made in their unit": lambda w: (
        "/surveys/new/",
        {"title": "Planted", "unit": w.units.clp_b.pk, "public": "on"},
    ),
    "people I cannot see invited": lambda w: (f"/surveys/{w.survey.pk}/invitations/", {"ids": str(w.outsider.pk)}),
    "people of their unit invited by unit": lambda w: (
        f"/surveys/{w.survey.pk}/invitations/",
        {"unit": w.units.clp_b.pk},
    ),
    "a discussion at their unit's event": lambda w: (
        f"/surveys/{w.survey.pk}/discussions/new/",
        {"event": _their_event(w).pk},
    ),
    "their person linked to my discussion's answers": lambda w: (
        f"/surveys/discussions/{w.discussion.pk}/",
        {"person_id": str(w.outsider.pk), **form_data(**{USES: "no"})},
    ),
}


def _their_event(w: SimpleNamespace) -> Any:
    from groundswell.events.tests.world import EventFactory  # the events app's factory, only for this case

    return EventFactory(unit=w.units.clp_b)


@pytest.mark.parametrize("case", CROSSED)
def test_an_object_of_another_unit_cannot_be_reached_through_my_survey(w, case):
    url, data = CROSSED[case](w)
    client = login(w.organiser)
    before = _state()
    response = client.post(url, data)
    assert response.status_code in (302, 400, 404), response.status_code
    assert _state() == before
