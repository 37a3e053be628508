"""A small spending world: two 2024 seats (a borough and a county) with their constituency parties, an agent,
a sub-agent, a treasurer, an auditor and the governing body."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.core.files.uploadedfile import SimpleUploadedFile

from groundswell.accounts.models import Role
from groundswell.geography.models import Constituency
from groundswell.spending import services
from groundswell.spending.elections import create_candidacy
from groundswell.spending.models import Election
from groundswell.tests.factories import EmailFactory, PersonFactory, UnitTreeFactory, user_with_role

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
JUNE = dt.date(2024, 6, 12)


def pdf(name: str = "invoice.pdf", data: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def build_world() -> SimpleNamespace:
    units = UnitTreeFactory.build_tree()
    borough = Constituency.objects.create(code="E14001124", name="Brentford and Isleworth", boundary_set_id="2024")
    county = Constituency.objects.create(code="E14001201", name="Dorking and Horley", boundary_set_id="2024")
    units.clp_a.constituency = borough
    units.clp_a.save()
    units.clp_b.constituency = county
    units.clp_b.save()
    admin = user_with_role(Role.ADMINISTRATOR, units.national)
    agent = user_with_role(Role.ELECTION_AGENT, units.clp_a, email="agent@example.org")
    sub_agent = user_with_role(Role.SUB_AGENT, units.clp_a)
    agent_b = user_with_role(Role.ELECTION_AGENT, units.clp_b)
    # Messaging writes to people: each agent's login is linked to their person record and its email address.
    for user, unit in ((agent, units.clp_a), (agent_b, units.clp_b)):
        user.person = PersonFactory(unit=unit)
        user.save(update_fields=["person"])
        EmailFactory(person=user.person, address=user.email)
    treasurer = user_with_role(Role.TREASURER, units.national)
    auditor = user_with_role(Role.AUDITOR, units.national)
    board = user_with_role(Role.GOVERNING_BODY, units.national)
    election = Election.objects.get(election_id="parl.2024-07-04")
    seat_a = create_candidacy(
        actor=admin, election_id=election.election_id, constituency_code="E14001124", unit=units.clp_a,
        candidate_name="A Candidate", electorate=77_874, electorate_source="RO notice", agent=agent,
    )  # fmt: skip
    seat_b = create_candidacy(
        actor=admin, election_id=election.election_id, constituency_code="E14001201", unit=units.clp_b,
        candidate_name="B Candidate", electorate=69_943, electorate_source="Mole Valley RO notice", agent=agent_b,
    )  # fmt: skip
    return SimpleNamespace(
        units=units, borough=borough, county=county, admin=admin, agent=agent, sub_agent=sub_agent, agent_b=agent_b,
        treasurer=treasurer, auditor=auditor, board=board, election=election, seat_a=seat_a, seat_b=seat_b,
    )  # fmt: skip


def item(w: SimpleNamespace, *, actor=None, unit=None, splits=None, **fields):
    """A leaflet invoice in seat A unless told otherwise."""
    base = {
        "description": "Leaflets", "supplier": "Print Co", "invoice_number": "", "amount_pence": 150_00,
        "category": "unsolicited", "incurred_on": JUNE, "authorised_by": "agent",
    }  # fmt: skip
    return services.record_item(
        actor=actor or w.agent,
        election=w.election,
        unit=unit or w.units.clp_a,
        splits=splits or [services.Split(w.seat_a)],
        **{**base, **fields},
    )
