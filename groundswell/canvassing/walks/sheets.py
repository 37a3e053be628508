"""Printable walk sheets (PDF): the familiar paper canvass sheet, in route order.

Layout: a header on every page (campaign, walk, polling district, date, page), then on the first page the
support-code key beside a small route map (drawn from door coordinates: no tiles, works offline), then the
doors table — address, elector number, name and empty columns for code, likelihood and notes — whose
column headings repeat on every page.
"""

from __future__ import annotations

import datetime
import io
import math
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import reportlab
from django.utils import timezone
from reportlab.graphics.shapes import Circle, Drawing, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from groundswell.canvassing.models import Walk
from groundswell.register.models import Property

from .selectors import support_key, walk_stops

PAGE = landscape(A4)
MARGIN = 12 * mm
HEADER_HEIGHT = 14 * mm
# Elector numbers and codes are ASCII: a standard monospaced font keeps them aligned and searchable in the PDF.
NUMBER_FONT = "Courier"


@lru_cache(maxsize=1)
def _fonts() -> tuple[str, str]:
    """A Unicode TrueType font (names on the register are not all Latin-1): DejaVu if the system has it,
    else the Vera font reportlab ships with."""
    candidates = [
        (
            Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
            Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
        ),
        (
            Path(reportlab.__file__).parent / "fonts" / "Vera.ttf",
            Path(reportlab.__file__).parent / "fonts" / "VeraBd.ttf",
        ),
    ]
    for regular, bold in candidates:
        if regular.exists() and bold.exists():
            pdfmetrics.registerFont(TTFont("GSSans", str(regular)))
            pdfmetrics.registerFont(TTFont("GSSans-Bold", str(bold)))
            return "GSSans", "GSSans-Bold"
    return "Helvetica", "Helvetica-Bold"  # pragma: no cover - reportlab always ships Vera


def short_address(p: Property) -> str:
    """The door's line as the register prints it: its address lines up to the street ('Flat 3, 12 High Street').

    The register's own lines come first, so a house number already in them is never printed twice; the parsed
    fields (label, number, street) are used only for a household imported without address lines.
    """
    lines = [line.strip() for line in p.address_lines if line and line.strip()]
    if lines:
        street = p.street.casefold().strip()
        if street:
            for index, line in enumerate(lines):
                if street in line.casefold():
                    return ", ".join(lines[: index + 1])
        return ", ".join(lines[:2])
    number = "" if p.house_number is None else str(p.house_number)
    label = p.house_label.strip()
    if number and (label == number or (label.startswith(number) and label[len(number) :].isalpha())):
        number, label = label, ""  # '12a' is the number with its suffix, not a separate label
    street_line = " ".join(x for x in (number, p.street) if x)
    return ", ".join(x for x in (label, street_line) if x) or p.address_key


def route_map(points: Sequence[tuple[float, float]], width: float, height: float) -> Drawing:
    """The route as a line through the doors (lat, lon) in order, start green and finish red."""
    drawing = Drawing(width, height)
    drawing.add(Rect(0, 0, width, height, strokeColor=colors.grey, fillColor=colors.whitesmoke, strokeWidth=0.5))
    if not points:
        drawing.add(String(width / 2, height / 2, "No coordinates", textAnchor="middle", fontSize=8))
        return drawing
    lat0 = sum(p[0] for p in points) / len(points)
    k = math.cos(math.radians(lat0))
    xs = [p[1] * k for p in points]
    ys = [p[0] for p in points]
    span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1e-6
    pad = 6
    scale = min(width - 2 * pad, height - 2 * pad) / span
    # Centre the route in the box, same scale on both axes so the shape is true.
    ox = pad + (width - 2 * pad - (max(xs) - min(xs)) * scale) / 2
    oy = pad + (height - 2 * pad - (max(ys) - min(ys)) * scale) / 2
    coords = [(ox + (x - min(xs)) * scale, oy + (y - min(ys)) * scale) for x, y in zip(xs, ys, strict=True)]
    drawing.add(PolyLine([c for xy in coords for c in xy], strokeColor=colors.HexColor("#1f5fa8"), strokeWidth=1))
    for x, y in coords:
        drawing.add(Circle(x, y, 1.2, fillColor=colors.HexColor("#1f5fa8"), strokeColor=None))
    drawing.add(Circle(*coords[0], 3, fillColor=colors.green, strokeColor=colors.white))
    drawing.add(Circle(*coords[-1], 3, fillColor=colors.red, strokeColor=colors.white))
    return drawing


def walk_sheet_pdf(walk: Walk, *, printed_on: datetime.date | None = None, compress: bool = True) -> bytes:
    """The walk sheet as PDF bytes. `compress=False` leaves page content readable (used by tests)."""
    regular, bold = _fonts()
    campaign = walk.campaign
    printed_on = printed_on or timezone.localdate()
    stops = walk_stops(walk)
    cell = ParagraphStyle("cell", fontName=regular, fontSize=8, leading=9.5)
    small = ParagraphStyle("small", fontName=regular, fontSize=7.5, leading=9)
    heading = ParagraphStyle("heading", fontName=bold, fontSize=9, leading=11)

    # Key and map, side by side on the first page.
    key = support_key(campaign)
    per_column = math.ceil(len(key) / 3) or 1
    key_cells = [[Paragraph("Support codes", heading), "", ""]]
    for r in range(per_column):
        key_cells.append(
            [
                Paragraph(
                    f'<font name="{NUMBER_FONT}-Bold">{_esc(key[c * per_column + r][0])}</font> '
                    f"{_esc(key[c * per_column + r][1])}",
                    small,
                )
                if c * per_column + r < len(key)
                else ""
                for c in range(3)
            ]
        )
    key_cells.append([Paragraph("Likelihood to vote: 1 (won't) – 10 (certain)", small), "", ""])
    key_table = Table(key_cells, colWidths=[42 * mm] * 3)
    key_table.setStyle(
        TableStyle([("SPAN", (0, 0), (-1, 0)), ("SPAN", (0, -1), (-1, -1)), ("VALIGN", (0, 0), (-1, -1), "TOP")])
    )
    points = [
        (s.household.latitude, s.household.longitude)
        for s in stops
        if s.household.latitude is not None and s.household.longitude is not None
    ]
    summary = Paragraph(
        f"{len(stops)} doors · {sum(len(s.household.current_electors) for s in stops)} electors · "
        f"route about {walk.route_length_m / 1000:.1f} km · start ● green, finish ● red",
        small,
    )
    top = Table(
        [[[key_table, Spacer(1, 3 * mm), summary], route_map(points, 95 * mm, 55 * mm)]],
        colWidths=[130 * mm, None],
    )
    top.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))

    # The doors table: one row per elector, the address only on a household's first row.
    header = ["#", "Address", "Elector no.", "Name", "Code", "Likely", "Notes"]
    rows: list[list] = [header]
    household_starts: list[int] = []
    for stop in stops:
        household_starts.append(len(rows))
        address = Paragraph(_esc(short_address(stop.household)), cell)
        electors = stop.household.current_electors
        if not electors:
            rows.append([str(stop.order), address, "", Paragraph("<i>no electors listed</i>", cell), "", "", ""])
            continue
        for n, elector in enumerate(electors):
            markers = f" ({elector.markers})" if elector.markers else ""
            postal = " [postal]" if elector.postal_voter else " [proxy]" if elector.proxy_voter else ""
            rows.append(
                [
                    str(stop.order) if n == 0 else "",
                    address if n == 0 else "",
                    elector.elector_number,
                    Paragraph(_esc(f"{elector.full_name}{markers}{postal}"), cell),
                    "",
                    "",
                    "",
                ]
            )
    widths = [10 * mm, 68 * mm, 28 * mm, 62 * mm, 16 * mm, 14 * mm, None]
    doors = Table(rows, colWidths=widths, repeatRows=1)
    style = [
        ("FONT", (0, 0), (-1, 0), bold, 8),
        ("FONT", (0, 1), (-1, -1), regular, 8),
        ("FONT", (2, 1), (2, -1), NUMBER_FONT, 8),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef6")),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white]),
        ("BOTTOMPADDING", (0, 1), (-1, -1), 5),
    ]
    # A heavier line between households makes doors easy to tell apart on paper.
    style += [("LINEABOVE", (0, r), (-1, r), 1, colors.black) for r in household_starts]
    doors.setStyle(TableStyle(style))

    title = f"{campaign.name} — {walk.name}"
    district = walk.polling_district or "—"

    subheading = (
        f"Polling district {district} · printed {printed_on:%d %B %Y} · personal data: keep safe, "
        "return or shred after use"
    )
    return build_pdf(
        [top, Spacer(1, 4 * mm), doors],
        document_title=f"Walk sheet: {walk.name}",
        heading=title,
        subheading=subheading,
        compress=compress,
    )


def _esc(text: str) -> str:
    # Paragraph text is mini-markup: escape what the register supplies.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def build_pdf(
    story: list,
    *,
    document_title: str,
    heading: str,
    subheading: str,
    compress: bool = True,
    heading_size: float = 12,
    subheading_size: float = 9,
) -> bytes:
    """A landscape A4 document whose every page repeats a heading, a subheading, the page number and a rule
    (printed sheets get separated; each page must say what it is). Shared by walk sheets and polling-day packs."""
    regular, bold = _fonts()

    def draw_header(canvas, doc) -> None:
        canvas.saveState()
        width, height = PAGE
        canvas.setFont(bold, heading_size)
        canvas.drawString(MARGIN, height - MARGIN, heading[:110])
        canvas.setFont(regular, subheading_size)
        canvas.drawString(MARGIN, height - MARGIN - 5 * mm, subheading)
        canvas.drawRightString(width - MARGIN, height - MARGIN, f"Page {doc.page}")
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN, height - MARGIN - 7 * mm, width - MARGIN, height - MARGIN - 7 * mm)
        canvas.restoreState()

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=PAGE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN + HEADER_HEIGHT,
        bottomMargin=MARGIN,
        title=document_title,
        author="Groundswell",
        pageCompression=1 if compress else 0,
    )
    doc.build(story, onFirstPage=draw_header, onLaterPages=draw_header)
    return buffer.getvalue()
