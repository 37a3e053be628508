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
import gc
import io
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import itemgetter

from django.db import connection
from django.db.models import F, QuerySet, Sum, Window

from .models import AccountingUnit, Channel, Donation, Donor, DonorType, Threshold
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
    quarter: int = 0  # the quarter it is reported in: the one in which it crossed

    def __post_init__(self) -> None:
        self.quarter = quarter_of(self.crossed_on)

    @property
    def aggregated(self) -> bool:
        return len(self.donation_ids) > 1


@dataclass
class Aggregation:
    year: int
    groups: list[Group] = field(default_factory=list)
    donations_counted: int = 0
    sources_checked: int = 0
    # Each grouped donation's own fields (DONATION_FIELDS order), read in the same query, for the reports.
    lines: dict[int, tuple] = field(default_factory=dict)

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
    rows: Iterable[tuple[int, int, int, dt.date, int]],
    central_units: set[int],
    thresholds: dict,
    presorted: bool = False,
) -> tuple[list[Group], int]:
    """The grouping rule over (donation id, donor id, accounting unit id, received on, pence) rows of one year;
    `presorted` when the rows already come by source and then in the order received (as the query gives them).
    Returns the reportable groups and how many sources were read."""
    ordered = rows if presorted else sorted(rows, key=itemgetter(1, 2, 3, 0))
    groups: list[Group] = []
    memo: dict[tuple[str, dt.date], int] = {}
    source: tuple[int, int] | None = None
    reported = central = False
    ids: list[int] = []
    total = 0
    sources = 0
    for pk, donor_id, unit_id, received_on, pence, *_rest in ordered:
        if (donor_id, unit_id) != source:
            sources += 1
            source = (donor_id, unit_id)
            central = unit_id in central_units
            reported = False
            ids, total = [], 0
        ids.append(pk)
        total += pence
        kind = (K.REPORT_CENTRAL_FURTHER if reported else K.REPORT_CENTRAL) if central else K.REPORT_UNIT
        limit = memo.get((kind, received_on))
        if limit is None:
            limit = memo[(kind, received_on)] = pick(thresholds, kind, received_on)
        if total > limit:
            groups.append(Group(donor_id, unit_id, ids, total, received_on, limit, reported))
            reported = True
            ids, total = [], 0
    groups.sort(key=lambda g: (g.crossed_on, g.accounting_unit_id, g.donor_id))
    return groups, sources


def year_aggregation(year: int, donations: QuerySet[Donation] | None = None) -> Aggregation:
    """Every reportable group of `year` among `donations` (default: all). The database adds up each source's year
    in the same pass (a window sum), so only donations of sources whose year passes the lowest reporting figure
    are read row by row."""
    thresholds = thresholds_for_year(year)
    lowest = min(pence for kind in (K.REPORT_UNIT, K.REPORT_CENTRAL_FURTHER, K.REPORT_CENTRAL)
                 for _s, _e, pence in thresholds.get(kind, []))  # fmt: skip
    with _gc_paused():
        rows = list(
            _counted(year, donations)
            .annotate(year_total=Window(Sum("amount_pence"), partition_by=[F("donor_id"), F("accounting_unit_id")]))
            .filter(year_total__gt=lowest)
            .order_by("donor_id", "accounting_unit_id", "received_on", "pk")
            .values_list("pk", "donor_id", "accounting_unit_id", "received_on", "amount_pence", *DONATION_FIELDS[5:])
        )
    central_units = set(AccountingUnit.objects.filter(is_central=True).values_list("pk", flat=True))
    with _gc_paused():
        groups, sources = group_donations(rows, central_units, thresholds, presorted=True)
        lines = {r[0]: r for r in rows}
    return Aggregation(year, groups, len(rows), sources, lines)


# What a report line reads of a donation, its donor and its accounting unit (plain values: no model objects).
DONATION_FIELDS = ("pk", "donor_id", "accounting_unit_id", "received_on", "amount_pence", "decided_on",
                   "returned_on", "status", "channel", "nature", "description", "reference")  # fmt: skip
DONOR_FIELDS = ("pk", "donor_type", "full_name", "company_number", "address_line1", "address_line2", "town",
                "postcode", "country")  # fmt: skip


@dataclass
class ReportRow:
    line: dict
    period: str
    aggregated: bool
    pre_poll: bool = False

    @property
    def donation_id(self) -> int:
        return self.line["pk"]


def _lines(qs: QuerySet[Donation] | list[tuple]) -> list[dict]:
    """Each donation's line: its own fields (read from `qs`, or given as DONATION_FIELDS tuples), then its donor's
    and accounting unit's, read in separate queries (joining a million donations to 200,000 donors costs more than
    reading the donors wanted by key)."""
    rows = qs if isinstance(qs, list) else qs.order_by().values_list(*DONATION_FIELDS)
    lines = [dict(zip(DONATION_FIELDS, r, strict=True)) for r in rows]
    donors = _donors_by_id(sorted({r["donor_id"] for r in lines}))
    units = {u["pk"]: u for u in AccountingUnit.objects.values("pk", "name", "is_central")}
    for r in lines:
        donor, unit = donors[r["donor_id"]], units[r["accounting_unit_id"]]
        for name in DONOR_FIELDS[1:]:
            r[f"donor__{name}"] = donor[name]
        r["accounting_unit__name"], r["accounting_unit__is_central"] = unit["name"], unit["is_central"]
    return lines


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while hundreds of thousands of row tuples are built: none of them form cycles,
    and a heap this size makes each collection pass scan them all again (it doubled the report's time)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _donors_by_id(ids: list[int]) -> dict[int, dict]:
    """The donors' report fields by id: on PostgreSQL one query with the ids as one array parameter (a 40,000-item
    IN list costs Django more to build than the database to answer); elsewhere in chunks."""
    if connection.vendor == "postgresql":
        fields = [Donor._meta.pk if f == "pk" else Donor._meta.get_field(f) for f in DONOR_FIELDS]
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        table = connection.ops.quote_name(Donor._meta.db_table)
        with connection.cursor() as cursor:
            pk = connection.ops.quote_name(Donor._meta.pk.column)
            cursor.execute(f"SELECT {columns} FROM {table} WHERE {pk} = ANY(%s)", [ids])  # noqa: S608 - names only
            return {row[0]: dict(zip(DONOR_FIELDS, row, strict=True)) for row in cursor.fetchall()}
    donors: dict[int, dict] = {}
    for i in range(0, len(ids), 900):
        for d in Donor.objects.filter(pk__in=ids[i : i + 900]).values(*DONOR_FIELDS):
            donors[d["pk"]] = d
    return donors


def quarterly_report(
    year: int, quarter: int, donations: QuerySet[Donation] | None = None, aggregation: Aggregation | None = None
) -> list[ReportRow]:
    """The quarter's report: donations in groups that became reportable in the quarter, and every impermissible
    or unidentifiable gift received in it (with what was done and when). `aggregation`: the year's, if already
    computed over the same donations."""
    start, end = quarter_dates(year, quarter)
    period = f"Q{quarter} {year}"
    aggregation = aggregation or year_aggregation(year, donations)
    wanted: dict[int, bool] = {}
    for g in aggregation.in_quarter(quarter):
        for pk in g.donation_ids:
            wanted[pk] = g.aggregated
    base = Donation.objects.all() if donations is None else donations
    with _gc_paused():
        known = [aggregation.lines[pk] for pk in wanted if pk in aggregation.lines]
        if len(known) == len(wanted):
            found = _lines(known)
        else:
            found = _lines(base.filter(pk__in=sorted(wanted)))
        found.sort(key=lambda r: (r["accounting_unit__name"], r["donor__full_name"], r["received_on"], r["pk"]))
        rows = [ReportRow(r, period, wanted[r["pk"]]) for r in found]
    returned = impermissible(base).filter(received_on__gte=start, received_on__lte=end)
    rows += [ReportRow(r, period, False) for r in _sorted_by_date(_lines(returned))]
    return rows


def _sorted_by_date(lines: list[dict]) -> list[dict]:
    return sorted(lines, key=lambda r: (r["received_on"], r["pk"]))


def impermissible(donations: QuerySet[Donation] | None = None) -> QuerySet[Donation]:
    """Gifts returned to the donor, to whoever transferred them, or sent to the Commission (all are reported)."""
    base = Donation.objects.all() if donations is None else donations
    return base.filter(status__in=RETURNED).order_by("received_on", "pk")


def impermissible_report(donations: QuerySet[Donation] | None = None) -> list[ReportRow]:
    return [ReportRow(r, "Impermissible", False) for r in _sorted_by_date(_lines(impermissible(donations)))]


def pre_poll_report(start: dt.date, end: dt.date, donations: QuerySet[Donation] | None = None) -> list[ReportRow]:
    """A weekly pre-poll report: each donation to the central party over the central reporting figure received in
    the week, accepted yet or not (aggregates are not included: PPERA s.63)."""
    base = Donation.objects.all() if donations is None else donations
    thresholds = thresholds_for_year(start.year)
    qs = base.filter(
        accounting_unit__is_central=True, received_on__gte=start, received_on__lte=end, is_donation=True
    ).exclude(channel__in=REGULATED_TRANSACTIONS)
    period = f"Pre-poll {start:%d/%m/%Y}-{end:%d/%m/%Y}"
    return [
        ReportRow(r, period, False, pre_poll=True)
        for r in _sorted_by_date(_lines(qs))
        if r["amount_pence"] > pick(thresholds, K.REPORT_CENTRAL, r["received_on"])
    ]


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


def _donation_type(r: dict) -> str:
    if r["donor__donor_type"] == DonorType.PUBLIC_FUNDS:
        return "Public Funds"
    if r["channel"] == Channel.SPONSORSHIP:
        return "Sponsorship"
    return "Non Cash" if r["nature"] == Donation.Nature.NON_CASH else "Cash"


def _day(value: dt.date | None) -> str:
    return f"{value.day:02d}/{value.month:02d}/{value.year}" if value else ""


def report_csv(rows: Iterable[ReportRow]) -> str:
    with _gc_paused():
        return _report_csv(rows)


def _report_csv(rows: Iterable[ReportRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in rows:
        r = row.line
        kind = r["donor__donor_type"]
        writer.writerow([
            row.period, r["accounting_unit__name"], "Yes" if r["accounting_unit__is_central"] else "No",
            DONOR_STATUS.get(kind, kind), r["donor__full_name"], r["donor__company_number"],
            r["donor__address_line1"], r["donor__address_line2"], r["donor__town"], r["donor__postcode"],
            r["donor__country"], _donation_type(r), r["description"] if r["nature"] == Donation.Nature.NON_CASH else "",
            f"{r['amount_pence'] / 100:.2f}", _day(r["received_on"]),
            _day(r["decided_on"] if r["status"] == Donation.Status.ACCEPTED else None), _day(r["returned_on"]),
            ACTION.get(r["status"], r["status"]), "Yes" if row.aggregated else "No",
            "Yes" if r["channel"] == Channel.SPONSORSHIP else "No", "Yes" if kind == DonorType.BEQUEST else "No",
            "Yes" if row.pre_poll else "No", r["reference"],
        ])  # fmt: skip
    return out.getvalue()
