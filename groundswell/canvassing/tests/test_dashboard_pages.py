from __future__ import annotations

import datetime

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.urls import reverse
from django.utils import timezone

from groundswell.canvassing import selectors, services
from groundswell.canvassing.models import CanvassCampaign, Target
from groundswell.register.models import Elector
from groundswell.tests.factories import PersonFactory

from .builders import build_world, make_elector, make_household

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def organiser_client(client, world):
    TOTP.activate(world.organiser, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    client.force_login(world.organiser)
    return client


def _contact(world, elector, **kw):
    kw.setdefault("campaign", world.campaign)
    kw.setdefault("canvasser", world.canvasser)
    return services.record_contact(elector, **kw)


def test_dashboard_numbers(world):
    e = world.electors  # AA-1..6 at doors 1,1,3,3,5,5
    _contact(world, e[0], support_code="L")
    _contact(world, e[1], outcome="not_in")
    _contact(world, e[2], support_code="C")
    _contact(world, e[3], outcome="moved")
    _contact(world, e[2], support_code="L")  # changed their mind: current support is L
    _contact(world, world.other_electors[0], support_code="U", method="paper")
    old = timezone.now() - datetime.timedelta(days=400)
    Elector.objects.filter(pk=e[5].pk).update(last_contacted_at=old)

    d = selectors.dashboard(world.campaign, months=6)
    assert d.electors == 8
    assert d.doors_knocked == 2  # two households on the doorstep; the paper contact is not a door
    assert d.electors_attempted == 5
    assert d.electors_reached == 3  # e0, e2, other0 (not in and moved are not reached)
    assert d.contact_rate == pytest.approx(3 / 5)
    assert d.promises == 2
    support = {row["code"]: row["count"] for row in d.support}
    assert support["L"] == 2 and support["U"] == 1 and support["C"] == 0
    assert d.never_contacted == 4  # e1, e3, e4, other1 (e5 has a stale contact)
    assert d.stale == 1
    assert d.coverage_gap == pytest.approx(5 / 8)
    assert d.needs_review == 1

    pd = selectors.dashboard(world.campaign, polling_district="AB")
    assert pd.electors == 2 and pd.electors_reached == 1 and pd.promises == 0


def test_representativeness_flags_by_district_and_age(world):
    # 30 electors in a second district, none reached; 30 young electors (known birth dates), all reached.
    homes = [make_household(world.constituency, "AC", n, street="Low Road") for n in range(1, 31)]
    for i, h in enumerate(homes):
        make_elector(h, i + 1)
    young_home = make_household(world.constituency, "AD", 1, street="New Street")
    today = timezone.localdate()
    for i in range(30):
        person = PersonFactory(unit=world.clp, date_of_birth=today.replace(year=today.year - 20))
        elector = make_elector(young_home, i + 1, person=person)
        _contact(world, elector, support_code="L")
    d = selectors.dashboard(world.campaign)
    by_pd = {g.label: g for g in d.by_district}
    assert by_pd["AC"].reached == 0 and by_pd["AD"].rate == 1.0
    assert any(f.startswith("Polling district AC") and "under-represented" in f for f in d.flags)
    assert any(f.startswith("Polling district AD") and "over-represented" in f for f in d.flags)
    by_age = {g.label: g for g in d.by_age}
    assert by_age["18–24"].electors == 30 and by_age["18–24"].reached == 30
    assert by_age["Age unknown"].reached == 0
    assert any(f.startswith("Age 18–24") for f in d.flags)


def test_dashboard_page(organiser_client, world):
    _contact(world, world.electors[0], support_code="L")
    response = organiser_client.get(reverse("canvassing:dashboard", args=[world.campaign.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-figure="promises">1<' in html
    assert 'data-figure="doors">1<' in html
    assert "Support breakdown" in html
    _contact(world, world.electors[1], outcome="moved")
    detail = organiser_client.get(reverse("canvassing:campaign", args=[world.campaign.pk])).content.decode()
    assert "canvasser@example.org" in detail and "Walk 1" in detail
    assert "AA-2 — Moved away" in detail  # flagged for the organiser to review


def test_canvasser_cannot_see_organiser_pages(client, world):
    client.force_login(world.canvasser)
    assert client.get(reverse("canvassing:dashboard", args=[world.campaign.pk])).status_code == 403
    assert client.get(reverse("canvassing:campaign", args=[world.campaign.pk])).status_code == 403
    assert client.get(reverse("canvassing:campaign_create")).status_code == 403
    listing = client.get(reverse("canvassing:campaigns"))
    assert listing.status_code == 200 and b"Walk 1" in listing.content and b"Spring canvass</a>" not in listing.content


def test_create_campaign_and_build_a_target(organiser_client, world):
    response = organiser_client.post(
        reverse("canvassing:campaign_create"),
        {"name": "By-election", "unit": world.clp.pk, "constituency": "", "starts_on": "", "ends_on": ""},
    )
    campaign = CanvassCampaign.objects.get(name="By-election")
    assert response.status_code == 302
    assert campaign.constituency == world.constituency  # the unit's own
    assert campaign.question_set.questions.count() == 5
    assert organiser_client.get(reverse("canvassing:campaign", args=[campaign.pk])).status_code == 200

    count = organiser_client.get(
        reverse("canvassing:target_count", args=[campaign.pk]), {"polling_districts": "AB"}, HTTP_HX_REQUEST="true"
    )
    assert b"<strong>2</strong> electors at <strong>2</strong> doors" in count.content
    bad = organiser_client.get(reverse("canvassing:target_count", args=[campaign.pk]), {"contacted_before": "x"})
    assert b"errors" in bad.content
    organiser_client.post(
        reverse("canvassing:target_save", args=[campaign.pk]),
        {"name": "Mill Lane never", "polling_districts": ["AB"], "never_contacted": "1"},
    )
    target = Target.objects.get(name="Mill Lane never")
    assert target.filters == {"polling_districts": ["AB"], "never_contacted": True}


def test_cut_walks_button_calls_the_engine(organiser_client, world, monkeypatch):
    from groundswell.canvassing import views

    target = Target.objects.create(campaign=world.campaign, name="All AB", filters={"polling_districts": ["AB"]})
    calls = []

    def fake_cut(campaign, households, **kw):
        calls.append((campaign, sorted(h.pk for h in households), kw["target_size"], kw["target"]))
        return []

    monkeypatch.setattr(views, "cut_walks", fake_cut)
    organiser_client.post(reverse("canvassing:target_cut", args=[world.campaign.pk, target.pk]), {"target_size": "30"})
    expected = sorted({e.household_id for e in world.other_electors})
    assert calls == [(world.campaign, expected, 30, target)]
