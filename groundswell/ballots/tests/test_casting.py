"""Casting a vote with a one-time code: receipts, and every refusal in plain words, audited."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from groundswell.audit.models import AuditEntry
from groundswell.ballots import selectors, services
from groundswell.ballots.models import CastBallot, EligibleVoter
from groundswell.ballots.services import VoteRefused

from .world import CANDIDATES, build_world, close

pytestmark = pytest.mark.django_db


def test_a_member_votes_once_and_gets_a_receipt():
    world = build_world()
    receipt = services.cast_vote(world.ballot, world.codes[0], ["Cat Chen", "Ada Adams"])
    assert len(receipt) == 11 and CastBallot.objects.get(receipt=receipt).preferences == ["Cat Chen", "Ada Adams"]
    assert selectors.has_voted(world.ballot, world.people[0])
    assert not selectors.has_voted(world.ballot, world.people[1])
    assert AuditEntry.objects.filter(detail__event="vote_cast").count() == 1
    # The audit entry says a vote was cast, not which code or which preferences.
    assert "Cat" not in str(AuditEntry.objects.get(detail__event="vote_cast").detail)


def test_codes_go_by_email_or_sms_and_only_their_hash_is_kept():
    world = build_world()
    voter = EligibleVoter.objects.filter(ballot=world.ballot).first()
    assert voter.code_channel == "email" and len(voter.code_hash) == 64
    assert not EligibleVoter.objects.filter(code_hash__icontains=world.codes[0].replace("-", "")).exists()


@pytest.mark.parametrize(
    "code_of, prefs, reason, words",
    [
        (lambda w: "ABCD-EFGH-JKMN", ["Ada Adams"], "bad_code", "not a voting code for this ballot"),
        (lambda w: w.codes[1], ["Ada Adams", "Ada Adams"], "invalid_preferences", "appears twice"),
        (lambda w: w.codes[1], ["Ada Adams", "", "Ben Brown"], "invalid_preferences", "skipped preference"),
        (lambda w: w.codes[1], ["Zed"], "invalid_preferences", "unknown candidate"),
        (lambda w: w.codes[1], [], "invalid_preferences", "no preference"),
    ],
)
def test_bad_votes_are_refused_in_plain_words_and_audited(code_of, prefs, reason, words):
    world = build_world()
    with pytest.raises(VoteRefused) as refused:
        services.cast_vote(world.ballot, code_of(world), prefs)
    assert refused.value.reason == reason and words in str(refused.value)
    assert CastBallot.objects.count() == 0 and not EligibleVoter.objects.filter(voted=True).exists()
    entry = AuditEntry.objects.get(detail__event="vote_refused")
    assert entry.reason == reason and words in entry.detail["message"]


def test_a_code_is_spent_by_its_vote():
    world = build_world()
    services.cast_vote(world.ballot, world.codes[0], ["Ada Adams"])
    with pytest.raises(VoteRefused, match="already been used"):
        services.cast_vote(world.ballot, world.codes[0].lower(), ["Ben Brown"])
    assert CastBallot.objects.count() == 1


def test_a_code_for_one_ballot_is_nothing_on_another():
    world = build_world()
    other = build_world(units=world.units)
    with pytest.raises(VoteRefused, match="not a voting code"):
        services.cast_vote(other.ballot, world.codes[0], ["Ada Adams"])


def test_no_vote_before_opening_or_after_close():
    world = build_world(open_now=False)
    with pytest.raises(VoteRefused, match="not opened"):
        services.cast_vote(world.ballot, world.codes[0], ["Ada Adams"])
    close(world.ballot)
    with pytest.raises(VoteRefused, match="closed"):
        services.cast_vote(world.ballot, world.codes[0], ["Ada Adams"])
    assert sorted(AuditEntry.objects.filter(detail__event="vote_refused").values_list("reason", flat=True)) == [
        "closed",
        "not_open",
    ]


def test_rank_boxes_become_preferences_or_a_clear_refusal():
    world = build_world()
    ranks = dict.fromkeys(CANDIDATES, "")
    assert services.preferences_from_ranks(world.ballot, {**ranks, "Dev Das": "1", "Ada Adams": "2"}) == [
        "Dev Das",
        "Ada Adams",
    ]
    with pytest.raises(VoteRefused, match="both Ada Adams and Ben Brown"):
        services.preferences_from_ranks(world.ballot, {**ranks, "Ada Adams": "1", "Ben Brown": "1"})
    with pytest.raises(VoteRefused, match="skipped preference 2"):
        services.preferences_from_ranks(world.ballot, {**ranks, "Ada Adams": "1", "Ben Brown": "3"})
    with pytest.raises(VoteRefused, match="whole number"):
        services.preferences_from_ranks(world.ballot, {**ranks, "Ada Adams": "first"})
    with pytest.raises(VoteRefused, match="at least your first preference"):
        services.preferences_from_ranks(world.ballot, ranks)


def test_only_the_returning_officer_counts_and_certifies_after_close():
    world = build_world(voters=5)
    votes = [["Ada Adams", "Ben Brown"]] * 3 + [["Cat Chen"], ["Dev Das", "Cat Chen"]]
    for code, prefs in zip(world.codes, votes, strict=True):
        services.cast_vote(world.ballot, code, prefs)
    with pytest.raises(ValidationError, match="after the ballot closes"):
        services.run_count(world.officer, world.ballot)
    close(world.ballot)
    with pytest.raises(PermissionDenied):
        services.run_count(world.secretary, world.ballot)
    result = services.run_count(world.officer, world.ballot)
    assert result["elected"][0] == "Ada Adams" and result["ballots"] == 5
    assert selectors.published_result(world.ballot) is None  # not published until certified
    with pytest.raises(PermissionDenied):
        services.certify(world.secretary, world.ballot)
    services.certify(world.officer, world.ballot)
    assert selectors.published_result(world.ballot)["elected"] == result["elected"]
    with pytest.raises(ValidationError, match="certified"):
        services.run_count(world.officer, world.ballot)
    assert AuditEntry.objects.filter(detail__event__in=["counted", "certified"]).count() == 2


def test_bulletin_lists_every_receipt_after_close_and_recounts_from_the_command_line(tmp_path, capsys):
    world = build_world(voters=3)
    receipts = [
        services.cast_vote(world.ballot, c, p)
        for c, p in zip(
            world.codes, [["Ada Adams"], ["Ben Brown", "Ada Adams"], ["Ada Adams", "Cat Chen"]], strict=True
        )
    ]
    assert list(selectors.bulletin(world.ballot)) == []  # nothing published while voting is open
    close(world.ballot)
    listed = {b.receipt: b.preferences for b in selectors.bulletin(world.ballot)}
    assert set(listed) == set(receipts) and listed[receipts[1]] == ["Ben Brown", "Ada Adams"]
    from django.core.management import call_command  # noqa: PLC0415

    path = tmp_path / "bulletin.csv"
    path.write_text(selectors.bulletin_csv(world.ballot))
    call_command("ballots", "count", str(path), "--method", "stv", "--seats", "2", "--json")
    recount = __import__("json").loads(capsys.readouterr().out)
    assert recount["elected"] == services.run_count(world.officer, world.ballot)["elected"]


def test_setting_up_a_ballot_checks_its_fields():
    world = build_world()
    with pytest.raises(ValidationError) as err:
        services.create_ballot(
            world.secretary,
            unit=world.units.clp_a,
            title="x",
            method="stv",
            seats=2,
            candidates=["A", "A"],
            opens_at=world.ballot.closes_at,
            closes_at=world.ballot.opens_at,
        )
    assert "listed twice" in str(err.value) and "close after it opens" in str(err.value)
    with pytest.raises(PermissionDenied):
        services.create_ballot(
            world.officer,
            unit=world.units.clp_a,
            title="x",
            method="irv",
            seats=1,
            candidates=["A", "B"],
            opens_at=world.ballot.opens_at,
            closes_at=world.ballot.closes_at,
        )
