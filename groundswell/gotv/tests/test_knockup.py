"""Knock-up lists (order and exclusions), rounds, results and their side effects (telling entries, lifts)."""

from __future__ import annotations

import time

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from groundswell.audit.models import AuditEntry
from groundswell.canvassing.models import WalkStop
from groundswell.canvassing.tests.builders import make_elector, make_household, make_walk
from groundswell.gotv import knockup
from groundswell.gotv.models import CommitteeRoom, KnockUpResult, KnockUpRound, Lift, TellingEntry
from groundswell.register.models import Elector, Property, TurnoutRecord

from .test_promises import build_day, ids, promise, vote

pytestmark = pytest.mark.django_db
Outcome = KnockUpResult.Outcome


@pytest.fixture
def d(db):
    d = build_day()
    for e in d.world.electors + d.world.other_electors:
        promise(e)
    return d


def _result(d, elector, outcome, client_id=None, **kw):
    return knockup.record_result(
        d.room, elector, outcome, client_id=client_id or f"c-{elector.pk}-{outcome}", user=d.world.canvasser, **kw
    )


# ---------------------------------------------------------------- order


def test_list_follows_the_walk_route_then_register_order_for_electors_on_no_walk(d):
    aa = d.world.electors
    # Walk the route backwards: No. 5 first, then 3, then 1.
    for stop in WalkStop.objects.filter(walk=d.world.walk):
        stop.order = 10 - stop.order
        stop.save()
    loose = make_household(d.world.constituency, "AA", 7)
    extra = [promise(make_elector(loose, 8)), promise(make_elector(loose, 7))]
    got = [e.elector_number for e in knockup.knock_up_list(d.room)]
    assert got == [
        "AA-5", "AA-6", "AA-3", "AA-4", "AA-1", "AA-2",  # walk 1, route order
        "AB-1", "AB-2",  # walk 2 (district AB)
        "AA-7", "AA-8",  # on no walk: after the walks, in register order
    ]  # fmt: skip
    by_pk = {e.pk: e for e in knockup.knock_up_list(d.room)}
    assert by_pk[aa[0].pk].knock_up_walk_id == d.world.walk.pk
    assert by_pk[extra[0].pk].knock_up_walk_id is None


def test_only_the_rooms_districts_and_only_promises(d):
    d.room.polling_districts = ["AB"]
    d.room.save()
    promise(d.world.other_electors[1], code="C")
    assert ids(knockup.knock_up_list(d.room)) == [d.world.other_electors[0].pk]


def test_unreliable_first_puts_likely_voters_with_few_past_votes_first(d):
    aa = d.world.electors
    promise(aa[0], likelihood=3)  # unlikely: last, whatever their history
    history = {aa[1]: ["v", "v", "x"], aa[2]: ["v"], aa[3]: [], aa[4]: ["v", "0", "0"], aa[5]: ["v", "v"]}
    for elector, marks in history.items():
        TurnoutRecord.objects.bulk_create(
            [TurnoutRecord(elector=elector, election=f"local.20{20 + i}", mark=m) for i, m in enumerate(marks)]
        )
    # A mark for this very election must not count as history.
    TurnoutRecord.objects.create(elector=aa[3], election=d.day.election, mark="v")
    got = ids(knockup.knock_up_list(d.room, priority="unreliable_first"))
    ab = d.world.other_electors
    # aa[3]: 0 votes; AB-1, AB-2: 0 votes (walk 2 comes after walk 1); aa[2], aa[4]: 1; aa[5]: 2; aa[1]: 3; aa[0].
    assert got == [aa[3].pk, ab[0].pk, ab[1].pk, aa[2].pk, aa[4].pk, aa[5].pk, aa[1].pk, aa[0].pk]
    with pytest.raises(ValueError):
        knockup.knock_up_list(d.room, priority="alphabetical")


def test_voters_refusers_and_known_postal_votes_drop_off(d):
    aa, ab = d.world.electors, d.world.other_electors
    vote(d.day, aa[0])  # taken at the station
    vote(d.day, aa[1], undone_at=timezone.now())  # undone: still to vote
    _result(d, aa[2], Outcome.VOTED)  # "voted already" on the doorstep
    _result(d, aa[3], Outcome.REFUSED)
    _result(d, aa[4], Outcome.NOT_IN)  # not in: knock again
    promise(aa[5], postal_voter=True)
    vote(d.day, aa[5], TellingEntry.Source.POSTAL)
    promise(ab[0], postal_voter=True)
    TurnoutRecord.objects.create(elector=ab[0], election=d.day.election, mark="x")  # postal vote returned
    assert ids(knockup.knock_up_list(d.room)) == [aa[1].pk, aa[4].pk, ab[1].pk]
    kept = ids(knockup.knock_up_list(d.room, exclude_postal_voted=False))
    assert kept == [aa[1].pk, aa[4].pk, aa[5].pk, ab[0].pk, ab[1].pk]


def test_a_knock_up_voted_result_excludes_even_if_the_telling_entry_was_undone(d):
    aa = d.world.electors
    _result(d, aa[0], Outcome.VOTED)
    TellingEntry.objects.filter(elector=aa[0]).update(undone_at=timezone.now())
    assert aa[0].pk not in ids(knockup.knock_up_list(d.room))


# ---------------------------------------------------------------- rounds


def test_regenerate_makes_consecutive_rounds_from_the_current_list(d):
    aa = d.world.electors
    first = knockup.regenerate(d.room, d.world.organiser)
    assert first.number == 1
    items = list(first.items.order_by("order"))
    assert [i.elector_id for i in items] == ids(knockup.knock_up_list(d.room))
    assert [i.order for i in items] == list(range(1, 9))
    assert items[0].walk_id == d.world.walk.pk
    _result(d, aa[0], Outcome.VOTED, round=first)
    second = knockup.regenerate(d.room, d.world.organiser, round_size=3)
    assert second.number == 2
    assert list(second.items.values_list("elector_id", flat=True)) == [aa[1].pk, aa[2].pk, aa[3].pk]
    assert AuditEntry.objects.filter(action="created", object_type="gotv.knockupround").count() == 2
    # Another room's rounds are numbered on their own.
    other = CommitteeRoom.objects.create(polling_day=d.day, name="Park room", polling_districts=["AB"])
    assert knockup.regenerate(other, d.world.organiser).number == 1
    with pytest.raises(ValidationError):
        knockup.regenerate(d.room, d.world.organiser, round_size=0)


def test_complete_round_and_current_round(d):
    first = knockup.regenerate(d.room, d.world.organiser)
    second = knockup.regenerate(d.room, d.world.organiser)
    assert knockup.current_round(d.room) == second
    knockup.complete_round(second, d.world.organiser)
    done_at = KnockUpRound.objects.get(pk=second.pk).completed_at
    assert done_at is not None
    knockup.complete_round(second, d.world.organiser)  # idempotent
    assert KnockUpRound.objects.get(pk=second.pk).completed_at == done_at
    assert knockup.current_round(d.room) == first


def test_regenerate_is_fast_for_thousands_of_promises(d):
    households = Property.objects.bulk_create(
        [
            Property(
                constituency=d.world.constituency,
                polling_district="AC",
                address_key=f"{n} LONG ROAD AC",
                address_lines=[f"{n} Long Road"],
                street="Long Road",
                house_number=n,
                register_order=n,
            )
            for n in range(1, 1501)
        ]
    )
    households = list(Property.objects.filter(polling_district="AC").order_by("register_order"))
    now = timezone.now()
    Elector.objects.bulk_create(
        [
            Elector(
                constituency=d.world.constituency,
                polling_district="AC",
                number=2 * i + k + 1,
                household=h,
                current_support="L",
                current_likelihood=8,
                last_contacted_at=now,
                current_support_at=now,
            )
            for i, h in enumerate(households)
            for k in range(2)
        ]
    )
    for start in range(0, 1500, 100):
        make_walk(d.world.campaign, f"AC walk {start // 100:02d}", households[start : start + 100], pd="AC")
    electors = list(Elector.objects.filter(polling_district="AC").order_by("number")[:1500])
    TurnoutRecord.objects.bulk_create([TurnoutRecord(elector=e, election="local.2026", mark="v") for e in electors])
    d.room.polling_districts = ["AA", "AB", "AC"]
    d.room.save()
    started = time.perf_counter()
    knock_round = knockup.regenerate(d.room, d.world.organiser, priority="unreliable_first")
    elapsed = time.perf_counter() - started
    assert knock_round.items.count() == 3008
    assert elapsed < 2.0, f"regenerate took {elapsed:.2f} s"


# ---------------------------------------------------------------- results


def test_record_result_is_idempotent_by_client_id(d):
    aa = d.world.electors
    first, created = _result(d, aa[0], Outcome.NOT_IN, client_id="abc")
    again, created_again = _result(d, aa[0], Outcome.NOT_IN, client_id="abc")
    assert created is True and created_again is False
    assert first.pk == again.pk
    assert KnockUpResult.objects.count() == 1


def test_voted_takes_the_number_once(d):
    aa = d.world.electors
    result, _ = _result(d, aa[0], Outcome.VOTED)
    entry = TellingEntry.objects.get(elector=aa[0])
    assert (entry.source, entry.polling_day_id, entry.undone_at) == ("knock_up", d.day.pk, None)
    assert entry.raw_number == "AA-1" and entry.entered_by == d.world.canvasser
    # Told twice (another volunteer, another result): still one live vote.
    _result(d, aa[0], Outcome.VOTED, client_id="second")
    assert TellingEntry.objects.filter(elector=aa[0]).count() == 1
    # Already taken at the station: the doorstep result is kept, no second entry.
    vote(d.day, aa[1])
    _result(d, aa[1], Outcome.VOTED)
    assert TellingEntry.objects.filter(elector=aa[1]).count() == 1
    assert KnockUpResult.objects.filter(elector=aa[1], outcome="voted").exists()


def test_lift_needed_opens_one_lift_for_the_room(d):
    aa = d.world.electors
    result, _ = _result(d, aa[0], Outcome.LIFT, notes="wheelchair")
    lift = Lift.objects.get(elector=aa[0])
    assert (lift.committee_room, lift.status, lift.requested_by, lift.notes) == (d.room, "needed", result, "wheelchair")
    _result(d, aa[0], Outcome.LIFT, client_id="again")
    assert Lift.objects.filter(elector=aa[0]).count() == 1
    knockup.update_lift(lift, status=Lift.Status.CANCELLED, driver="", user=d.world.organiser)
    _result(d, aa[0], Outcome.LIFT, client_id="third")
    assert Lift.objects.filter(elector=aa[0]).count() == 2  # the cancelled one does not count as open


def test_record_result_refuses_bad_input(d):
    aa = d.world.electors
    with pytest.raises(ValidationError):
        _result(d, aa[0], "abducted")
    with pytest.raises(ValidationError):
        knockup.record_result(d.room, aa[0], Outcome.VOTED, client_id="  ", user=d.world.canvasser)
    elsewhere = make_elector(make_household(d.world.constituency, "AZ", 1), 1)
    with pytest.raises(ValidationError):
        _result(d, elsewhere, Outcome.VOTED)
    other_room = CommitteeRoom.objects.create(polling_day=d.day, name="Park", polling_districts=["AB"])
    other_round = knockup.regenerate(other_room, d.world.organiser)
    with pytest.raises(ValidationError):
        _result(d, aa[0], Outcome.NOT_IN, round=other_round)
    assert not KnockUpResult.objects.exists() and not TellingEntry.objects.exists()


def test_update_lift_sets_status_and_driver_and_audits(d):
    _result(d, d.world.electors[0], Outcome.LIFT)
    lift = Lift.objects.get()
    knockup.update_lift(lift, status=Lift.Status.ARRANGED, driver=" Sam ", user=d.world.organiser)
    lift.refresh_from_db()
    assert (lift.status, lift.driver) == ("arranged", "Sam")
    assert AuditEntry.objects.filter(action="changed", object_type="gotv.lift").exists()
    with pytest.raises(ValidationError):
        knockup.update_lift(lift, status="lost", user=d.world.organiser)


def test_round_payload_shows_who_has_voted_since_and_no_canvass_data(d):
    aa = d.world.electors
    knock_round = knockup.regenerate(d.room, d.world.organiser)
    vote(d.day, aa[1])
    _result(d, aa[2], Outcome.NOT_IN, round=knock_round)
    payload = knockup.round_payload(knock_round)
    rows = {r["number"]: r for r in payload["electors"]}
    assert rows["AA-2"]["voted"] is True and rows["AA-1"]["voted"] is False
    assert rows["AA-3"]["outcome"] == "not_in"
    assert rows["AA-1"]["address"] == "1 High Street"
    assert set(rows["AA-1"]) == {"id", "order", "number", "name", "address", "voted", "outcome"}
    assert [o["code"] for o in payload["outcomes"]] == ["voted", "will_go", "lift", "not_in", "refused"]
