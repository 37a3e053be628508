"""A small tours world on the real data: Berkshire's 2024 seats (boundaries from data/boundaries), ledgers for
three of them, the tour's organiser, team, agents, a volunteer; and the real road network file."""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from pathlib import Path
from types import SimpleNamespace

import shapely
from django.conf import settings

from groundswell.accounts.models import Role
from groundswell.geography.boundaries import read_features
from groundswell.geography.geometry import drop_collapsed_rings
from groundswell.geography.models import Constituency
from groundswell.spending import services as ledger
from groundswell.spending.elections import candidacy_limit, create_candidacy
from groundswell.spending.models import Election
from groundswell.tests.factories import UnitTreeFactory, user_with_role
from groundswell.tours import services
from groundswell.tours.crossings import SeatIndex
from groundswell.tours.models import Stop, TourMember

DAY = dt.date(2024, 6, 20)
BERKSHIRE = {
    "READING": "E14001438",  # Reading Central
    "EARLEY": "E14001210",  # Earley and Woodley
    "READING_WEST": "E14001439",  # Reading West and Mid Berkshire
    "NEWBURY": "E14001376",
    "WOKINGHAM": "E14001593",
    "MAIDENHEAD": "E14001348",
    "WINDSOR": "E14001588",
    "SLOUGH": "E14001477",
    "BRACKNELL": "E14001117",
}
WESTMINSTER = ("Westminster", 51.4995, -0.1248)
BRISTOL = ("Bristol Temple Meads", 51.4491, -2.5813)
READING_TOWN_HALL = (51.4564, -0.9702)
NEWBURY_MARKET = (51.4014, -1.3231)
MAIDENHEAD_CENTRE = (51.5228, -0.7199)


def boundaries_path() -> Path:
    return Path(settings.DATA_DIR) / "boundaries" / "uk_westminster_2024_bgc.topojson"


@cache
def features() -> dict[str, tuple[str, str]]:
    out = {}
    for f in read_features(boundaries_path()):
        geometry, _ = drop_collapsed_rings(f["geometry"])
        out[f["properties"]["PCON24CD"]] = (f["properties"]["PCON24NM"], json.dumps(geometry))
    return out


@cache
def seat_index() -> SeatIndex:
    return SeatIndex.from_file(boundaries_path())


def load_seats(codes: list[str]) -> dict[str, Constituency]:
    out = {}
    for code in codes:
        name, geometry = features()[code]
        minx, miny, maxx, maxy = shapely.from_geojson(geometry).bounds
        out[code] = Constituency.objects.create(code=code, name=name, boundary_set_id="2024", geometry=geometry,
                                                min_lon=minx, min_lat=miny, max_lon=maxx, max_lat=maxy)  # fmt: skip
    return out


def build_world(day_rate: int = 461_00, with_tour: bool = True) -> SimpleNamespace:
    units = UnitTreeFactory.build_tree()
    seats = load_seats(list(BERKSHIRE.values()))
    admin = user_with_role(Role.ADMINISTRATOR, units.national)
    organiser = user_with_role(Role.ORGANISER, units.national, email="organiser@example.org")
    other_organiser = user_with_role(Role.ORGANISER, units.national)
    advance = user_with_role(Role.VOLUNTEER, units.national)
    advance_2 = user_with_role(Role.VOLUNTEER, units.national)
    driver = user_with_role(Role.VOLUNTEER, units.national)
    volunteer = user_with_role(Role.VOLUNTEER, units.national)
    treasurer = user_with_role(Role.TREASURER, units.national)
    agent_reading = user_with_role(Role.ELECTION_AGENT, units.clp_a)
    agent_earley = user_with_role(Role.ELECTION_AGENT, units.clp_b)
    election = Election.objects.get(election_id="parl.2024-07-04")

    def ledger_for(key: str, unit, agent, electorate: int = 75_000):
        return create_candidacy(actor=admin, election_id=election.election_id, constituency_code=BERKSHIRE[key],
                                unit=unit, candidate_name=f"{key.title()} Candidate", electorate=electorate,
                                electorate_source="RO notice", agent=agent)  # fmt: skip

    reading = ledger_for("READING", units.clp_a, agent_reading)
    earley = ledger_for("EARLEY", units.clp_b, agent_earley)
    if not with_tour:
        return SimpleNamespace(**locals())
    tour = services.create_tour(actor=organiser, unit=units.national, election=election, name="Leader's tour",
                                day_rate_pence=day_rate, vehicles="Coach (Thames Travel)")  # fmt: skip
    services.add_member(actor=organiser, tour=tour, user=advance, role=TourMember.Role.ADVANCE)
    services.add_member(actor=organiser, tour=tour, user=driver, role=TourMember.Role.DRIVER)
    day = services.add_day(actor=organiser, tour=tour, date=DAY, start=WESTMINSTER, end=BRISTOL)
    return SimpleNamespace(**locals())


def reading_stop(w: SimpleNamespace, **kw) -> Stop:
    fields = dict(title="Rally in Reading", purpose=Stop.Purpose.CANDIDATE, venue_name="Town Hall",
                  latitude=READING_TOWN_HALL[0], longitude=READING_TOWN_HALL[1],
                  window=(dt.time(11, 0), dt.time(14, 0)), candidacy=w.reading)  # fmt: skip
    return services.add_stop(actor=w.organiser, day=w.day, **{**fields, **kw})


def fill_ledger(w: SimpleNamespace, candidacy, leave_pence: int) -> None:
    """Spend (planned) all but `leave_pence` of the seat's short-campaign limit."""
    limit = candidacy_limit(candidacy, "short").limit_pence
    agent = candidacy.agent
    ledger.record_item(actor=agent, election=w.election, unit=candidacy.unit, splits=[ledger.Split(candidacy)],
                       description="Leaflets", amount_pence=limit - leave_pence, category="unsolicited",
                       incurred_on=dt.date(2024, 6, 10), authorised_by="agent", status="planned")  # fmt: skip
