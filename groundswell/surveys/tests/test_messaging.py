"""Through the messaging app: emailing each invitee still to answer their own link (consent and suppression
apply), and the segment filter "answered survey X (with answer Y)"."""

from __future__ import annotations

import pytest
from django.core import mail

from groundswell.messaging.models import EmailRecipient, EmailSend
from groundswell.messaging.segments import people_matching
from groundswell.people.models import Suppression
from groundswell.surveys import services
from groundswell.surveys.models import Invitation
from groundswell.tests.factories import ConsentFactory, EmailFactory, PersonFactory

from .world import FIGHT, MEETING, USES, build_world, login

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    w = build_world(people=4)
    for n, person in enumerate(w.people):
        EmailFactory(person=person, address=f"invitee{n}@example.org")
    for person in w.people[:3]:
        ConsentFactory(person=person)  # email consent granted; people[3] never asked
    Suppression.objects.create(kind=Suppression.Kind.NO_EMAIL, person=w.people[2])
    services.invite_people(w.survey, type(w.people[0]).objects.all(), w.organiser)
    services.submit_response(
        w.survey, {USES: "no"}, channel="personal", invitation=Invitation.objects.get(person=w.people[1])
    )
    return w


def test_links_are_emailed_only_to_consenting_invitees_still_to_answer(world):
    organiser = login(world.organiser)
    url = f"/surveys/{world.survey.pk}/invitations/email/"
    page = organiser.get(url).content.decode()
    assert "<strong>1</strong> of the 3 invited people still to answer can be emailed" in page
    missing = organiser.post(url, {"subject": "Have your say", "body_text": "Hello, no link here"})
    assert missing.status_code == 400 and "Put {{ survey_link }} in the message" in missing.content.decode()
    assert not EmailSend.objects.exists()
    response = organiser.post(url, {"subject": "Have your say", "body_text": "Hi {{ given_name }}: {{ survey_link }}"})
    send = EmailSend.objects.get()
    assert response["Location"] == f"/messaging/email/{send.pk}/"
    row = EmailRecipient.objects.get(send=send)
    token = Invitation.objects.get(person=world.people[0]).token
    assert row.person == world.people[0] and row.merge_data["survey_link"].endswith(f"/surveys/i/{token}/")
    # The test settings run tasks at once: the email has gone, with the person's own link in it.
    assert len(mail.outbox) == 1 and f"/surveys/i/{token}/" in mail.outbox[0].body
    assert mail.outbox[0].to == ["invitee0@example.org"]


def test_emailing_needs_messaging_rights(world):
    from groundswell.tests.factories import user_with_role

    coordinator = user_with_role("coordinator", world.units.clp_a)  # runs surveys, only views messaging
    assert login(coordinator).get(f"/surveys/{world.survey.pk}/invitations/email/").status_code == 403


def test_segment_filter_reads_the_answer_rows(world):
    survey_id = world.survey.pk
    other = PersonFactory(unit=world.units.branch_a1)
    services.invite_people(world.survey, type(other).objects.filter(pk=other.pk), world.organiser)
    services.submit_response(
        world.survey,
        {USES: "no", FIGHT: ["care_workers_pay", "free_personal_care"], MEETING: "yes"},
        channel="personal",
        invitation=Invitation.objects.get(person=other),
    )
    unit = world.units.clp_a

    def matching(value):
        return set(people_matching(unit, [{"key": "survey_response", "value": value}]).values_list("pk", flat=True))

    assert matching({"survey_id": survey_id}) == {world.people[1].pk, other.pk}
    # A multiple-choice tick, by value or by its label; a yes/no.
    assert matching({"survey_id": survey_id, "question": FIGHT, "answer": "care_workers_pay"}) == {other.pk}
    assert matching({"survey_id": survey_id, "question": FIGHT, "answer": "Care workers' pay"}) == {other.pk}
    assert matching({"survey_id": survey_id, "question": MEETING, "answer": "yes"}) == {other.pk}
    assert matching({"survey_id": survey_id, "question": USES, "answer": "in_the_past"}) == set()
