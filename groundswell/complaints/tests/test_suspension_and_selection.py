"""Interim suspension: reason, review date and reminders; the pending-selection flag through the selections hook."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from groundswell.complaints import selections, services
from groundswell.complaints.models import CaseEvent, InterimSuspension, Notice
from groundswell.messaging.models import EmailSend
from groundswell.tests.factories import EmailFactory, PersonFactory

from .world import build_world, lodge, triaged

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


def test_an_interim_suspension_needs_a_reason_and_a_review_date_and_nothing_is_written_otherwise():
    w = build_world()
    case = triaged(w)
    with pytest.raises(ValidationError) as no_reason:
        services.impose_interim_suspension(
            case, reason=" ", review_on=TODAY + datetime.timedelta(days=14), actor=w.handler
        )
    assert "reason" in no_reason.value.message_dict
    with pytest.raises(ValidationError) as no_date:
        services.impose_interim_suspension(case, reason="Risk to members", review_on=None, actor=w.handler)
    assert "review_on" in no_date.value.message_dict
    with pytest.raises(ValidationError) as too_far:
        services.impose_interim_suspension(
            case, reason="Risk", review_on=TODAY + datetime.timedelta(days=200), actor=w.handler
        )
    assert "review_on" in too_far.value.message_dict
    assert not InterimSuspension.objects.exists()
    services.impose_interim_suspension(case, reason="Risk to members", review_on=TODAY + datetime.timedelta(days=14),
                                       actor=w.handler)  # fmt: skip
    assert Notice.objects.filter(case=case, kind="suspension", recipient="respondent").exists()


def test_reviews_are_reminded_once_then_kept_with_a_new_date_or_lifted():
    w = build_world()
    case = triaged(w)
    suspension = services.impose_interim_suspension(
        case, reason="Risk to members", review_on=TODAY + datetime.timedelta(days=1), actor=w.handler
    )
    mail.outbox.clear()
    assert services.remind_suspension_reviews() == 1
    assert services.remind_suspension_reviews() == 0
    assert CaseEvent.objects.filter(case=case, kind="suspension_reminder").count() == 1
    with pytest.raises(ValidationError) as no_date:
        services.review_suspension(suspension, lift=False, reason="Still a risk", next_review_on=None, actor=w.handler)
    assert "next_review_on" in no_date.value.message_dict
    services.review_suspension(suspension, lift=False, reason="Still a risk",
                               next_review_on=TODAY + datetime.timedelta(days=30), actor=w.handler)  # fmt: skip
    suspension.refresh_from_db()
    assert suspension.reminded_on is None and suspension.review_on == TODAY + datetime.timedelta(days=30)
    services.review_suspension(
        suspension, lift=True, reason="Witnesses interviewed", next_review_on=None, actor=w.handler
    )
    suspension.refresh_from_db()
    assert suspension.lifted_at is not None


def test_a_respondent_in_a_pending_selection_is_flagged_and_the_procedures_secretary_told_without_content():
    w = build_world()
    secretary = PersonFactory(unit=w.units.clp_a, given_name="Sam")
    EmailFactory(person=secretary, address="secretary@example.org")
    respondent_id = w.respondent.pk

    def fake_lookup(person):
        if person.pk != respondent_id:
            return []
        return [selections.PendingSelection("Reading East parliamentary selection", "applicant", (secretary.pk,))]

    selections.register_pending_selection_lookup(fake_lookup)
    case = lodge(w)
    assert case.pending_selection  # flagged at intake for the handler's care
    assert not Notice.objects.filter(recipient="procedures_secretary").exists()
    services.assign_handler(case, w.handler, actor=w.handler)
    services.impose_interim_suspension(case, reason="Serious allegation of harassment at a meeting",
                                       review_on=TODAY + datetime.timedelta(days=10), actor=w.handler)  # fmt: skip
    notice = Notice.objects.get(recipient="procedures_secretary")
    assert "Reading East parliamentary selection" in notice.subject and "applicant" in notice.body
    for secret in (
        case.summary,
        "religion",
        "harassment at a meeting",
        w.complainant.family_name,
        case.get_category_display(),
    ):
        assert secret not in notice.body and secret not in notice.subject
    send = EmailSend.objects.get(pk=notice.email_send_id)
    assert send.purpose == "service" and list(send.recipients.values_list("address", flat=True)) == [
        "secretary@example.org"
    ]


def test_without_a_lookup_no_case_is_flagged():
    w = build_world()
    assert not lodge(w).pending_selection
