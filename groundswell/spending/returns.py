"""The candidate's spending return in the structure of the Electoral Commission's form for UK Parliamentary
candidates: spending by category for each period, notional spending, unpaid and disputed claims, the candidate's
personal expenses, totals against the limit; a nil return when there is nothing. As a PDF laid out like the form
(reportlab, as the walk sheets), a CSV, and a ZIP of the invoices numbered to match the lines."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from groundswell.donations.selectors import candidate_donations

from .elections import candidacy_dates, candidacy_limit
from .limits import pounds
from .models import CANDIDATE_CATEGORIES, Allocation, Candidacy, Evidence, SpendingItem, SpendingReturn


@dataclass
class Line:
    number: int
    period: str
    category: str
    description: str
    supplier: str
    invoice_number: str
    incurred_on: str
    paid_on: str
    pence: int
    notional: bool
    unpaid: bool
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class CandidateReturn:
    candidacy: Candidacy
    lines: list[Line]
    totals: dict[str, dict[str, int]]  # period → category → pence
    limits: dict[str, int | None]
    submitted: SpendingReturn | None

    @property
    def nil(self) -> bool:
        return not self.lines

    def period_total(self, period: str) -> int:
        return sum(self.totals.get(period, {}).values())


def build_return(candidacy: Candidacy) -> CandidateReturn:
    """The return's lines (numbered in period, category and date order) and totals, from the ledger."""
    dates = candidacy_dates(candidacy)
    periods = (["long"] if dates.long_start else []) + ["short"]
    allocations = (
        Allocation.objects.filter(candidacy=candidacy, item__withdrawn=False)
        .exclude(item__status=SpendingItem.Status.PLANNED)
        .select_related("item")
        .order_by("item__incurred_on", "item_id")
    )
    evidence: dict[int, list[Evidence]] = {}
    for e in Evidence.objects.filter(item__allocations__candidacy=candidacy).order_by("pk").distinct():
        evidence.setdefault(e.item_id, []).append(e)
    order = {c.value: i for i, c in enumerate(CANDIDATE_CATEGORIES)}
    rows = sorted(allocations, key=lambda a: (periods.index(a.period), order.get(a.item.category, 99)))
    lines: list[Line] = []
    totals: dict[str, dict[str, int]] = {p: {} for p in periods}
    for n, a in enumerate(rows, start=1):
        it = a.item
        lines.append(Line(
            number=n, period=a.period, category=it.get_category_display(), description=it.description,
            supplier=it.supplier, invoice_number=it.invoice_number, incurred_on=it.incurred_on.isoformat(),
            paid_on=it.paid_on.isoformat() if it.paid_on else "", pence=a.amount_pence, notional=it.notional,
            unpaid=it.paid_on is None, evidence=evidence.get(it.pk, []),
        ))  # fmt: skip
        bucket = totals.setdefault(a.period, {})
        bucket[it.category] = bucket.get(it.category, 0) + a.amount_pence
    limits = {}
    for p in periods:
        lim = candidacy_limit(candidacy, p)
        limits[p] = lim.limit_pence if lim else None
    submitted = SpendingReturn.objects.filter(candidacy=candidacy).first()
    return CandidateReturn(candidacy, lines, totals, limits, submitted)


CSV_HEADER = ["line", "period", "category", "description", "supplier", "invoice_number", "date_incurred",
              "date_paid", "amount", "notional", "unpaid", "evidence_files"]  # fmt: skip


def return_csv(ret: CandidateReturn) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for line in ret.lines:
        files = ";".join(_bundle_name(line, i, e) for i, e in enumerate(line.evidence, start=1))
        writer.writerow([line.number, line.period, line.category, line.description, line.supplier,
                         line.invoice_number, line.incurred_on, line.paid_on, pounds(line.pence),
                         "yes" if line.notional else "", "yes" if line.unpaid else "", files])  # fmt: skip
    for period, cats in ret.totals.items():
        writer.writerow(["", period, "TOTAL", "", "", "", "", "", pounds(sum(cats.values())), "", "", ""])
    if ret.nil:
        writer.writerow(["", "", "NIL RETURN", "no spending was incurred", "", "", "", "", "0.00", "", "", ""])
    return out.getvalue()


def _bundle_name(line: Line, index: int, evidence: Evidence) -> str:
    return f"{line.number:03d}-{index}-{evidence.kind}.{evidence.extension}"


def return_zip(ret: CandidateReturn) -> bytes:
    """Every invoice and receipt, named by the return line it supports (001-1-invoice.pdf), with the CSV."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("return.csv", return_csv(ret))
        seen: set[int] = set()
        for line in ret.lines:
            for i, e in enumerate(line.evidence, start=1):
                name = _bundle_name(line, i, e)
                if e.pk in seen:  # one invoice split across lines: the first line carries it, later ones point to it
                    continue
                seen.add(e.pk)
                with e.file.open("rb") as f:
                    z.writestr(name, f.read())
    return buf.getvalue()


STYLE = ParagraphStyle("body", fontName="Helvetica", fontSize=8, leading=10)
HEAD = ParagraphStyle("head", fontName="Helvetica-Bold", fontSize=12, leading=15)
SUB = ParagraphStyle("sub", fontName="Helvetica-Bold", fontSize=9, leading=12, spaceBefore=6)
GRID = TableStyle([
    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
    ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 7.5),
    ("FONT", (0, 1), (-1, -1), "Helvetica", 7.5),
    ("ALIGN", (-1, 0), (-1, -1), "RIGHT"),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
])  # fmt: skip


def _money(pence: int | None) -> str:
    return "—" if pence is None else f"£{int(pence) / 100:,.2f}"


def return_pdf(ret: CandidateReturn) -> bytes:
    """The return laid out as the Commission's form: part 1 the candidate and limits; part 2 spending by period
    and category, then each line; notional spending; unpaid and disputed claims; personal expenses; declaration."""
    c = ret.candidacy
    dates = candidacy_dates(c)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=14 * mm, rightMargin=14 * mm, topMargin=14 * mm,
                            bottomMargin=14 * mm, title=f"Spending return: {c.constituency.name}")  # fmt: skip
    story = [
        Paragraph("Return of candidate's spending: UK Parliamentary general election", HEAD),
        Paragraph(f"Election: {c.election.election_id} (poll {dates.poll_date:%d %B %Y}); "
                  f"constituency: {c.constituency.name} ({c.constituency.code}, {c.area_type})", STYLE),
        Paragraph(f"Candidate: {c.candidate_name or '—'}; electorate at the notice of election: "
                  f"{c.electorate if c.electorate is not None else '—'} ({c.electorate_source or 'source not given'})",
                  STYLE),
        Paragraph(f"Return due to the returning officer: {dates.return_due:%A %d %B %Y}", STYLE),
    ]  # fmt: skip
    if ret.nil:
        story += [
            Spacer(1, 6),
            Paragraph("NIL RETURN: no spending was incurred by or on behalf of the candidate.", SUB),
        ]
    for period in ret.totals:
        label = "Long campaign" if period == "long" else "Short campaign"
        story.append(Paragraph(f"Part 2: {label}: spending by category", SUB))
        rows = [["Category", "Total"]]
        for cat in CANDIDATE_CATEGORIES:
            rows.append([cat.label, _money(ret.totals[period].get(cat.value, 0))])
        rows.append(["Total", _money(ret.period_total(period))])
        rows.append(["Limit", _money(ret.limits.get(period))])
        story.append(Table(rows, colWidths=[120 * mm, 40 * mm], style=GRID))
        lines = [line for line in ret.lines if line.period == period and not line.notional]
        if lines:
            story.append(Paragraph(f"{label}: items (invoices numbered to match)", SUB))
            story.append(_lines_table(lines))
    notional = [line for line in ret.lines if line.notional]
    story.append(Paragraph("Notional spending (items given free or at a discount)", SUB))
    story.append(_lines_table(notional) if notional else Paragraph("None.", STYLE))
    unpaid = [line for line in ret.lines if line.unpaid and not line.notional]
    story.append(Paragraph("Unpaid claims", SUB))
    story.append(_lines_table(unpaid) if unpaid else Paragraph("None.", STYLE))
    story.append(Paragraph("Disputed claims", SUB))
    story.append(Paragraph("None recorded.", STYLE))
    story.append(Paragraph("Candidate's personal expenses", SUB))
    story.append(Paragraph("As stated by the candidate to the agent (not part of the limit).", STYLE))
    story += _donations_part(c)
    story.append(Paragraph("Declaration of the election agent", SUB))
    story.append(Paragraph(DECLARATION, STYLE))
    doc.build(story)
    return buf.getvalue()


DECLARATION = (
    "I declare that to the best of my knowledge and belief this return is complete and correct as required by law. "
    "Signed: ______________________ Date: ____________"
)


def _donations_part(c: Candidacy) -> list:
    """Donations to the candidate (over £50, from the donations ledger) with donor, dates and value; smaller gifts
    as one total."""
    gifts = candidate_donations(c.constituency, c.election.election_id)
    story: list = [Paragraph("Donations to the candidate (over £50)", SUB)]
    over = [g for g in gifts if g.is_donation]
    if over:
        rows = [["Donor", "Address", "Type", "Received", "Accepted", "Nature", "Value"]]
        for g in over:
            accepted = g.accepted_on.isoformat() if g.accepted_on else "not yet"
            rows.append([Paragraph(g.donor_name, STYLE), Paragraph(g.donor_address, STYLE),
                         Paragraph(g.donor_type, STYLE), g.received_on.isoformat(), accepted,
                         Paragraph(g.description or g.nature, STYLE), _money(g.amount_pence)])  # fmt: skip
        widths = [32 * mm, 45 * mm, 20 * mm, 18 * mm, 18 * mm, 25 * mm, 20 * mm]
        story.append(Table(rows, colWidths=widths, style=GRID, repeatRows=1))
    else:
        story.append(Paragraph("None.", STYLE))
    small = sum(g.amount_pence for g in gifts if not g.is_donation)
    story.append(Paragraph(f"Gifts of £50 or less (not donations): {_money(small)} in all.", STYLE))
    return story


def _lines_table(lines: list[Line]) -> Table:
    rows = [["No.", "Date", "Description", "Supplier", "Invoice", "Category", "Amount"]]
    for line in lines:
        rows.append([str(line.number), line.incurred_on, Paragraph(line.description, STYLE),
                     Paragraph(line.supplier, STYLE), line.invoice_number, Paragraph(line.category, STYLE),
                     _money(line.pence)])  # fmt: skip
    widths = [10 * mm, 18 * mm, 55 * mm, 35 * mm, 20 * mm, 26 * mm, 20 * mm]
    return Table(rows, colWidths=widths, style=GRID, repeatRows=1)
