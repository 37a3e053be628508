"""Shared set-up for the events tests: a unit tree, a few postcodes with real-looking points, event factories."""

from __future__ import annotations

import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from groundswell.geography.models import Postcode
from groundswell.tests.factories import UnitFactory

from .. import geo
from ..models import Event

READING = (51.4545, -0.9781)
KM_PER_DEG_LAT = 111.195  # on the mean-radius sphere geo.haversine_km uses


def north_of(point: tuple[float, float], km: float) -> tuple[float, float]:
    return point[0] + km / KM_PER_DEG_LAT, point[1]


def add_postcode(code: str, lat: float, lon: float, constituency: str = "E14000889") -> Postcode:
    return Postcode.objects.create(postcode=code, latitude=lat, longitude=lon, constituency_code=constituency)


class EventFactory(DjangoModelFactory):
    class Meta:
        model = Event

    unit = factory.SubFactory(UnitFactory)
    kind = Event.Kind.CANVASS
    title = factory.Sequence(lambda n: f"Event {n}")
    starts_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=3))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=2))
    latitude = READING[0]
    longitude = READING[1]
    grid_cell = factory.LazyAttribute(lambda o: geo.cell_of(o.latitude, o.longitude))
    venue_name = "Town hall"
    postcode = "RG1 1AA"
    status = Event.Status.PUBLISHED
    visibility = Event.Visibility.PUBLIC
