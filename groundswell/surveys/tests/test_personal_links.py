"""Personal links: a token per invitee, answered without a login, filed on the person's record, once."""

from __future__ import annotations

import pytest

from groundswell.audit.models import AuditEntry
from groundswell.people.models import TimelineEntry
from groundswell.surveys import services
from groundswell.surveys.models import Invitation, Response
from groundswell.tests.factories import PersonFactory, TagFactory

from .world import FIGHT, MEETING, USES, build_world, form_data, login

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def _invite(world, person=None) -> Invitation:
    services.invite_people(world.survey, type(world.people[0]).objects.filter(pk=(person or world.people[0]).pk), None)
    return Invitation.objects.get(survey=world.survey, person=person or world.people[0])


def test_a_personal_link_files_the_response_on_the_persons_record(client, world):
    invitation = _invite(world)
    page = client.get(f"/surveys/i/{invitation.token}/")
    assert page.status_code == 200 and world.survey.title in page.content.decode()
    answers = form_data(**{USES: "no", FIGHT: ["care_workers_pay", "free_personal_care"], MEETING: "yes"})
    response = client.post(f"/surveys/i/{invitation.token}/", answers)
    assert response.status_code == 302 and response["Location"] == f"/surveys/s/{world.survey.slug}/thanks/"
    stored = Response.objects.get()
    person = world.people[0]
    assert stored.person == person and stored.channel == Response.Channel.PERSONAL
    assert (stored.ward_code, stored.constituency_code, stored.membership_status) == (
        "E05002000",
        "E14000879",
        "active",
    )
    invitation.refresh_from_db()
    assert invitation.responded and invitation.responded_at is not None
    entry = TimelineEntry.objects.get(person=person, kind=TimelineEntry.Kind.SURVEY)
    assert entry.data == {
        "survey_id": world.survey.pk,
        "response_id": stored.pk,
        "answers": {USES: "no", FIGHT: ["care_workers_pay", "free_personal_care"], MEETING: True},
    }


def test_a_personal_link_takes_one_response(client, world):
    invitation = _invite(world)
    assert client.post(f"/surveys/i/{invitation.token}/", form_data(**{USES: "no"})).status_code == 302
    again = client.post(f"/surveys/i/{invitation.token}/", form_data(**{USES: "yes_now", "how_good_was_the_care": "1"}))
    assert again.status_code == 200 and 'id="already"' in again.content.decode()
    assert Response.objects.count() == 1 and Response.objects.get().answers == {USES: "no"}
    # The service refuses too (a second tab whose page was loaded before the first submit).
    with pytest.raises(services.AlreadyResponded):
        services.submit_response(
            world.survey, {USES: "no"}, channel=Response.Channel.PERSONAL, invitation=Invitation.objects.get()
        )
    assert TimelineEntry.objects.filter(kind=TimelineEntry.Kind.SURVEY).count() == 1


def test_unknown_token_is_not_found_and_closed_survey_takes_nothing(client, world):
    assert client.get("/surveys/i/not-a-token/").status_code == 404
    invitation = _invite(world)
    services.set_status(world.survey, "closed", world.organiser)
    page = client.post(f"/surveys/i/{invitation.token}/", form_data(**{USES: "no"}))
    assert "not taking responses" in page.content.decode()
    assert not Response.objects.exists()
    invitation.refresh_from_db()
    assert not invitation.responded


def test_organiser_invites_by_tag_and_by_ids_within_what_they_may_see(world):
    tag = TagFactory(name="carers")
    world.people[1].taggings.create(tag=tag)
    outsider = PersonFactory(unit=world.units.clp_b)  # a sibling constituency: not the organiser's to invite
    organiser = login(world.organiser)
    page = organiser.post(f"/surveys/{world.survey.pk}/invitations/", {"tag": tag.pk})
    assert page.status_code == 302
    assert list(Invitation.objects.values_list("person_id", flat=True)) == [world.people[1].pk]
    bad = organiser.post(f"/surveys/{world.survey.pk}/invitations/", {"ids": f"{world.people[0].pk}, {outsider.pk}"})
    assert bad.status_code == 400 and f"No person you can see has the id(s) {outsider.pk}" in bad.content.decode()
    assert Invitation.objects.count() == 1  # nothing half-written
    organiser.post(f"/surveys/{world.survey.pk}/invitations/", {"ids": f"{world.people[0].pk} {world.people[1].pk}"})
    assert Invitation.objects.count() == 2
    # The page lists the links beside names: audited.
    listing = organiser.get(f"/surveys/{world.survey.pk}/invitations/")
    token = Invitation.objects.first().token
    assert f"/surveys/i/{token}/" in listing.content.decode()
    assert AuditEntry.objects.filter(action="viewed", object_label__contains="personal links").exists()


def test_links_export_is_audited_with_its_reason(world):
    _invite(world)
    organiser = login(world.organiser)
    refused = organiser.post(f"/surveys/{world.survey.pk}/invitations/export/", {"reason": ""})
    assert refused.status_code == 400 and "Say why" in refused.content.decode()
    csv_response = organiser.post(
        f"/surveys/{world.survey.pk}/invitations/export/", {"reason": "mail merge for the CLP"}
    )
    body = csv_response.content.decode()
    assert body.splitlines()[0] == "person_id,given_name,family_name,email,link,responded"
    assert Invitation.objects.get().token in body
    entry = AuditEntry.objects.get(action="exported")
    assert entry.reason == "mail merge for the CLP" and entry.detail == {"rows": 1}
