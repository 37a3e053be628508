"""Creating, queuing and sending an email: frozen list, merge fields, headers, timeline, stats, validation."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from groundswell.audit.models import AuditEntry
from groundswell.messaging import services
from groundswell.messaging.models import EmailRecipient, EmailSend
from groundswell.people.models import Person, TimelineEntry

from .helpers import contact

pytestmark = pytest.mark.django_db


def _send(tree, people=None, **kwargs):
    defaults = {
        "unit": tree.clp_a,
        "subject": "Hello {{ given_name }}",
        "body_text": "Dear {{ given_name }} {{ family_name }}, see {{ event_url }}. Leave: {{ unsubscribe_url }}",
        "people": people if people is not None else Person.objects.all(),
        "actor": None,
        "source": "events:invite:42",
    }
    return services.create_email_send(**{**defaults, **kwargs})


def test_the_list_is_frozen_at_creation_one_row_per_person(tree):
    a, b = contact(tree.clp_a), contact(tree.clp_a)
    send = _send(tree)
    contact(tree.clp_a)  # joins after the send was made: not on it
    assert send.status == "draft"
    assert set(send.recipients.values_list("person_id", flat=True)) == {a.pk, b.pk}
    assert mail.outbox == []  # not queued yet
    services.queue_send(send)
    assert send.status == "done"
    assert sorted(m.to[0] for m in mail.outbox) == sorted([a.primary_email, b.primary_email])


def test_merge_fields_headers_and_plain_text_part(tree, settings):
    settings.PUBLIC_BASE_URL = "https://act.example.org"
    person = contact(tree.clp_a, given_name="Ada", family_name="Lovelace")
    send = _send(
        tree,
        body_html="<p>Hi {{ given_name }} <a href='{{ unsubscribe_url }}'>unsubscribe</a></p>",
        merge_data={person.pk: {"event_url": "https://act.example.org/e/7"}},
    )
    services.queue_send(send)
    [message] = mail.outbox
    assert message.subject == "Hello Ada"
    assert message.body.startswith("Dear Ada Lovelace, see https://act.example.org/e/7.")
    html = message.alternatives[0][0]
    assert "<p>Hi Ada" in html
    row = EmailRecipient.objects.get(send=send)
    url = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert url.startswith("https://act.example.org/messaging/u/") and url in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.extra_headers["Message-ID"] == row.message_id == f"<gs.e{send.pk}.{row.pk}@groundswell.invalid>"


def test_html_merge_values_are_escaped_but_text_is_not(tree):
    person = contact(tree.clp_a, given_name="<b>Tom & Jerry</b>")
    send = _send(tree, body_text="Hi {{ given_name }}", body_html="<p>{{ given_name }}</p>")
    services.queue_send(send)
    [message] = mail.outbox
    assert message.body.startswith("Hi <b>Tom & Jerry</b>")
    assert "&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;" in message.alternatives[0][0]
    assert person.pk


def test_an_unsubscribe_link_is_added_when_the_body_has_none(tree):
    contact(tree.clp_a)
    services.queue_send(_send(tree, body_text="Short message"))
    assert "To stop these emails: http" in mail.outbox[0].body


def test_each_message_goes_on_the_timeline_with_the_send(tree):
    person = contact(tree.clp_a)
    send = _send(tree)
    services.queue_send(send)
    entry = TimelineEntry.objects.get(person=person, kind=TimelineEntry.Kind.EMAIL)
    assert entry.summary == "Email sent: Hello [first name]"  # merge fields read as words, not template code
    assert entry.data["send_id"] == send.pk and entry.data["source"] == "events:invite:42"
    assert EmailRecipient.objects.get(send=send).on_timeline


def test_stats_after_sending(tree):
    for _ in range(3):
        contact(tree.clp_a)
    send = _send(tree)
    assert services.send_stats(send)["queued"] == 3
    services.queue_send(send)
    stats = services.send_stats(send)
    assert stats["recipients"] == stats["sent"] == 3
    assert stats["queued"] == stats["failed"] == stats["bounced"] == stats["opened"] == 0
    keys = {"recipients", "queued", "sent", "delivered", "bounced", "complained", "opened", "clicked"}
    assert keys | {"unsubscribed", "failed"} <= set(stats)


def test_creating_a_send_is_audited_without_personal_data(tree):
    contact(tree.clp_a)
    send = _send(tree)
    entry = AuditEntry.objects.get(object_type="messaging.emailsend", object_id=str(send.pk))
    assert entry.action == "created" and entry.detail["recipients"] == 1 and entry.unit_path == tree.clp_a.path


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"subject": "  "}, "subject"),
        ({"subject": "x" * 251}, "subject"),
        ({"body_text": ""}, "body_text"),
        ({"body_text": "Hi {{ given_name"}, "body_text"),
        ({"body_html": "{% if %}"}, "body_html"),
        ({"subject": "{% for %}"}, "subject"),
        ({"purpose": "fundraising"}, "purpose"),
        ({"rate_per_second": 0}, "rate_per_second"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(tree, changes, field):
    contact(tree.clp_a)
    with pytest.raises(ValidationError) as info:
        _send(tree, **changes)
    assert field in info.value.message_dict
    assert EmailSend.objects.count() == 0 and EmailRecipient.objects.count() == 0


def test_queue_send_twice_sends_once(tree):
    contact(tree.clp_a)
    send = _send(tree)
    services.queue_send(send)
    services.queue_send(send)
    assert len(mail.outbox) == 1


def test_an_empty_send_is_finished_at_once(tree):
    send = _send(tree)
    services.queue_send(send)
    assert send.status == "done" and services.send_stats(send)["recipients"] == 0


def test_people_outside_the_sends_unit_are_left_out(tree):
    inside = contact(tree.branch_a1)
    contact(tree.clp_b)
    send = _send(tree)
    assert list(send.recipients.values_list("person_id", flat=True)) == [inside.pk]
