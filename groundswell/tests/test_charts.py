"""The shared chart geometry (groundswell/charts.py): plain arithmetic, no database."""

from __future__ import annotations

from groundswell.charts import Frame, column_chart, nice_step

FRAME = Frame(width=100, height=60, left=10, right=10, top=5, bottom=5)


def test_a_frame_maps_shares_onto_its_plot_area_and_clamps_them():
    assert (FRAME.plot_width, FRAME.plot_height) == (80, 50)
    assert (FRAME.x(0), FRAME.x(0.5), FRAME.x(1), FRAME.x(-1), FRAME.x(2)) == (10, 50, 90, 10, 90)
    assert (FRAME.y(0), FRAME.y(1), FRAME.y(1.5)) == (55, 5, 5)
    assert FRAME.geometry(extra=1) == {
        "width": 100,
        "height": 60,
        "left": 10,
        "right": 90,
        "top": 5,
        "bottom": 55,
        "extra": 1,
    }


def test_round_steps_give_at_most_five_grid_lines():
    assert [nice_step(n) for n in (0, 5, 6, 11, 99, 1000, 60_000)] == [1, 1, 2, 5, 20, 200, 100_000]


def test_a_column_chart_has_a_bar_per_value_and_a_round_ceiling():
    chart = column_chart(FRAME, [0, 3, 7], {2: "now"})
    assert [b["value"] for b in chart["bars"]] == [0, 3, 7]
    assert [g["label"] for g in chart["grid"]] == ["0", "2", "4", "6", "8"]
    assert chart["bars"][0]["h"] == 0 and chart["bars"][2]["y"] > FRAME.top
    assert chart["ticks"] == [{"x": round(10 + 2 * 80 / 3 + 80 / 6, 1), "label": "now"}]
