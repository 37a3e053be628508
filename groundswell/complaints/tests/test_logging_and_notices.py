"""Organisers log complaints received another way; notices go through messaging and stay on the case."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from groundswell.complaints import policy, services
from groundswell.complaints.models import Case, Notice
from groundswell.messaging.models import EmailSend

from .world import PDF, SUMMARY, build_world, lodge, login

pytestmark = pytest.mark.django_db


def test_an_organiser_logs_a_letter_for_a_member_of_the_public_who_is_acknowledged_by_email(
    django_capture_on_commit_callbacks,
):
    w = build_world()
    with django_capture_on_commit_callbacks(execute=True):
        case = services.lodge_complaint(
            category="harassment", summary=SUMMARY, respondent=w.respondent, complainant_name="Pat Public",
            complainant_email="pat@example.org", actor=w.organiser, received_via="letter",
        )  # fmt: skip
    assert case.received_via == "letter" and case.logged_by == w.organiser
    ack = Notice.objects.get(case=case, kind="acknowledgement")
    assert case.reference in ack.body and "working days" in ack.body
    assert any("pat@example.org" in m.to for m in mail.outbox)
    assert not policy.can_handle(w.organiser, case)  # logging it gives no access to it afterwards


def test_only_organisers_of_the_respondents_unit_log_complaints_received_another_way():
    w = build_world()
    with pytest.raises(ValidationError) as refused:
        lodge(w, received_via="phone")
    assert "received_via" in refused.value.message_dict


def test_a_members_acknowledgement_goes_through_messaging_as_a_service_email():
    w = build_world()
    case = lodge(w)
    notice = Notice.objects.get(case=case, kind="acknowledgement")
    send = EmailSend.objects.get(pk=notice.email_send_id)
    assert notice.delivered and send.purpose == "service"
    assert list(send.recipients.values_list("address", flat=True)) == ["complainant@example.org"]
    assert "religion" not in notice.body  # notices never carry the allegation


def test_the_public_lodge_through_the_web_form_with_evidence_and_get_a_reference():
    w = build_world()
    response = Client().post(
        "/complaints/new/",
        {
            "respondent_email": "respondent@example.org",
            "category": "harassment",
            "summary": SUMMARY,
            "complainant_name": "Pat Public",
            "complainant_email": "pat@example.org",
            "evidence": SimpleUploadedFile("screenshot.pdf", PDF, content_type="image/png"),
        },
    )
    case = Case.objects.get()
    assert response.status_code == 200 and case.reference.encode() in response.content
    assert case.respondent == w.respondent and case.complainant is None and case.received_via == "web"
    assert case.evidence.get().content_type == "application/pdf"  # sniffed, not the browser's word


def test_the_complainant_adds_evidence_from_their_page_and_nobody_else_can():
    w = build_world()
    case = lodge(w)
    upload = SimpleUploadedFile("more.pdf", PDF, content_type="application/pdf")
    response = login(w.complainant_user).post(
        f"/complaints/mine/{case.pk}/evidence/", {"evidence": upload}, follow=True
    )
    assert b"your evidence has been added" in response.content and case.evidence.count() == 1
    bad = SimpleUploadedFile("tool.exe", b"MZ" + b"\x00" * 64)
    response = login(w.complainant_user).post(f"/complaints/mine/{case.pk}/evidence/", {"evidence": bad}, follow=True)
    assert b"program or script" in response.content and case.evidence.count() == 1
    again = SimpleUploadedFile("more.pdf", PDF)
    assert (
        login(w.respondent_user).post(f"/complaints/mine/{case.pk}/evidence/", {"evidence": again}).status_code == 403
    )
