"""Secrecy is in the schema: nothing leads from a cast ballot to a member."""

from __future__ import annotations

from django.apps import apps

from groundswell.ballots.models import CastBallot, EligibleVoter
from groundswell.people.models import Person


def test_cast_ballot_refers_only_to_its_ballot():
    relations = [f.name for f in CastBallot._meta.get_fields() if f.is_relation and f.concrete]
    assert relations == ["ballot"]


def test_a_cast_ballot_shares_nothing_with_the_register_but_the_ballot():
    # The only join from a vote towards a member is through the ballot, which every vote and every voter of
    # that ballot share: it pairs each vote with every voter, never one with one.
    cast_columns = {f.column for f in CastBallot._meta.get_fields() if f.concrete}
    register_columns = {f.column for f in EligibleVoter._meta.get_fields() if f.concrete}
    assert cast_columns & register_columns == {"ballot_id"}
    assert not any(f.related_model is Person for f in CastBallot._meta.get_fields() if f.concrete)
    # and nothing points at a cast ballot, so no other table can join a vote to a voter
    pointing = [
        f"{m.__name__}.{f.name}"
        for m in apps.get_models()
        for f in m._meta.get_fields()
        if f.concrete and f.is_relation and f.related_model is CastBallot
    ]
    assert pointing == []


def test_cast_ballot_carries_no_time_or_order_to_line_up_with_the_register():
    names = {f.name for f in CastBallot._meta.get_fields() if f.concrete}
    assert names == {"receipt", "ballot", "preferences", "on_paper"}
    assert CastBallot._meta.pk.name == "receipt"  # random, not an increasing id
    voted_fields = {f.name for f in EligibleVoter._meta.get_fields() if f.concrete}
    assert "voted_at" not in voted_fields and "voted_on" in voted_fields  # a day, not a moment
