from __future__ import annotations

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone

from groundswell.canvassing import services
from groundswell.canvassing.models import Contact
from groundswell.people.models import TimelineEntry
from groundswell.questions import support_codes
from groundswell.questions.models import Question, SupportCode
from groundswell.questions.services import add_question
from groundswell.register.models import Elector
from groundswell.tests.factories import PersonFactory, UnitFactory

from .builders import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    return build_world()


def _record(world, elector, **kw):
    kw.setdefault("campaign", world.campaign)
    kw.setdefault("canvasser", world.canvasser)
    return services.record_contact(elector, **kw)


def test_default_codes_and_our_party_are_per_unit(world):
    codes = support_codes.support_codes_for(world.clp)
    assert list(codes)[:8] == ["L", "C", "D", "G", "R", "S", "P", "O"]
    assert {c for c, sc in codes.items() if sc.category == SupportCode.Category.OURS} == {"L"}
    assert codes["U"].category == SupportCode.Category.UNDECIDED
    # The constituency party overrides its ancestor: here it is a Green party's local unit.
    support_codes.set_our_party(world.clp, "G")
    assert support_codes.our_codes(world.clp) == {"G"}
    assert support_codes.our_codes(world.national) == {"L"}
    # A sibling unit still inherits the national choice.
    sibling = UnitFactory(code="CLP-X", parent=world.national)
    assert support_codes.our_codes(sibling) == {"L"}
    # Idempotent: running again creates nothing new and keeps the choice.
    before = SupportCode.objects.count()
    support_codes.ensure_default_support_codes(world.national)
    assert SupportCode.objects.count() == before
    assert support_codes.our_codes(world.national) == {"L"}


def test_same_client_id_twice_stores_one_contact(world):
    elector = world.electors[0]
    first, created = _record(world, elector, support_code="L", likelihood=9, client_id="abc-1")
    again, created_again = _record(world, elector, support_code="C", likelihood=1, client_id="abc-1")
    assert created and not created_again
    assert again.pk == first.pk
    assert Contact.objects.filter(client_id="abc-1").count() == 1
    elector.refresh_from_db()
    assert elector.current_support == "L"  # the replay did not change anything
    with pytest.raises(ValidationError, match="already used"):
        _record(world, world.electors[1], support_code="L", client_id="abc-1")


def test_derived_support_keeps_latest_code_through_later_not_in(world):
    elector = world.electors[0]
    t0 = timezone.now() - datetime.timedelta(days=10)
    _record(world, elector, support_code="U", likelihood=5, occurred_at=t0)
    _record(world, elector, support_code="L", likelihood=8, occurred_at=t0 + datetime.timedelta(days=1))
    _record(world, elector, outcome="not_in", occurred_at=t0 + datetime.timedelta(days=2))
    elector.refresh_from_db()
    assert elector.current_support == "L"
    assert elector.current_support_at == t0 + datetime.timedelta(days=1)
    assert elector.current_likelihood == 8
    # 'not in' is an attempt, not a contact.
    assert elector.last_contacted_at == t0 + datetime.timedelta(days=1)
    # An older contact typed in late (a paper sheet) does not override the newer one, and nothing is overwritten.
    _record(world, elector, support_code="C", occurred_at=t0 - datetime.timedelta(days=5), method="paper")
    elector.refresh_from_db()
    assert elector.current_support == "L"
    assert Contact.objects.filter(elector=elector).count() == 4


def test_validation_against_question_set(world):
    elector = world.electors[0]
    with pytest.raises(ValidationError, match="support code"):
        _record(world, elector, support_code="ZZ")
    with pytest.raises(ValidationError, match="outside"):
        _record(world, elector, support_code="L", likelihood=11)
    with pytest.raises(ValidationError, match="not among"):
        _record(world, elector, issues=["nhs", "aliens"])
    with pytest.raises(ValidationError, match="Unknown question"):
        _record(world, elector, answers={"favourite_colour": "red"})
    with pytest.raises(ValidationError, match="cannot carry"):
        _record(world, elector, outcome="not_in", support_code="L")
    add_question(
        world.campaign.question_set, "leaflet", "Would you deliver leaflets?", Question.Kind.YES_NO, required=True
    )
    with pytest.raises(ValidationError, match="required"):
        _record(world, elector, support_code="L")
    # Nobody answered the door: a required question does not apply.
    not_in, _ = _record(world, elector, outcome="not_in")
    assert not_in.answers == {}
    contact, _ = _record(
        world, elector, support_code="L", previous_vote="con", issues=["nhs", "housing"], answers={"leaflet": "yes"}
    )
    assert contact.answers == {"leaflet": True}
    assert contact.issues == ["nhs", "housing"]
    assert Contact.objects.count() == 2  # the failed attempts stored nothing


def test_timeline_entry_on_linked_person(world):
    person = PersonFactory(unit=world.clp)
    elector = world.electors[0]
    Elector.objects.filter(pk=elector.pk).update(person=person)
    elector.refresh_from_db()
    _record(world, elector, support_code="L", client_id="t-1")
    _record(world, elector, support_code="L", client_id="t-1")  # replay: no second entry
    entries = TimelineEntry.objects.filter(person=person, kind=TimelineEntry.Kind.CANVASS)
    assert entries.count() == 1
    assert entries.get().data["support_code"] == "L"


def test_moved_and_deceased_are_flagged_not_deleted(world):
    elector = world.electors[1]
    contact, _ = _record(world, elector, outcome="deceased")
    assert contact.needs_review
    elector.refresh_from_db()
    assert elector.deleted_at is None
    assert Elector.objects.filter(pk=elector.pk).exists()
    spoke, _ = _record(world, world.electors[0], support_code="L")
    assert not spoke.needs_review


def test_deleted_or_foreign_electors_are_refused(world):
    elector = world.electors[0]
    Elector.objects.filter(pk=elector.pk).update(deleted_at=timezone.now())
    elector.refresh_from_db()
    with pytest.raises(ValidationError, match="left the register"):
        _record(world, elector, support_code="L")


@pytest.mark.django_db(transaction=True)
def test_concurrent_sync_of_one_client_id_stores_once():
    if connection.vendor == "sqlite":
        # SQLite's test database is in memory and not shared between threads' connections; the unique
        # constraint path is covered by test_integrity_error_is_caught below.
        pytest.skip("needs PostgreSQL: SQLite's in-memory test database cannot be shared between threads")
    world = build_world()
    elector = world.electors[0]
    barrier = threading.Barrier(4)
    outcomes: list[bool] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            _, created = services.record_contact(
                elector, campaign=world.campaign, canvasser=world.canvasser, support_code="L", client_id="same-id"
            )
            outcomes.append(created)
        except BaseException as exc:  # reported below, so a thread failure fails the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(outcomes) == [False, False, False, True]
    assert Contact.objects.filter(client_id="same-id").count() == 1


def test_integrity_error_is_caught(world, monkeypatch):
    """The race's losing side: the pre-check sees nothing, the insert hits the unique constraint."""
    elector = world.electors[0]
    stored, _ = _record(world, elector, support_code="L", client_id="race-1")
    real_filter = Contact.objects.filter
    calls = {"n": 0}

    def blind_first_lookup(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1 and kwargs.get("client_id") == "race-1":
            return real_filter(pk=-1)  # pretend the other request has not committed yet
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(Contact.objects, "filter", blind_first_lookup)
    contact, created = _record(world, elector, support_code="C", client_id="race-1")
    assert not created and contact.pk == stored.pk
    monkeypatch.undo()
    assert Contact.objects.filter(client_id="race-1").count() == 1
