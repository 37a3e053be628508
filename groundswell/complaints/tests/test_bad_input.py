"""Bad input is refused with a message naming the field, and nothing is half-written."""

from __future__ import annotations

import datetime
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from hypothesis import given
from hypothesis import strategies as st

from groundswell import uploads
from groundswell.complaints import services
from groundswell.complaints.models import Case, Evidence

from .world import PDF, PNG, SUMMARY, build_world, lodge, login, triaged

pytestmark = pytest.mark.django_db


def _refused(field: str, call, *args, **kwargs) -> str:
    with pytest.raises(ValidationError) as refused:
        call(*args, **kwargs)
    assert field in refused.value.message_dict, refused.value.message_dict
    return refused.value.message_dict[field][0]


@override_settings(COMPLAINTS_MAX_UPLOAD_BYTES=1024)
def test_an_oversized_upload_is_refused_and_no_case_is_opened():
    w = build_world()
    message = _refused("evidence", lodge, w, files=[("big.pdf", PDF + b"x" * 2000)])
    assert "big.pdf" in message and "largest allowed is 1,024 bytes" in message
    assert not Case.objects.exists() and not Evidence.objects.exists()


@pytest.mark.parametrize(
    "name,data",
    [
        ("photo.jpg", b"MZ\x90\x00" + b"\x00" * 60),  # a Windows program renamed as a photo
        ("report.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 40),
        ("notes.txt", b"#!/bin/sh\nrm -rf /\n"),
        ("run.exe", PDF),  # a PDF's bytes under a program's name
    ],
)
def test_executables_are_refused_whatever_they_are_called(name, data):
    w = build_world()
    message = _refused("evidence", lodge, w, files=[(name, data)])
    assert "program or script" in message
    assert not Case.objects.exists()


def test_a_macro_document_and_unknown_binary_are_refused_but_documents_and_images_kept():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", "<w/>")
        z.writestr("word/vbaProject.bin", "macro")
    with pytest.raises(ValidationError):
        uploads.check_upload("letter.docx", buf.getvalue())
    with pytest.raises(ValidationError):
        uploads.check_upload("blob.dat", b"\x00\x01\x02\x03binary")
    assert uploads.check_upload("a.pdf", PDF).content_type == "application/pdf"
    assert uploads.check_upload("a.png", PNG).content_type == "image/png"
    w = build_world()
    case = lodge(w, files=[("letter.pdf", PDF), ("screenshot.png", PNG)])
    assert sorted(case.evidence.values_list("content_type", flat=True)) == ["application/pdf", "image/png"]
    stored = case.evidence.get(content_type="image/png")
    assert "screenshot" not in stored.file.name  # stored under a random name


@given(st.binary(max_size=512), st.text(max_size=40))
def test_the_upload_check_never_crashes_and_never_accepts_a_program(data, name):
    try:
        sniffed = uploads.check_upload(name, data)
    except ValidationError as exc:
        assert "evidence" in exc.message_dict
    else:
        assert not data.startswith(uploads.EXECUTABLE_MAGIC) and sniffed.size == len(data)


def test_a_complaint_about_an_unknown_person_is_refused_naming_the_respondent():
    build_world()
    message = _refused("respondent", services.find_respondent, membership_number="M9999999")
    assert "M9999999" in message
    _refused("respondent", services.find_respondent)
    response = Client().post(
        "/complaints/new/",
        {"respondent_number": "NOPE", "category": "harassment", "summary": SUMMARY, "complainant_name": "A Person",
         "complainant_email": "a@example.org"},
    )  # fmt: skip
    assert response.status_code == 400 and b"No member matches membership number" in response.content
    assert not Case.objects.exists()


def test_a_decision_without_a_reason_and_a_sanction_without_a_hearing_are_refused():
    w = build_world()
    case = triaged(w)
    services.complete_investigation(case, hearing_required=False, note="", actor=w.handler)
    case.refresh_from_db()
    _refused("reason", services.decide, case, outcome="upheld", reason="  ", actor=w.handler)
    message = _refused("sanction", services.decide, case, outcome="upheld", reason="Proven", sanction="expulsion",
                       actor=w.handler)  # fmt: skip
    assert "hearing" in message
    case.refresh_from_db()
    assert case.stage == "decision" and case.outcome == "" and case.sanction == ""
    services.decide(case, outcome="upheld", reason="Proven on the evidence", sanction="warning", actor=w.handler)
    case.refresh_from_db()
    assert case.stage == "closed" and case.sanction == "warning"


def test_after_a_hearing_a_panel_may_expel():
    w = build_world()
    case = triaged(w)
    services.complete_investigation(case, hearing_required=True, note="", actor=w.handler)
    case.refresh_from_db()
    services.record_hearing(case, held_on=datetime.date.today(), note="Panel of three", actor=w.handler)
    case.refresh_from_db()
    services.decide(case, outcome="upheld", reason="Serious and repeated", sanction="expulsion", actor=w.handler)
    case.refresh_from_db()
    assert case.sanction == "expulsion" and case.notices.filter(kind="outcome").count() == 2


def test_the_form_shows_errors_in_plain_words_with_the_field():
    w = build_world()
    client = login(w.complainant_user)
    response = client.post(
        "/complaints/new/", {"respondent_number": w.respondent.memberships.get().number, "category": ""}
    )
    assert response.status_code == 400
    assert b'id="error-category"' in response.content and b'id="error-summary"' in response.content
