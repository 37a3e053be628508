"""The pages: a member finds their ballot from home, votes with a code, checks the bulletin; the officers' pages."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from groundswell.accounts.models import Role
from groundswell.audit.models import AuditEntry
from groundswell.ballots.models import CastBallot
from groundswell.tests.factories import user_with_role

from .world import build_world, close, login

pytestmark = pytest.mark.django_db


def _ranks(ballot, **by_name) -> dict[str, str]:
    return {f"rank-{c.pk}": by_name.get(c.name.split()[0], "") for c in ballot.candidates.all()}


def test_member_reaches_the_ballot_from_home_votes_and_finds_the_receipt():
    world = build_world()
    member = user_with_role(Role.MEMBER, world.units.branch_a1, person=world.people[0])
    client = Client()
    client.force_login(member)
    home = client.get(reverse("ballots:home"))
    assert world.ballot.title in home.text and reverse("ballots:vote", args=[world.ballot.pk]) in home.text
    page = client.post(
        reverse("ballots:vote", args=[world.ballot.pk]),
        {"code": world.codes[0], **_ranks(world.ballot, Cat="1", Ada="2")},
    )
    assert page.status_code == 200 and "Your vote is cast" in page.text
    receipt = CastBallot.objects.get().receipt
    assert receipt in page.text
    assert "Voted" in client.get(reverse("ballots:home")).text
    close(world.ballot)
    bulletin = client.get(reverse("ballots:bulletin", args=[world.ballot.pk]), {"receipt": receipt.lower()})
    assert "Found: receipt" in bulletin.text and "Cat Chen" in bulletin.text
    csv = client.get(reverse("ballots:bulletin", args=[world.ballot.pk]), {"format": "csv"})
    assert csv.content.decode() == "Cat Chen,Ada Adams\n"


@pytest.mark.parametrize(
    "ranks, words",
    [
        ({"Ada": "1", "Ben": "1"}, "both Ada Adams and Ben Brown"),
        ({"Ada": "1", "Ben": "3"}, "skipped preference 2"),
        ({}, "at least your first preference"),
    ],
)
def test_a_bad_ballot_paper_is_refused_in_plain_words_and_audited(ranks, words):
    world = build_world()
    page = Client().post(
        reverse("ballots:vote", args=[world.ballot.pk]), {"code": world.codes[0], **_ranks(world.ballot, **ranks)}
    )
    assert page.status_code == 400 and words in page.text
    assert not CastBallot.objects.exists()
    assert AuditEntry.objects.filter(detail__event="vote_refused").count() == 1


def test_a_forged_code_and_a_second_vote_are_refused_on_the_page():
    world = build_world()
    url = reverse("ballots:vote", args=[world.ballot.pk])
    assert "not a voting code" in Client().post(url, {"code": "ZZZZ-ZZZZ-ZZZZ", **_ranks(world.ballot, Ada="1")}).text
    Client().post(url, {"code": world.codes[1], **_ranks(world.ballot, Ada="1")})
    again = Client().post(url, {"code": world.codes[1], **_ranks(world.ballot, Ben="1")})
    assert again.status_code == 400 and "already been used" in again.text
    assert CastBallot.objects.count() == 1


def test_returning_officer_counts_and_certifies_then_the_result_is_public():
    world = build_world(voters=3)
    url = reverse("ballots:vote", args=[world.ballot.pk])
    for code, ranks in zip(world.codes, [{"Ada": "1"}, {"Ada": "1", "Ben": "2"}, {"Ben": "1"}], strict=True):
        Client().post(url, {"code": code, **_ranks(world.ballot, **ranks)})
    close(world.ballot)
    assert (
        "published when the returning officer certifies"
        in Client().get(reverse("ballots:result", args=[world.ballot.pk])).text
    )
    officer = Client()
    officer.force_login(world.officer)
    manage = officer.get(reverse("ballots:manage", args=[world.ballot.pk]))
    assert "Count the votes" in manage.text
    officer.post(reverse("ballots:count", args=[world.ballot.pk]))
    assert "Certify and publish" in officer.get(reverse("ballots:manage", args=[world.ballot.pk])).text
    officer.post(reverse("ballots:certify", args=[world.ballot.pk]))
    result = Client().get(reverse("ballots:result", args=[world.ballot.pk])).text
    assert "Certified by the returning officer" in result and "Round 1" in result and "Ada Adams" in result


def test_manage_page_needs_the_ballot(client):
    world = build_world()
    stranger = user_with_role(Role.MEMBER, world.units.branch_a2)
    client.force_login(stranger)
    assert client.get(reverse("ballots:manage", args=[world.ballot.pk])).status_code == 403


def test_json_cast_takes_a_vote_and_refuses_a_second_with_409():
    world = build_world()
    url = reverse("ballots:cast_json", args=[world.ballot.pk])
    first = Client().post(url, {"code": world.codes[0], "preferences": ["Ada Adams"]}, content_type="application/json")
    assert first.status_code == 200 and CastBallot.objects.filter(receipt=first.json()["receipt"]).exists()
    again = Client().post(url, {"code": world.codes[0], "preferences": ["Ben Brown"]}, content_type="application/json")
    assert again.status_code == 409 and again.json()["reason"] == "code_used"
    bad = Client().post(url, {"code": world.codes[1], "preferences": "Ada"}, content_type="application/json")
    assert bad.status_code == 400


def test_tellers_enter_papers_on_the_page_and_the_officer_decides_a_mismatch():
    world = build_world()
    second = user_with_role(Role.ORGANISER, world.units.clp_a)
    url = reverse("ballots:enter_paper", args=[world.ballot.pk])
    for user, ranks in ((world.secretary, {"Ada": "1", "Ben": "2"}), (second, {"Ada": "1", "Cat": "2"})):
        login(user).post(url, {"paper_number": "12", **_ranks(world.ballot, **ranks)})
    client = login(world.secretary)
    bad = client.post(url, {"paper_number": "13", **_ranks(world.ballot, Ada="2")}, follow=True)
    assert "Paper 13: You skipped preference 1" in bad.text
    page = client.get(reverse("ballots:manage", args=[world.ballot.pk])).text
    assert "Tellers disagree" in page
    officer = Client()
    officer.force_login(world.officer)
    officer.post(
        reverse("ballots:resolve_paper", args=[world.ballot.pk]),
        {"paper_number": "12", "reason": "the 2 is beside Chen", **_ranks(world.ballot, Ada="1", Cat="2")},
    )
    assert CastBallot.objects.get(receipt="P-12").preferences == ["Ada Adams", "Cat Chen"]
