"""'Events I run' narrowed by date, area and title; demo venues say where to go."""

from __future__ import annotations

import datetime
import random

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from groundswell.events.demo import _Venues
from groundswell.events.models import Event
from groundswell.tests.factories import Role, UnitTreeFactory, user_with_role

from .world import EventFactory, add_postcode

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    tree = UnitTreeFactory.build_tree()
    organiser = user_with_role(Role.ORGANISER, tree.clp_a)
    TOTP.activate(organiser, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")  # organisers use two-factor sign-in
    client = Client()
    client.force_login(organiser)
    now = timezone.now()
    past = now - datetime.timedelta(days=10)
    events = {
        "soon": EventFactory(unit=tree.branch_a1, title="Canvass in Abbey", starts_at=now + datetime.timedelta(days=1)),
        "later": EventFactory(unit=tree.clp_a, title="Phonebank night", starts_at=now + datetime.timedelta(days=9)),
        "meetup": EventFactory(
            unit=tree.clp_a,
            kind=Event.Kind.MEETUP,
            title="Autumn campaign meetup",
            starts_at=past,
            ends_at=past + datetime.timedelta(hours=2),
        ),
        "elsewhere": EventFactory(unit=tree.clp_b, title="Not mine"),
    }
    return tree, client, events


def _titles(client, **params) -> list[str]:
    response = client.get(reverse("events:mine"), params)
    assert response.status_code == 200
    return [e.title for e in response.context["events"]]


def test_upcoming_by_default_past_on_request(world):
    tree, client, events = world
    assert _titles(client) == ["Canvass in Abbey", "Phonebank night"]
    assert _titles(client, when="past") == ["Autumn campaign meetup"]  # a finished meetup is findable
    assert _titles(client, when="all") == ["Phonebank night", "Canvass in Abbey", "Autumn campaign meetup"]
    assert "Not mine" not in _titles(client, when="all")


def test_narrowed_by_unit_and_title(world):
    tree, client, events = world
    assert _titles(client, unit=tree.branch_a1.pk) == ["Canvass in Abbey"]
    assert _titles(client, unit=tree.clp_b.pk) == []  # a unit outside mine shows nothing, not everything
    assert _titles(client, q="phonebank") == ["Phonebank night"]
    page = client.get(reverse("events:mine"), {"unit": "nonsense", "when": "bogus"}).content.decode()
    assert "Canvass in Abbey" in page  # bad parameters fall back to the defaults
    assert f'<option value="{tree.branch_a1.pk}">' in page and f'value="{tree.clp_b.pk}"' not in page


def test_demo_venues_have_a_street_address_and_the_nearest_postcode():
    add_postcode("RG1 1AA", 51.4545, -0.9781)
    add_postcode("RG6 1AA", 51.4400, -0.9300)
    venues = _Venues(random.Random(1))
    near = venues.place(51.4550, -0.9790)
    assert near["postcode"] == "RG1 1AA" and near["address"].split(" ", 1)[0].isdigit()
    assert venues.place(53.48, -2.24)["postcode"] == ""  # nothing within reach: no made-up postcode
