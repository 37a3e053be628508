"""A volunteer's home: their walk, their call sessions and what to do now, one click away; only their own."""

from __future__ import annotations

import pytest
from django.urls import reverse

from groundswell.canvassing.tests.builders import build_world as canvass_world
from groundswell.phonebank.models import CallCampaign, SessionCaller
from groundswell.phonebank.tests.world import build_world as phonebank_world

pytestmark = pytest.mark.django_db


def test_a_canvasser_sees_their_walk_and_what_to_do_now(client):
    world = canvass_world()
    client.force_login(world.canvasser)
    page = client.get(reverse("core:dashboard")).content.decode()
    link = f"{reverse('canvassing:doorstep')}#/walk/{world.walk.pk}"
    assert "What to do now" in page and f'href="{link}"' in page
    assert world.walk.name in page
    client.force_login(world.other_canvasser)
    assert f"#/walk/{world.walk.pk}" not in client.get(reverse("core:dashboard")).content.decode()


def test_a_caller_finds_their_phonebank_by_clicking(client):
    world = phonebank_world(people=2)
    world.campaign.status = CallCampaign.Status.ACTIVE
    world.campaign.save()
    client.force_login(world.caller)
    home = client.get(reverse("core:dashboard")).content.decode()
    assert f'href="{reverse("phonebank:mine")}"' in home  # "Calling" in the navigation
    assert reverse("phonebank:join", args=[world.session.token]) in home
    mine = client.get(reverse("phonebank:mine")).content.decode()
    assert reverse("phonebank:join", args=[world.session.token]) in mine
    # Once joined, the home page's one thing to do now is to carry on calling.
    SessionCaller.objects.create(session=world.session, user=world.caller)
    home = client.get(reverse("core:dashboard")).content.decode()
    assert "Carry on calling" in home and reverse("phonebank:call", args=[world.session.token]) in home


def test_a_caller_elsewhere_is_not_offered_the_session(client):
    world = phonebank_world(people=1)
    world.campaign.status = CallCampaign.Status.ACTIVE
    world.campaign.save()
    other = canvass_world()  # another constituency's canvasser: no calling role here
    client.force_login(other.canvasser)
    assert world.session.token not in client.get(reverse("phonebank:mine")).content.decode()
