"""A small donations world: the party tree, the central party and one CLP registered as accounting units, a
treasurer at each (logins linked to person records with email addresses), an auditor, and a helper to record."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from groundswell.accounts.models import Role
from groundswell.donations import services
from groundswell.donations.models import DonorDetails
from groundswell.tests.factories import EmailFactory, PersonFactory, UnitTreeFactory, user_with_role


def build_world() -> SimpleNamespace:
    units = UnitTreeFactory.build_tree()
    central = services.register_accounting_unit(units.national, name="The Party (central)", is_central=True)
    clp_a = services.register_accounting_unit(units.clp_a)
    treasurer = user_with_role(Role.TREASURER, units.national, email="treasurer@example.org")
    treasurer_a = user_with_role(Role.TREASURER, units.clp_a, email="treasurer-a@example.org")
    treasurer_b = user_with_role(Role.TREASURER, units.clp_b, email="treasurer-b@example.org")
    for user, unit in ((treasurer, units.national), (treasurer_a, units.clp_a)):
        user.person = PersonFactory(unit=unit)
        user.save(update_fields=["person"])
        EmailFactory(person=user.person, address=user.email)
    auditor = user_with_role(Role.AUDITOR, units.national, email="auditor@example.org")
    return SimpleNamespace(units=units, central=central, clp_a=clp_a, treasurer=treasurer, treasurer_a=treasurer_a,
                           treasurer_b=treasurer_b, auditor=auditor)  # fmt: skip


def individual(name: str = "Ada Lovelace", **extra) -> DonorDetails:
    base = {"donor_type": "individual", "full_name": name, "address_line1": "12 Abbey Road", "town": "Reading",
            "postcode": "RG1 1AA"}  # fmt: skip
    return DonorDetails(**{**base, **extra})


def give(w: SimpleNamespace, pounds: float | int, on: dt.date, *, au=None, donor=None, actor=None, **extra):
    return services.record_donation(
        accounting_unit=au or w.central, amount_pence=round(pounds * 100), received_on=on, channel=extra.pop(
            "channel", "cheque"), donor=donor or individual(), actor=actor, **extra,
    )  # fmt: skip
