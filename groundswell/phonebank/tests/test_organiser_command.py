"""`groundswell phonebank build_targets CAMPAIGN_ID`."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from groundswell.phonebank.models import CallTarget
from groundswell.tests.factories import PersonFactory, PhoneFactory

from .world import build_world

pytestmark = pytest.mark.django_db


def test_build_targets_adds_newcomers_and_reports():
    world = build_world(people=2)
    PhoneFactory(person=PersonFactory(unit=world.clp), number="+447700911111")
    PersonFactory(unit=world.clp)  # no phone
    out = io.StringIO()
    call_command("phonebank", "build_targets", str(world.campaign.pk), "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["added"] == 1 and report["already_listed"] == 2 and report["not_contactable"] == 1
    assert CallTarget.objects.filter(campaign=world.campaign).count() == 3
    text = io.StringIO()
    call_command("phonebank", "build_targets", str(world.campaign.pk), "--no-progress", stdout=text)
    assert "0 added, 3 already listed" in text.getvalue()


def test_an_unknown_campaign_is_a_clear_error():
    with pytest.raises(CommandError, match="No call campaign with id 999"):
        call_command("phonebank", "build_targets", "999")
