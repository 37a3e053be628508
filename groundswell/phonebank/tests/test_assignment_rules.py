"""Who gets which contact, and when: windows, leases, retries, maximum attempts, skips, suppression."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from groundswell.canvassing.models import Contact, DoorOutcome
from groundswell.people.models import Consent, Suppression
from groundswell.people.services import add_suppression, set_consent
from groundswell.phonebank import campaigns, rules, services
from groundswell.phonebank.models import CallAttempt, CallTarget, Outcome
from groundswell.register.models import Elector
from groundswell.tests.factories import PersonFactory, PhoneFactory

from .world import LONDON, NOON, build_world

pytestmark = pytest.mark.django_db

METHODS = ["conditional", "skip_locked"]


def methods():
    return METHODS if connection.vendor == "postgresql" else ["conditional"]


def submit(world, card, outcome, caller=None, at=NOON, **kwargs):
    return services.submit_result(
        world.session,
        caller or world.caller,
        client_id=kwargs.pop("client_id", uuid.uuid4().hex),
        target_id=card.target_id,
        lease_seq=card.lease_seq,
        outcome=outcome,
        now=at,
        **kwargs,
    )


@pytest.fixture(params=METHODS)
def method(request):
    if request.param == "skip_locked" and connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED is PostgreSQL's")
    return request.param


def claim(world, caller=None, at=NOON, method=None):
    return services.claim_next(world.campaign, (caller or world.caller).pk, at, method=method)


def test_two_callers_get_different_contacts_and_a_lease_holder_gets_theirs_back(method):
    world = build_world(people=3)
    a = claim(world, method=method)
    b = claim(world, world.caller2, method=method)
    assert isinstance(a, services.ContactCard) and isinstance(b, services.ContactCard)
    assert a.target_id != b.target_id
    # Reloading the page: the caller holds a live lease, so they get the same contact, not a new one.
    again = services.next_call(world.session, world.caller.pk, NOON + datetime.timedelta(minutes=1))
    assert again.target_id == a.target_id and again.lease_seq == a.lease_seq


def test_a_contact_is_only_what_the_script_needs():
    world = build_world(people=1)
    card = claim(world)
    assert set(card.as_json()) == {"target", "lease", "name", "phone", "attempt", "lease_expires_at"}
    assert card.name == "Callee0 Smith" and card.phone == "+447700900000"


def test_priority_orders_the_queue(method):
    world = build_world(people=3)
    last = world.people[2]
    CallTarget.objects.filter(person=last).update(priority=1)
    assert claim(world, method=method).target_id == CallTarget.objects.get(person=last).pk


def test_an_abandoned_lease_returns_to_the_queue_after_the_timeout(method):
    world = build_world(people=1, lease_minutes=15)
    first = claim(world, method=method)
    assert claim(world, world.caller2, method=method).reason == "empty"
    later = NOON + datetime.timedelta(minutes=16)
    second = claim(world, world.caller2, at=later, method=method)
    assert second.target_id == first.target_id and second.lease_seq == first.lease_seq + 1
    # The first caller's late result is stored (the call happened) but does not move the queue.
    late = submit(world, first, Outcome.NO_ANSWER, at=later + datetime.timedelta(minutes=1), and_next=False)
    assert late.created and not late.applied
    target = CallTarget.objects.get(pk=first.target_id)
    assert target.attempts == 0 and target.lease_owner_id == world.caller2.pk


def test_no_calls_outside_the_window_in_london_time():
    world = build_world(people=1)
    evening = datetime.datetime(2026, 11, 24, 21, 0, tzinfo=LONDON)
    closed = claim(world, at=evening)
    assert closed.reason == "closed" and "Wed 25 Nov 09:00" in closed.message
    assert closed.opens_at == datetime.datetime(2026, 11, 25, 9, 0, tzinfo=LONDON)
    assert isinstance(claim(world, at=evening - datetime.timedelta(minutes=1)), services.ContactCard)


def test_the_window_follows_the_clock_change():
    world = build_world(people=0)
    # 29 March 2026: clocks go forward. 08:30 UTC is 09:30 BST (open); in winter 08:30 UTC is 08:30 (closed).
    assert rules.in_window(world.campaign, datetime.datetime(2026, 3, 30, 8, 30, tzinfo=datetime.UTC))
    assert not rules.in_window(world.campaign, datetime.datetime(2026, 3, 27, 8, 30, tzinfo=datetime.UTC))


def test_per_day_windows_and_days_off():
    world = build_world(people=1, window_by_day={"sun": None, "sat": ["10:00", "16:00"]})
    sunday = datetime.datetime(2026, 11, 29, 12, 0, tzinfo=LONDON)
    saturday = datetime.datetime(2026, 11, 28, 9, 30, tzinfo=LONDON)
    assert claim(world, at=sunday).reason == "closed"
    assert claim(world, at=saturday).reason == "closed"
    assert isinstance(claim(world, at=saturday.replace(hour=15)), services.ContactCard)
    with pytest.raises(ValueError, match="funday"):
        rules.validate_window_by_day({"funday": None})


def test_retry_rules_per_outcome(method):
    world = build_world(people=1, max_attempts=5)
    card = claim(world, method=method)
    submit(world, card, Outcome.NO_ANSWER, and_next=False)
    assert claim(world, at=NOON + datetime.timedelta(hours=3, minutes=59), method=method).reason == "empty"
    card = claim(world, at=NOON + datetime.timedelta(hours=4), method=method)
    assert card.attempt == 2
    busy_at = NOON + datetime.timedelta(hours=4)
    submit(world, card, Outcome.BUSY, at=busy_at, and_next=False)
    assert claim(world, at=busy_at + datetime.timedelta(minutes=29), method=method).reason == "empty"
    card = claim(world, at=busy_at + datetime.timedelta(minutes=30), method=method)
    wanted = datetime.datetime(2026, 11, 25, 18, 15, tzinfo=LONDON)
    submit(
        world, card, Outcome.CALL_BACK, at=busy_at + datetime.timedelta(minutes=31), callback_at=wanted, and_next=False
    )
    assert claim(world, at=wanted - datetime.timedelta(minutes=1), method=method).reason == "empty"
    card = claim(world, at=wanted, method=method)
    assert card.attempt == 4
    submit(world, card, Outcome.REFUSED, at=wanted, and_next=False)
    assert CallTarget.objects.get().state == CallTarget.State.DONE
    assert claim(world, at=wanted + datetime.timedelta(days=1), method=method).reason == "empty"


def test_never_beyond_the_maximum_attempts(method):
    world = build_world(people=1, max_attempts=2)
    at = NOON - datetime.timedelta(hours=4)
    for _ in range(2):
        card = claim(world, at=at, method=method)
        submit(world, card, Outcome.NO_ANSWER, at=at, and_next=False)
        at += datetime.timedelta(hours=4, minutes=5)
    assert claim(world, at=at, method=method).reason == "empty"
    target = CallTarget.objects.get()
    assert target.attempts == 2 and target.state == CallTarget.State.DONE


def test_a_skipped_contact_goes_to_someone_else_not_back_to_the_skipper(method):
    world = build_world(people=1)
    card = claim(world, method=method)
    after_skip = services.skip_call(
        world.session, world.caller, target_id=card.target_id, lease_seq=card.lease_seq, now=NOON
    )
    assert after_skip.reason == "empty"
    other = claim(world, world.caller2, method=method)
    assert other.target_id == card.target_id
    assert CallTarget.objects.get().attempts == 0


def test_suppression_added_after_the_list_was_built_is_honoured_at_assignment(method):
    world = build_world(people=4)
    p0, p1, p2, p3 = world.people
    add_suppression(Suppression.Kind.DO_NOT_CONTACT, person=p0, reason="asked")
    set_consent(p1, Consent.Channel.PHONE, Consent.Status.WITHDRAWN, "letter")
    add_suppression(Suppression.Kind.TPS, phone=p2.phone_numbers.get().number, reason="TPS register")
    card = claim(world, method=method)
    assert CallTarget.objects.get(pk=card.target_id).person == p3
    reasons = dict(CallTarget.objects.filter(state="excluded").values_list("person_id", "excluded_reason"))
    assert reasons == {p0.pk: "suppressed", p1.pk: "consent withdrawn", p2.pk: "suppressed"}


def test_tps_only_screens_party_promotion():
    world = build_world(people=1, purpose="survey")
    add_suppression(Suppression.Kind.TPS, phone=world.people[0].phone_numbers.get().number, reason="TPS")
    assert isinstance(claim(world), services.ContactCard)


def test_moved_and_deceased_electors_are_not_called(method):
    world = build_world(people=2)
    from groundswell.geography.models import Constituency

    con = Constituency.objects.create(code="E14000879", name="Reading East")
    gone = Elector.objects.create(
        constituency=con, polling_district="AB1", number=1, surname="Smith", person=world.people[0], deleted_at=NOON
    )
    moved = Elector.objects.create(
        constituency=con, polling_district="AB1", number=2, surname="Smith", person=world.people[1]
    )
    CallTarget.objects.filter(person=world.people[0]).update(elector=gone)
    CallTarget.objects.filter(person=world.people[1]).update(elector=moved)
    Contact.objects.create(elector=moved, outcome=DoorOutcome.MOVED)
    assert claim(world, method=method).reason == "empty"
    assert set(CallTarget.objects.values_list("excluded_reason", flat=True)) == {
        "elector left the register",
        "reported moved or deceased",
    }


def test_the_target_list_applies_the_contact_rules_and_is_idempotent():
    world = build_world(people=2)
    assert CallTarget.objects.filter(campaign=world.campaign).count() == 2
    blocked = PersonFactory(unit=world.clp)
    PhoneFactory(person=blocked, number="+447700900999")
    add_suppression(Suppression.Kind.TPS, phone="+447700900999", reason="TPS")
    PersonFactory(unit=world.clp)  # no number
    report = campaigns.build_list(world.campaign, actor=None)
    assert report.added == 0 and report.already_listed == 2 and report.not_contactable == 2
    assert CallTarget.objects.filter(campaign=world.campaign).count() == 2


def test_do_not_call_withdraws_phone_consent_everywhere():
    world = build_world(people=1)
    card = claim(world)
    submit(world, card, Outcome.DO_NOT_CALL, and_next=False)
    person = world.people[0]
    assert person.consents.get(channel="phone").status == Consent.Status.WITHDRAWN
    assert person.timeline.filter(kind="call").exists()
    # Rebuilding any campaign's list leaves them out.
    report = campaigns.build_list(world.campaign, actor=None)
    assert report.not_contactable == 1


def test_wrong_number_suppresses_the_number_and_deceased_the_person():
    world = build_world(people=2)
    first = claim(world)
    res = submit(world, first, Outcome.WRONG_NUMBER)
    assert Suppression.objects.filter(kind="no_phone", phone=first.phone).exists()
    submit(world, res.next, Outcome.DECEASED, and_next=False)
    assert Suppression.objects.filter(kind="do_not_contact", reason__contains="deceased").count() == 1


def test_the_same_result_sent_twice_is_stored_once_and_returns_the_same_next_call():
    world = build_world(people=3)
    card = claim(world)
    first = submit(world, card, Outcome.NO_ANSWER, client_id="click-1")
    again = submit(world, card, Outcome.NO_ANSWER, client_id="click-1")
    assert first.created and not again.created
    assert CallAttempt.objects.count() == 1
    assert again.next.target_id == first.next.target_id and again.next.lease_seq == first.next.lease_seq
    assert CallTarget.objects.get(pk=card.target_id).attempts == 1


def test_retry_times_hold_in_summer_time(method):
    # London is UTC+1 in July: stored times and the times in the SQL must agree on the instant, not the clock.
    world = build_world(people=1)
    july = datetime.datetime(2026, 7, 14, 14, 0, tzinfo=LONDON)
    CallTarget.objects.update(available_at=july - datetime.timedelta(hours=2))
    card = claim(world, at=july, method=method)
    submit(world, card, Outcome.BUSY, at=july, and_next=False)
    assert claim(world, at=july + datetime.timedelta(minutes=29), method=method).reason == "empty"
    assert isinstance(claim(world, at=july + datetime.timedelta(minutes=30), method=method), services.ContactCard)


def test_a_support_answer_on_the_phone_counts_for_voter_id():
    from groundswell.canvassing.models import CanvassCampaign
    from groundswell.geography.models import Constituency
    from groundswell.questions.models import Question
    from groundswell.questions.support_codes import ensure_default_support_codes

    # A canvass contact cannot be dated in the future, so this call happens now (calling hours all day).
    world = build_world(people=1, window_start=datetime.time(0, 0), window_end=datetime.time(0, 0))
    now = timezone.now()
    ensure_default_support_codes(world.clp)
    code = sorted(services_codes(world.clp))[0]
    Question.objects.create(
        question_set=world.campaign.question_set,
        key="support",
        text="Who will you vote for?",
        kind=Question.Kind.SUPPORT,
        order=0,
    )
    con = Constituency.objects.create(code="E14000879", name="Reading East")
    elector = Elector.objects.create(
        constituency=con, polling_district="AB1", number=7, surname="Smith", person=world.people[0]
    )
    CallTarget.objects.update(elector=elector)
    world.campaign.canvass_campaign = CanvassCampaign.objects.create(unit=world.clp, name="Voter ID", constituency=con)
    world.campaign.save()
    card = claim(world, at=now)
    submit(world, card, Outcome.COMPLETED, answers={"support": code, "intention": "against"}, at=now, and_next=False)
    contact = Contact.objects.get(elector=elector)
    assert contact.method == "phone" and contact.support_code == code
    elector.refresh_from_db()
    assert elector.current_support == code
    with pytest.raises(ValidationError, match="unknown support code"):
        submit(world, card, Outcome.COMPLETED, answers={"support": "ZZZ", "intention": "yes"}, at=now)


def services_codes(unit):
    from groundswell.questions.support_codes import support_codes_for

    return set(support_codes_for(unit))
