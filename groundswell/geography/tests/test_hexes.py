"""The hex cartogram: importing Open Innovations' 2024 layout and drawing it."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.template.loader import render_to_string

from groundswell.geography.hexes import HexImportError, build_hex_map, hex_polygons, import_hexes, region_values
from groundswell.geography.models import Constituency

pytestmark = pytest.mark.django_db


@pytest.fixture
def seats_2024(boundaries_dir: Path) -> dict:
    """The 650 seats of the 2024 set, named from the hex file (no outlines needed to place hexes)."""
    hexes = json.loads((boundaries_dir / "uk_westminster_2024.hexjson").read_text())["hexes"]
    Constituency.objects.bulk_create(
        Constituency(boundary_set_id="2024", code=code, name=cell["n"]) for code, cell in hexes.items()
    )
    return hexes


def test_the_real_layout_places_all_650_seats(boundaries_dir, seats_2024, capsys):
    call_command("import_hexes", str(boundaries_dir / "uk_westminster_2024.hexjson"))
    assert "650 2024-set constituencies placed on the hex map" in capsys.readouterr().out
    assert Constituency.objects.filter(boundary_set="2024", hex_q__isnull=False).count() == 650
    reading = Constituency.objects.get(boundary_set="2024", code="E14001438")
    assert (reading.hex_q, reading.hex_r) == (seats_2024["E14001438"]["q"], seats_2024["E14001438"]["r"])
    assert reading.region.name == "South East"  # the English region, from the layout
    values, legend = region_values("2024")
    assert len(values) == 650 and len(legend) == 12  # nine English regions and three other nations
    hexmap = build_hex_map("2024", values, "/seats/CODE/", legend, "Seats")
    assert len(hexmap.hexes) == 650 and hexmap.width > 0 and hexmap.height > 0
    html = render_to_string("geography/_hexmap.html", {"hexmap": hexmap})
    assert html.count("<polygon") == 650
    assert 'href="/seats/E14001438/"' in html and "Reading Central (E14001438): South East" in html
    assert "Open Innovations" in html


def test_hexes_of_unloaded_seats_or_clashing_places_are_refused(tmp_path, seats_2024):
    def hexjson(hexes: dict, layout: str = "odd-r") -> Path:
        path = tmp_path / "h.hexjson"
        path.write_text(json.dumps({"layout": layout, "hexes": hexes}))
        return path

    with pytest.raises(HexImportError, match=r"hex E99999999 \(Nowhere\) is not a constituency of the 2024 set"):
        import_hexes(hexjson({"E14001438": {"n": "x", "q": 1, "r": 1}, "E99999999": {"n": "Nowhere", "q": 2, "r": 1}}))
    with pytest.raises(HexImportError, match="hexes E14001438 and E14001210 are both at q=1, r=1"):
        import_hexes(hexjson({"E14001438": {"q": 1, "r": 1}, "E14001210": {"q": 1, "r": 1}}))
    with pytest.raises(HexImportError, match="needs whole numbers q and r"):
        import_hexes(hexjson({"E14001438": {"n": "Reading Central", "q": "1", "r": 1}}))
    with pytest.raises(CommandError, match="layout 'even-q' is not read"):
        call_command("import_hexes", str(hexjson({}, layout="even-q")))
    assert not Constituency.objects.filter(hex_q__isnull=False).exists()  # nothing half-written


def test_hexes_need_the_set_loaded_first(tmp_path, db):
    path = tmp_path / "h.hexjson"
    path.write_text(json.dumps({"layout": "odd-r", "hexes": {"E14001438": {"q": 1, "r": 1}}}))
    with pytest.raises(HexImportError, match="no constituencies of the 2024 set are loaded"):
        import_hexes(path)


def test_odd_rows_are_shifted_half_a_hex_and_neighbours_touch():
    size = 10.0
    hexes, width, height = hex_polygons([("A", "a", 0, 0), ("B", "b", 1, 0), ("C", "c", 0, 1)], size=size)
    a, b, c = hexes
    assert b.x - a.x == pytest.approx(math.sqrt(3) * size, abs=0.1)  # side by side in a row
    assert c.x - a.x == pytest.approx(math.sqrt(3) * size / 2, abs=0.1)  # odd row shifted right
    assert a.y - c.y == pytest.approx(1.5 * size, abs=0.1)  # a larger r is drawn higher (further north)
    assert width > 0 and height > 0
