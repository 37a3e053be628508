"""Writes to the donations ledger: recording a gift (whatever its channel), registering an accounting unit, the
permissibility check with its evidence, and the outcomes (accept; return to the donor; for an unidentifiable
source, return to whoever transferred it or send it to the Electoral Commission), each with its date.

Every write by a person checks they hold `manage_donations` at the donation's accounting unit; a gift recorded
by the system (an online payment's webhook) has no actor. Errors are ValidationErrors naming the field.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from groundswell.accounts.access import Perm, require
from groundswell.payments.models import Payment
from groundswell.people.models import OrganisationUnit
from groundswell.people.normalise import normalise_name_part
from groundswell.register.models import Elector

from .auditing import audit
from .matching import register_version
from .models import (
    CHECK_DAYS,
    REGISTERED_BODIES,
    AccountingUnit,
    Channel,
    Donation,
    Donor,
    DonorDetails,
    DonorType,
    PermissibilityCheck,
)
from .rules import company_number_problem, normalise_company_number, normalise_postcode
from .selectors import donation_threshold

# Sources whose permissibility needs an address on the record (PPERA Sch 6: the donor's address is reported).
NO_ADDRESS_NEEDED = {DonorType.UNIDENTIFIABLE, DonorType.PUBLIC_FUNDS, DonorType.BEQUEST}


def _require(actor: Any, unit: OrganisationUnit) -> None:
    if actor is not None:
        require(actor, Perm.MANAGE_DONATIONS, unit)


def register_accounting_unit(
    unit: OrganisationUnit, *, actor: Any = None, name: str = "", is_central: bool = False, ec_reference: str = ""
) -> AccountingUnit:
    """Register `unit` as an accounting unit (idempotent: an existing one is returned unchanged)."""
    _require(actor, unit)
    with transaction.atomic():
        au, created = AccountingUnit.objects.get_or_create(
            unit=unit, defaults={"name": name or unit.name, "is_central": is_central, "ec_reference": ec_reference}
        )
        if created:
            audit("donations.unit.register", actor=actor, obj=au, unit=unit, detail={"central": is_central})
    return au


def _identity(details: DonorDetails) -> str:
    if details.donor_type in REGISTERED_BODIES and details.company_number:
        return f"company:{normalise_company_number(details.company_number)}"
    if details.person is not None and getattr(details.person, "pk", None):
        return f"person:{details.person.pk}"
    name = normalise_name_part(details.full_name)
    postcode = normalise_postcode(details.postcode).replace(" ", "")
    return f"{details.donor_type}:{name}:{postcode}"[:400]


def _check_details(details: DonorDetails, is_donation: bool) -> dict[str, str]:
    errors: dict[str, str] = {}
    if details.donor_type not in DonorType.values:
        errors["donor_type"] = f"donor type: {details.donor_type!r} is not one of {', '.join(DonorType.values)}"
        return errors
    if details.donor_type != DonorType.UNIDENTIFIABLE and not details.full_name.strip():
        errors["full_name"] = "donor name: give the donor's full name"
    needs_address = is_donation and details.donor_type not in NO_ADDRESS_NEEDED
    if needs_address and not (details.address_line1.strip() and details.postcode.strip()):
        where = "home address" if details.donor_type == DonorType.INDIVIDUAL else "registered address"
        errors["address"] = (
            f"donor address: a gift over the donation threshold needs the donor's {where} (first line and "
            "postcode) to check permissibility and to report it"
        )
    if details.donor_type in REGISTERED_BODIES and (is_donation or details.company_number):
        problem = company_number_problem(details.company_number)
        if problem:
            errors["company_number"] = f"company number: {problem}"
    return errors


def _find_or_create_donor(details: DonorDetails) -> Donor:
    identity = _identity(details)
    fields = {
        "donor_type": details.donor_type, "full_name": details.full_name.strip()[:300],
        "address_line1": details.address_line1.strip()[:200], "address_line2": details.address_line2.strip()[:200],
        "town": details.town.strip()[:100], "postcode": normalise_postcode(details.postcode)[:10],
        "country": (details.country or "United Kingdom")[:60], "email": details.email.strip()[:254],
        "company_number": normalise_company_number(details.company_number)[:8],
        "carrying_on_business_in_uk": details.carrying_on_business_in_uk,
        "on_register_declared": details.on_register_declared, "overseas_elector": details.overseas_elector,
        "person": details.person if getattr(details.person, "pk", None) else None,
    }  # fmt: skip
    donor = Donor.objects.filter(identity=identity).order_by("pk").first()
    if donor is None:
        return Donor.objects.create(identity=identity, **fields)
    # The latest details win (a new address, a new email), but a blank never erases what was known.
    changed = [k for k, v in fields.items() if v not in ("", None) and getattr(donor, k) != v]
    for key in changed:
        setattr(donor, key, fields[key])
    if changed:
        donor.save(update_fields=changed)
    return donor


def record_donation(
    *,
    accounting_unit: AccountingUnit,
    amount_pence: int,
    received_on: dt.date,
    channel: str,
    donor: DonorDetails,
    actor: Any = None,
    payment: Payment | None = None,
    nature: str = "cash",
    description: str = "",
    recipient: str = "party",
    candidate: Any = None,
    reference: str = "",
) -> Donation:
    """Record a gift. Over the threshold (£500 to a party, £50 to a candidate, as data rows) it is a donation and
    its 30-day clock starts from `received_on`; at or below it is kept as "not a PPERA donation" so totals reconcile.

    `candidate` (recipient "candidate") is anything with `constituency`, `election.election_id` (or `election_id`)
    and `candidate_name`, e.g. the spending app's Candidacy. A payment or a reference already recorded returns the
    donation recorded for it (a redelivered webhook or a re-imported file counts a pound once).
    """
    _require(actor, accounting_unit.unit)
    errors: dict[str, str] = {}
    if isinstance(amount_pence, bool) or not isinstance(amount_pence, int) or amount_pence <= 0:
        errors["amount_pence"] = f"amount: {amount_pence!r} is not a positive whole number of pence"
    if not isinstance(received_on, dt.date):
        errors["received_on"] = "date received: give the date the gift was received"
    elif received_on > dt.date.today() + dt.timedelta(days=1):
        errors["received_on"] = f"date received: {received_on:%d %b %Y} is in the future"
    if channel not in Channel.values:
        errors["channel"] = f"channel: {channel!r} is not one of {', '.join(Channel.values)}"
    if nature not in Donation.Nature.values:
        errors["nature"] = f"nature: {nature!r} is not cash or non_cash"
    if channel == Channel.IN_KIND:
        nature = Donation.Nature.NON_CASH
    if nature == Donation.Nature.NON_CASH and not description.strip():
        errors["description"] = "description: say what was given (a gift in kind is reported by its nature and value)"
    if recipient not in Donation.Recipient.values:
        errors["recipient"] = f"recipient: {recipient!r} is not party or candidate"
    cand: dict[str, Any] = {}
    if recipient == Donation.Recipient.CANDIDATE:
        if candidate is None:
            errors["candidate"] = "candidate: say which candidate (seat and election) the gift was for"
        else:
            election = getattr(candidate, "election", None)
            cand = {
                "candidate_constituency": candidate.constituency,
                "candidate_election_id": getattr(election, "election_id", None) or candidate.election_id,
                "candidate_name": getattr(candidate, "candidate_name", "") or "",
            }
    if errors:
        raise ValidationError(errors)
    is_donation = amount_pence > donation_threshold(recipient, received_on)
    errors.update(_check_details(donor, is_donation))
    if errors:
        raise ValidationError(errors)
    if payment is not None:
        existing = Donation.objects.filter(payment=payment).first()
        if existing is not None:
            return existing
    if reference:
        existing = Donation.objects.filter(accounting_unit=accounting_unit, reference=reference).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            source = _find_or_create_donor(donor)
            donation = Donation.objects.create(
                accounting_unit=accounting_unit, donor=source, recipient=recipient, channel=channel, nature=nature,
                description=description.strip()[:400], amount_pence=amount_pence, received_on=received_on,
                check_due_on=received_on + dt.timedelta(days=CHECK_DAYS), is_donation=is_donation,
                status=Donation.Status.PENDING if is_donation else Donation.Status.BELOW_THRESHOLD,
                reference=reference[:100], recorded_by=actor if getattr(actor, "pk", None) else None,
                payment=payment, **cand,
            )  # fmt: skip
            audit(
                "donations.donation.record", actor=actor, obj=donation, unit=accounting_unit.unit,
                detail={"amount_pence": amount_pence, "channel": channel, "is_donation": is_donation},
            )  # fmt: skip
    except IntegrityError:
        # Two deliveries of one payment or reference at once: the other one won; hand back its row.
        existing = Donation.objects.filter(payment=payment).first() if payment is not None else None
        if existing is None and reference:
            existing = Donation.objects.filter(accounting_unit=accounting_unit, reference=reference).first()
        if existing is None:
            raise
        return existing
    return donation


def _locked(donation: Donation) -> Donation:
    return Donation.objects.select_for_update().select_related("accounting_unit__unit", "donor").get(pk=donation.pk)


def record_check(
    donation: Donation,
    *,
    actor: Any,
    outcome: str,
    on: dt.date | None = None,
    elector: Elector | None = None,
    note: str = "",
    carrying_on_business_in_uk: bool | None = None,
) -> PermissibilityCheck:
    """An officer's permissibility decision with its evidence. For an individual judged permissible the evidence is
    a confirmed register entry (its elector number and the register version in force on `on`) or, for an overseas
    elector, a note of their registration; a company needs a valid number and "carrying on business in the UK"."""
    on = on or dt.date.today()
    _require(actor, donation.accounting_unit.unit)
    if outcome not in PermissibilityCheck.Outcome.values:
        raise ValidationError({"outcome": f"decision: {outcome!r} is not one of the choices"})
    with transaction.atomic():
        donation = _locked(donation)
        if donation.status != Donation.Status.PENDING:
            raise ValidationError({"outcome": f"decision: this gift is already {donation.get_status_display()}"})
        donor = donation.donor
        if carrying_on_business_in_uk is not None and donor.donor_type in REGISTERED_BODIES:
            # What the officer found (e.g. from the company's accounts) is recorded on the donor with the check.
            donor.carrying_on_business_in_uk = carrying_on_business_in_uk
            donor.save(update_fields=["carrying_on_business_in_uk"])
        evidence: dict[str, Any] = {"donor_type": donor.donor_type, "checked_on": on.isoformat()}
        version = None
        if elector is not None:
            version = register_version(elector.constituency, on)
            evidence.update({
                "elector_number": elector.elector_number, "elector_name": elector.full_name,
                "constituency": elector.constituency.code,
                "register_import": version.pk if version else None,
                "register_month": version.month if version else "",
                "register_imported_at": version.imported_at.isoformat() if version else "",
            })  # fmt: skip
        if outcome == PermissibilityCheck.Outcome.PERMISSIBLE:
            _evidence_for_permissible(donor, elector, note, evidence)
        elif not note.strip():
            raise ValidationError({"note": "reason: say why the source is impermissible or cannot be identified"})
        check = PermissibilityCheck.objects.create(
            donation=donation, outcome=outcome, checked_on=on, checked_by=actor if getattr(actor, "pk", None) else None,
            elector=elector, register_import=version, evidence=evidence, note=note.strip(),
        )  # fmt: skip
        audit("donations.check.record", actor=actor, obj=check, unit=donation.accounting_unit.unit,
              detail={"donation": donation.pk, "outcome": outcome})  # fmt: skip
    return check


def _evidence_for_permissible(donor: Donor, elector: Elector | None, note: str, evidence: dict) -> None:
    if donor.donor_type == DonorType.INDIVIDUAL:
        if elector is None and not donor.overseas_elector:
            raise ValidationError({"elector": "evidence: confirm the donor's entry on the electoral register first"})
        if elector is None:
            if not note.strip():
                raise ValidationError({"note": "evidence: give the overseas elector's registering authority"})
            evidence["overseas_elector"] = True
    elif donor.donor_type in REGISTERED_BODIES:
        problem = company_number_problem(donor.company_number)
        if problem:
            raise ValidationError({"company_number": f"company number: {problem}"})
        if donor.carrying_on_business_in_uk is not True:
            raise ValidationError(
                {
                    "carrying_on_business_in_uk": (
                        "evidence: record that the company carries on business in the UK (e.g. from its accounts)"
                    )
                }
            )
        evidence.update({"company_number": donor.company_number, "carrying_on_business_in_uk": True})
    elif donor.donor_type == DonorType.UNIDENTIFIABLE:
        raise ValidationError({"outcome": "decision: a gift from an unidentifiable source cannot be accepted"})
    elif not note.strip():
        raise ValidationError({"note": "evidence: say how the source was checked (e.g. its registration number)"})
    evidence["note"] = note.strip()


def accept_donation(donation: Donation, *, actor: Any, on: dt.date | None = None, note: str = "") -> Donation:
    """Accept a donation whose latest check found it permissible."""
    on = on or dt.date.today()
    _require(actor, donation.accounting_unit.unit)
    with transaction.atomic():
        donation = _locked(donation)
        if donation.status != Donation.Status.PENDING:
            raise ValidationError({"status": f"decision: this gift is already {donation.get_status_display()}"})
        latest = donation.checks.order_by("-created_at", "-pk").first()
        if latest is None or latest.outcome != PermissibilityCheck.Outcome.PERMISSIBLE:
            raise ValidationError({"status": "decision: record a permissibility check finding it permissible first"})
        if on < donation.received_on:
            raise ValidationError({"decided_on": "date accepted: before the gift was received"})
        donation.status = Donation.Status.ACCEPTED
        donation.decided_on = on
        donation.decided_by = actor if getattr(actor, "pk", None) else None
        donation.decision_note = note.strip()
        donation.save(update_fields=["status", "decided_on", "decided_by", "decision_note"])
        audit("donations.donation.accept", actor=actor, obj=donation, unit=donation.accounting_unit.unit,
              detail={"check": latest.pk, "late": on > donation.check_due_on})  # fmt: skip
    return donation


RETURN_TO = {
    "donor": Donation.Status.RETURNED,
    "transferrer": Donation.Status.RETURNED_TO_TRANSFERRER,
    "commission": Donation.Status.FORFEITED,
}


def return_donation(
    donation: Donation, *, actor: Any, to: str, method: str, on: dt.date | None = None, note: str = ""
) -> Donation:
    """Send a gift back: to the donor (impermissible); for an unidentifiable source, to the person or institution
    that transferred it, or failing that to the Electoral Commission (PPERA s.56(2)). Needs a check on record."""
    on = on or dt.date.today()
    _require(actor, donation.accounting_unit.unit)
    if to not in RETURN_TO:
        raise ValidationError({"to": "return to: the donor, the person who transferred it, or the Commission"})
    if not method.strip():
        raise ValidationError({"method": "how returned: say how it was sent back (e.g. cheque 001234, bank transfer)"})
    with transaction.atomic():
        donation = _locked(donation)
        if donation.status != Donation.Status.PENDING:
            raise ValidationError({"status": f"decision: this gift is already {donation.get_status_display()}"})
        latest = donation.checks.order_by("-created_at", "-pk").first()
        if latest is None or latest.outcome == PermissibilityCheck.Outcome.PERMISSIBLE:
            raise ValidationError({"status": "decision: record the check that found the source impermissible first"})
        if to != "donor" and latest.outcome != PermissibilityCheck.Outcome.UNIDENTIFIABLE:
            raise ValidationError({"to": "return to: only a gift from an unidentifiable source goes elsewhere"})
        if on < donation.received_on:
            raise ValidationError({"returned_on": "date returned: before the gift was received"})
        donation.status = RETURN_TO[to]
        donation.decided_on = on
        donation.returned_on = on
        donation.return_method = method.strip()[:200]
        donation.decided_by = actor if getattr(actor, "pk", None) else None
        donation.decision_note = note.strip()
        donation.save(update_fields=["status", "decided_on", "returned_on", "return_method", "decided_by",
                                     "decision_note"])  # fmt: skip
        audit("donations.donation.return", actor=actor, obj=donation, unit=donation.accounting_unit.unit,
              detail={"to": to, "check": latest.pk, "late": on > donation.check_due_on})  # fmt: skip
    return donation


def record_payment_refund(payment: Payment, *, refunded_pence: int) -> Donation | None:
    """The provider gave money back for an online gift (`refunded_pence` in all, as the payment now says): the
    ledger follows, so it never counts a pound the party no longer holds. The donation's amount becomes what was
    kept (the refund is kept beside it); given back in full before a decision, it is returned to the donor through
    the provider, out of every total and report; kept at or under the threshold, it is no longer a PPERA donation.
    Idempotent: the same figure again changes nothing. None when the payment has no donation."""
    with transaction.atomic():
        donation = Donation.objects.select_for_update().filter(payment=payment).first()
        if donation is None:
            return None
        gross = donation.amount_pence + donation.refunded_pence
        refunded = max(0, min(int(refunded_pence), gross))
        if refunded <= donation.refunded_pence:
            return donation
        donation.refunded_pence = refunded
        donation.amount_pence = gross - refunded
        fields = ["refunded_pence", "amount_pence"]
        if donation.amount_pence == 0 and donation.status in (Donation.Status.PENDING, Donation.Status.BELOW_THRESHOLD):
            donation.status = Donation.Status.RETURNED
            donation.returned_on = donation.decided_on = dt.date.today()
            donation.return_method = f"refunded in full through the payment provider ({payment.provider})"
            fields += ["status", "returned_on", "decided_on", "return_method"]
        elif donation.is_donation and donation.amount_pence <= donation_threshold(
            donation.recipient, donation.received_on
        ):
            donation.is_donation = False
            if donation.status == Donation.Status.PENDING:
                donation.status = Donation.Status.BELOW_THRESHOLD
                fields.append("status")
            fields.append("is_donation")
        donation.save(update_fields=fields)
        audit("donations.donation.refund", obj=donation, unit=donation.accounting_unit.unit,
              detail={"refunded_pence": refunded, "kept_pence": donation.amount_pence})  # fmt: skip
    return donation


def details_dict(details: DonorDetails) -> dict[str, Any]:
    """The details as plain data (for a form re-shown after an error)."""
    data = asdict(details)
    data.pop("person", None)
    return data
