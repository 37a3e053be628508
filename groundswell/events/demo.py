"""The demo's events: a few hundred at real places in several constituencies (random points inside the real
boundaries), a campaign meetup in Reading East with its follow-ups (one linked to the demo call campaign, one to
the demo canvass campaign, so the meetup page shows calls made and doors knocked), and the discussion event
"Social care: what do you want?" in Reading East."""

from __future__ import annotations

import datetime
import json
import random
from collections.abc import Callable
from zoneinfo import ZoneInfo

import numpy as np
from django.utils import timezone
from faker import Faker
from shapely.geometry import shape

from groundswell.accounts.access import within_units
from groundswell.accounts.models import User
from groundswell.canvassing.models import CanvassCampaign
from groundswell.geography.lookup import lookup_point
from groundswell.geography.models import Constituency, Postcode
from groundswell.geography.points import random_point_in
from groundswell.geography.selectors import constituencies
from groundswell.people.models import OrganisationUnit, Person
from groundswell.phonebank.models import CallCampaign, PhonebankSession

from . import geo
from .models import RSVP, Event
from .services import lifecycle, meetups

SOCIAL_CARE = "Social care: what do you want?"
READING_EAST = "E14000889"
# Events are new work, so they are in the current (2024) boundary set's seats: Reading's two successors to
# Reading East, and these elsewhere.
READING_SEATS = ["Reading Central", "Earley and Woodley"]
OTHER_SEATS = [
    "Bristol Central",
    "Manchester Central",
    "Cardiff East",
    "Leeds North West",
    "Brighton Pavilion",
    "Glasgow North",
    "Edinburgh North and Leith",
    "Norwich South",
    "Oxford East",
    "Sheffield Central",
]
TITLES = {
    "canvass": ["Saturday doorknocking", "Evening canvass", "Canvass and coffee"],
    "phonebank": ["Phonebank night", "Call our members", "Calling for change"],
    "meetup": ["Campaign meetup", "Organising meeting"],
    "discussion": ["Housing: your say", "Cost of living forum", "Climate and jobs discussion"],
    "stall": ["Street stall", "Market stall", "High street stall"],
    "training": ["New canvasser training", "Data protection basics", "Running a phonebank"],
    "social": ["Pub social", "Picnic in the park", "Quiz night"],
}
VENUES = ["Community centre", "Library meeting room", "Methodist hall", "The Red Lion (back room)", "Town square"]


def _random_point(constituency: Constituency, rng: random.Random) -> tuple[float, float]:
    # The full outline, not the map's simplified one: a point in a simplified bulge can lie outside every seat.
    return random_point_in(shape(json.loads(constituency.geometry or constituency.simplified)), rng)


# A venue's postcode is the nearest one in the postcode table within this distance (degrees; about 1.5 km).
NEAREST_POSTCODE_DEGREES = 0.015


class _Venues:
    """Street addresses and postcodes for demo venues, so every event page and email says where to go: a made-up
    street and number, and the nearest real postcode the demo has loaded (none where it has none nearby)."""

    def __init__(self, rng: random.Random) -> None:
        rows = list(Postcode.objects.filter(latitude__isnull=False).values_list("postcode", "latitude", "longitude"))
        self.codes = [r[0] for r in rows]
        self.points = np.array([(r[1], r[2]) for r in rows], dtype=float).reshape(-1, 2)
        self.rng = rng
        self.fake = Faker("en_GB")
        self.fake.seed_instance(rng.randint(0, 10**6))

    def place(self, lat: float, lon: float) -> dict[str, str]:
        address = f"{self.rng.randint(1, 120)} {self.fake.street_name()}"
        if not len(self.points):
            return {"address": address, "postcode": ""}
        distances = np.abs(self.points - (lat, lon)).max(axis=1)
        nearest = int(distances.argmin())
        postcode = self.codes[nearest] if distances[nearest] <= NEAREST_POSTCODE_DEGREES else ""
        return {"address": address, "postcode": postcode}


def _unit_for(constituency: Constituency, national: OrganisationUnit) -> OrganisationUnit:
    unit, _ = OrganisationUnit.objects.get_or_create(
        code=f"CLP-{constituency.code}",
        defaults={
            "name": f"{constituency.name} constituency party",
            "kind": OrganisationUnit.Kind.CONSTITUENCY,
            "parent": national,
            "constituency": constituency,
        },
    )
    return unit


def _when(rng: random.Random, now: datetime.datetime) -> datetime.datetime:
    day = (now + datetime.timedelta(days=rng.randint(0, 60))).astimezone(ZoneInfo("Europe/London")).date()
    hour = rng.choice([10, 11, 14, 18, 19])
    return lifecycle.local_datetime(day, datetime.time(hour, rng.choice([0, 30])))


def build_events_demo(say: Callable[[str], None] = lambda m: None) -> None:
    if Event.objects.filter(title=SOCIAL_CARE).exists():
        say("Demo events already built.")
        return
    rng = random.Random(2026)
    now = timezone.now()
    national = OrganisationUnit.objects.get(code="NATIONAL")
    organiser = User.objects.filter(email="organiser@example.org").first()
    volunteer = User.objects.filter(email="volunteer@example.org").first()
    seats = list(constituencies().filter(name__in=OTHER_SEATS + READING_SEATS).order_by("name"))
    venues = _Venues(rng)
    made = 0
    for seat in seats:
        unit = _unit_for(seat, national)
        per_seat = 60 if seat.name in READING_SEATS else 25
        for _ in range(per_seat):
            kind = rng.choice(list(TITLES))
            lat, lon = _random_point(seat, rng)
            starts = _when(rng, now)
            lifecycle.create_event(
                unit,
                actor=organiser,
                hosts=[organiser] if organiser else [],
                kind=kind,
                title=f"{rng.choice(TITLES[kind])}, {seat.name}",
                starts_at=starts,
                ends_at=starts + datetime.timedelta(hours=2),
                venue_name=rng.choice(VENUES),
                **venues.place(lat, lon),
                latitude=round(lat, 6),
                longitude=round(lon, 6),
                capacity=rng.choice([None, None, 12, 20, 40]),
                accessibility=rng.choice(["", "Step-free access; accessible toilet.", "Hearing loop available."]),
                visibility=rng.choice(["public"] * 8 + ["members", "invite"]),
            )
            made += 1
    say(f"Created {made} demo events in {len(seats)} constituencies.")
    # The campaign's own party is Reading East's (2010 set), whose register and branches the demo builds.
    reading = Constituency.objects.filter(boundary_set="2010", code=READING_EAST).first()
    if reading is None:
        return
    clp = _unit_for(reading, national)
    lat, lon = _random_point(reading, rng)
    # Held three days ago: the surveys demo files the room's answers against it, and its page now points those
    # who could not come to the online survey.
    held_on = (now - datetime.timedelta(days=3)).astimezone(ZoneInfo("Europe/London")).date()
    starts = lifecycle.local_datetime(held_on, datetime.time(18, 30))
    lifecycle.create_event(
        clp,
        actor=organiser,
        hosts=[organiser] if organiser else [],
        kind=Event.Kind.DISCUSSION,
        title=SOCIAL_CARE,
        description=(
            "Social care touches every family. Come and tell us what you want from it: what works, what doesn't, "
            "and what we should campaign for. Tea, coffee and a short survey."
        ),
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        venue_name="Central Library",
        **venues.place(lat, lon),
        latitude=round(lat, 6),
        longitude=round(lon, 6),
        capacity=60,
        accessibility="Step-free access, hearing loop, accessible toilet.",
    )
    _build_meetup(clp, reading, organiser, volunteer, rng, now, venues)
    say("Demo campaign meetup with follow-ups and the social care discussion created.")


def _build_meetup(clp, reading, organiser, volunteer, rng, now, venues: _Venues) -> None:
    lat, lon = _random_point(reading, rng)
    meetup = lifecycle.create_event(
        clp,
        actor=organiser,
        hosts=[h for h in (organiser, volunteer) if h],
        kind=Event.Kind.MEETUP,
        title="Reading East campaign meetup",
        starts_at=now - datetime.timedelta(days=10, hours=2),
        ends_at=now - datetime.timedelta(days=10),
        venue_name="Town Hall",
        **venues.place(lat, lon),
        latitude=lat,
        longitude=lon,
        description="Our big autumn meeting: small groups by branch plan what comes next.",
    )
    people = list(Person.objects.filter(within_units([clp]), synthetic=True).order_by("id")[:24])
    for person in people:
        meetups.sign_up(meetup, person, "demo", organiser)
    branches = list(OrganisationUnit.objects.filter(parent=clp).order_by("name")[:3])
    call_campaign = CallCampaign.objects.filter(within_units([clp])).order_by("id").first()
    session = PhonebankSession.objects.filter(campaign=call_campaign).order_by("id").first() if call_campaign else None
    canvass = CanvassCampaign.objects.filter(within_units([clp])).order_by("id").first()
    # Times chosen to cover the demo's calls (the last hour) and one day of its canvass contacts.
    plans = [
        (
            "phonebank",
            now - datetime.timedelta(minutes=75),
            {"call_campaign": call_campaign, "phonebank_session": session},
        ),
        ("canvass", now - datetime.timedelta(days=8, hours=2), {"canvass_campaign": canvass}),
        ("canvass", now + datetime.timedelta(days=5), {"canvass_campaign": canvass}),
    ]
    for i, (branch, (kind, starts, links)) in enumerate(zip(branches, plans, strict=False)):
        lat, lon = _random_point(reading, rng)
        follow = Event(
            unit=branch,
            kind=kind,
            title=f"{branch.name}: {'phonebank' if kind == 'phonebank' else 'canvass'}",
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=4),
            latitude=lat,
            longitude=lon,
            venue_name=rng.choice(VENUES),
            **venues.place(lat, lon),
            meetup=meetup,
            meetup_group=f"Table {i + 1}: {branch.name}",
            **{k: v for k, v in links.items() if v is not None},
        )
        # Past follow-ups go in directly (an RSVP to a finished event is refused, rightly).
        follow.grid_cell = geo.cell_of(lat, lon)
        # The current set's seat, as lifecycle._locate stores it for every other event (not the 2010 code).
        follow.constituency_code = lookup_point(lat, lon).constituency_code or ""
        follow.save()
        if organiser:
            follow.hosts.add(organiser)
        for person in people[i * 8 : i * 8 + 8]:
            RSVP.objects.get_or_create(event=follow, person=person, defaults={"source": "meetup table"})
