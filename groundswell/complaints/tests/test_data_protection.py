"""Retention per outcome, subject access with case material included or withheld, audited evidence downloads."""

from __future__ import annotations

import datetime

import pytest

from groundswell.audit.dataprotection import collect
from groundswell.audit.models import AuditEntry
from groundswell.complaints import services
from groundswell.complaints.models import Case, CaseEvent, Evidence, RetentionRule

from .world import PDF, SUMMARY, build_world, lodge, login

pytestmark = pytest.mark.django_db


def _closed(w, decision: str) -> Case:
    case = lodge(w, files=[("letter.pdf", PDF)])
    services.assign_handler(case, w.handler, actor=w.handler)
    services.triage(case, decision=decision, reason="Triage reasons", actor=w.handler)
    case.refresh_from_db()
    return case


def test_closing_sets_the_retention_date_from_the_outcomes_rule():
    w = build_world()
    case = _closed(w, "no_case")
    years = RetentionRule.objects.get(outcome="no_case").years
    assert case.retain_until == datetime.date.today().replace(year=datetime.date.today().year + years)


def test_expired_cases_are_anonymised_or_deleted_per_rule_and_counts_survive():
    w = build_world()
    RetentionRule.objects.filter(outcome="informal").update(action="delete")
    kept, gone, live = _closed(w, "no_case"), _closed(w, "informal"), lodge(w)
    Case.objects.filter(pk__in=[kept.pk, gone.pk]).update(
        retain_until=datetime.date.today() - datetime.timedelta(days=1)
    )
    assert services.apply_retention() == {"anonymised": 1, "deleted": 1}
    kept.refresh_from_db()
    assert (
        kept.anonymised_at and kept.summary == "[anonymised]" and kept.respondent is None and kept.complainant is None
    )
    assert kept.category and kept.outcome == "no_case" and kept.periods.exists()  # still counted in statistics
    assert not Evidence.objects.filter(case=kept).exists()
    assert not CaseEvent.objects.filter(case=kept).exclude(summary="[anonymised]").exists()
    assert not Case.objects.filter(pk=gone.pk).exists()
    assert Case.objects.get(pk=live.pk).summary == SUMMARY  # open cases are never touched
    assert services.apply_retention() == {"anonymised": 0, "deleted": 0}
    assert AuditEntry.objects.filter(action="erased", object_id=str(kept.pk)).exists()


def test_subject_access_gives_the_complainant_their_complaint_and_the_respondent_no_third_party_data():
    w = build_world()
    case = lodge(w)
    services.assign_handler(case, w.handler, actor=w.handler)
    services.triage(case, decision="investigate", reason="Serious", actor=w.handler)
    mine = collect(w.complainant)["complaints"]
    assert mine["complaints_made"][0]["summary"] == SUMMARY
    theirs = collect(w.respondent)["complaints"]["complaints_about_them"][0]
    assert theirs["reference"] == case.reference and "summary" not in theirs
    flat = str(theirs)
    assert SUMMARY not in flat and w.complainant.family_name not in flat and "Sch. 2 para. 16" in theirs["withheld"]
    assert theirs["notices"]  # the respondent-rights notice they were sent is theirs
    Case.objects.filter(pk=case.pk).update(sar_exemption="crime")
    withheld = collect(w.complainant)["complaints"]["complaints_made"][0]
    assert "summary" not in withheld and "crime" in withheld["withheld"]


def test_evidence_downloads_are_access_checked_and_audited():
    w = build_world()
    case = lodge(w, files=[("letter.pdf", PDF)])
    evidence = case.evidence.get()
    url = f"/complaints/cases/{case.pk}/evidence/{evidence.pk}/"
    response = login(w.handler).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf" and response["X-Content-Type-Options"] == "nosniff"
    assert AuditEntry.objects.filter(action="viewed", object_id=str(case.pk), detail__evidence=evidence.pk).exists()
    for outsider in (w.reviewer, w.organiser, w.complainant_user, w.leaders_office):
        assert login(outsider).get(url).status_code == 403
    assert AuditEntry.objects.filter(action="denied", object_id=str(case.pk)).count() == 4
