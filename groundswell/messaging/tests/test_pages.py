"""The organisers' pages: segments with a live count, templates with preview and test send, a send from
confirmation to progress and statistics, the audited export, and who may see what."""

from __future__ import annotations

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.core import mail
from django.test import Client
from django.urls import reverse

from groundswell.audit.models import AuditEntry
from groundswell.messaging.models import EmailSend, EmailTemplate, Segment, SmsSend
from groundswell.people.services import add_tags
from groundswell.tests.factories import Role, user_with_role

from .helpers import contact

pytestmark = pytest.mark.django_db
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def login(user) -> Client:
    client = Client()
    TOTP.activate(user, SECRET)
    client.force_login(user)
    return client


@pytest.fixture
def organiser(tree):
    return login(user_with_role(Role.ORGANISER, tree.clp_a))


@pytest.fixture
def volunteers(tree):
    people = [contact(tree.branch_a1), contact(tree.branch_a1, mobile=True, sms_consent="granted")]
    people.append(contact(tree.branch_a1, email_consent=None))
    for p in people:
        add_tags(p, ["volunteer"])
    add_tags(contact(tree.clp_b), ["volunteer"])  # another constituency: never counted
    return people


def test_the_live_count_counts_only_the_organisers_units(organiser, tree, volunteers):
    data = {"name": "Volunteers", "unit": tree.clp_a.pk, "f_tag": "volunteer"}
    html = organiser.post(reverse("messaging:segment_count"), data).content.decode()
    assert '<strong id="segment-people">3</strong>' in html
    assert '<span id="segment-email">2</span>' in html and '<span id="segment-sms">1</span>' in html
    # A unit the organiser does not manage is refused by the form.
    html = organiser.post(reverse("messaging:segment_count"), {**data, "unit": tree.clp_b.pk}).content.decode()
    assert "errors" in html and "segment-people" not in html


def test_saving_a_segment_and_editing_it(organiser, tree, volunteers):
    response = organiser.post(
        reverse("messaging:segment_new"),
        {"name": "Volunteers", "unit": tree.clp_a.pk, "f_tag": "volunteer, helper", "f_membership_status": []},
    )
    assert response.status_code == 302
    segment = Segment.objects.get()
    assert segment.filters == [{"key": "tag", "value": ["volunteer", "helper"]}]
    page = organiser.get(reverse("messaging:segment_edit", args=[segment.pk])).content.decode()
    assert 'value="volunteer, helper"' in page


def test_bad_filter_input_is_named(organiser, tree):
    response = organiser.post(
        reverse("messaging:segment_new"), {"name": "Near", "unit": tree.clp_a.pk, "f_distance": "RG1 1AA"}
    )
    assert response.status_code == 200
    assert "Distance must look like" in response.content.decode()
    assert not Segment.objects.exists()


def test_template_preview_and_test_send(organiser, tree):
    data = {
        "name": "Welcome",
        "unit": tree.clp_a.pk,
        "subject": "Welcome {{ given_name }}",
        "body_text": "Hi {{ given_name }}",
        "body_html": "",
    }
    preview = organiser.post(reverse("messaging:template_preview"), data).content.decode()
    assert '<dd id="preview-subject">Welcome Sam</dd>' in preview
    broken = organiser.post(reverse("messaging:template_preview"), {**data, "body_text": "Hi {{ given_name"})
    assert "not closed" in broken.content.decode()
    organiser.post(reverse("messaging:template_new"), data)
    template = EmailTemplate.objects.get()
    organiser.post(reverse("messaging:template_test", args=[template.pk]), {"to": "me@example.org"})
    [message] = mail.outbox
    assert message.subject == "[Test] Welcome Sam" and message.to == ["me@example.org"]
    assert AuditEntry.objects.filter(action="test_send").exists()


def test_an_email_send_from_confirmation_to_statistics(organiser, tree, volunteers):
    segment = Segment.objects.create(
        unit=tree.clp_a, name="Volunteers", filters=[{"key": "tag", "value": ["volunteer"]}]
    )
    response = organiser.post(
        reverse("messaging:send_new", args=["email"]),
        {"segment": segment.pk, "subject": "Canvass Saturday", "body_text": "Hi {{ given_name }}"},
    )
    send = EmailSend.objects.get()
    assert response["Location"] == reverse("messaging:send", args=["email", send.pk])
    page = organiser.get(response["Location"]).content.decode()
    assert "Send to 2 people" in page and mail.outbox == []
    organiser.post(reverse("messaging:send_queue", args=["email", send.pk]))
    assert len(mail.outbox) == 2  # the test settings run tasks immediately
    page = organiser.get(reverse("messaging:send", args=["email", send.pk])).content.decode()
    assert "Finished: 2 of 2 sent." in page and 'aria-label="Send statistics"' in page
    assert "every 2s" not in page  # finished: no more polling
    assert AuditEntry.objects.filter(action="queued", object_id=str(send.pk)).exists()


def test_a_queued_send_shows_progress_and_polls(organiser, tree, volunteers):
    from groundswell.messaging import services
    from groundswell.people.models import Person

    send = services.create_email_send(
        unit=tree.clp_a, subject="Hi", body_text="Hello", people=Person.objects.all(), actor=None
    )
    EmailSend.objects.filter(pk=send.pk).update(status="queued")
    html = organiser.get(reverse("messaging:send_progress", args=["email", send.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in html and "Waiting for a worker" in html


def test_a_text_send_page(organiser, tree, volunteers):
    segment = Segment.objects.create(unit=tree.clp_a, name="All", filters=[])
    organiser.post(reverse("messaging:send_new", args=["sms"]), {"segment": segment.pk, "body": "Polls open 7am"})
    send = SmsSend.objects.get()
    organiser.post(reverse("messaging:send_queue", args=["sms", send.pk]))
    page = organiser.get(reverse("messaging:send", args=["sms", send.pk])).content.decode()
    assert "Finished: 1 of 1 sent." in page


def test_the_export_is_audited_and_needs_export_rights(organiser, tree, volunteers):
    from groundswell.messaging import services
    from groundswell.people.models import Person

    send = services.create_email_send(
        unit=tree.clp_a, subject="Hi", body_text="Hello", people=Person.objects.all(), actor=None
    )
    response = organiser.get(reverse("messaging:send_export", args=["email", send.pk]))
    assert response.status_code == 200
    lines = response.content.decode().strip().splitlines()
    assert lines[0].startswith("person_id,name,to,status") and len(lines) == 3  # header + the 2 in clp_a
    assert AuditEntry.objects.filter(action="exported", object_id=str(send.pk)).exists()
    coordinator = login(user_with_role(Role.COORDINATOR, tree.clp_a))
    assert coordinator.get(reverse("messaging:send_export", args=["email", send.pk])).status_code == 403


def test_who_may_see_and_manage(tree):
    from groundswell.messaging import services
    from groundswell.people.models import Person

    send = services.create_email_send(
        unit=tree.clp_a, subject="Hi", body_text="Hello", people=Person.objects.none(), actor=None
    )
    dpo = login(user_with_role(Role.DATA_PROTECTION_OFFICER, tree.clp_a))
    assert dpo.get(reverse("messaging:send", args=["email", send.pk])).status_code == 200
    assert dpo.get(reverse("messaging:segment_new")).status_code == 403
    assert dpo.post(reverse("messaging:send_queue", args=["email", send.pk])).status_code == 403
    other = login(user_with_role(Role.ORGANISER, tree.clp_b))
    assert other.get(reverse("messaging:send", args=["email", send.pk])).status_code == 403
    member = login(user_with_role(Role.MEMBER, tree.clp_a))
    assert member.get(reverse("messaging:home")).status_code == 403
    assert member.get(reverse("messaging:send_new", args=["post"])).status_code == 403
