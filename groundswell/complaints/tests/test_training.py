"""The independent reviewer at the top unit records handlers' training dates on a page; nobody else can."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from groundswell.accounts.models import Role, RoleAssignment
from groundswell.audit.models import AuditEntry
from groundswell.complaints import policy, services
from groundswell.complaints.models import Handler
from groundswell.tests.factories import user_with_role

from .world import build_world, lodge, login

pytestmark = pytest.mark.django_db


def test_the_reviewer_reaches_the_page_from_the_complaints_home_and_records_dates_audited():
    w = build_world()
    reviewer = login(w.reviewer)
    assert b'href="/complaints/training/"' in reviewer.get("/complaints/").content
    page = reviewer.get("/complaints/training/").content.decode()
    assert "untrained@example.org" in page and "handler0@example.org" in page and "Not trained" in page
    response = reviewer.post(
        "/complaints/training/",
        {"user": w.untrained.pk, "trained_on": "2026-11-02", "refresher_due_on": "2027-11-02"},
        follow=True,
    )
    assert b"Training dates recorded." in response.content
    handler = Handler.objects.get(user=w.untrained)
    assert handler.trained_on == datetime.date(2026, 11, 2) and handler.refresher_due_on == datetime.date(2027, 11, 2)
    entry = AuditEntry.objects.filter(object_type="complaints.handler", object_id=str(handler.pk)).last()
    assert entry.actor == w.reviewer and entry.detail["training"] and entry.detail["before"]["trained_on"] is None
    case = lodge(w)
    assert w.untrained in [h.user for h in services.eligible_handlers(case)]  # now in the pool


def test_clearing_the_date_takes_a_handler_out_of_the_pool_and_bad_dates_are_refused_in_plain_words():
    w = build_world()
    reviewer = login(w.reviewer)
    response = reviewer.post("/complaints/training/", {"user": w.handler.pk, "trained_on": "2026-03-01",
                                                       "refresher_due_on": "2026-02-01"}, follow=True)  # fmt: skip
    assert b"The refresher cannot be due before the training." in response.content
    response = reviewer.post("/complaints/training/", {"user": w.handler.pk, "trained_on": "yesterday"}, follow=True)
    assert b"is not a date (YYYY-MM-DD)" in response.content
    assert Handler.objects.get(user=w.handler).trained_on == datetime.date(2026, 1, 10)  # unchanged
    reviewer.post("/complaints/training/", {"user": w.handler.pk, "trained_on": ""})
    assert not policy.is_trained(Handler.objects.get(user=w.handler))
    response = reviewer.post("/complaints/training/", {"user": w.organiser.pk, "trained_on": "2026-03-01"}, follow=True)
    assert b"does not hold the complaints handler role" in response.content


@pytest.mark.parametrize("who", ["handler", "admin", "organiser", "leaders_office", "regional_reviewer"])
def test_nobody_else_records_training_and_each_attempt_is_refused_and_audited(who):
    w = build_world()
    if who == "regional_reviewer":
        user = user_with_role(Role.INDEPENDENT_REVIEWER, w.units.region, email="regional@example.org")
    else:
        user = getattr(w, who)
    client = login(user)
    assert b"/complaints/training/" not in client.get("/complaints/").content or who == "leaders_office"
    before = AuditEntry.objects.filter(action=AuditEntry.Action.DENIED).count()
    assert client.get("/complaints/training/").status_code == 403
    assert client.post("/complaints/training/", {"user": w.untrained.pk, "trained_on": "2026-11-02"}).status_code == 403
    assert AuditEntry.objects.filter(action=AuditEntry.Action.DENIED).count() == before + 2
    assert not Handler.objects.filter(user=w.untrained, trained_on__isnull=False).exists()
    with pytest.raises(PermissionDenied):
        services.set_training(w.untrained, trained_on=datetime.date(2026, 11, 2), actor=user)


def test_a_reviewer_who_also_handles_cannot_record_their_own_training():
    w = build_world()
    reviewer = w.reviewer
    RoleAssignment.objects.create(user=reviewer, role=Role.COMPLAINTS_HANDLER, unit=w.units.region)
    with pytest.raises(ValidationError) as refused:
        services.set_training(reviewer, trained_on=datetime.date(2026, 11, 2), actor=reviewer)
    assert "own training" in str(refused.value)
