"""Separation of duties: trained pool, conflicts, no political access, every access audited."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from groundswell.audit.models import AuditEntry
from groundswell.complaints import policy, selectors, services
from groundswell.complaints.models import Conflict, Handler, Stage

from .world import build_world, lodge, login

pytestmark = pytest.mark.django_db


def test_untrained_handlers_cannot_be_assigned_and_rota_picks_the_least_loaded():
    w = build_world()
    case = lodge(w)
    with pytest.raises(ValidationError) as refused:
        services.assign_handler(case, w.untrained, actor=w.handler)
    assert "training" in refused.value.message_dict["handler"][0]
    services.assign_handler(lodge(w), w.handler, actor=w.handler)  # handler 0 now has one open case
    services.assign_by_rota(case, actor=w.handler)
    case.refresh_from_db()
    assert case.handler.user == w.handler2 and case.stage == Stage.TRIAGE


def test_a_conflicted_handler_cannot_see_the_case_nor_assign_it_to_themselves():
    w = build_world()
    case = lodge(w)
    mine = Handler.objects.get(user=w.handler)
    services.declare_conflict(mine, kind=Conflict.Kind.PERSONAL, person=w.respondent, actor=w.handler)
    assert not policy.can_handle(w.handler, case)
    assert case not in selectors_cases(w.handler)
    with pytest.raises(ValidationError) as refused:
        services.assign_handler(case, w.handler, actor=w.handler)
    assert "conflict" in refused.value.message_dict["handler"][0]
    case.refresh_from_db()
    assert case.handler is None and case.stage == Stage.INTAKE  # nothing half-written
    assert AuditEntry.objects.filter(action="denied", object_id=str(case.pk)).exists()
    # Another handler may not give it to them either, and rota skips them.
    with pytest.raises(ValidationError):
        services.assign_handler(case, w.handler, actor=w.handler2)
    assert [h.user for h in services.eligible_handlers(case)] == [w.handler2]
    response = login(w.handler).get(f"/complaints/cases/{case.pk}/")
    assert response.status_code == 403


def test_same_unit_and_factional_conflicts_hide_cases_from_lists():
    w = build_world()
    case = lodge(w)
    other = lodge(w, respondent=w.complainant, complainant=w.respondent, actor=w.respondent_user)
    mine = Handler.objects.get(user=w.handler)
    services.declare_conflict(mine, kind=Conflict.Kind.SAME_UNIT, unit=w.units.branch_a2)
    assert list(selectors_cases(w.handler)) == [other]
    services.declare_conflict(mine, kind=Conflict.Kind.FACTIONAL, case=other)
    assert list(selectors_cases(w.handler)) == []
    assert set(selectors_cases(w.handler2)) == {case, other}


def test_declaring_a_conflict_after_assignment_takes_the_handler_off_the_case():
    w = build_world()
    case = lodge(w)
    services.assign_handler(case, w.handler, actor=w.handler)
    services.declare_conflict(Handler.objects.get(user=w.handler), kind="factional", case=case)
    case.refresh_from_db()
    assert case.handler is None


def test_the_leaders_office_has_no_access_at_all_and_every_attempt_is_audited():
    w = build_world()
    case = lodge(w)
    # Even holding a handler role as well, the political role wins.
    services.set_training(w.leaders_office, trained_on=w.handler.complaints_handler.trained_on)
    from groundswell.accounts.models import Role, RoleAssignment

    RoleAssignment.objects.create(user=w.leaders_office, role=Role.COMPLAINTS_HANDLER, unit=w.units.national)
    client = login(w.leaders_office)
    before = AuditEntry.objects.filter(action="denied", actor=w.leaders_office).count()
    for url in (
        "/complaints/cases/",
        f"/complaints/cases/{case.pk}/",
        "/complaints/backlog/",
        f"/complaints/cases/{case.pk}/access/",
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/complaints/cases/{case.pk}/assign/", {"handler": w.leaders_office.pk}).status_code == 403
    assert AuditEntry.objects.filter(action="denied", actor=w.leaders_office).count() == before + 5
    with pytest.raises(PermissionDenied):
        services.triage(case, decision="no_case", reason="press interest", actor=w.leaders_office)
    case.refresh_from_db()
    assert case.stage == Stage.INTAKE


def test_administrators_and_organisers_do_not_reach_case_content():
    w = build_world()
    case = lodge(w)
    assert not policy.can_handle(w.admin, case) and not policy.can_review(w.admin, case)
    assert login(w.admin).get(f"/complaints/cases/{case.pk}/").status_code == 403
    assert login(w.organiser).get(f"/complaints/cases/{case.pk}/").status_code == 403


def test_views_edits_and_decisions_are_audited_and_the_reviewer_sees_the_access_history():
    w = build_world()
    case = lodge(w)
    client = login(w.handler)
    assert client.get(f"/complaints/cases/{case.pk}/").status_code == 200
    services.assign_handler(case, w.handler, actor=w.handler)
    services.triage(case, decision="no_case", reason="Not a breach of the rules", actor=w.handler)
    actions = list(selectors.access_history(case).values_list("action", "detail__action"))
    assert ("created", None) in actions and ("viewed", None) in actions
    assert ("changed", "assign") in actions and ("changed", "triage") in actions
    reviewer = login(w.reviewer)
    page = reviewer.get(f"/complaints/cases/{case.pk}/access/")
    assert page.status_code == 200 and b"handler0@example.org" in page.content
    # The reviewer sees status and history, not the complaint's words.
    detail = reviewer.get(f"/complaints/cases/{case.pk}/")
    assert detail.status_code == 200 and b"remarks about my religion" not in detail.content
    assert login(w.handler).get(f"/complaints/cases/{case.pk}/access/").status_code == 403


def test_special_category_cases_are_read_only_by_their_assigned_handler():
    w = build_world()
    case = lodge(w, special_category=True)
    assert not policy.can_handle(w.handler, case)  # nobody assigned yet: not even a handler reads it
    assert case in policy.handled_cases(w.handler, allocatable=True)
    services.assign_handler(case, w.handler, actor=w.handler2)  # allocated without reading it
    case.refresh_from_db()
    assert policy.can_handle(w.handler, case) and not policy.can_handle(w.handler2, case)
    assert case not in selectors_cases(w.handler2)


def selectors_cases(user):
    return policy.handled_cases(user)


def test_each_role_reaches_its_pages_from_the_complaints_home_and_the_leaders_office_is_refused_there():
    w = build_world()
    member_home = login(w.complainant_user).get("/complaints/")
    assert b"Make a complaint" in member_home.content and b"/complaints/mine/" in member_home.content
    assert b"/complaints/cases/" not in member_home.content
    handler_home = login(w.handler).get("/complaints/")
    assert b"/complaints/cases/" in handler_home.content and b"/complaints/backlog/" in handler_home.content
    assert b'href="/complaints/"' in login(w.handler).get("/").content  # in the main navigation
    office = login(w.leaders_office)
    assert b'href="/complaints/"' not in office.get("/").content
    assert office.get("/complaints/").status_code == 403
    assert AuditEntry.objects.filter(action="denied", actor=w.leaders_office).exists()
