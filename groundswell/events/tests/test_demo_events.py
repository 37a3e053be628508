"""The demo's events: hundreds at real places inside the real boundaries, the Reading East meetup showing what
its follow-ups produced, and the social care discussion."""

from __future__ import annotations

import pytest

from groundswell.core.demo import build_demo
from groundswell.events import selectors
from groundswell.events.demo import SOCIAL_CARE
from groundswell.events.models import Event
from groundswell.geography.lookup import lookup_point

pytestmark = pytest.mark.django_db


def test_demo_events(data_dir):
    build_demo(people=150)
    assert Event.objects.count() >= 300
    assert len(set(Event.objects.values_list("constituency_code", flat=True))) >= 8
    for event in Event.objects.exclude(meetup__isnull=False).filter(latitude__isnull=False)[:40]:
        assert lookup_point(event.latitude, event.longitude).constituency_code == event.constituency_code
    social = Event.objects.get(title=SOCIAL_CARE)
    # Events are placed in the current (2024) set: Reading East's discussion is in one of its successors.
    assert social.constituency_code in {"E14001438", "E14001210"} and social.kind == Event.Kind.DISCUSSION
    assert social.unit.code == "CLP-E14000889"  # hosted by the Reading East party the demo is built around
    assert {"CLP-E14001438", "CLP-E14001210"} <= set(Event.objects.values_list("unit__code", flat=True))
    meetup = Event.objects.get(kind=Event.Kind.MEETUP, title="Reading East campaign meetup")
    outcomes = selectors.meetup_outcomes(meetup)
    assert outcomes["events"] == 3 and outcomes["people"] > 0
    assert outcomes["calls"] > 0 and outcomes["doors"] > 0
    count = Event.objects.count()
    build_demo(people=150)
    assert Event.objects.count() == count
