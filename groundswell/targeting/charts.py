"""Inline SVG charts, laid out here so templates only draw: seat totals with intervals, the poll tracker, and a
seat's shares by year."""

from __future__ import annotations

from typing import Any

from groundswell.charts import Frame

from .history import Election, shares_by_lineage
from .parties import COLOURS, LABELS, PARTIES
from .polls import Tracker

HISTORY_CHART = Frame(width=640, height=240, left=40, right=150, top=12, bottom=28)
HISTORY_MIN_SHARE = 0.05  # a party is drawn if it had this much of the vote at one election at least
LABEL_GAP = 13  # px between the parties' names at the right-hand end, so close finishes stay readable


def seat_chart(totals: dict[str, dict[str, float]], width: int = 640, row: int = 34) -> dict[str, Any]:
    """One row per party with seats in its 90% interval: a thin 90% bar, a thick 50% bar and the median."""
    parties = [p for p in PARTIES if totals.get(p, {}).get("p95", 0) > 0 or totals.get(p, {}).get("point", 0) > 0]
    left, right, top = 180, width - 20, 24
    top_value = max([totals[p]["p95"] for p in parties] + [326]) * 1.05

    def x(v: float) -> float:
        return round(left + (right - left) * v / top_value, 1)

    rows = []
    for i, p in enumerate(parties):
        t = totals[p]
        y = top + i * row + row / 2
        rows.append(
            {
                "party": p,
                "label": LABELS[p],
                "colour": COLOURS[p],
                "y": y,
                "y_text": y + 4,
                "x5": x(t["p5"]),
                "x95": x(t["p95"]),
                "x25": x(t["p25"]),
                "w50": max(x(t["p75"]) - x(t["p25"]), 2),
                "xmed": x(t["median"]),
                "xpoint": x(t["point"]),
                "point": t["point"],
                "interval": f"{t['p5']:.0f}–{t['p95']:.0f}",
                "y_bar": y - 7,
                "y_thin": y - 1,
            }
        )
    height = top + len(parties) * row + 30
    ticks = [{"x": x(v), "label": v} for v in range(0, int(top_value) + 1, 50)]
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": right,
        "top": top,
        "bottom": height - 24,
        "rows": rows,
        "ticks": ticks,
        "majority_x": x(326),
        "label_y": height - 8,
    }


def poll_chart(tracker: Tracker, width: int = 720, height: int = 320) -> dict[str, Any] | None:
    """Lines for the house-effect-corrected average, a shaded 90% band, and a dot per poll."""
    if not tracker.dates:
        return None
    left, right, top, bottom = 44, width - 12, 12, height - 28
    highest = max(max(v) for v in tracker.high.values() if v) if tracker.high else 0.5
    ceiling = min(1.0, (int(highest * 10) + 1) / 10)
    span = max((tracker.dates[-1] - tracker.dates[0]).days, 1)

    def x(date: Any) -> float:
        return round(left + (right - left) * (date - tracker.dates[0]).days / span, 1)

    def y(v: float) -> float:
        return round(bottom - (bottom - top) * v / ceiling, 1)

    series = []
    for party, average in tracker.average.items():
        pts = [(x(d), y(v)) for d, v in zip(tracker.dates, average, strict=True) if v == v]  # skip NaN
        upper = [(x(d), y(v)) for d, v in zip(tracker.dates, tracker.high[party], strict=True) if v == v]
        lower = [(x(d), y(v)) for d, v in zip(tracker.dates, tracker.low[party], strict=True) if v == v]
        series.append(
            {
                "party": party,
                "label": LABELS[party],
                "colour": COLOURS[party],
                "line": " ".join(f"{a},{b}" for a, b in pts),
                "band": " ".join(f"{a},{b}" for a, b in upper + lower[::-1]),
                "latest": average[-1] if average else None,
                "dots": [
                    {"x": x(p["date"]), "y": y(p["shares"][party]), "title": f"{p['pollster']} {p['date']}"}
                    for p in tracker.points
                    if party in p["shares"]
                ],
            }
        )
    grid = [{"y": y(v / 100), "label": f"{v}%"} for v in range(0, int(ceiling * 100) + 1, 10)]
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": right,
        "top": top,
        "bottom": bottom,
        "series": series,
        "grid": grid,
        "first": tracker.dates[0],
        "last": tracker.dates[-1],
        "label_y": height - 8,
    }


def history_chart(elections: list[Election], frame: Frame = HISTORY_CHART) -> dict[str, Any] | None:
    """A line per party (UKIP, Brexit Party and Reform UK as one line) through its share at each election,
    oldest on the left; notional years are marked so the page can draw them hollow."""
    if len(elections) < 2:
        return None
    ordered = sorted(elections, key=lambda e: e.year)
    shares = [shares_by_lineage(e) for e in ordered]
    parties = [p for p in PARTIES if any(s.get(p, 0.0) >= HISTORY_MIN_SHARE for s in shares)]
    ceiling = min(1.0, (int(max(max(s.values(), default=0) for s in shares) * 10) + 1) / 10)
    step = 1 / (len(ordered) - 1)
    series = []
    for party in parties:
        points = [
            {
                "x": frame.x(i * step),
                "y": frame.y(s.get(party, 0.0) / ceiling),
                "share": s.get(party, 0.0),
                "notional": e.notional,
                "title": f"{e.year}{' notional' if e.notional else ''}: {LABELS[party]} {s.get(party, 0.0):.1%}",
            }
            for i, (e, s) in enumerate(zip(ordered, shares, strict=True))
        ]
        last = points[-1]
        series.append(
            {
                "party": party,
                "label": LABELS[party],
                "colour": COLOURS[party],
                "line": " ".join(f"{p['x']},{p['y']}" for p in points),
                "points": points,
                "label_x": last["x"] + 6,
                "label_y": last["y"],
            }
        )
    previous = None
    for line in sorted(series, key=lambda s: s["label_y"]):
        if previous is not None and line["label_y"] - previous < LABEL_GAP:
            line["label_y"] = round(previous + LABEL_GAP, 1)
        previous = line["label_y"]
    years = [{"x": frame.x(i * step), "label": f"{e.year}{'*' if e.notional else ''}"} for i, e in enumerate(ordered)]
    grid = [{"y": frame.y(v / 100 / ceiling), "label": f"{v}%"} for v in range(0, int(round(ceiling * 100)) + 1, 10)]
    return frame.geometry(series=series, years=years, grid=grid, label_y=frame.height - 8)
