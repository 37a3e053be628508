"""Geometry for the small inline SVG charts drawn server-side (phonebank calls per minute, the polling-day board).

Pages draw charts from coordinates computed here, so a page and its JSON refresh draw exactly the same chart and
templates hold no arithmetic. Plain Python (no Django): a `Frame` is the SVG box with its margins and maps shares
(0–1) onto it; `column_chart` draws one bar per value on a y axis from 0 to a round maximum.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# Round y-axis steps, smallest first: the first giving at most five grid lines is used.
NICE_STEPS = (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000)


def _clamp(share: float) -> float:
    return min(1.0, max(0.0, share))


@dataclass(frozen=True)
class Frame:
    """An SVG box of `width` × `height` with margins around the plot area (the axis labels sit in the margins)."""

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int

    @property
    def plot_width(self) -> int:
        return self.width - self.left - self.right

    @property
    def plot_height(self) -> int:
        return self.height - self.top - self.bottom

    def x(self, share: float) -> float:
        """The x coordinate `share` (0–1, clamped) of the way across the plot area."""
        return round(self.left + self.plot_width * _clamp(share), 1)

    def y(self, share: float) -> float:
        """The y coordinate `share` (0–1, clamped) of the way up the plot area."""
        return round(self.top + self.plot_height * (1 - _clamp(share)), 1)

    def geometry(self, **parts: Any) -> dict[str, Any]:
        """The box and the plot area's edges as the templates use them, plus the chart's own `parts`."""
        return {
            "width": self.width,
            "height": self.height,
            "left": self.left,
            "right": self.width - self.right,
            "top": self.top,
            "bottom": self.height - self.bottom,
            **parts,
        }


def nice_step(top: int) -> int:
    """A round grid step for an axis from 0 to `top` (at most five steps while one of NICE_STEPS fits)."""
    for step in NICE_STEPS:
        if top / step <= 5:
            return step
    return 10 ** len(str(top))


def column_chart(frame: Frame, values: Sequence[int], labels: Mapping[int, str]) -> dict[str, Any]:
    """One bar per value on a y axis from 0 to a round maximum; `labels` names some columns by index."""
    width, height = frame.plot_width, frame.plot_height
    top = max(values or [0])
    step = max(1, nice_step(top))
    ceiling = max(step, -(-top // step) * step)
    slot = width / max(1, len(values))
    bars = []
    for i, v in enumerate(values):
        h = height * v / ceiling
        bars.append(
            {
                "x": round(frame.left + i * slot + slot * 0.1, 1),
                "y": round(frame.top + height - h, 1),
                "w": round(slot * 0.8, 1),
                "h": round(h, 1),
                "value": v,
            }
        )
    grid = [{"y": frame.y(n / ceiling), "label": str(n)} for n in range(0, ceiling + 1, step)]
    ticks = [{"x": round(frame.left + i * slot + slot / 2, 1), "label": label} for i, label in labels.items()]
    return frame.geometry(bars=bars, grid=grid, ticks=ticks)
