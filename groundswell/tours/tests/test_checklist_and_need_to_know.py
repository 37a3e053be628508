"""Two-person checks and need-to-know locations."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from groundswell.audit.models import AuditEntry
from groundswell.events.models import Event
from groundswell.tours import selectors, services

from .world import build_world, reading_stop

pytestmark = pytest.mark.django_db


def test_the_two_person_check_cannot_be_done_by_one_person():
    w = build_world()
    stop = reading_stop(w)
    item = stop.checklist.get(key="venue")
    services.confirm_item(actor=w.advance, item=item, detail="Town Hall: J. Smith, 0118 000 0000")
    with pytest.raises(ValidationError, match="cannot also check"):
        services.check_item(actor=w.advance, item=item)
    services.check_item(actor=w.driver, item=item)
    item.refresh_from_db()
    assert item.checked_by == w.driver


def test_a_stop_is_ready_only_when_every_item_is_checked_and_a_change_reopens():
    w = build_world()
    stop = reading_stop(w)
    items = list(stop.checklist.all())
    for item in items:
        services.confirm_item(actor=w.advance, item=item, detail="done")
    assert [r.colour for r in selectors.board(w.tour)] == ["amber"]
    for item in items:
        services.check_item(actor=w.organiser, item=item)
    assert selectors.is_ready(stop) and [r.colour for r in selectors.board(w.tour)] == ["green"]
    venue = stop.checklist.get(key="venue")
    services.confirm_item(actor=w.advance, item=venue, detail="venue moved to the Hexagon")
    venue.refresh_from_db()
    assert venue.checked_by is None and venue.reopened == 1
    assert not selectors.is_ready(stop)
    assert w.tour.notices.filter(stop=stop, message__contains="reopened").exists()


def test_someone_outside_the_team_cannot_work_the_checklist():
    w = build_world()
    stop = reading_stop(w)
    with pytest.raises(PermissionDenied):
        services.confirm_item(actor=w.volunteer, item=stop.checklist.first(), detail="x")


def test_an_unpublished_stops_location_is_invisible_to_a_volunteer_and_the_public_and_viewing_is_audited():
    w = build_world()
    stop = reading_stop(w)
    # The event the stop belongs to says nothing of where or when.
    event = stop.event
    assert event.kind == Event.Kind.VISIT and event.visibility == Event.Visibility.INVITE
    assert (event.venue_name, event.latitude, event.postcode) == ("", None, "")
    assert services.view_location(actor=w.advance, stop=stop) is True
    assert services.view_location(actor=w.volunteer, stop=stop) is False
    assert services.view_location(actor=AnonymousUser(), stop=stop) is False
    assert services.view_location(actor=w.other_organiser, stop=stop) is False  # not on the team
    viewed = AuditEntry.objects.filter(detail__event="tours.stop.location.view", object_id=str(stop.pk))
    denied = AuditEntry.objects.filter(detail__event="tours.stop.location.denied", object_id=str(stop.pk))
    assert list(viewed.values_list("actor_id", flat=True)) == [w.advance.pk]
    assert denied.count() == 3


def test_the_stop_page_shows_the_venue_only_to_the_team(client):
    w = build_world()
    stop = reading_stop(w)
    # Over HTTP: the volunteer's and the public's pages never carry the venue.
    client.force_login(w.volunteer)
    page = client.get(f"/tours/stops/{stop.pk}/")
    assert page.status_code == 403 and b"Town Hall" not in page.content
    client.logout()
    page = client.get(f"/tours/stops/{stop.pk}/")
    assert b"Town Hall" not in page.content
    client.force_login(w.advance)
    page = client.get(f"/tours/stops/{stop.pk}/")
    assert page.status_code == 200 and b"Town Hall" in page.content


def test_published_stops_are_public():
    w = build_world()
    stop = reading_stop(w)
    services.publish_stop(actor=w.organiser, stop=stop)
    stop.event.refresh_from_db()
    assert stop.event.visibility == Event.Visibility.PUBLIC and stop.event.venue_name == "Town Hall"
    assert services.view_location(actor=w.volunteer, stop=stop) is True
