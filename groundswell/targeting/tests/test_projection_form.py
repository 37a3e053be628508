"""The dashboard's projection form offers 2024 and the boundary set, and names a base the set cannot take."""

from __future__ import annotations

from groundswell.targeting.forms import ProjectionForm

SHARES = "LAB=0.30,CON=0.22,RUK=0.24,LD=0.12,GRN=0.08,SNP=0.025,PC=0.007"


def _form(**data) -> ProjectionForm:
    return ProjectionForm({"shares": SHARES, "method": "model", "sims": 1000, **data})


def test_the_set_defaults_to_the_one_the_base_election_was_fought_on():
    form = _form(base=2024)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["boundary_set"] == "2024"
    form = _form(base=2017)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["boundary_set"] == "2010"


def test_2019_on_the_2024_boundaries_starts_from_the_notionals():
    form = _form(base=2019, boundary_set="2024")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["boundary_set"] == "2024"


def test_a_base_the_set_has_no_results_for_is_named():
    form = _form(base=2024, boundary_set="2010")
    assert not form.is_valid()
    assert "boundary_set" in form.errors and "2024" in form.errors["boundary_set"][0]
