"""The demo's donations ledger: the central party and Reading East CLP (the seat the demo's register is on) as
accounting units, with small online gifts (below £500, not PPERA donations), a company's £15,000 to the central
party accepted with its evidence (above the £11,180 reporting figure), a gift from somebody on no register checked
impermissible and returned to the donor, a donor whose name and address match the imported register awaiting the
treasurer's confirmation, a trade union's gift in kind, and one gift past its 30 days without a decision. All
synthetic; built once (a second run finds the ledger and stops)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import transaction

from groundswell.accounts.models import Role, RoleAssignment
from groundswell.people.models import OrganisationUnit
from groundswell.register.selectors import live_electors

from . import services
from .models import AccountingUnit, DonorDetails

READING_EAST = "E14000889"


def build_donations_demo(say: Callable[[str], None] = lambda m: None) -> AccountingUnit | None:
    national = OrganisationUnit.objects.filter(parent__isnull=True).order_by("pk").first()
    clp = OrganisationUnit.objects.filter(code=f"CLP-{READING_EAST}").first()
    if national is None or clp is None:
        return None
    existing = AccountingUnit.objects.filter(unit=clp).first()
    if existing is not None and existing.donations.exists():
        return existing
    role = RoleAssignment.objects.filter(role=Role.TREASURER).select_related("user").first()
    actor = role.user if role else None
    today = dt.date.today()
    ago = lambda days: today - dt.timedelta(days=days)  # noqa: E731 - a one-line helper
    with transaction.atomic():
        central = services.register_accounting_unit(national, name=f"{national.name} (central party)",
                                                    is_central=True, ec_reference="PP0000")  # fmt: skip
        local = services.register_accounting_unit(clp, name=f"{clp.name} (accounting unit)")
        for i, (name, pounds) in enumerate([("Sam Patel", 25), ("Alex Morgan", 10), ("Jo Evans", 50),
                                             ("Chris Taylor", 120), ("Priya Shah", 15)]):  # fmt: skip
            services.record_donation(
                accounting_unit=local, amount_pence=pounds * 100, received_on=ago(20 + 9 * i), channel="online",
                donor=DonorDetails(donor_type="individual", full_name=name, email=f"donor{i}@example.org"),
                reference=f"demo-online-{i}",
            )  # fmt: skip
        company = services.record_donation(
            accounting_unit=central, amount_pence=15_000_00, received_on=ago(45), channel="transfer", actor=actor,
            donor=DonorDetails(donor_type="company", full_name="Demo Widgets Ltd", address_line1="1 Foundry Lane",
                               town="Reading", postcode="RG1 8AA", company_number="01234567",
                               carrying_on_business_in_uk=True),
            reference="demo-company",
        )  # fmt: skip
        services.record_check(company, actor=actor, outcome="permissible", on=ago(40),
                              note="Companies House: active, accounts filed; trading in Reading")  # fmt: skip
        services.accept_donation(company, actor=actor, on=ago(40))
        abroad = services.record_donation(
            accounting_unit=local, amount_pence=2_000_00, received_on=ago(35), channel="cheque", actor=actor,
            donor=DonorDetails(donor_type="individual", full_name="Morgan Abroad", address_line1="4 Rue Synthétique",
                               town="Lyon", postcode="69001", country="France", on_register_declared=False),
            reference="demo-cheque-1",
        )  # fmt: skip
        services.record_check(abroad, actor=actor, outcome="impermissible", on=ago(30),
                              note="On no UK electoral register and not an overseas elector")  # fmt: skip
        services.return_donation(abroad, actor=actor, to="donor", method="cheque 000101 posted to the donor",
                                 on=ago(28))  # fmt: skip
        union = services.record_donation(
            accounting_unit=local, amount_pence=900_00, received_on=ago(15), channel="in_kind", actor=actor,
            description="Use of the union hall and PA for a public meeting", nature="non_cash",
            donor=DonorDetails(donor_type="trade_union", full_name="Demo Workers' Union (Reading branch)",
                               address_line1="2 Union Street", town="Reading", postcode="RG1 1AA"),
        )  # fmt: skip
        services.record_check(union, actor=actor, outcome="permissible", on=ago(12),
                              note="Listed by the Certification Officer")  # fmt: skip
        services.accept_donation(union, actor=actor, on=ago(12))
        elector = live_electors(READING_EAST).select_related("household").filter(household__isnull=False).first()
        if elector is not None:
            lines = list(elector.household.address_lines or []) + ["", ""]
            services.record_donation(
                accounting_unit=local, amount_pence=1_000_00, received_on=ago(9), channel="cheque", actor=actor,
                donor=DonorDetails(donor_type="individual", full_name=elector.full_name, address_line1=lines[0],
                                   address_line2=lines[1], postcode=elector.household.postcode,
                                   on_register_declared=True),
                reference="demo-cheque-2",
            )  # fmt: skip
        services.record_donation(
            accounting_unit=local, amount_pence=750_00, received_on=ago(38), channel="cash", actor=actor,
            donor=DonorDetails(donor_type="individual", full_name="Pat Undecided", address_line1="9 Elm Road",
                               town="Reading", postcode="RG1 2BB"),
            reference="demo-cash-1",
        )  # fmt: skip
    say("Built the donations ledger (central party and Reading East)")
    return local
