"""The printable day sheet for drivers and advance staff: the day's route (roads and times), each stop's window,
planned arrival, venue, contacts and checklist status, the team's phones. It carries the venues, so only the
tour team may print it (the view checks and audits)."""

from __future__ import annotations

import io

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .models import TourDay
from .selectors import is_ready, stewards_signed_up


def render(day: TourDay) -> bytes:
    styles = getSampleStyleSheet()
    plan = day.plan or {}
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=14 * mm, rightMargin=14 * mm, topMargin=14 * mm,
                            bottomMargin=14 * mm, title=f"Day sheet {day.date}")  # fmt: skip
    story = [
        Paragraph(f"{day.tour.name}: {day.date:%A %d %B %Y}", styles["Title"]),
        Paragraph(
            f"Start {day.start_name} {day.depart_at:%H:%M} · end {day.end_name} by {day.arrive_by:%H:%M} · "
            f"vehicle: {day.tour.vehicles or 'not given'}",
            styles["Normal"],
        ),  # fmt: skip
        Paragraph(
            "CONFIDENTIAL: unpublished venues and times. Do not share outside the tour team.", styles["Heading4"]
        ),
    ]
    if plan:
        story.append(Paragraph(f"Route: {plan.get('km', 0)} km, about {plan.get('minutes', 0)} minutes driving.",
                               styles["Normal"]))  # fmt: skip
        rows = [["From", "To", "km", "min", "Roads"]]
        for leg in plan.get("legs", []):
            roads = ", ".join(r for seg in leg["segments"] for r in seg.get("roads", [])) or "local roads"
            rows.append([leg["from"], leg["to"], str(leg["km"]), str(leg["minutes"]), roads[:60]])
        story += [Spacer(1, 4 * mm), _table(rows)]
        for note in plan.get("notes", []):
            story.append(Paragraph(f"Note: {note}", styles["Italic"]))
    else:
        story.append(Paragraph("The day is not planned yet.", styles["Normal"]))
    rows = [["#", "Stop", "Window", "Arrive", "Venue", "Checklist", "Stewards"]]
    for s in day.stops.exclude(status="cancelled").order_by("sequence", "window_start"):
        items = list(s.checklist.all())
        checked = sum(1 for i in items if i.checked_by_id)
        status = "READY" if is_ready(s) else f"{checked}/{len(items)} checked"
        contact = next((i.detail for i in items if i.key == "venue" and i.detail), "")
        rows.append([str(s.sequence or ""), s.title[:30], f"{s.window_start:%H:%M}-{s.window_end:%H:%M}",
                     f"{s.planned_arrival:%H:%M}" if s.planned_arrival else "",
                     Paragraph(f"{s.venue_name}, {s.address} {s.postcode}<br/>{contact}", styles["BodyText"]),
                     status, f"{stewards_signed_up(s)}/{s.stewards_needed}"])  # fmt: skip
    story += [Spacer(1, 6 * mm), Paragraph("Stops", styles["Heading2"]), _table(rows)]
    team = [["Team", "Role", "Phone"]] + [
        [m.user.get_full_name() or m.user.email, m.get_role_display(), m.phone]
        for m in day.tour.members.select_related("user")
    ]  # fmt: skip
    story += [Spacer(1, 6 * mm), _table(team)]
    doc.build(story)
    return buf.getvalue()


def _table(rows: list[list]) -> Table:
    table = Table(rows, repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold"), ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))  # fmt: skip
    return table
