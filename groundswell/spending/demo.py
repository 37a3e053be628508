"""The demo's spending ledger: Reading East at the 2019 general election (the seat the demo's register and walks
are on), kept by the demo election agent. A realistic mix: leaflets apportioned from the canvass walks they were
delivered along, a hall for a public meeting, an office lent free (notional spending), posters, a regional
battlebus visit (national money reaching the seat), and invoices to download with the return. All synthetic;
built once (a second run finds the ledger and stops)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from groundswell.accounts.models import Role, RoleAssignment
from groundswell.canvassing.models import Walk
from groundswell.events.models import Event
from groundswell.people.models import EmailAddress, OrganisationUnit, Person

from . import services
from .apportion import households_by_constituency
from .elections import create_candidacy
from .models import Candidacy, Election
from .services import Split

DEMO_ELECTION = "parl.2019-12-12"
READING_EAST = "E14000889"
# A one-page PDF, the smallest a viewer opens: the demo's invoices.
INVOICE_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def _invoice(agent, election, unit, name: str):
    upload = SimpleUploadedFile(name, INVOICE_PDF, content_type="application/pdf")
    return services.upload_evidence(actor=agent, election=election, unit=unit, upload=upload)


def build_spending_demo(say: Callable[[str], None] = lambda m: None) -> Candidacy | None:
    election = Election.objects.filter(election_id=DEMO_ELECTION).first()
    clp = OrganisationUnit.objects.filter(code=f"CLP-{READING_EAST}").first()
    agent_role = RoleAssignment.objects.filter(role=Role.ELECTION_AGENT, unit=clp).select_related("user").first()
    treasurer_role = RoleAssignment.objects.filter(role=Role.TREASURER).select_related("user", "unit").first()
    if election is None or clp is None or agent_role is None:
        return None
    found = Candidacy.objects.filter(election=election, constituency__code=READING_EAST).first()
    if found is not None:
        return found
    agent = agent_role.user
    with transaction.atomic():
        if agent.person is None:  # warnings and reminders go through messaging, which writes to people
            agent.person = Person.objects.create(
                unit=clp, given_name="Demo", family_name="Agent", normalised_name="demo agent", synthetic=True
            )
            agent.save(update_fields=["person"])
            EmailAddress.objects.create(person=agent.person, address=agent.email.lower(), primary=True)
        seat = create_candidacy(
            actor=agent, election_id=DEMO_ELECTION, constituency_code=READING_EAST, unit=clp,
            candidate_name="Demo Candidate", agent=agent,
        )  # fmt: skip
        if seat.electorate is None:  # no register imported: the RO's published figure, with its source
            seat.electorate, seat.electorate_source = 75_000, "demo: notice of election"
            seat.save(update_fields=["electorate", "electorate_source"])
        common = {"actor": agent, "election": election, "unit": clp}
        walks = list(Walk.objects.filter(campaign__constituency=seat.constituency).values_list("pk", flat=True)[:40])
        households = households_by_constituency(walks).get(seat.constituency_id, 0)
        leaflet_note = f"households on {len(walks)} canvass walks ({households} doors)"
        services.record_item(
            **common, description="Election address leaflets, 40,000 full colour", supplier="Thames Valley Print",
            invoice_number="TVP-2019-118", amount_pence=2_340_00, category="unsolicited", status="paid",
            incurred_on=dt.date(2019, 11, 12), invoice_received_on=dt.date(2019, 11, 15),
            paid_on=dt.date(2019, 11, 29), authorised_by="agent", method="households", method_note=leaflet_note,
            walk_ids=walks, splits=[Split(seat, basis=max(households, 1))],
            evidence=[_invoice(agent, election, clp, "tvp-2019-118.pdf")],
        )  # fmt: skip
        meeting = Event.objects.filter(constituency_code=READING_EAST).order_by("pk").first()
        services.record_item(
            **common, description="Hall hire and PA for the public meeting (Town Hall)", supplier="Reading Town Hall",
            invoice_number="RTH-5521", amount_pence=385_00, category="meetings", status="paid",
            incurred_on=dt.date(2019, 11, 28), paid_on=dt.date(2019, 12, 2), authorised_by="candidate",
            event=meeting, splits=[Split(seat)], evidence=[_invoice(agent, election, clp, "rth-5521.pdf")],
        )  # fmt: skip
        services.record_item(
            **common, description="Campaign office lent free by a supporter (5 weeks)", supplier="A supporter",
            amount_pence=750_00, market_value_pence=750_00, category="accommodation", status="paid",
            incurred_on=dt.date(2019, 11, 7), authorised_by="agent", notional=True,
            notional_tests={key: True for key in services.NOTIONAL_TESTS}, splits=[Split(seat)],
        )  # fmt: skip
        posters = services.record_item(
            **common, description="Correx posters and stakes", supplier="SignFast", invoice_number="SF-0093",
            amount_pence=186_40, category="advertising", status="invoiced", incurred_on=dt.date(2019, 11, 20),
            authorised_by="agent", splits=[Split(seat)],
        )  # fmt: skip
        services.set_disputed(
            actor=agent, item=posters, disputed=True, note="60 of the 200 stakes were never delivered"
        )
        services.record_personal_expense(
            actor=agent, candidacy=seat, description="Candidate's rail fares to hustings", amount_pence=38_60,
            incurred_on=dt.date(2019, 11, 26), paid_on=dt.date(2019, 11, 26),
        )  # fmt: skip
        services.record_item(
            **common, description="Polling-day committee room refreshments", supplier="Co-op",
            amount_pence=45_00, category="accommodation", status="planned", incurred_on=dt.date(2019, 12, 12),
            authorised_by="agent", splits=[Split(seat)],
        )  # fmt: skip
        if treasurer_role is not None:
            bus_invoice = _invoice(treasurer_role.user, election, treasurer_role.unit, "cw-77.pdf")
            services.record_item(
                actor=treasurer_role.user, election=election, unit=treasurer_role.unit,
                description="Regional battlebus visit: activists' transport (the seat's share)",
                supplier="Coachways", invoice_number="CW-77", amount_pence=610_00, category="transport",
                status="paid", incurred_on=dt.date(2019, 12, 7), paid_on=dt.date(2019, 12, 9), authorised_by="agent",
                splits=[Split(seat)], evidence=[bus_invoice],
            )  # fmt: skip
    say(f"Built the spending ledger for Reading East ({DEMO_ELECTION})")
    return seat
