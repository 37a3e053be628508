"""The messaging demo: segments, a template and a finished send with statistics, built once."""

from __future__ import annotations

import pytest
from django.core import mail

from groundswell.messaging import services
from groundswell.messaging.demo import build_messaging_demo
from groundswell.messaging.models import EmailSend, EmailTemplate, Segment
from groundswell.people.services import add_tags
from groundswell.tests.factories import UnitFactory

from .helpers import contact

pytestmark = pytest.mark.django_db


def test_the_demo_send_is_finished_with_statistics_and_built_once():
    clp = UnitFactory(code="CLP-E14000889", kind="constituency")
    for i in range(20):
        person = contact(clp, email_consent="granted" if i % 4 else None)
        add_tags(person, ["volunteer"])
    build_messaging_demo()
    build_messaging_demo()
    assert Segment.objects.count() == 2 and EmailTemplate.objects.count() == 1
    send = EmailSend.objects.get()
    stats = services.send_stats(send)
    assert send.status == "done" and stats["recipients"] == stats["sent"] == 15
    assert stats["bounced"] == 1 and stats["delivered"] == 14 and stats["opened"] >= 1
    assert mail.outbox == []  # the dummy backend: nothing printed or kept
