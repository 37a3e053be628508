"""The Electoral Commission reports: the calendar-year aggregation with the grouping rule, quarterly reports, weekly
pre-poll reports during a UK general election, the impermissible donations list, and their CSV.

**The grouping rule** (EC, "grouping benefits"; uk-rules.md §4). Only donations count: a gift of £500 or less is
not a donation and is never added in. For one source, one accounting unit (the central party is one) and one
calendar year, donations are added up in the order received, from the last reportable point. When the running
total passes the reporting threshold in force (central party: over £11,180 since 1 Jan 2024, £7,500 before;
accounting unit: over £2,230, £1,500 before) the group is reportable in the quarter in which it passed, every
donation in it is listed (marked aggregated when there is more than one), and a new group starts. At the central
party, after a source has been reported in a year, later groups are reportable once they pass the accounting-unit
figure (£2,230). Accepted donations and those still awaiting a decision count; returned ones are reported as
impermissible instead. Loans and credit are regulated transactions (a separate return) and are left out.

**The CSV** follows the columns of the Commission's donation upload template as we understand it from PEF Online's
donation fields and the published register's export (not from the template itself): see `COLUMNS` and
docs/user-guide.md "The donations ledger".
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import QuerySet, Sum

from groundswell.db.bulk import chunked

from .models import AccountingUnit, Channel, Donation, DonorType, Threshold
from .rules import pick, quarter_dates, quarter_of, thresholds_for_year

COUNTED = [Donation.Status.ACCEPTED, Donation.Status.PENDING]
RETURNED = [Donation.Status.RETURNED, Donation.Status.RETURNED_TO_TRANSFERRER, Donation.Status.FORFEITED]
REGULATED_TRANSACTIONS = [Channel.LOAN, Channel.CREDIT]
K = Threshold.Kind


@dataclass
class Group:
    """Donations from one source to one accounting unit that became reportable together."""

    donor_id: int
    accounting_unit_id: int
    donation_ids: list[int]
    total_pence: int
    crossed_on: dt.date
    threshold_pence: int
    further: bool  # reported under the lower figure after an earlier report this year (central party)

    @property
    def quarter(self) -> int:
        return quarter_of(self.crossed_on)

    @property
    def aggregated(self) -> bool:
        return len(self.donation_ids) > 1


@dataclass
class Aggregation:
    year: int
    groups: list[Group] = field(default_factory=list)
    donations_counted: int = 0
    sources_checked: int = 0

    def in_quarter(self, quarter: int) -> list[Group]:
        return [g for g in self.groups if g.quarter == quarter]


def _counted(year: int, donations: QuerySet[Donation] | None) -> QuerySet[Donation]:
    base = Donation.objects.all() if donations is None else donations
    return (
        base.filter(
            received_on__gte=dt.date(year, 1, 1),
            received_on__lte=dt.date(year, 12, 31),
            is_donation=True,
            status__in=COUNTED,
            recipient=Donation.Recipient.PARTY,
        )
        .exclude(channel__in=REGULATED_TRANSACTIONS)
        .order_by()
    )


def group_donations(
    rows: Iterable[tuple[int, int, int, dt.date, int]], central_units: set[int], thresholds: dict
) -> list[Group]:
    """The grouping rule over (donation id, donor id, accounting unit id, received on, pence) rows of one year."""
    by_source: dict[tuple[int, int], list[tuple[dt.date, int, int]]] = defaultdict(list)
    for pk, donor_id, unit_id, received_on, pence in rows:
        by_source[(donor_id, unit_id)].append((received_on, pk, pence))
    groups: list[Group] = []
    for (donor_id, unit_id), gifts in by_source.items():
        gifts.sort()
        central = unit_id in central_units
        reported = False
        ids: list[int] = []
        total = 0
        for received_on, pk, pence in gifts:
            ids.append(pk)
            total += pence
            if central:
                kind = K.REPORT_CENTRAL_FURTHER if reported else K.REPORT_CENTRAL
            else:
                kind = K.REPORT_UNIT
            limit = pick(thresholds, kind, received_on)
            if total > limit:
                groups.append(Group(donor_id, unit_id, ids, total, received_on, limit, reported))
                reported = True
                ids, total = [], 0
    groups.sort(key=lambda g: (g.crossed_on, g.accounting_unit_id, g.donor_id))
    return groups


def year_aggregation(year: int, donations: QuerySet[Donation] | None = None) -> Aggregation:
    """Every reportable group of `year` among `donations` (default: all). The database adds each source's year
    first, so only sources whose year's total passes the lowest reporting figure are read row by row."""
    thresholds = thresholds_for_year(year)
    lowest = min(pence for kind in (K.REPORT_UNIT, K.REPORT_CENTRAL_FURTHER, K.REPORT_CENTRAL)
                 for _s, _e, pence in thresholds.get(kind, []))  # fmt: skip
    counted = _counted(year, donations)
    pairs = set(
        counted.values("donor_id", "accounting_unit_id")
        .annotate(total=Sum("amount_pence"))
        .filter(total__gt=lowest)
        .values_list("donor_id", "accounting_unit_id")
    )
    central_units = set(AccountingUnit.objects.filter(is_central=True).values_list("pk", flat=True))
    rows = []
    donors = sorted({d for d, _u in pairs})
    for chunk in chunked(donors, 20_000):
        for row in counted.filter(donor_id__in=chunk).values_list(
            "pk", "donor_id", "accounting_unit_id", "received_on", "amount_pence"
        ):
            if (row[1], row[2]) in pairs:
                rows.append(row)
    return Aggregation(year, group_donations(rows, central_units, thresholds), len(rows), len(pairs))


@dataclass
class ReportRow:
    donation: Donation
    period: str
    aggregated: bool
    pre_poll: bool = False


def quarterly_report(year: int, quarter: int, donations: QuerySet[Donation] | None = None) -> list[ReportRow]:
    """The quarter's report: donations in groups that became reportable in the quarter, and every impermissible
    or unidentifiable gift received in it (with what was done and when)."""
    start, end = quarter_dates(year, quarter)
    period = f"Q{quarter} {year}"
    aggregation = year_aggregation(year, donations)
    wanted: dict[int, bool] = {}
    for g in aggregation.in_quarter(quarter):
        for pk in g.donation_ids:
            wanted[pk] = g.aggregated
    base = Donation.objects.all() if donations is None else donations
    rows: list[ReportRow] = []
    reportable = base.filter(pk__in=list(wanted))
    for d in _with_related(reportable).order_by("accounting_unit__name", "donor__full_name", "received_on", "pk"):
        rows.append(ReportRow(d, period, wanted[d.pk]))
    for d in _with_related(impermissible(base).filter(received_on__gte=start, received_on__lte=end)):
        rows.append(ReportRow(d, period, False))
    return rows


def _with_related(qs: QuerySet[Donation]) -> QuerySet[Donation]:
    return qs.select_related("donor", "accounting_unit")


def impermissible(donations: QuerySet[Donation] | None = None) -> QuerySet[Donation]:
    """Gifts returned to the donor, to whoever transferred them, or sent to the Commission (all are reported)."""
    base = Donation.objects.all() if donations is None else donations
    return base.filter(status__in=RETURNED).order_by("received_on", "pk")


def pre_poll_report(start: dt.date, end: dt.date, donations: QuerySet[Donation] | None = None) -> list[ReportRow]:
    """A weekly pre-poll report: each donation to the central party over the central reporting figure received in
    the week, accepted yet or not (aggregates are not included: PPERA s.63)."""
    base = Donation.objects.all() if donations is None else donations
    thresholds = thresholds_for_year(start.year)
    rows = []
    qs = _with_related(
        base.filter(accounting_unit__is_central=True, received_on__gte=start, received_on__lte=end, is_donation=True)
        .exclude(channel__in=REGULATED_TRANSACTIONS)
        .order_by("received_on", "pk")
    )
    for d in qs:
        if d.amount_pence > pick(thresholds, K.REPORT_CENTRAL, d.received_on):
            rows.append(ReportRow(d, f"Pre-poll {start:%d/%m/%Y}-{end:%d/%m/%Y}", False, pre_poll=True))
    return rows


# The columns we send (assumed from PEF Online's donation fields and the published register; see module docstring).
COLUMNS = [
    "ReportingPeriod", "AccountingUnitName", "AccountingUnitsAsCentralParty", "DonorStatus", "DonorName",
    "CompanyRegistrationNumber", "AddressLine1", "AddressLine2", "Town", "Postcode", "Country", "DonationType",
    "NatureOfDonation", "Value", "ReceivedDate", "AcceptedDate", "ReturnedDate", "DonationAction", "IsAggregation",
    "IsSponsorship", "IsBequest", "IsReportedPrePoll", "Reference",
]  # fmt: skip
DONOR_STATUS = {
    DonorType.INDIVIDUAL: "Individual", DonorType.COMPANY: "Company", DonorType.TRADE_UNION: "Trade Union",
    DonorType.BUILDING_SOCIETY: "Building Society", DonorType.LLP: "Limited Liability Partnership",
    DonorType.FRIENDLY_SOCIETY: "Friendly Society", DonorType.UNINCORPORATED: "Unincorporated Association",
    DonorType.REGISTERED_PARTY: "Registered Political Party", DonorType.TRUST: "Trust",
    DonorType.BEQUEST: "Individual", DonorType.PUBLIC_FUNDS: "Public Fund",
    DonorType.UNIDENTIFIABLE: "Unidentifiable Donor",
}  # fmt: skip
ACTION = {
    Donation.Status.ACCEPTED: "Accepted", Donation.Status.PENDING: "Received, not yet decided",
    Donation.Status.RETURNED: "Returned", Donation.Status.RETURNED_TO_TRANSFERRER: "Returned to transferrer",
    Donation.Status.FORFEITED: "Forfeited",
}  # fmt: skip


def _donation_type(d: Donation) -> str:
    if d.donor.donor_type == DonorType.PUBLIC_FUNDS:
        return "Public Funds"
    if d.channel == Channel.SPONSORSHIP:
        return "Sponsorship"
    return "Non Cash" if d.nature == Donation.Nature.NON_CASH else "Cash"


def _day(value: dt.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def report_csv(rows: Iterable[ReportRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for r in rows:
        d, donor = r.donation, r.donation.donor
        writer.writerow([
            r.period, d.accounting_unit.name, "Yes" if d.accounting_unit.is_central else "No",
            DONOR_STATUS.get(donor.donor_type, donor.donor_type), donor.full_name, donor.company_number,
            donor.address_line1, donor.address_line2, donor.town, donor.postcode, donor.country, _donation_type(d),
            d.description if d.nature == Donation.Nature.NON_CASH else "", f"{d.amount_pence / 100:.2f}",
            _day(d.received_on), _day(d.decided_on if d.status == Donation.Status.ACCEPTED else None),
            _day(d.returned_on), ACTION.get(d.status, d.status), "Yes" if r.aggregated else "No",
            "Yes" if d.channel == Channel.SPONSORSHIP else "No",
            "Yes" if donor.donor_type == DonorType.BEQUEST else "No",
            "Yes" if r.pre_poll else "No", d.reference,
        ])  # fmt: skip
    return out.getvalue()
