"""Reviewing flagged numbers: suggestions of the nearest valid numbers, resolving, dismissing, who may."""

from __future__ import annotations

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from groundswell.audit.models import AuditEntry
from groundswell.gotv import review, telling
from groundswell.gotv.models import TellingEntry
from groundswell.register.models import Elector

from .test_telling import build_telling_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_telling_world()


def _flag(world, text: str, client_id: str, station=None) -> TellingEntry:
    result = telling.record_entry(world.day, station or world.hall, text, client_id=client_id, user=world.teller)
    assert result.status in (telling.UNKNOWN, telling.WRONG_STATION)
    return result.entry


def _suggested(world, text: str, station=None) -> list[str]:
    register = review.StationRegister(world.day, station or world.hall)
    return [s.number for s in review.suggest(register, text)]


# ---------------------------------------------------------------- suggestions


def test_a_wrong_district_suggests_the_same_number_here_first(world):
    assert _suggested(world, "AB2-4")[0] == "AB1-4"


def test_a_missing_or_wrong_suffix_suggests_the_numbers_suffixes(world):
    assert _suggested(world, "3/2")[:2] == ["AB1-3", "AB1-3/1"]


def test_one_keystroke_away_nearest_number_first(world):
    # 12 is nobody at the hall (11 was removed from the register): 10 is a digit off, then 2 and 1 a digit short.
    assert _suggested(world, "12")[:3] == ["AB1-10", "AB1-2", "AB1-1"]
    assert "AB1-11" not in _suggested(world, "12")


def test_a_swapped_pair_of_digits_is_found(world):
    # At the school (AB2 1-5, AB3 5-8): 51 is nobody; 15 is nobody either, but 5 (a digit extra) is, twice.
    assert _suggested(world, "51", station=world.school)[:2] == ["AB2-5", "AB3-5"]
    Elector.objects.create(constituency=world.constituency, polling_district="AB1", number=21, surname="Swap")
    assert _suggested(world, "12")[:2] == ["AB1-10", "AB1-21"]


def test_suggestions_stay_in_the_stations_districts(world):
    # AB2-4 exists, but the school is AB2 and AB3 and the hall only AB1: at the hall only AB1 numbers.
    assert all(n.startswith("AB1-") for n in _suggested(world, "41"))
    assert "AB2-4" in _suggested(world, "41", station=world.school)


def test_junk_with_digits_in_it_is_read_as_its_number_and_junk_without_suggests_nothing(world):
    assert _suggested(world, "1O")[0] == "AB1-1"
    assert _suggested(world, "abc") == []


# ---------------------------------------------------------------- resolving and dismissing


def test_resolving_counts_the_vote_and_is_audited(world):
    entry = _flag(world, "31", "f-1")
    assert review.flagged_counts(world.day) == {world.hall.pk: 1}
    review.resolve(entry, world.electors["AB1-3"], world.coordinator)
    entry.refresh_from_db()
    assert entry.elector == world.electors["AB1-3"] and entry.raw_number == "31"
    assert entry.review == TellingEntry.Review.RESOLVED and entry.reviewed_by == world.coordinator
    assert review.flagged_counts(world.day) == {}
    tally = telling.station_tally(world.day, world.hall)
    assert (tally.voted, tally.flagged) == (1, 0)
    audit = AuditEntry.objects.get(object_type="gotv.tellingentry", object_id=str(entry.pk))
    assert audit.detail["what"] == "flagged number resolved" and audit.detail["elector"] == entry.elector_id
    # The elector now has their vote: a teller typing them gets "already voted".
    again = telling.record_entry(world.day, world.hall, "3", client_id="t-9", user=world.teller2)
    assert again.status == telling.ALREADY_VOTED and again.entry.pk == entry.pk


def test_an_elector_who_already_voted_cannot_take_a_second_vote(world):
    telling.record_entry(world.day, world.hall, "3", client_id="t-1", user=world.teller)
    entry = _flag(world, "31", "f-1")
    with pytest.raises(ValidationError, match="already voted"):
        review.resolve(entry, world.electors["AB1-3"], world.coordinator)
    assert TellingEntry.objects.get(pk=entry.pk).elector_id is None


def test_only_an_elector_of_the_station_can_be_chosen(world):
    entry = _flag(world, "AB2-4", "f-1")
    with pytest.raises(ValidationError, match="not on the register at St Mary's Hall"):
        review.resolve(entry, world.electors["AB2-4"], world.coordinator)


def test_dismissing_keeps_the_entry_undone_and_ends_its_review(world):
    entry = _flag(world, "999", "f-1")
    review.dismiss(entry, world.coordinator)
    entry.refresh_from_db()
    assert entry.undone_at is not None and entry.review == TellingEntry.Review.DISMISSED
    assert review.flagged_counts(world.day) == {}
    with pytest.raises(ValidationError, match="already dismissed"):
        review.resolve(entry, world.electors["AB1-9"], world.coordinator)
    assert AuditEntry.objects.filter(object_id=str(entry.pk), detail__what="flagged number dismissed").count() == 1


def test_a_recorded_entry_is_not_for_review(world):
    recorded = telling.record_entry(world.day, world.hall, "4", client_id="t-1", user=world.teller).entry
    with pytest.raises(ValidationError, match="already counts"):
        review.dismiss(recorded, world.coordinator)


# ---------------------------------------------------------------- pages


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def coordinator_client(world) -> Client:
    TOTP.activate(world.coordinator, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")  # privileged roles need two factors
    return _client(world.coordinator)


def test_tellers_may_not_review(world):
    client = _client(world.teller)
    assert client.get(reverse("gotv:review", args=[world.day.pk])).status_code == 403
    url = reverse("gotv:review_station", args=[world.day.pk, world.hall.pk])
    assert client.get(url).status_code == 403


def test_the_day_page_counts_what_waits_per_station(world, coordinator_client):
    _flag(world, "31", "f-1")
    _flag(world, "AB2-4", "f-2")
    response = coordinator_client.get(reverse("gotv:review", args=[world.day.pk]))
    assert response.status_code == 200
    assert dict((s.pk, n) for s, n in response.context["stations"]) == {world.hall.pk: 2, world.school.pk: 0}
    assert response.context["waiting"] == 2


def test_the_station_page_suggests_resolves_and_dismisses(world, coordinator_client):
    flagged = _flag(world, "31", "f-1")
    other = _flag(world, "AB2-4", "f-2")
    junk = _flag(world, "777", "f-3")
    client = coordinator_client
    url = reverse("gotv:review_station", args=[world.day.pk, world.hall.pk])
    page = client.get(url)
    assert page.status_code == 200
    rows = {row.entry.pk: row for row in page.context["rows"]}
    assert rows[other.pk].problem.startswith("AB2-4 belongs to station Park School")
    assert rows[other.pk].suggestions[0].number == "AB1-4"
    assert 'data-suggestion="AB1-4"' in page.content.decode()
    assert AuditEntry.objects.filter(action=AuditEntry.Action.SEARCHED, detail__what="flagged numbers review").exists()

    three = world.electors["AB1-3"]
    response = client.post(url, {"entry": flagged.pk, "action": "resolve", "elector": three.pk}, follow=True)
    assert "now counts as AB1-3" in response.content.decode()
    response = client.post(url, {"entry": other.pk, "action": "resolve", "number": "4"}, follow=True)
    assert TellingEntry.objects.get(pk=other.pk).elector == world.electors["AB1-4"]
    response = client.post(url, {"entry": junk.pk, "action": "resolve", "number": "AB2-5"}, follow=True)
    assert "AB2-5 belongs to station Park School" in response.content.decode()
    client.post(url, {"entry": junk.pk, "action": "dismiss"})
    assert TellingEntry.objects.get(pk=junk.pk).review == TellingEntry.Review.DISMISSED
    assert list(client.get(url).context["rows"]) == []
    assert len(client.get(url).context["reviewed"]) == 3


def test_an_entry_of_another_station_cannot_be_acted_on_from_this_page(world, coordinator_client):
    elsewhere = _flag(world, "99", "f-1", station=world.school)
    client = coordinator_client
    url = reverse("gotv:review_station", args=[world.day.pk, world.hall.pk])
    assert client.post(url, {"entry": elsewhere.pk, "action": "dismiss"}).status_code == 404


def test_a_number_added_to_the_register_since_is_suggested_as_itself(world):
    entry = _flag(world, "AB1-12", "f-1")
    twelve = Elector.objects.create(constituency=world.constituency, polling_district="AB1", number=12, surname="Late")
    row = review.review_rows(world.day, world.hall)[0]
    assert row.entry == entry and row.problem.startswith("Now on the register here")
    assert row.suggestions[0].number == "AB1-12" and row.suggestions[0].elector_id == twelve.pk
