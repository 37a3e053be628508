"""Promises: the rule (codes, likelihood, contact date), postal promises, counts against target, and the pages."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.core.exceptions import ValidationError
from django.utils import timezone

from groundswell.accounts.models import Role
from groundswell.audit.models import AuditEntry
from groundswell.canvassing.tests.builders import World, build_world, make_elector, make_household
from groundswell.geography.models import Constituency
from groundswell.gotv import promises
from groundswell.gotv.models import CommitteeRoom, PollingDay, TellingEntry
from groundswell.people.models import OrganisationUnit
from groundswell.register.models import Elector
from groundswell.tests.factories import UnitFactory, user_with_role

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- builders shared by the knock-up tests


@dataclass
class Day:
    world: World
    day: PollingDay
    room: CommitteeRoom
    sibling: OrganisationUnit  # another constituency party (Reading West)


def build_day(rule: dict | None = None) -> Day:
    """The canvassing test world (AA-1…6 on walk 1, AB-1…2 on walk 2) with a polling day today and one room."""
    world = build_world()
    day = PollingDay.objects.create(
        unit=world.clp,
        constituency=world.constituency,
        campaign=world.campaign,
        name="Polling day",
        election="parl.2029-05-03",
        date=timezone.localdate(),
        promise_rule=rule or {},
    )
    day.refresh_from_db()
    room = CommitteeRoom.objects.create(polling_day=day, name="Abbey room", polling_districts=["AA", "AB"])
    other = Constituency.objects.create(code="E14000889", name="Reading West")
    sibling = UnitFactory(code="CLP-RW", name="Reading West CLP", kind="constituency", parent=world.national)
    sibling.constituency = other
    sibling.save()
    return Day(world, day, room, sibling)


def promise(
    elector: Elector, code: str = "L", likelihood: int | None = 8, contacted: datetime.datetime | None = None, **kw
):
    """Give an elector the derived canvass fields a contact would have set."""
    contacted = contacted or timezone.now() - datetime.timedelta(days=10)
    fields = {
        "current_support": code,
        "current_support_at": contacted,
        "current_likelihood": likelihood,
        "last_contacted_at": contacted,
        **kw,
    }
    Elector.objects.filter(pk=elector.pk).update(**fields)
    elector.refresh_from_db()
    return elector


def vote(day: PollingDay, elector: Elector, source: str = TellingEntry.Source.TELLER, **kw) -> TellingEntry:
    return TellingEntry.objects.create(
        polling_day=day,
        elector=elector,
        raw_number=elector.elector_number,
        source=source,
        client_id=f"t-{elector.pk}-{source}-{TellingEntry.objects.count()}",
        **kw,
    )


def sign_in(client, user):
    TOTP.activate(user, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    client.force_login(user)
    return user


def ids(electors) -> list[int]:
    return [e.pk for e in electors]


# ---------------------------------------------------------------- the rule


def test_promises_are_live_electors_of_the_constituency_supporting_our_party():
    d = build_day()
    aa = d.world.electors
    promise(aa[0])
    promise(aa[1], code="C")  # another party
    promise(aa[2], likelihood=None)
    gone = promise(aa[3], deleted_at=timezone.now())  # removed from the register
    elsewhere = make_elector(make_household(d.sibling.constituency, "ZZ", 1), 1)
    promise(elsewhere)
    got = set(ids(promises.promise_queryset(d.day)))
    assert got == {aa[0].pk, aa[2].pk}
    assert gone.pk not in got and elsewhere.pk not in got


def test_min_likelihood_keeps_only_those_at_or_above_it():
    d = build_day({"min_likelihood": 7})
    aa = d.world.electors
    promise(aa[0], likelihood=7)
    promise(aa[1], likelihood=10)
    promise(aa[2], likelihood=6)
    promise(aa[3], likelihood=None)
    assert set(ids(promises.promise_queryset(d.day))) == {aa[0].pk, aa[1].pk}


def test_contacted_since_drops_older_contacts():
    d = build_day({"contacted_since": "2029-01-01"})
    aa = d.world.electors
    tz = timezone.get_current_timezone()
    promise(aa[0], contacted=datetime.datetime(2029, 1, 1, 0, 30, tzinfo=tz))
    promise(aa[1], contacted=datetime.datetime(2028, 12, 31, 23, 0, tzinfo=tz))
    assert ids(promises.promise_queryset(d.day)) == [aa[0].pk]


def test_rule_support_codes_replace_our_party_codes():
    d = build_day({"support_codes": ["U", "G"]})
    aa = d.world.electors
    promise(aa[0], code="L")
    promise(aa[1], code="U")
    promise(aa[2], code="G")
    assert set(ids(promises.promise_queryset(d.day))) == {aa[1].pk, aa[2].pk}
    assert promises.rule_codes(d.day) == {"U", "G"}


def test_clean_rule_validates_codes_likelihood_and_date():
    d = build_day()
    assert promises.clean_rule(d.day, {"support_codes": ["L", "L"], "min_likelihood": "7", "contacted_since": ""}) == {
        "support_codes": ["L"],
        "min_likelihood": 7,
    }
    for bad in (
        {"support_codes": ["XX"]},
        {"min_likelihood": 11},
        {"min_likelihood": "lots"},
        {"contacted_since": "last spring"},
        {"colour": "red"},
    ):
        with pytest.raises(ValidationError):
            promises.clean_rule(d.day, bad)


def test_postal_promises_are_the_postal_voters_among_promises():
    d = build_day()
    aa = d.world.electors
    promise(aa[0], postal_voter=True)
    promise(aa[1])
    promise(aa[2], code="C", postal_voter=True)  # postal, but not a promise
    assert ids(promises.postal_promises(d.day)) == [aa[0].pk]


def test_has_voted_means_a_live_telling_entry_from_any_source():
    d = build_day()
    aa = d.world.electors
    vote(d.day, aa[0], TellingEntry.Source.POSTAL)
    vote(d.day, aa[1], TellingEntry.Source.TELLER, undone_at=timezone.now())
    assert promises.has_voted(d.day, aa[0]) is True
    assert promises.has_voted(d.day, aa[1]) is False


def test_counts_per_district_against_target():
    d = build_day()
    d.day.targets = {"AA": 4, "AC": 10}
    d.day.save()
    aa, ab = d.world.electors, d.world.other_electors
    for e in aa[:4]:
        promise(e)
    promise(aa[0], postal_voter=True)
    promise(ab[0])
    vote(d.day, aa[0], TellingEntry.Source.POSTAL)
    vote(d.day, aa[1], TellingEntry.Source.KNOCK_UP)
    vote(d.day, aa[2], undone_at=timezone.now())  # a mistake, undone: not a vote
    vote(d.day, aa[5])  # voted, but not a promise
    rows = {r.polling_district: r for r in promises.promise_counts(d.day)}
    assert list(rows) == ["AA", "AB", "AC"]  # the room's districts and the targeted one
    assert (rows["AA"].promises, rows["AA"].postal_promises, rows["AA"].target, rows["AA"].voted) == (4, 1, 4, 2)
    assert rows["AA"].voted_percent == 50 and rows["AA"].promises_percent == 100
    assert (rows["AB"].promises, rows["AB"].target, rows["AB"].voted) == (1, None, 0)
    assert (rows["AC"].promises, rows["AC"].target) == (0, 10)
    total = promises.totals(list(rows.values()))
    assert (total.promises, total.voted, total.target) == (5, 2, 14)


# ---------------------------------------------------------------- pages


def test_organiser_sees_counts_and_changes_the_rule_and_targets(client):
    d = build_day()
    promise(d.world.electors[0], likelihood=9)
    promise(d.world.electors[1], likelihood=5)
    sign_in(client, d.world.organiser)
    url = f"/polling-day/{d.day.pk}/promises/"
    page = client.get(url)
    assert page.status_code == 200
    assert [r.promises for r in page.context["rows"]] == [2, 0]
    assert AuditEntry.objects.filter(action="viewed", object_type="gotv.pollingday", actor=d.world.organiser).exists()

    client.post(url, {"action": "rule", "support_codes": ["L"], "min_likelihood": "7", "contacted_since": ""})
    d.day.refresh_from_db()
    assert d.day.promise_rule == {"support_codes": ["L"], "min_likelihood": 7}
    assert [r.promises for r in client.get(url).context["rows"]] == [1, 0]

    client.post(url, {"action": "targets", "target_AA": "900", "target_AB": ""})
    d.day.refresh_from_db()
    assert d.day.targets == {"AA": 900}
    assert AuditEntry.objects.filter(action="changed", object_type="gotv.pollingday").count() == 2

    bad = client.post(url, {"action": "rule", "support_codes": ["NOPE"]}, follow=True)
    assert "Unknown support codes" in bad.content.decode()
    d.day.refresh_from_db()
    assert d.day.promise_rule == {"support_codes": ["L"], "min_likelihood": 7}


def test_volunteer_cannot_change_the_rule_and_other_constituencies_are_refused(client):
    d = build_day()
    url = f"/polling-day/{d.day.pk}/promises/"
    volunteer = user_with_role(Role.VOLUNTEER, d.world.clp)
    client.force_login(volunteer)
    assert client.post(url, {"action": "rule", "support_codes": ["C"]}).status_code == 403
    assert client.get(url).status_code == 403
    d.day.refresh_from_db()
    assert d.day.promise_rule == {}
    outsider = sign_in(client, user_with_role(Role.ORGANISER, d.sibling))
    assert client.get(url).status_code == 403
    assert client.get(f"/polling-day/{d.day.pk}/promises/postal/?format=csv").status_code == 403
    assert not AuditEntry.objects.filter(action="exported", actor=outsider).exists()


def test_postal_reminder_list_and_audited_csv_export(client):
    d = build_day()
    aa = d.world.electors
    promise(aa[0], postal_voter=True)
    promise(aa[2], postal_voter=True)
    promise(aa[1])
    vote(d.day, aa[2], TellingEntry.Source.POSTAL)
    sign_in(client, d.world.organiser)
    page = client.get(f"/polling-day/{d.day.pk}/promises/postal/")
    assert page.status_code == 200
    assert [e.elector_number for e in page.context["electors"]] == ["AA-1", "AA-3"]
    assert AuditEntry.objects.filter(action="searched", object_type="gotv.pollingday").exists()
    response = client.get(f"/polling-day/{d.day.pk}/promises/postal/?format=csv")
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("elector_number,")
    assert [line.split(",")[0] for line in lines[1:]] == ["AA-1", "AA-3"]
    assert lines[2].endswith(",yes") and not lines[1].endswith(",yes")
    entry = AuditEntry.objects.get(action="exported", actor=d.world.organiser)
    assert entry.detail["rows"] == 2 and entry.object_type == "gotv.pollingday"
