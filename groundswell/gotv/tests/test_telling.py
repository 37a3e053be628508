"""Telling services: matching typed numbers at a station, recording once, undo and who may do it.

`build_telling_world` is shared with the view, concurrency and browser tests of telling.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.utils import timezone

from groundswell.accounts.models import Role
from groundswell.audit.models import AuditEntry
from groundswell.geography.models import Constituency
from groundswell.gotv import assignments, telling
from groundswell.gotv.models import PollingDay, PollingStation, TellingEntry
from groundswell.people.models import OrganisationUnit
from groundswell.register.models import Elector
from groundswell.tests.factories import UnitFactory, user_with_role

pytestmark = pytest.mark.django_db


@dataclass
class TellingWorld:
    constituency: Constituency
    clp: OrganisationUnit
    other_clp: OrganisationUnit
    day: PollingDay
    hall: PollingStation  # AB1
    school: PollingStation  # AB2 and AB3: bare 5 is in both
    teller: Any
    teller2: Any
    coordinator: Any
    outsider: Any  # a teller for the other constituency
    electors: dict[str, Elector]
    hall_teller: Any = None  # a teller of this constituency posted at the hall only


def _electors(constituency: Constituency, pd: str, numbers: list[tuple[int, int]]) -> list[Elector]:
    return Elector.objects.bulk_create(
        [
            Elector(
                constituency=constituency,
                polling_district=pd,
                number=n,
                suffix=s,
                forenames=f"Voter{n}",
                surname="Xylophone",
            )
            for n, s in numbers
        ]
    )


def build_telling_world() -> TellingWorld:
    constituency = Constituency.objects.create(code="E14000888", name="Reading East")
    other_constituency = Constituency.objects.create(code="E14000889", name="Reading West")
    national = UnitFactory(code="NAT", name="National", kind=OrganisationUnit.Kind.NATIONAL)
    clp = UnitFactory(code="CLP-RE", name="Reading East CLP", kind=OrganisationUnit.Kind.CONSTITUENCY, parent=national)
    clp.constituency = constituency
    clp.save()
    other_clp = UnitFactory(
        code="CLP-RW", name="Reading West CLP", kind=OrganisationUnit.Kind.CONSTITUENCY, parent=national
    )
    other_clp.constituency = other_constituency
    other_clp.save()
    day = PollingDay.objects.create(
        unit=clp,
        constituency=constituency,
        name="Reading East 2029",
        election="parl.2029-05-03",
        date=timezone.localdate(),
    )
    hall = PollingStation.objects.create(polling_day=day, name="St Mary's Hall", polling_districts=["AB1"])
    school = PollingStation.objects.create(polling_day=day, name="Park School", polling_districts=["AB2", "ab3"])
    made = [
        *_electors(constituency, "AB1", [(n, 0) for n in range(1, 11)] + [(3, 1)]),
        *_electors(constituency, "AB2", [(n, 0) for n in range(1, 6)]),
        *_electors(constituency, "AB3", [(n, 0) for n in range(5, 9)]),
        *_electors(constituency, "AB9", [(1, 0)]),  # a district with no station today
        *_electors(other_constituency, "WW1", [(1, 0)]),
    ]
    gone = Elector.objects.create(constituency=constituency, polling_district="AB1", number=11, surname="Gone")
    Elector.objects.filter(pk=gone.pk).update(deleted_at=timezone.now())
    teller = user_with_role(Role.TELLER, clp, email="teller@example.org")
    teller2 = user_with_role(Role.TELLER, clp, email="teller2@example.org")
    hall_teller = user_with_role(Role.TELLER, clp, email="hall-teller@example.org")
    # Tellers see and take only the numbers of the stations they are posted at (gotv/assignments.py).
    for station in (hall, school):
        assignments.set_station_tellers(station, [teller, teller2])
    assignments.set_station_tellers(hall, [teller, teller2, hall_teller])
    return TellingWorld(
        constituency=constituency,
        clp=clp,
        other_clp=other_clp,
        day=day,
        hall=hall,
        school=school,
        teller=teller,
        teller2=teller2,
        coordinator=user_with_role(Role.COORDINATOR, clp, email="coordinator@example.org"),
        outsider=user_with_role(Role.TELLER, other_clp, email="outsider@example.org"),
        electors={e.elector_number: e for e in made if e.constituency_id == constituency.pk},
        hall_teller=hall_teller,
    )


@pytest.fixture
def world() -> TellingWorld:
    return build_telling_world()


def _enter(world: TellingWorld, text: str, client_id: str, user: Any = None, station: Any = None):
    return telling.record_entry(world.day, station or world.hall, text, client_id=client_id, user=user or world.teller)


# ---------------------------------------------------------------- parsing and matching


@pytest.mark.parametrize(
    ("text", "number"),
    [("3", "AB1-3"), (" 3/1 ", "AB1-3/1"), ("ab1-7", "AB1-7"), ("AB1 - 3 / 1", "AB1-3/1"), ("3/0", "AB1-3")],
)
def test_numbers_in_the_station_district_match(world, text, number):
    match = telling.parse_and_match(world.day, world.hall, text)
    assert match.ok and match.elector == world.electors[number]
    assert match.number == number


def test_a_suffix_is_a_different_elector(world):
    assert telling.parse_and_match(world.day, world.hall, "3/1").elector == world.electors["AB1-3/1"]
    assert telling.parse_and_match(world.day, world.hall, "3").elector == world.electors["AB1-3"]
    assert telling.parse_and_match(world.day, world.hall, "4/1").kind == telling.UNKNOWN


@pytest.mark.parametrize("text", ["", "abc", "12a", "AB1-", "1/2/3", "--", "3.5"])
def test_junk_is_flagged(world, text):
    match = telling.parse_and_match(world.day, world.hall, text)
    assert match.kind == telling.JUNK and match.elector is None
    assert "not an elector number" in match.message


def test_unknown_and_deleted_numbers_are_unknown(world):
    assert telling.parse_and_match(world.day, world.hall, "99").kind == telling.UNKNOWN
    assert telling.parse_and_match(world.day, world.hall, "AB1-99").kind == telling.UNKNOWN
    assert telling.parse_and_match(world.day, world.hall, "11").kind == telling.UNKNOWN  # removed from the register


def test_a_number_from_another_station_names_that_station(world):
    match = telling.parse_and_match(world.day, world.hall, "AB2-4")
    assert match.kind == telling.WRONG_STATION and match.elector is None
    assert match.other_station == world.school
    assert "belongs to station Park School" in match.message
    # The lower-case district in the station's list still counts as that station's.
    assert telling.parse_and_match(world.day, world.hall, "ab3-6").other_station == world.school
    # A district no station covers today is named as such.
    lost = telling.parse_and_match(world.day, world.hall, "AB9-1")
    assert lost.kind == telling.WRONG_STATION and lost.other_station is None and "no station today" in lost.message
    # Another constituency's number is simply not on this register.
    assert telling.parse_and_match(world.day, world.hall, "WW1-1").kind == telling.UNKNOWN


def test_a_bare_number_in_two_of_the_stations_districts_is_ambiguous(world):
    match = telling.parse_and_match(world.day, world.school, "5")
    assert match.kind == telling.AMBIGUOUS and match.elector is None
    assert "AB2-5 or AB3-5" in match.message
    assert telling.parse_and_match(world.day, world.school, "AB3-5").elector == world.electors["AB3-5"]
    assert telling.parse_and_match(world.day, world.school, "7").elector == world.electors["AB3-7"]  # only in AB3


# ---------------------------------------------------------------- recording


def test_recording_stores_one_live_entry(world):
    result = _enter(world, "3", "c-1")
    assert result.status == telling.RECORDED and result.elector == world.electors["AB1-3"]
    entry = TellingEntry.objects.get()
    assert entry.client_id == "c-1" and entry.station == world.hall and entry.entered_by == world.teller
    assert entry.raw_number == "3" and entry.source == "teller" and entry.undone_at is None


def test_same_client_id_gives_the_same_entry_and_no_new_row(world):
    first = _enter(world, "3", "c-1")
    again = _enter(world, "3", "c-1")
    assert again.status == telling.DUPLICATE_CLIENT and again.entry.pk == first.entry.pk
    assert again.elector == first.elector
    # Even if the replay carries other text (a corrupted resend), the stored entry stands.
    other = _enter(world, "4", "c-1")
    assert other.status == telling.DUPLICATE_CLIENT and other.entry.pk == first.entry.pk
    flagged = _enter(world, "zz", "c-2")
    assert _enter(world, "zz", "c-2").entry.pk == flagged.entry.pk
    assert TellingEntry.objects.count() == 2


def test_two_tellers_taking_the_same_voter_count_once(world):
    first = _enter(world, "3", "a-1", user=world.teller)
    second = _enter(world, "AB1-3", "b-1", user=world.teller2)
    assert second.status == telling.ALREADY_VOTED and second.entry.pk == first.entry.pk
    assert "already voted" in second.message and "St Mary's Hall" in second.message
    assert TellingEntry.objects.filter(elector=world.electors["AB1-3"], undone_at__isnull=True).count() == 1
    assert not TellingEntry.objects.filter(client_id="b-1").exists()


def test_unknown_wrong_station_and_junk_are_kept_without_an_elector(world):
    results = [_enter(world, text, f"x-{i}") for i, text in enumerate(["99", "AB2-4", "hello", "3/2"])]
    assert [r.status for r in results] == ["unknown", "wrong_station", "unknown", "unknown"]
    assert "belongs to station Park School" in results[1].message
    stored = {e.raw_number: e for e in TellingEntry.objects.all()}
    assert set(stored) == {"99", "AB2-4", "hello", "3/2"}
    assert all(e.elector_id is None for e in stored.values())
    assert telling.entry_status(stored["AB2-4"]) == "wrong_station"
    assert telling.entry_status(stored["99"]) == "unknown"
    # Two unknown entries of one number are both kept: the constraint covers electors only.
    assert _enter(world, "99", "x-9").status == "unknown"


def test_ambiguous_bare_number_is_stored_flagged(world):
    result = _enter(world, "5", "amb-1", station=world.school)
    assert result.status == telling.UNKNOWN and "AB2-5 or AB3-5" in result.message
    assert result.entry.elector_id is None


def test_the_constraint_decides_and_a_fault_is_never_hidden(world, monkeypatch):
    """There is no check before the insert: the partial unique constraint refuses the second live vote, and the
    refusal is answered from the winner's entry. If that entry cannot be found, the error is raised, not hidden."""
    winner = _enter(world, "3", "a-1")
    loser = _enter(world, "3", "b-1", user=world.teller2)
    assert loser.status == telling.ALREADY_VOTED and loser.entry.pk == winner.entry.pk
    monkeypatch.setattr(telling, "live_vote", lambda day, elector: None)
    with pytest.raises(IntegrityError):
        _enter(world, "3", "b-2", user=world.teller2)
    assert TellingEntry.objects.filter(elector=world.electors["AB1-3"]).count() == 1


def test_client_id_is_required(world):
    with pytest.raises(ValueError):
        _enter(world, "3", "")
    with pytest.raises(ValueError):
        _enter(world, "3", "x" * 65)


# ---------------------------------------------------------------- undo


def test_author_may_undo_and_the_number_can_be_entered_again(world):
    first = _enter(world, "3", "a-1")
    result = telling.undo_entry(first.entry, world.teller)
    assert result.status == "undone"
    first.entry.refresh_from_db()
    assert first.entry.undone_at is not None and first.entry.undone_by == world.teller
    audit = AuditEntry.objects.filter(action=AuditEntry.Action.CHANGED, object_type="gotv.tellingentry").get()
    assert audit.object_id == str(first.entry.pk) and audit.unit_path == world.clp.path
    again = _enter(world, "3", "a-2", user=world.teller2)
    assert again.status == telling.RECORDED and again.entry.pk != first.entry.pk
    assert TellingEntry.objects.filter(elector=world.electors["AB1-3"], undone_at__isnull=True).count() == 1
    # Undoing twice changes nothing and audits nothing more.
    assert telling.undo_entry(first.entry, world.teller).status == "already_undone"
    assert AuditEntry.objects.filter(action=AuditEntry.Action.CHANGED, object_type="gotv.tellingentry").count() == 1


def test_another_teller_may_not_undo(world):
    first = _enter(world, "3", "a-1")
    with pytest.raises(PermissionDenied):
        telling.undo_entry(first.entry, world.teller2)
    with pytest.raises(PermissionDenied):
        telling.undo_entry(first.entry, world.outsider)
    first.entry.refresh_from_db()
    assert first.entry.undone_at is None


def test_coordinator_may_undo_anyones_entry(world):
    first = _enter(world, "3", "a-1")
    assert telling.undo_entry(first.entry, world.coordinator).status == "undone"
    first.entry.refresh_from_db()
    assert first.entry.undone_by == world.coordinator


def test_an_author_who_lost_the_role_may_not_undo(world):
    first = _enter(world, "3", "a-1")
    from groundswell.accounts import access
    from groundswell.accounts.models import RoleAssignment

    RoleAssignment.objects.filter(user=world.teller).delete()
    access.clear_cache(world.teller)
    with pytest.raises(PermissionDenied):
        telling.undo_entry(first.entry, world.teller)


# ---------------------------------------------------------------- selectors


def test_station_numbers_are_numbers_only(world):
    numbers = telling.station_numbers(world.day, world.school)
    assert numbers == {"AB2": ["1", "2", "3", "4", "5"], "AB3": ["5", "6", "7", "8"]}
    hall = telling.station_numbers(world.day, world.hall)
    assert hall["AB1"][:4] == ["1", "2", "3", "3/1"] and "11" not in hall["AB1"]


def test_tally_counts_live_votes_taken_here(world):
    _enter(world, "1", "t-1")
    _enter(world, "2", "t-2")
    undone = _enter(world, "3", "t-3")
    _enter(world, "99", "t-4")
    _enter(world, "1", "t-5", user=world.teller2)  # already voted: no second vote
    telling.undo_entry(undone.entry, world.teller)
    tally = telling.station_tally(world.day, world.hall)
    assert (tally.voted, tally.electorate, tally.flagged) == (2, 11, 1)
    assert tally.percent == 18.2
    quick = telling.station_tally(world.day, world.hall, electorate=False)
    assert (quick.voted, quick.electorate, quick.flagged, quick.percent) == (2, None, 1, None)


def test_days_for_covers_the_users_units_only(world):
    other_day = PollingDay.objects.create(
        unit=world.other_clp,
        constituency=world.day.constituency,
        name="Elsewhere",
        election="x",
        date=timezone.localdate() + datetime.timedelta(days=1),
    )
    assert list(telling.days_for(world.teller)) == [world.day]
    # A teller sees a day only once posted at one of its stations; those who run a day see it anyway.
    assert list(telling.days_for(world.outsider)) == []
    elsewhere = PollingStation.objects.create(polling_day=other_day, name="Elsewhere hall", polling_districts=["WW1"])
    assignments.set_station_tellers(elsewhere, [world.outsider])
    assert list(telling.days_for(world.outsider)) == [other_day]
    assert list(telling.days_for(world.coordinator)) == [world.day]
    assert list(telling.days_for(user_with_role(Role.TELLER, world.clp))) == []


# ---------------------------------------------------------------- the register cache


def test_an_elector_saved_in_this_process_is_known_at_once(world):
    assert telling.parse_and_match(world.day, world.hall, "12").kind == telling.UNKNOWN
    twelve = Elector.objects.create(constituency=world.constituency, polling_district="AB1", number=12, surname="New")
    assert telling.parse_and_match(world.day, world.hall, "12").elector == twelve


def test_a_register_import_elsewhere_is_seen_when_the_version_is_next_checked(world, monkeypatch):
    """Bulk writes send no signal (another process's import, say): the register version, the newest
    RegisterImport of the constituency, is re-read every RECHECK_S seconds and a new one reloads the map."""
    from groundswell.gotv import caches
    from groundswell.register.models import RegisterImport

    assert telling.parse_and_match(world.day, world.hall, "13").kind == telling.UNKNOWN
    _electors(world.constituency, "AB1", [(13, 0)])
    assert telling.parse_and_match(world.day, world.hall, "13").kind == telling.UNKNOWN  # cached, no signal
    RegisterImport.objects.bulk_create([RegisterImport(constituency=world.constituency, kind="update")])
    monkeypatch.setattr(caches, "RECHECK_S", 0.0)
    assert telling.parse_and_match(world.day, world.hall, "13").kind == telling.OK
