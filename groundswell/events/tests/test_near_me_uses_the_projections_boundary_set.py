"""'Near me' names target seats in the projection's boundary set and finds their events without mixing sets' codes:
events are stored under the current (2024) set's seat, and a 2010-set projection's seats find theirs by point."""

from __future__ import annotations

import pytest
from django.urls import reverse

from groundswell.geography.models import ConstituencyOverlap, Postcode
from groundswell.targeting.tests.builders import make_projection, make_projection_2024

from ..selectors import upcoming_public_events_by_constituency
from .world import EventFactory

pytestmark = pytest.mark.django_db


def test_events_are_found_by_the_current_sets_codes_by_default():
    make_projection_2024()
    event = EventFactory(constituency_code="E14001438", latitude=51.47, longitude=-0.93)
    assert upcoming_public_events_by_constituency(["E14001438"])["E14001438"][0]["url"] == f"/events/{event.pk}/"
    assert upcoming_public_events_by_constituency(["E14001438"], boundary_set="2024") != {}


def test_a_2010_seat_finds_the_events_inside_its_old_boundaries():
    make_projection()  # 2010 outlines: Reading East is the square at (-0.95, 51.45)
    make_projection_2024()  # 2024 outlines: Reading Central the same square, Earley and Woodley east of it
    ConstituencyOverlap.objects.create(
        from_set="2010", from_code="E14000889", to_set="2024", to_code="E14001438", population=1, share_of_from=1
    )
    inside = EventFactory(title="Inside", constituency_code="E14001438", latitude=51.47, longitude=-0.93)
    EventFactory(title="Elsewhere", constituency_code="E14001210", latitude=51.47, longitude=-0.88)
    found = upcoming_public_events_by_constituency(["E14000889"], boundary_set="2010")
    assert [e["title"] for e in found["E14000889"]] == [inside.title]
    # The 2024 code of the same place answers nothing when the asked set is 2010 (codes are not mixed).
    assert upcoming_public_events_by_constituency(["E14001438"], boundary_set="2010") == {}


def test_near_me_lists_the_nearest_2024_target_seats_and_their_events(client):
    make_projection()
    make_projection_2024()
    Postcode.objects.create(postcode="RG6 1AA", latitude=51.47, longitude=-0.88)  # in Earley and Woodley
    EventFactory(title="Earley street stall", constituency_code="E14001210", latitude=51.47, longitude=-0.88)
    response = client.get(reverse("events:near_me"), {"postcode": "RG6 1AA"})
    seats = response.context["seats"]
    assert seats[0].code == "E14001210" and seats[0].km == 0.0
    assert {s.code for s in seats} <= {"E14001438", "E14001210", "E14001439", "E14001348"}
    assert [e["title"] for e in seats[0].events] == ["Earley street stall"]
    page = response.content.decode()
    assert "Earley and Woodley" in page and "Reading East" not in page
    assert "constituencies on the 2024 boundaries" in page
