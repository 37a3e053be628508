"""The demo's tour: the leader's two days through Berkshire and the neighbouring target seats at the 2024 general
election, routed on England's Strategic Road Network, with a day rate of £461 entered by the organiser. Day one
runs from Westminster along the M4 to Maidenhead (a national rally, published), Wokingham and Reading Central;
day two from Reading to Earley and Woodley, Newbury and Swindon, ending in Bristol. The Reading Central agent has
accepted that seat's attributions; one stop's checklist is fully checked (green), one half done (amber).
All synthetic; built once (a second run finds the tour and stops)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction

from groundswell.accounts.models import User
from groundswell.people.models import OrganisationUnit
from groundswell.spending.elections import create_candidacy
from groundswell.spending.models import Candidacy, Election

from . import services
from .models import Attribution, Stop, Tour, TourMember
from .planning import PlanRefused

DEMO_TOUR = "Leader's tour: Berkshire and the M4"
ELECTION = "parl.2024-07-04"
# The seats with a ledger: Reading East's successors and their neighbours (2024 codes).
SEATS = {"E14001438": "Reading Central", "E14001210": "Earley and Woodley", "E14001593": "Wokingham",
         "E14001376": "Newbury"}  # fmt: skip
DAY_ONE = [  # title, purpose, seat code (candidate stops), venue, lat, lon, window
    ("Rally in Maidenhead", "national", "", "Kidwells Park", 51.5246, -0.7160, (10, 12)),
    ("Wokingham town centre walkabout", "candidate", "E14001593", "Market Place", 51.4112, -0.8339, (12, 15)),
    ("Reading Central: meet the candidate", "candidate", "E14001438", "Town Hall Square", 51.4564, -0.9702, (15, 18)),
]
DAY_TWO = [
    ("Earley and Woodley breakfast", "candidate", "E14001210", "Woodley Precinct", 51.4530, -0.9020, (8, 10)),
    ("Newbury market visit", "candidate", "E14001376", "Market Place", 51.4014, -1.3231, (10, 13)),
    ("Swindon speech", "national", "", "Wyvern Theatre", 51.5600, -1.7814, (13, 16)),
]


def build_tours_demo(say: Callable[[str], None] = lambda m: None) -> Tour | None:
    found = Tour.objects.filter(name=DEMO_TOUR).first()
    if found is not None:
        return found
    election = Election.objects.filter(election_id=ELECTION).first()
    national = OrganisationUnit.objects.filter(kind="national").order_by("pk").first()
    users = {u.email: u for u in User.objects.filter(email__in=[
        "admin@example.org", "organiser@example.org", "volunteer@example.org", "agent@example.org",
        "coordinator@example.org", "treasurer@example.org"])}  # fmt: skip
    clp = OrganisationUnit.objects.filter(code__startswith="CLP-").order_by("pk").first()
    if election is None or national is None or clp is None or len(users) < 6:
        return None
    admin, organiser = users["admin@example.org"], users["organiser@example.org"]
    volunteer, agent = users["volunteer@example.org"], users["agent@example.org"]
    try:
        with transaction.atomic():
            ledgers = {}
            for code in SEATS:
                ledgers[code] = Candidacy.objects.filter(election=election, constituency__code=code).first() or (
                    create_candidacy(actor=admin, election_id=ELECTION, constituency_code=code, unit=clp,
                                     candidate_name=f"Demo candidate ({SEATS[code]})", electorate=73_000,
                                     electorate_source="demo: notice of election", agent=agent)
                )  # fmt: skip
            tour = services.create_tour(actor=admin, unit=national, election=election, name=DEMO_TOUR,
                                        day_rate_pence=461_00, vehicles="Coach (demo)",
                                        minimise_local=True)  # fmt: skip
            services.add_member(actor=admin, tour=tour, user=organiser, role=TourMember.Role.MANAGER)
            services.add_member(actor=admin, tour=tour, user=volunteer, role=TourMember.Role.ADVANCE)
            services.add_member(actor=admin, tour=tour, user=users["coordinator@example.org"],
                                role=TourMember.Role.DRIVER)  # fmt: skip
            days = [
                services.add_day(actor=admin, tour=tour, date=dt.date(2024, 6, 24),
                                 start=("Westminster", 51.4995, -0.1248), end=("Reading", 51.4585, -0.9711)),
                services.add_day(actor=admin, tour=tour, date=dt.date(2024, 6, 25),
                                 start=("Reading", 51.4585, -0.9711), end=("Bristol", 51.4491, -2.5813)),
            ]  # fmt: skip
            stops = []
            for day, rows in zip(days, (DAY_ONE, DAY_TWO), strict=True):
                for title, purpose, code, venue, lat, lon, (h1, h2) in rows:
                    stops.append(services.add_stop(
                        actor=admin, day=day, title=title, purpose=purpose, venue_name=venue, latitude=lat,
                        longitude=lon, window=(dt.time(h1), dt.time(h2)), candidacy=ledgers.get(code),
                        own_costs_pence=150_00 if purpose == "national" else 60_00, stewards_needed=6,
                    ))  # fmt: skip
            for day in days:
                services.plan_day(actor=admin, day=day)
            for a in Attribution.objects.filter(stop__day__tour=tour, candidacy__constituency__code="E14001438"):
                services.decide(actor=agent, attribution=a, accept=True)
            for a in Attribution.objects.filter(day__tour=tour, candidacy__isnull=True, stop__isnull=False):
                services.decide(actor=users["treasurer@example.org"], attribution=a, accept=True)
            rally, reading = stops[0], stops[2]
            for item in rally.checklist.all():
                services.confirm_item(actor=volunteer, item=item, detail="confirmed with the venue (demo)")
                services.check_item(actor=organiser, item=item)
            for i, item in enumerate(reading.checklist.all()):
                services.confirm_item(actor=volunteer, item=item, detail="arranged (demo)")
                if i % 2 == 0:
                    services.check_item(actor=organiser, item=item)
            services.confirm_stop(actor=admin, stop=rally)
            services.publish_stop(actor=admin, stop=rally)
            services.confirm_stop(actor=admin, stop=reading)
    except (ValidationError, PlanRefused) as exc:
        say(f"Skipped the tours demo: {exc}")
        return None
    say(f"Built the tours demo: {DEMO_TOUR}, 2 days, {Stop.objects.filter(day__tour=tour).count()} stops")
    return tour
