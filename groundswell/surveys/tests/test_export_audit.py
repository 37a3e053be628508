"""The CSV export: a reason is required, the export is in the audit log, and person ids appear only for people
the exporter may view."""

from __future__ import annotations

import csv
import io

import pytest

from groundswell.accounts.models import RoleAssignment
from groundswell.audit.models import AuditEntry
from groundswell.surveys import services
from groundswell.surveys.models import Invitation, Survey
from groundswell.tests.factories import PersonFactory, user_with_role

from .world import ELSE, FIGHT, USES, build_world, login

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    w = build_world(people=2)
    w.far = PersonFactory(unit=w.units.branch_a2)
    services.invite_people(w.survey, type(w.far).objects.all(), w.organiser)
    for person in [*w.people, w.far]:
        services.submit_response(
            w.survey,
            {USES: "no", FIGHT: ["care_workers_pay"], ELSE: "=HYPERLINK(bad)"},
            channel="personal",
            invitation=Invitation.objects.get(person=person),
        )
    services.submit_response(w.survey, {USES: "no"}, channel="public")
    return w


def test_export_needs_a_reason_and_is_audited(world):
    organiser = login(world.organiser)
    refused = organiser.post(f"/surveys/{world.survey.pk}/export/", {"reason": "no"})
    assert refused.status_code == 400 and "Say why you need this export" in refused.content.decode()
    assert not AuditEntry.objects.filter(action="exported").exists()
    response = organiser.post(f"/surveys/{world.survey.pk}/export/", {"reason": "for the care working group"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:8] == [
        "response_id", "channel", "submitted_at", "discussion", "person_id", "ward_code", "constituency_code",
        "membership_status",
    ]  # fmt: skip
    assert len(rows) == 5 and rows[1][-1] == "'=HYPERLINK(bad)"  # formulas are defused
    assert rows[1][rows[0].index(FIGHT)] == "care_workers_pay"
    entry = AuditEntry.objects.get(action="exported")
    assert entry.reason == "for the care working group" and entry.detail == {"rows": 4, "identified": 3}
    assert entry.actor == world.organiser and entry.object_id == str(world.survey.pk)


def test_exporter_sees_person_ids_only_for_people_they_may_view(world):
    # A coordinator at one branch runs surveys there (MANAGE_SURVEYS) but sees only that branch's people.
    coordinator = user_with_role("coordinator", world.units.branch_a1)
    survey = world.survey
    Survey.objects.filter(pk=survey.pk).update(unit=world.units.branch_a1)
    out = io.StringIO()
    from groundswell.accounts import access

    services.export_responses_csv(
        Survey.objects.get(pk=survey.pk), out, actor=coordinator, reason="branch meeting",
        person_ids=access.people_for(coordinator, access.Perm.VIEW_PEOPLE),
    )  # fmt: skip
    ids = {row[4] for row in list(csv.reader(io.StringIO(out.getvalue())))[1:]}
    assert ids == {str(world.people[0].pk), str(world.people[1].pk), ""}
    assert RoleAssignment.objects.filter(user=coordinator).count() == 1


def test_sibling_organiser_cannot_export(world):
    sibling = user_with_role("organiser", world.units.clp_b)
    assert login(sibling).post(f"/surveys/{world.survey.pk}/export/", {"reason": "curious"}).status_code == 403
