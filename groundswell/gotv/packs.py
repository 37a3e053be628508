"""The printable polling-day pack for a committee room (PDF): what runs the room when phones do not.

A cover page (room, address, polling districts, date, the key to the result codes, what to do), then the
promises still to vote in walk-route order, one page group per walk (split further when a walk is long),
with columns address, elector number, name, postal?, and a box per knock-up round for the result code.
Reuses the walk sheet's fonts, address formatting and route map.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, Spacer, Table, TableStyle

from groundswell.canvassing.models import Walk
from groundswell.canvassing.walks.sheets import (
    NUMBER_FONT,
    _esc,
    _fonts,
    build_pdf,
    route_map,
    short_address,
)
from groundswell.register.models import Elector

from .knockup import knock_up_list
from .models import CommitteeRoom, KnockUpResult, KnockUpRound

# One-letter codes for the round boxes, in the order volunteers meet them.
RESULT_CODES: list[tuple[str, str]] = [
    ("V", KnockUpResult.Outcome.VOTED.label),
    ("W", KnockUpResult.Outcome.WILL_GO.label),
    ("L", KnockUpResult.Outcome.LIFT.label),
    ("N", KnockUpResult.Outcome.NOT_IN.label),
    ("R", KnockUpResult.Outcome.REFUSED.label),
]
DEFAULT_ROUNDS = 4
MAX_ROUNDS = 6  # result boxes that fit across a landscape A4 page
DEFAULT_GROUP_SIZE = 60  # electors per page group: about what one volunteer knocks in a round


@dataclass
class PackGroup:
    title: str
    electors: list[Elector] = field(default_factory=list)
    points: list[tuple[float, float]] = field(default_factory=list)


def pack_groups(electors: list[Elector], group_size: int = DEFAULT_GROUP_SIZE) -> list[PackGroup]:
    """Split a knock-up list (already in walk order) into page groups: one per walk, long walks in parts of
    at most `group_size`; electors on no walk grouped by polling district."""
    walk_ids = {e.knock_up_walk_id for e in electors if getattr(e, "knock_up_walk_id", None)}
    names = dict(Walk.objects.filter(pk__in=walk_ids).values_list("pk", "name"))
    runs: list[tuple[str, list[Elector]]] = []
    for e in electors:
        walk_id = getattr(e, "knock_up_walk_id", None)
        label = names.get(walk_id, f"Walk #{walk_id}") if walk_id else f"{e.polling_district}: not on a walk"
        if not runs or runs[-1][0] != label:
            runs.append((label, []))
        runs[-1][1].append(e)
    groups: list[PackGroup] = []
    for label, members in runs:
        parts = [members[i : i + group_size] for i in range(0, len(members), group_size)]
        for n, part in enumerate(parts, start=1):
            title = f"{label} (part {n} of {len(parts)})" if len(parts) > 1 else label
            points = [
                (e.household.latitude, e.household.longitude)
                for e in part
                if e.household and e.household.latitude is not None and e.household.longitude is not None
            ]
            groups.append(PackGroup(title, part, points))
    return groups


def pack_pdf(
    committee_room: CommitteeRoom,
    *,
    knock_round: KnockUpRound | None = None,
    rounds: int = DEFAULT_ROUNDS,
    group_size: int = DEFAULT_GROUP_SIZE,
    printed_on: datetime.date | None = None,
    compress: bool = True,
) -> bytes:
    """The room's pack as PDF bytes: from `knock_round`'s electors when given, else the current knock-up list.

    `rounds` is the number of result boxes per elector; `compress=False` keeps page text readable (tests).
    """
    regular, bold = _fonts()
    day = committee_room.polling_day
    printed_on = printed_on or timezone.localdate()
    if knock_round is not None:
        items = knock_round.items.select_related("elector__household").order_by("order")
        electors = []
        for item in items:
            item.elector.knock_up_walk_id = item.walk_id
            electors.append(item.elector)
    else:
        electors = knock_up_list(committee_room)
    groups = pack_groups(electors, group_size)
    rounds = max(1, min(rounds, MAX_ROUNDS))

    hours = f"{_hhmm(day.polls_open)}–{_hhmm(day.polls_close)}"
    title_style = ParagraphStyle("title", fontName=bold, fontSize=18, leading=22)
    heading = ParagraphStyle("heading", fontName=bold, fontSize=11, leading=14)
    body = ParagraphStyle("body", fontName=regular, fontSize=10, leading=13)
    cell = ParagraphStyle("cell", fontName=regular, fontSize=8, leading=9.5)

    story: list = [
        Paragraph(_esc(f"Polling day pack: {committee_room.name}"), title_style),
        Spacer(1, 4 * mm),
        Paragraph(_esc(f"{day.name} · {_date(day.date):%A %d %B %Y} · polls {hours}"), body),
        Paragraph(_esc(f"Committee room: {committee_room.address or committee_room.name}"), body),
        Paragraph(_esc("Polling districts: " + (", ".join(committee_room.polling_districts) or "none")), body),
        Paragraph(
            _esc(
                f"{len(electors)} promises to knock up"
                + (f" (round {knock_round.number})" if knock_round else "")
                + f" on {len(groups)} sheets · printed {printed_on:%d %B %Y}"
            ),
            body,
        ),
        Spacer(1, 6 * mm),
        Paragraph("Result codes: write one in the box for the round", heading),
    ]
    key = Table(
        [[Paragraph(f'<font name="{NUMBER_FONT}-Bold">{code}</font>', body), label] for code, label in RESULT_CODES],
        colWidths=[12 * mm, 70 * mm],
    )
    key.setStyle(TableStyle([("FONT", (1, 0), (1, -1), regular, 10), ("GRID", (0, 0), (-1, -1), 0.25, colors.grey)]))
    story += [
        key,
        Spacer(1, 6 * mm),
        Paragraph(
            "Knock up in the order printed (the walk route). Bring the sheets back to the committee room after "
            "each round so the results can be entered: 'V' takes them off the next round's list, 'L' goes to the "
            "lifts desk. These sheets carry personal data: keep them safe and return or shred them.",
            body,
        ),
    ]

    header = ["#", "Address", "Elector no.", "Name", "Postal"] + [f"R{n}" for n in range(1, rounds + 1)]
    widths = [10 * mm, 78 * mm, 28 * mm, 64 * mm, 14 * mm] + [12 * mm] * rounds
    for index, group in enumerate(groups, start=1):
        story.append(PageBreak())
        title_row = Table(
            [
                [
                    [
                        Paragraph(_esc(f"Sheet {index} of {len(groups)}: {group.title}"), heading),
                        Paragraph(_esc(f"{len(group.electors)} electors"), body),
                    ],
                    route_map(group.points, 60 * mm, 28 * mm),
                ]
            ],
            colWidths=[None, 64 * mm],
        )
        title_row.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
        rows: list[list] = [header]
        previous_household = None
        household_starts = []
        for n, e in enumerate(group.electors, start=1):
            same = e.household_id is not None and e.household_id == previous_household
            if not same:
                household_starts.append(len(rows))
            previous_household = e.household_id
            address = "" if same else Paragraph(_esc(short_address(e.household) if e.household else ""), cell)
            rows.append(
                [str(n), address, e.elector_number, Paragraph(_esc(e.full_name), cell), "yes" if e.postal_voter else ""]
                + [""] * rounds
            )
        table = Table(rows, colWidths=widths, repeatRows=1)
        style = [
            ("FONT", (0, 0), (-1, 0), bold, 8),
            ("FONT", (0, 1), (-1, -1), regular, 8),
            ("FONT", (2, 1), (2, -1), NUMBER_FONT, 8),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef6")),
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("BOX", (5, 1), (-1, -1), 1, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("BOTTOMPADDING", (0, 1), (-1, -1), 6),
        ]
        style += [("LINEABOVE", (0, r), (-1, r), 1, colors.black) for r in household_starts if r > 1]
        table.setStyle(TableStyle(style))
        story += [title_row, Spacer(1, 3 * mm), table]
    if not groups:
        story += [Spacer(1, 6 * mm), Paragraph("Nobody left to knock up: every promise here has voted.", heading)]

    page_title = f"{committee_room.name} · {day.name}"

    subheading = (
        f"{_date(day.date):%d %B %Y} · codes: "
        + "  ".join(f"{c} {label.lower()}" for c, label in RESULT_CODES)
        + " · personal data: keep safe"
    )
    return build_pdf(
        story,
        document_title=f"Polling day pack: {committee_room.name}",
        heading=page_title,
        subheading=subheading,
        compress=compress,
        heading_size=11,
        subheading_size=8.5,
    )


def _hhmm(value: datetime.time | str) -> str:
    """A time field as HH:MM (an unsaved default may still be the string '07:00')."""
    return value.strftime("%H:%M") if isinstance(value, datetime.time) else str(value)[:5]


def _date(value: datetime.date | str) -> datetime.date:
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value))
