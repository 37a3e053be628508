"""Hosts' pages: the attendee list (own events only, audited), messages, check-in and walk-ins on a phone,
meetup follow-ups and what they produced, invitations' preview count, the widget, and publishing a phonebank
session as an event."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from groundswell.audit.models import AuditEntry
from groundswell.events import selectors
from groundswell.events.models import RSVP, Event
from groundswell.events.services import meetups, rsvps
from groundswell.geography.models import Constituency, Postcode
from groundswell.people.models import Consent, Person
from groundswell.tests.factories import Role, UnitTreeFactory, user_with_role

from .world import READING, EventFactory, north_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    Postcode.objects.create(postcode="RG1 1AA", latitude=READING[0], longitude=READING[1], constituency_code="E1")
    return UnitTreeFactory.build_tree()


def _login(client, user):
    # Two-factor is enforced for privileged roles by middleware; tests sign in past it as other apps' tests do.
    from allauth.mfa.models import Authenticator

    Authenticator.objects.get_or_create(user=user, type=Authenticator.Type.TOTP, defaults={"data": {}})
    client.force_login(user)
    return client


def test_hosts_see_only_their_own_events_attendees(client, tree):
    host = user_with_role(Role.VOLUNTEER, tree.branch_a1)
    mine = EventFactory(unit=tree.branch_a1)
    mine.hosts.add(host)
    other = EventFactory(unit=tree.branch_a1)
    rsvps.rsvp(mine, given_name="Ada", family_name="Lovelace", email="ada@example.org", phone="07700900222")
    _login(client, host)
    page = client.get(f"/events/{mine.pk}/manage/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Ada Lovelace" in html and "ada@example.org" in html and "+447700900222" in html
    assert AuditEntry.objects.filter(action="searched", object_id=str(mine.pk), actor=host).exists()
    assert client.get(f"/events/{other.pk}/manage/").status_code == 403
    assert client.get(f"/events/{other.pk}/check-in/").status_code == 403


def test_organisers_see_attendees_in_their_units_only(client, tree):
    event = EventFactory(unit=tree.branch_a1)
    assert (
        _login(client, user_with_role(Role.ORGANISER, tree.clp_a)).get(f"/events/{event.pk}/manage/").status_code == 200
    )
    assert (
        _login(client, user_with_role(Role.ORGANISER, tree.clp_b)).get(f"/events/{event.pk}/manage/").status_code == 403
    )


def test_host_messages_attendees_honouring_suppression(client, tree):
    from groundswell.people.services import add_suppression

    host = user_with_role(Role.VOLUNTEER, tree.branch_a1)
    event = EventFactory(unit=tree.branch_a1)
    event.hosts.add(host)
    rsvps.rsvp(event, given_name="Ada", email="ada@example.org", notify_person=False)
    blocked = rsvps.rsvp(event, given_name="Bob", email="bob@example.org", notify_person=False).rsvp
    add_suppression("do_not_contact", person=blocked.person)
    mail.outbox.clear()
    _login(client, host).post(f"/events/{event.pk}/manage/", {"subject": "Bring a coat", "body": "Rain forecast."})
    assert [m.to for m in mail.outbox] == [["ada@example.org"]]
    assert AuditEntry.objects.filter(action="exported", object_id=str(event.pk), query="message to attendees").exists()


def test_check_in_search_and_walk_in(client, tree):
    host = user_with_role(Role.VOLUNTEER, tree.branch_a1)
    event = EventFactory(unit=tree.branch_a1)
    event.hosts.add(host)
    ada = rsvps.rsvp(event, given_name="Ada", family_name="Lovelace", email="ada@example.org").rsvp
    rsvps.rsvp(event, given_name="Charles", family_name="Babbage", email="cb@example.org")
    _login(client, host)
    found = client.get(f"/events/{event.pk}/check-in/", {"q": "love"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Ada Lovelace" in found and "Babbage" not in found
    client.post(f"/events/{event.pk}/check-in/{ada.pk}/")
    ada.refresh_from_db()
    assert ada.status == RSVP.Status.ATTENDED and ada.checked_in_by == host
    client.post(f"/events/{event.pk}/walk-in/", {"given_name": "Mary", "family_name": "Somerville"})
    walk = RSVP.objects.get(event=event, person__given_name="Mary")
    assert walk.status == RSVP.Status.ATTENDED and walk.source == "walk-in"


def test_meetup_follow_ups_and_their_results(client, tree):
    from groundswell.phonebank.models import CallAttempt, CallCampaign, CallTarget, PhonebankSession

    organiser = user_with_role(Role.ORGANISER, tree.clp_a)
    start = timezone.now() - datetime.timedelta(days=1)
    meetup = EventFactory(unit=tree.clp_a, kind=Event.Kind.MEETUP, title="Big meeting", starts_at=start)
    at_table = [
        meetups.sign_up(meetup, p, "test", None).person
        for p in [Person.objects.create(unit=tree.branch_a1, given_name=n) for n in ("Ann", "Ben")]
    ]
    campaign = CallCampaign.objects.create(unit=tree.branch_a1, name="Calls")
    session = PhonebankSession.objects.create(campaign=campaign, title="Tuesday calls")
    follow_start = timezone.now() + datetime.timedelta(hours=1)
    _login(client, organiser)
    day = follow_start.astimezone(selectors.LONDON)
    response = client.post(
        f"/events/{meetup.pk}/meetup/",
        {
            "group": "Abbey table",
            "unit": tree.branch_a1.pk,
            "kind": "phonebank",
            "title": "Abbey calls",
            "day": day.date().isoformat(),
            "start": day.strftime("%H:%M"),
            "end": (day + datetime.timedelta(hours=2)).strftime("%H:%M"),
            "postcode": "RG1 1AA",
            "call_campaign": campaign.pk,
            "people": [p.pk for p in at_table],
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    follow = Event.objects.get(meetup=meetup)
    follow.phonebank_session = session
    follow.save()
    assert follow.meetup_group == "Abbey table" and follow.unit == tree.branch_a1
    assert set(follow.rsvps.values_list("person__given_name", flat=True)) == {"Ann", "Ben"}
    target = CallTarget.objects.create(campaign=campaign, person=at_table[0], phone="+447700900333")
    during = follow.starts_at + datetime.timedelta(minutes=30)
    CallAttempt.objects.create(
        campaign=campaign,
        target=target,
        session=session,
        client_id="a",
        lease_seq=1,
        outcome="completed",
        submitted_at=during,
    )
    CallAttempt.objects.create(
        campaign=campaign,
        target=target,
        session=session,
        client_id="b",
        lease_seq=2,
        outcome="completed",
        submitted_at=follow.ends_at + datetime.timedelta(hours=1),
    )
    outcomes = selectors.meetup_outcomes(meetup)
    assert (outcomes["events"], outcomes["people"], outcomes["calls"], outcomes["doors"]) == (1, 2, 1, 0)
    page = client.get(f"/events/{meetup.pk}/meetup/").content.decode()
    assert "Abbey table" in page and "Abbey calls" in page


def test_invite_preview_counts_consented_nearby_people_not_coming(client, tree):
    organiser = user_with_role(Role.ORGANISER, tree.clp_a)
    event = EventFactory(unit=tree.branch_a1)
    near, far, no_consent, coming = [
        Person.objects.create(unit=tree.branch_a1, given_name=n, latitude=lat, longitude=READING[1])
        for n, lat in (
            ("near", north_of(READING, 1)[0]),
            ("far", north_of(READING, 8)[0]),
            ("noconsent", READING[0]),
            ("coming", READING[0]),
        )
    ]
    for p in (near, far, coming):
        p.email_addresses.create(address=f"{p.given_name}@example.org", primary=True)
        Consent.objects.create(person=p, channel="email", status="granted", source="test")
    no_consent.email_addresses.create(address="nc@example.org", primary=True)
    meetups.sign_up(event, coming, "test", None)
    people = selectors.invite_candidates(event, organiser, radius_km=5)
    assert list(people) == [near]
    _login(client, organiser)
    html = client.get(
        f"/events/{event.pk}/invite/", {"radius_km": "5", "channel": "email", "not_contacted_days": "14"}
    ).content.decode()
    assert "<strong>1</strong> person would be invited" in html
    volunteer = user_with_role(Role.VOLUNTEER, tree.branch_a1)
    assert _login(client, volunteer).get(f"/events/{event.pk}/invite/").status_code == 403


def test_public_pages_render(client, tree):
    event = EventFactory(unit=tree.branch_a1, title="Community stall")
    assert "Community stall" in client.get("/events/", {"near": "RG1 1AA"}).content.decode()
    assert "Community stall" in client.get(f"/events/{event.pk}/").content.decode()
    widget = client.get(f"/events/widget/{tree.clp_a.code}/")
    assert "Community stall" in widget.content.decode() and "X-Frame-Options" not in widget.headers
    response = client.post(f"/events/{event.pk}/", {"given_name": "Ada", "email": "nope"})
    assert response.status_code == 200 and "email-error" in response.content.decode()


def test_publishing_a_phonebank_session_as_an_event(client, tree):
    from groundswell.phonebank.models import CallCampaign, PhonebankSession

    organiser = user_with_role(Role.ORGANISER, tree.clp_a)
    campaign = CallCampaign.objects.create(unit=tree.branch_a1, name="Calls")
    session = PhonebankSession.objects.create(
        campaign=campaign, title="Thursday calls", starts_at=timezone.now() + datetime.timedelta(days=1)
    )
    _login(client, organiser).post(f"/events/from-session/{session.pk}/", {"visibility": "members"})
    event = Event.objects.get(phonebank_session=session)
    assert event.kind == Event.Kind.ONLINE and event.call_campaign == campaign
    assert event.online_url.endswith(f"/phonebank/join/{session.token}/")
    assert event.visibility == Event.Visibility.MEMBERS


def test_near_me_lists_events_near_a_postcode_and_targeting_reads_them(client, tree):
    from groundswell.targeting.events import upcoming_events

    event = EventFactory(
        unit=tree.branch_a1, title="Nearby stall", latitude=north_of(READING, 3)[0], constituency_code="E14000889"
    )
    html = client.get("/events/near-me/", {"postcode": "RG1 1AA"}).content.decode()
    assert "Nearby stall" in html
    assert "not a postcode we know" in client.get("/events/near-me/", {"postcode": "RG9 9ZZ"}).content.decode()
    assert upcoming_events(["E14000889"])["E14000889"][0]["url"] == f"/events/{event.pk}/"


def test_near_me_shows_the_nearest_target_seats_and_their_events(client, db):
    from groundswell.targeting.tests.builders import make_projection

    make_projection()
    Postcode.objects.create(postcode="RG1 1AA", latitude=51.455, longitude=-0.97)
    code = Constituency.objects.get(name="Reading East").code
    unit = UnitTreeFactory.build_tree().clp_a
    EventFactory(unit=unit, title="Target seat canvass", constituency_code=code)
    response = client.get("/events/near-me/", {"postcode": "RG1 1AA"})
    seats = response.context["seats"]
    assert [s.name for s in seats][:1] == ["Reading East"]
    assert seats[0].events[0]["title"] == "Target seat canvass"
    assert "Target seat canvass" in response.content.decode()
