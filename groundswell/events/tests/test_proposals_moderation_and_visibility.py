"""Who may propose, when a proposal publishes at once (the trust rule) or waits for moderation, and who sees
which events (public, members, invite-only by link; pending ones only by their proposer and organisers)."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from groundswell.events import selectors
from groundswell.events.models import Event, EventSeries
from groundswell.events.services import lifecycle
from groundswell.geography.models import Postcode
from groundswell.tests.factories import Role, UnitTreeFactory, UserFactory, user_with_role

from .world import READING, EventFactory

pytestmark = pytest.mark.django_db
LONDON = selectors.LONDON


@pytest.fixture
def tree():
    Postcode.objects.create(postcode="RG1 1AA", latitude=READING[0], longitude=READING[1], constituency_code="E1")
    return UnitTreeFactory.build_tree()


def _fields(**kw):
    starts = timezone.now() + datetime.timedelta(days=5)
    return {"kind": "stall", "title": "Stall on Broad Street", "starts_at": starts, "postcode": "RG1 1AA", **kw}


def test_a_volunteers_proposal_waits_and_an_organisers_publishes(tree):
    volunteer = user_with_role(Role.VOLUNTEER, tree.branch_a1)
    organiser = user_with_role(Role.ORGANISER, tree.clp_a)
    proposal = lifecycle.propose_event(volunteer, tree.branch_a1, **_fields())
    assert proposal.status == Event.Status.PENDING
    assert list(proposal.hosts.all()) == [volunteer]
    assert proposal.latitude == READING[0] and proposal.grid_cell is not None
    assert proposal.constituency_code == "E1"
    assert lifecycle.propose_event(organiser, tree.branch_a1, **_fields()).status == Event.Status.PUBLISHED
    assert list(selectors.moderation_queue(organiser)) == [proposal]


def test_volunteers_are_trusted_after_two_approved_proposals(tree):
    volunteer = user_with_role(Role.VOLUNTEER, tree.branch_a1)
    organiser = user_with_role(Role.ORGANISER, tree.clp_a)
    for _ in range(lifecycle.TRUSTED_AFTER_APPROVED):
        lifecycle.moderate(lifecycle.propose_event(volunteer, tree.branch_a1, **_fields()), organiser, approve=True)
    assert lifecycle.propose_event(volunteer, tree.branch_a1, **_fields()).status == Event.Status.PUBLISHED


def test_moderation_rules(tree):
    volunteer = user_with_role(Role.VOLUNTEER, tree.branch_a1)
    other_clp = user_with_role(Role.ORGANISER, tree.clp_b)
    organiser = user_with_role(Role.ORGANISER, tree.clp_a)
    proposal = lifecycle.propose_event(volunteer, tree.branch_a1, **_fields())
    with pytest.raises(PermissionDenied):
        lifecycle.moderate(proposal, other_clp, approve=True)
    with pytest.raises(PermissionDenied):
        lifecycle.moderate(proposal, volunteer, approve=True)
    with pytest.raises(ValidationError) as exc:
        lifecycle.moderate(proposal, organiser, approve=False)
    assert "note" in exc.value.message_dict
    lifecycle.moderate(proposal, organiser, approve=False, note="Clashes with the AGM")
    assert proposal.status == Event.Status.REJECTED
    with pytest.raises(ValidationError):
        lifecycle.moderate(proposal, organiser, approve=True)


def test_no_role_no_proposal_and_bad_fields_are_named(tree):
    with pytest.raises(PermissionDenied):
        lifecycle.propose_event(UserFactory(), tree.branch_a1, **_fields())
    volunteer = user_with_role(Role.VOLUNTEER, tree.branch_a1)
    with pytest.raises(PermissionDenied):
        lifecycle.propose_event(volunteer, tree.branch_b1, **_fields())
    with pytest.raises(ValidationError) as exc:
        lifecycle.propose_event(volunteer, tree.branch_a1, **_fields(title="", postcode="", capacity=0))
    assert {"title", "postcode", "capacity"} <= set(exc.value.message_dict)
    with pytest.raises(ValidationError) as exc:
        lifecycle.propose_event(volunteer, tree.branch_a1, **_fields(postcode="RG9 9ZZ"))
    assert "postcode table" in exc.value.message_dict["postcode"][0]
    with pytest.raises(ValidationError) as exc:
        lifecycle.propose_event(volunteer, tree.branch_a1, **_fields(kind="online", postcode=""))
    assert "online_url" in exc.value.message_dict
    assert not Event.objects.exists()


def test_visibility(tree):
    host = user_with_role(Role.VOLUNTEER, tree.branch_a1)
    member = user_with_role(Role.MEMBER, tree.branch_b1)
    organiser = user_with_role(Role.ORGANISER, tree.clp_a)
    sibling_organiser = user_with_role(Role.ORGANISER, tree.clp_b)
    anon = AnonymousUser()
    public = EventFactory(unit=tree.branch_a1)
    members = EventFactory(unit=tree.branch_a1, visibility=Event.Visibility.MEMBERS)
    invite = EventFactory(unit=tree.branch_a1, visibility=Event.Visibility.INVITE)
    invite.hosts.add(host)
    pending = EventFactory(unit=tree.branch_a1, status=Event.Status.PENDING, proposed_by=host)
    assert selectors.can_view(anon, public)
    assert not selectors.can_view(anon, members) and selectors.can_view(member, members)
    assert not selectors.can_view(anon, invite) and not selectors.can_view(member, invite)
    assert selectors.can_view(anon, invite, token=invite.token)
    assert not selectors.can_view(anon, invite, token="guess")
    assert selectors.can_view(host, invite) and selectors.can_view(organiser, invite)
    assert not selectors.can_view(sibling_organiser, invite)
    assert selectors.can_view(host, pending) and selectors.can_view(organiser, pending)
    assert not selectors.can_view(member, pending) and not selectors.can_view(anon, pending)
    assert set(selectors.visible_events(anon)) == {public}
    assert set(selectors.visible_events(member)) == {public, members}
    assert set(selectors.visible_events(organiser)) == {public, members, invite}


def test_pages_follow_visibility(client, tree):
    invite = EventFactory(unit=tree.branch_a1, visibility=Event.Visibility.INVITE)
    assert client.get(f"/events/{invite.pk}/").status_code == 404
    assert client.get(f"/events/{invite.pk}/", {"k": invite.token}).status_code == 200
    assert client.get(f"/events/{invite.pk}/event.ics").status_code == 404


def test_weekly_repeats_keep_the_local_time_across_the_clock_change(tree):
    organiser = user_with_role(Role.ORGANISER, tree.clp_a)
    first_start = lifecycle.local_datetime(datetime.date(2026, 10, 14), datetime.time(19, 0))
    event = lifecycle.propose_event(organiser, tree.branch_a1, **_fields(starts_at=first_start))
    made = lifecycle.make_recurring(event, EventSeries.Frequency.WEEKLY, 3, actor=organiser)
    local = [e.starts_at.astimezone(LONDON) for e in made]
    assert [d.date() for d in local] == [
        datetime.date(2026, 10, 14),
        datetime.date(2026, 10, 21),
        datetime.date(2026, 10, 28),
    ]
    assert {d.time() for d in local} == {datetime.time(19, 0)}
    # Same wall-clock time, different UTC hour after the clocks go back.
    assert [d.astimezone(datetime.UTC).hour for d in local] == [18, 18, 19]
    assert len({e.token for e in made}) == 3 and all(organiser in e.hosts.all() for e in made)


def test_monthly_repeats_keep_the_weekday_of_the_month(tree):
    organiser = user_with_role(Role.ORGANISER, tree.clp_a)
    second_tuesday = lifecycle.local_datetime(datetime.date(2027, 1, 12), datetime.time(18, 30))
    event = lifecycle.propose_event(organiser, tree.branch_a1, **_fields(starts_at=second_tuesday))
    made = lifecycle.make_recurring(event, EventSeries.Frequency.MONTHLY, 3, actor=organiser)
    days = [e.starts_at.astimezone(LONDON).date() for e in made]
    assert days == [datetime.date(2027, 1, 12), datetime.date(2027, 2, 9), datetime.date(2027, 3, 9)]


def test_times_that_do_not_exist_at_the_spring_clock_change_are_refused():
    with pytest.raises(ValidationError) as exc:
        lifecycle.local_datetime(datetime.date(2027, 3, 28), datetime.time(1, 30))
    assert "clocks go forward" in exc.value.message_dict["starts_at"][0]
    # 01:30 on the autumn change day is the first (BST) one.
    ambiguous = lifecycle.local_datetime(datetime.date(2026, 10, 25), datetime.time(1, 30))
    assert ambiguous.utcoffset() == datetime.timedelta(hours=1)


def test_propose_page_queues_a_volunteers_weekly_event_and_names_bad_fields(client, tree):
    volunteer = user_with_role(Role.VOLUNTEER, tree.branch_a1)
    client.force_login(volunteer)
    day = (timezone.now() + datetime.timedelta(days=10)).astimezone(LONDON).date()
    form = {
        "unit": tree.branch_a1.pk,
        "kind": "social",
        "title": "Quiz night",
        "day": day.isoformat(),
        "start": "19:00",
        "end": "22:00",
        "postcode": "RG1 1AA",
        "visibility": "public",
        "repeat": "weekly",
        "occurrences": "4",
    }
    response = client.post("/events/new/", form)
    assert response.status_code == 302
    events = list(Event.objects.filter(title="Quiz night").order_by("starts_at"))
    assert len(events) == 4 and {e.status for e in events} == {Event.Status.PENDING}
    bad = client.post("/events/new/", {**form, "postcode": "", "title": "No place"}).content.decode()
    assert "id_postcode-error" in bad and not Event.objects.filter(title="No place").exists()
    organiser = user_with_role(Role.ORGANISER, tree.clp_a)
    lifecycle.moderate(events[0], organiser, approve=True)
    assert set(Event.objects.filter(title="Quiz night").values_list("status", flat=True)) == {Event.Status.PUBLISHED}
    # One approved series is one decision towards trust, not four.
    assert not lifecycle.is_trusted(volunteer, tree.branch_a1)
