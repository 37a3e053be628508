"""A complainant without an account follows their case by the signed personal link in the acknowledgement."""

from __future__ import annotations

import re

import pytest
from django.core import mail, signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from groundswell.audit.models import AuditEntry
from groundswell.complaints import services
from groundswell.complaints.models import Case, Notice

from .world import PDF, SUMMARY, build_world, lodge, login

pytestmark = pytest.mark.django_db

PUBLIC = {"complainant_name": "Pat Public", "complainant_email": "pat@example.org"}


def public_case(w) -> Case:
    return lodge(w, complainant=None, actor=None, **PUBLIC)


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def test_the_acknowledgement_page_and_email_give_a_link_that_shows_only_the_case_and_is_audited(
    django_capture_on_commit_callbacks,
):
    w = build_world()
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(
            "/complaints/new/",
            {"respondent_email": "respondent@example.org", "category": "harassment", "summary": SUMMARY} | PUBLIC,
        )
    case = Case.objects.get()
    link = re.search(rb'id="follow-link" href="([^"]+)"', response.content).group(1).decode()
    assert response["Referrer-Policy"] == "same-origin"
    emailed = next(m for m in mail.outbox if "pat@example.org" in m.to)
    assert path_of(link) in emailed.body and "http://127.0.0.1:8000/complaints/follow/" in emailed.body
    assert link not in Notice.objects.get(case=case, kind="acknowledgement").body  # handlers don't see it

    services.assign_handler(case, w.handler, actor=w.handler)
    services.pause_clock(case, reason="police", note="Internal: CPS contact is DS Smith", actor=w.handler)
    page = Client().get(path_of(link))
    text = page.content.decode()
    assert page.status_code == 200 and case.reference in text and "Triage" in text
    assert "Police or court proceedings under way" in text and "DS Smith" not in text  # reason, not the note
    ack = Notice.objects.get(case=case, kind="acknowledgement")
    assert ack.subject in text  # the notices sent to them
    respondent = w.respondent
    for private in (respondent.given_name, respondent.family_name, SUMMARY[:30], "handler0@example.org"):
        assert not private or private not in text
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.VIEWED, object_type="complaints.case", object_id=str(case.pk),
        detail__via="complainant link",
    ).exists()  # fmt: skip


def test_a_forged_or_altered_token_is_not_found_and_gives_no_hint():
    w = build_world()
    case = public_case(w)
    token = services.follow_token(case)
    assert Client().get(f"/complaints/follow/{token}/").status_code == 200
    altered = token[:-1] + ("A" if token[-1] != "A" else "B")
    forged = signing.dumps({"case": case.pk, "ref": case.reference}, salt="something else")
    no_such_case = signing.dumps({"case": case.pk + 999, "ref": "C26-999999"}, salt=services.FOLLOW_SALT)
    for bad in (altered, forged, no_such_case, "nonsense"):
        response = Client().get(f"/complaints/follow/{bad}/")
        assert response.status_code == 404 and case.reference.encode() not in response.content
    upload = SimpleUploadedFile("more.pdf", PDF)
    assert Client().post(f"/complaints/follow/{altered}/evidence/", {"evidence": upload}).status_code == 404
    assert case.evidence.count() == 0


def test_a_members_case_does_not_open_by_link_and_the_link_opens_nothing_else():
    w = build_world()
    members_case = lodge(w)
    token = services.follow_token(members_case)
    assert Client().get(f"/complaints/follow/{token}/").status_code == 404  # members use "My complaints"
    case = public_case(w)
    anonymous = Client()
    assert anonymous.get(f"/complaints/follow/{services.follow_token(case)}/").status_code == 200
    assert anonymous.get(f"/complaints/cases/{case.pk}/").status_code == 302  # still sign-in for handlers' pages


def test_the_respondents_view_rules_are_unchanged():
    w = build_world()
    case = public_case(w)
    respondent = login(w.respondent_user)
    assert case.reference.encode() not in respondent.get("/complaints/mine/").content  # not told during triage
    assert respondent.get(f"/complaints/cases/{case.pk}/").status_code == 403
    # The respondent holding the link learns only what the complainant sees: no sanction, no summary.
    page = respondent.get(f"/complaints/follow/{services.follow_token(case)}/").content.decode()
    assert SUMMARY[:30] not in page and "sanction" not in page.lower()


def test_evidence_through_the_link_has_the_same_checks_and_stops_when_the_case_closes():
    w = build_world()
    case = public_case(w)
    url = f"/complaints/follow/{services.follow_token(case)}/"
    client = Client()
    response = client.post(url + "evidence/", {"evidence": SimpleUploadedFile("more.pdf", PDF)}, follow=True)
    assert b"your evidence has been added" in response.content and case.evidence.count() == 1
    assert AuditEntry.objects.filter(object_id=str(case.pk), detail__via="complainant link",
                                     detail__action="evidence_added").exists()  # fmt: skip
    exe = SimpleUploadedFile("tool.exe", b"MZ" + b"\x00" * 64)
    response = client.post(url + "evidence/", {"evidence": exe}, follow=True)
    assert b"program or script" in response.content and case.evidence.count() == 1
    services.assign_handler(case, w.handler, actor=w.handler)
    services.triage(case, decision="no_case", reason="No breach of the rules described", actor=w.handler)
    response = client.post(url + "evidence/", {"evidence": SimpleUploadedFile("late.pdf", PDF)}, follow=True)
    assert b"case is closed" in response.content and case.evidence.count() == 1
    assert b"No case to answer" in client.get(url).content
