"""Importing past results: names normalised, votes pooled per party, bad rows named, nothing half-loaded."""

from __future__ import annotations

import pytest

from groundswell.targeting.models import Result
from groundswell.targeting.results import ResultsImportError, election_table, load_results

HEADER = "location\tdate\tparty\tvotes\n"
ROWS = (
    "E14000001|ALDERSHOT|Hampshire|South East|England|72000\t2017-06-08\tConservative Party\t26950\n"
    "E14000001|ALDERSHOT|Hampshire|South East|England|72000\t2017-06-08\tLabour\t15477\n"
    "E14000001|ALDERSHOT|Hampshire|South East|England|72000\t2017-06-08\tOther\t300\n"
    "E14000001|ALDERSHOT|Hampshire|South East|England|72000\t2017-06-08\tOther\t200\n"
    "S14000001|ABERDEEN NORTH||Scotland|Scotland|62000\t2017-06-08\tPC/SNP\t15170\n"
    "S14000001|ABERDEEN NORTH||Scotland|Scotland|62000\t2017-06-08\tConservative\t9000\n"
    "N06000001|BELFAST EAST||Northern Ireland|Northern Ireland|60000\t2017-06-08\tDUP\t23917\n"
)


@pytest.mark.django_db
def test_names_are_normalised_and_votes_pooled():
    assert load_results(HEADER + ROWS) == 6
    assert set(Result.objects.filter(ons_code="E14000001").values_list("party", "votes")) == {
        ("CON", 26950),
        ("LAB", 15477),
        ("OTH", 500),
    }
    assert Result.objects.get(ons_code="S14000001", party="SNP").votes == 15170
    table = election_table(2017)
    assert table.codes == ["E14000001", "S14000001"]  # Northern Ireland is stored but not modelled


@pytest.mark.django_db
def test_an_unknown_party_names_its_line_and_nothing_is_loaded():
    load_results(HEADER + ROWS)
    bad = HEADER + ROWS + "E14000002|ALTRINCHAM|x|North West|England|70000\t2017-06-08\tWhig\t10\n"
    with pytest.raises(ResultsImportError, match="line 9: unknown party 'Whig'"):
        load_results(bad)
    assert Result.objects.count() == 6  # the earlier import is untouched


@pytest.mark.django_db
def test_a_malformed_location_or_date_is_refused():
    with pytest.raises(ResultsImportError, match="line 2: location"):
        load_results(HEADER + "E14000001|ALDERSHOT\t2017-06-08\tLabour\t1\n")
    with pytest.raises(ResultsImportError, match="line 2: '2016-06-23' is not a general election"):
        load_results(HEADER + "E14000001|A|B|C|England|1\t2016-06-23\tLabour\t1\n")


def test_the_package_results_cover_every_election(results):
    for year in (2010, 2015, 2017, 2019):
        table = election_table(year)
        assert len(table.codes) == 632
        assert table.shares.sum(axis=1) == pytest.approx(1.0)
    buckingham = election_table(2015)
    row = buckingham.codes.index("E14000608")
    assert buckingham.shares[row].argmax() == 8  # SPK: the Speaker's seat in 2015
    assert election_table(2019).national()[0] == pytest.approx(0.447, abs=0.002)  # Conservative GB share
