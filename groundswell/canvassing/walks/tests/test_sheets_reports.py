"""Walk sheets (PDF), the support-code key and the board report."""

from __future__ import annotations

import csv
import io
import re

import pytest

from groundswell.canvassing.models import Contact, WalkStop
from groundswell.canvassing.walks import services
from groundswell.canvassing.walks.selectors import (
    DEFAULT_SUPPORT_KEY,
    board_report,
    support_key,
    write_board_report_csv,
)
from groundswell.canvassing.walks.sheets import walk_sheet_pdf
from groundswell.questions.models import SupportCode
from groundswell.register.models import Elector, Property

pytestmark = pytest.mark.django_db


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b", pdf))


def test_walk_sheet_lists_every_elector_in_route_order(register):
    walk = services.cut_walks(register.campaign, Property.objects.all(), target_size=30, min_size=20, max_size=40)[0]
    pdf = walk_sheet_pdf(walk, compress=False)
    assert pdf.startswith(b"%PDF")
    assert page_count(pdf) >= 1
    electors = list(
        Elector.objects.filter(household__walk_stops__walk=walk).order_by("household__walk_stops__order", "number")
    )
    assert electors
    positions = []
    for elector in electors:
        # Elector numbers are drawn in a standard font, so they appear literally in the page content.
        token = f"({elector.elector_number})".encode()
        assert token in pdf, elector.elector_number
        positions.append(pdf.index(token))
    assert positions == sorted(positions), "electors should appear in route order"
    # The default key is printed when no codes are configured (codes are in the standard font too).
    for code, _ in DEFAULT_SUPPORT_KEY:
        assert f"({code})".encode() in pdf, code


def test_walk_sheet_uses_the_campaigns_support_codes(register):
    SupportCode.objects.create(unit=register.clp, code="XQ", label="Local code", category="ours")
    walk = services.cut_walks(register.campaign, Property.objects.all(), target_size=30, min_size=20, max_size=40)[0]
    pdf = walk_sheet_pdf(walk, compress=False)
    assert b"(XQ)" in pdf
    assert b"(LD)" not in pdf


def test_long_walk_sheet_breaks_pages_and_repeats_headings(register):
    walk = services.cut_walks(register.campaign, Property.objects.all(), target_size=151, min_size=1, max_size=200)[0]
    assert walk.stops.count() == len(register.households)
    pdf = walk_sheet_pdf(walk, compress=False)
    pages = page_count(pdf)
    assert pages >= 3
    # Column headings are Unicode-font text (not greppable), but each page's header carries its number.
    compressed = walk_sheet_pdf(walk)
    assert compressed.startswith(b"%PDF") and page_count(compressed) == pages
    assert len(compressed) < len(pdf)


def test_support_key_prefers_the_nearest_configured_unit(register):
    assert support_key(register.campaign) == DEFAULT_SUPPORT_KEY
    SupportCode.objects.create(unit=register.national, code="N1", label="National one", category="ours")
    assert support_key(register.campaign) == [("N1", "National one")]
    SupportCode.objects.create(unit=register.clp, code="X", label="Local", category="ours")
    assert support_key(register.campaign) == [("X", "Local")]
    # A sibling's codes are not the campaign's.
    SupportCode.objects.create(unit=register.sibling, code="S", label="Sibling", category="ours")
    assert support_key(register.campaign) == [("X", "Local")]


def test_board_report_counts_doors_electors_and_support(register):
    walks = services.cut_walks(register.campaign, Property.objects.all(), target_size=30, min_size=20, max_size=40)
    walk = walks[0]
    electors = list(Elector.objects.filter(household__walk_stops__walk=walk).order_by("number")[:3])
    Contact.objects.create(elector=electors[0], campaign=register.campaign, walk=walk, support_code="L")
    Contact.objects.create(elector=electors[1], campaign=register.campaign, walk=walk, support_code="C")
    Contact.objects.create(elector=electors[2], campaign=register.campaign, walk=walk, support_code="L")
    Contact.objects.create(elector=electors[2], campaign=register.campaign, walk=walk, outcome="not_in")
    # A contact for another campaign does not count.
    Contact.objects.create(elector=electors[0], campaign=None, support_code="G")

    report = board_report(register.campaign)
    assert len(report.walks) == len(walks)
    assert sum(r.doors for r in report.walks) == len(register.households) == sum(r.doors for r in report.streets)
    assert sum(r.electors for r in report.walks) == Elector.objects.count()
    row = next(r for r in report.walks if r.label == walk.name)
    assert row.doors == walk.stops.count()
    assert row.electors == Elector.objects.filter(household__walk_stops__walk=walk).count()
    assert row.contacts == 4
    assert dict(row.support) == {"L": 2, "C": 1}
    assert report.codes == ["L", "C"]  # in key order
    assert report.totals().contacts == 4
    street_rows = {r.label: r for r in report.streets}
    assert street_rows["Street 0"].doors == WalkStop.objects.filter(household__street="Street 0").count()

    out = io.StringIO()
    write_board_report_csv(report, out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert len(rows) == len(report.walks) + len(report.streets)
    walk_row = next(r for r in rows if r["level"] == "walk" and r["name"] == walk.name)
    assert (walk_row["contacts"], walk_row["L"], walk_row["C"]) == ("4", "2", "1")
