from __future__ import annotations

import pytest
from django.core import mail

from groundswell.messaging import services
from groundswell.messaging.models import EmailRecipient
from groundswell.messaging.sms import FakeSmsAdapter
from groundswell.people.models import Person
from groundswell.tests.factories import UnitTreeFactory


@pytest.fixture
def tree():
    return UnitTreeFactory.build_tree()


@pytest.fixture(autouse=True)
def _empty_outboxes(settings):
    settings.MESSAGING_RETRY_DELAYS = (0, 0, 0)
    mail.outbox = []
    FakeSmsAdapter.outbox.clear()
    yield
    FakeSmsAdapter.outbox.clear()


@pytest.fixture
def sent(tree):
    """(person, send, recipient row) after one email went to one consenting person."""
    from .helpers import contact

    person = contact(tree.clp_a)
    send = services.create_email_send(
        unit=tree.clp_a, subject="News", body_text="Hello", people=Person.objects.all(), actor=None
    )
    services.queue_send(send)
    return person, send, EmailRecipient.objects.get(send=send)
