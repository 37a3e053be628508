"""The printable polling-day pack: cover page, promises in walk order split into page groups, audited download."""

from __future__ import annotations

import re

import pytest

from groundswell.accounts.models import Role
from groundswell.audit.models import AuditEntry
from groundswell.canvassing.models import WalkStop
from groundswell.gotv import knockup, packs
from groundswell.gotv.models import KnockUpResult, TellingEntry
from groundswell.tests.factories import user_with_role

from .test_promises import build_day, promise, sign_in, vote

pytestmark = pytest.mark.django_db


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b", pdf))


@pytest.fixture
def d(db):
    d = build_day()
    for e in d.world.electors + d.world.other_electors:
        promise(e)
    return d


def test_pack_has_a_cover_and_the_list_in_walk_order(d):
    for stop in WalkStop.objects.filter(walk=d.world.walk):  # route runs No. 5, 3, 1
        stop.order = 10 - stop.order
        stop.save()
    promise(d.world.electors[0], postal_voter=True)
    vote(d.day, d.world.electors[2])  # voted: not in the pack
    pdf = packs.pack_pdf(d.room, compress=False)
    assert pdf.startswith(b"%PDF")
    assert page_count(pdf) == 3  # the cover, then one page per walk
    cover = pdf.index(b"Polling day pack: Abbey room")
    for code, label in packs.RESULT_CODES:
        assert label.encode() in pdf and f"({code})".encode() in pdf, code
    positions = []
    for number in ["AA-5", "AA-6", "AA-4", "AA-1", "AA-2", "AB-1", "AB-2"]:
        token = f"({number})".encode()
        assert token in pdf, number
        positions.append(pdf.index(token))
    assert positions == sorted(positions) and cover < positions[0]
    assert b"(AA-3)" not in pdf
    assert b"(R1)" in pdf and b"(R4)" in pdf and b"(R5)" not in pdf
    compressed = packs.pack_pdf(d.room)
    assert compressed.startswith(b"%PDF") and len(compressed) < len(pdf)


def test_long_walks_are_split_into_page_groups_and_rounds_are_capped(d):
    groups = packs.pack_groups(knockup.knock_up_list(d.room), group_size=4)
    assert [g.title for g in groups] == ["Walk 1 (part 1 of 2)", "Walk 1 (part 2 of 2)", "Walk 2"]
    assert [len(g.electors) for g in groups] == [4, 2, 2]
    pdf = packs.pack_pdf(d.room, group_size=4, rounds=20, compress=False)
    assert page_count(pdf) == 4
    assert f"(R{packs.MAX_ROUNDS})".encode() in pdf and f"(R{packs.MAX_ROUNDS + 1})".encode() not in pdf


def test_pack_of_a_round_prints_that_rounds_electors(d):
    knock_round = knockup.regenerate(d.room, d.world.organiser, round_size=2)
    knockup.record_result(
        d.room, d.world.electors[0], KnockUpResult.Outcome.VOTED, client_id="x", user=d.world.canvasser
    )
    pdf = packs.pack_pdf(d.room, knock_round=knock_round, compress=False)
    assert b"(AA-1)" in pdf and b"(AA-2)" in pdf and b"(AA-3)" not in pdf
    assert b"round 1" in pdf


def test_nobody_left_still_prints_a_cover(d):
    for e in d.world.electors + d.world.other_electors:
        vote(d.day, e, TellingEntry.Source.TELLER)
    pdf = packs.pack_pdf(d.room, compress=False)
    assert page_count(pdf) == 1
    assert b"every promise here has voted" in pdf


def test_pack_download_is_audited_as_an_export_and_needs_the_permission(client, d):
    url = f"/polling-day/knock-up/rooms/{d.room.pk}/pack.pdf"
    client.force_login(user_with_role(Role.CANVASSER, d.world.clp))
    assert client.get(url).status_code == 403
    sign_in(client, d.world.organiser)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    entry = AuditEntry.objects.get(action="exported", actor=d.world.organiser)
    assert (entry.object_type, entry.reason) == ("gotv.committeeroom", "polling day pack")
    knock_round = knockup.regenerate(d.room, d.world.organiser)
    assert client.get(f"{url}?round={knock_round.pk}&rounds=3").status_code == 200
    assert AuditEntry.objects.filter(action="exported", actor=d.world.organiser).count() == 2
