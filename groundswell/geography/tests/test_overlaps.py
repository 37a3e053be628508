"""Population overlaps between the 2010 and 2024 constituency sets, imported from mySociety's shipped tables."""

from __future__ import annotations

from collections import defaultdict

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from groundswell.geography.models import ConstituencyOverlap
from groundswell.geography.overlaps import (
    OverlapImportError,
    import_overlaps,
    parse_overlaps,
    predecessors,
    successors,
)

pytestmark = pytest.mark.django_db

READING_EAST = "E14000889"
READING_CENTRAL = "E14001438"
EARLEY_AND_WOODLEY = "E14001210"


@pytest.fixture
def overlap_files(data_dir):
    lookups = data_dir / "lookups"
    return [
        lookups / "pcon10_to_pcon24_population_overlap.csv",
        lookups / "pcon24_to_pcon10_population_overlap.csv",
    ]


def test_the_shipped_overlaps_cover_both_sets_and_shares_sum_to_one(overlap_files):
    report = import_overlaps(overlap_files)
    assert report.from_seats == 650 and report.to_seats == 650
    # The 2024 → 2010 table has 20 small overlaps the other leaves out: both are read.
    assert report.pairs == 1324 and report.empty == 2  # two Northern Ireland pairs share area but no people
    from_sums: dict[str, float] = defaultdict(float)
    to_sums: dict[str, float] = defaultdict(float)
    for o in ConstituencyOverlap.objects.all():
        from_sums[o.from_code] += o.share_of_from
        to_sums[o.to_code] += o.share_of_to
    assert len(from_sums) == 650
    assert all(abs(total - 1) <= 0.01 for total in from_sums.values())
    assert all(abs(total - 1) <= 0.01 for total in to_sums.values())


def test_the_shares_agree_with_mysocietys_where_its_table_is_complete(overlap_files):
    import_overlaps(overlap_files)
    # Aldershot's old seat went wholly into the new one; Reading East split two ways (mySociety: 67% and 33%).
    [aldershot] = successors("E14000530")
    assert aldershot.to_code == "E14001063" and aldershot.share_of_from == pytest.approx(1.0)
    became = successors(READING_EAST)
    assert [o.to_code for o in became] == [READING_CENTRAL, EARLEY_AND_WOODLEY]
    assert [round(o.share_of_from, 3) for o in became] == [0.671, 0.329]


def test_predecessors_name_the_old_seats_a_new_one_was_made_from(overlap_files):
    import_overlaps(overlap_files)
    made_from = predecessors(EARLEY_AND_WOODLEY)
    assert READING_EAST in [o.from_code for o in made_from]
    assert sum(o.share_of_to for o in made_from) == pytest.approx(1.0)
    assert made_from == sorted(made_from, key=lambda o: -o.share_of_to)


HEADER = "PARL10,PCON24CD,overlap_pop\n"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("E14000530,E14001063,lots\n", "line 2: overlap_pop 'lots' is not a number"),
        ("E14000530,E14001063,-5\n", "line 2: overlap_pop '-5' is not a population"),
        ("E14000530,E14001063,10\nE14000531,E14001064,20\nE14000530,E14001063,10\n", "line 4: .* listed twice"),
        (",E14001063,10\n", "line 2: a constituency code is blank"),
    ],
)
def test_a_bad_row_is_named(body, message):
    with pytest.raises(OverlapImportError, match=message):
        parse_overlaps(HEADER + body, "overlaps.csv")


def test_a_file_without_the_columns_is_refused():
    with pytest.raises(OverlapImportError, match="line 1: no PCON24CD, overlap_pop column"):
        parse_overlaps("PARL10,NEW\nE14000530,E14001063\n", "x.csv")


def test_the_command_imports_all_or_nothing(tmp_path, overlap_files):
    call_command("import_overlaps", *[str(p) for p in overlap_files])
    before = ConstituencyOverlap.objects.count()
    bad = tmp_path / "bad.csv"
    bad.write_text(
        overlap_files[0].read_text(encoding="utf-8") + "E14000530,UKPARL,E14001063,Aldershot,1,1,1,1,x,1,1\n"
    )
    with pytest.raises(CommandError, match="bad.csv line 1308: overlap_pop 'x' is not a number"):
        call_command("import_overlaps", str(overlap_files[1]), str(bad))
    assert ConstituencyOverlap.objects.count() == before
