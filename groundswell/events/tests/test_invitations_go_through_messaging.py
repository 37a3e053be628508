"""Inviting people near an event goes through the messaging app: the selection (radius, consent, not coming, not
contacted lately) becomes an email send, queued, with its statistics on the invite page; people messaged
recently are left out of the next invitation. The events app's segment filters read RSVPs."""

from __future__ import annotations

import pytest
from django.core import mail

from groundswell.events import selectors
from groundswell.events.models import EventInvite
from groundswell.events.services import meetups, rsvps
from groundswell.messaging.models import EmailSend
from groundswell.messaging.segments import get_segment_filter
from groundswell.people.models import Consent, Person
from groundswell.tests.factories import Role, UnitTreeFactory, user_with_role

from .test_host_pages import _login
from .world import READING, EventFactory, north_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    tree = UnitTreeFactory.build_tree()
    organiser = user_with_role(Role.ORGANISER, tree.clp_a)
    event = EventFactory(unit=tree.clp_a, title="Big stall")
    people = []
    for i, km in enumerate((0.5, 1, 2, 9)):
        lat = north_of(READING, km)[0]
        p = Person.objects.create(unit=tree.branch_a1, given_name=f"P{i}", latitude=lat, longitude=READING[1])
        p.email_addresses.create(address=f"p{i}@example.org", primary=True)
        Consent.objects.create(person=p, channel="email", status="granted", source="test")
        people.append(p)
    return tree, organiser, event, people


def test_an_invitation_is_a_messaging_send_with_stats(client, world, django_capture_on_commit_callbacks):
    tree, organiser, event, people = world
    _login(client, organiser)
    form = {
        "radius_km": "5",
        "channel": "email",
        "not_contacted_days": "14",
        "subject": "Come to the stall",
        "body": "We would love to see you, {{ given_name }}.",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/events/{event.pk}/invite/", form)
    assert response.status_code == 302
    invite = EventInvite.objects.get(event=event)
    assert invite.recipients == 3 and invite.send_id
    send = EmailSend.objects.get(pk=invite.send_id)
    assert send.unit == event.unit
    assert sorted(m.to[0] for m in mail.outbox) == ["p0@example.org", "p1@example.org", "p2@example.org"]
    assert any(f"/events/{event.pk}/" in m.body for m in mail.outbox)
    page = client.get(f"/events/{event.pk}/invite/").content.decode()
    assert 'id="invite-stats"' in page
    from groundswell.events import reach

    stats = reach.invite_stats(invite)
    assert stats["recipients"] == 3 and stats["sent"] == 3
    # Those three were just contacted: a second invitation within 14 days would reach nobody near.
    assert list(selectors.invite_candidates(event, organiser, radius_km=10)) == [people[3]]
    assert selectors.invite_candidates(event, organiser, radius_km=10, not_contacted_days=0).count() == 4


def test_an_email_invitation_needs_a_subject(client, world):
    tree, organiser, event, people = world
    _login(client, organiser)
    client.post(f"/events/{event.pk}/invite/", {"radius_km": "5", "channel": "email", "not_contacted_days": "14"})
    assert not EventInvite.objects.exists() and not EmailSend.objects.exists()


def test_segment_filters_read_rsvps(world):
    tree, organiser, event, people = world
    came = meetups.sign_up(event, people[0], "test", None)
    meetups.sign_up(event, people[1], "test", None)
    rsvps.check_in(came, organiser)
    rsvps.close_event(event, organiser)  # people[1] becomes a no-show
    everyone = Person.objects.all()
    attended = get_segment_filter("event_attended").apply(everyone, event.pk, tree.clp_a)
    assert list(attended) == [people[0]]
    signed = get_segment_filter("event_rsvp").apply(everyone, event.pk, tree.clp_a)
    assert list(signed) == [people[0]]
