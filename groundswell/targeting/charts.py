"""Inline SVG charts, laid out here so templates only draw: seat totals with intervals, and the poll tracker."""

from __future__ import annotations

from typing import Any

from .parties import COLOURS, LABELS, PARTIES
from .polls import Tracker


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
