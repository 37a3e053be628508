"""`groundswell demo`: the real Reading East boundaries, synthetic people, one login per role, idempotent."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from groundswell.accounts.models import Role, RoleAssignment
from groundswell.core.demo import DEMO_POLLING_DAY, READING_EAST, _build_polling_day, build_demo, current_demo_code
from groundswell.geography.lookup import lookup_point
from groundswell.geography.models import Constituency, Ward
from groundswell.people.models import Person
from groundswell.people.normalise import normalise_email, normalise_phone

pytestmark = pytest.mark.django_db


def test_demo_builds_once_and_is_marked_synthetic(data_dir, capsys):
    first = build_demo(people=150)
    assert first.created and first.constituencies_by_set == {"2010": 632, "2024": 650}
    # Reading East (2010 set) and its successors (2024 set) are all there, the 2024 seats on the hex map.
    assert Constituency.objects.get(boundary_set="2010", code=READING_EAST).name == "Reading East"
    assert set(
        Constituency.objects.filter(boundary_set="2024", name__in=["Reading Central", "Earley and Woodley"])
        .exclude(hex_q=None)
        .values_list("code", flat=True)
    ) == {"E14001438", "E14001210"}
    people = Person.objects.count()
    polling_day = _demo_polling_day_counts()
    calls = _demo_phonebank_counts()
    second = build_demo(people=150)
    assert not second.created
    assert Person.objects.count() == people
    _build_polling_day(lambda message: None)  # the polling day itself is built once, however it is called
    assert _demo_polling_day_counts() == polling_day
    assert _demo_phonebank_counts() == calls
    assert not Person.objects.filter(synthetic=False).exists()
    assert {a.role for a in RoleAssignment.objects.all()} >= {r.value for r in Role}

    # Every synthetic address is inside the real ward its branch stands for.
    sample = Person.objects.filter(latitude__isnull=False).select_related("unit__ward")[:25]
    for person in sample:
        assert lookup_point(person.latitude, person.longitude).ward_code == person.unit.ward.code

    # The synthetic contact details survive the importer's own validation (so exports re-import).
    for person in Person.objects.prefetch_related("email_addresses", "phone_numbers")[:100]:
        for email in person.email_addresses.all():
            assert normalise_email(email.address) == email.address
        for phone in person.phone_numbers.all():
            assert normalise_phone(phone.number) == phone.number

    call_command("demo")
    assert "organiser@example.org" in capsys.readouterr().out


def test_demo_without_its_data_folder_says_which_setting_to_fix_and_loads_nothing(tmp_path):
    (tmp_path / "boundaries").mkdir()
    with override_settings(DATA_DIR=tmp_path), pytest.raises(CommandError) as error:
        call_command("demo", people=10)
    message = str(error.value)
    assert str(tmp_path / "boundaries") in message and "gb_westminster_2010_topo.json" in message
    assert "GROUNDSWELL_DATA" in message and "Nothing was loaded" in message
    assert not Constituency.objects.exists() and not Ward.objects.exists() and not Person.objects.exists()


def test_demo_codes_only_for_demo_accounts():
    assert len(current_demo_code("organiser@example.org")) == 6
    with pytest.raises(ValueError):
        current_demo_code("someone@example.org")


def _demo_phonebank_counts() -> dict[str, int]:
    """The demo's call campaign: active members with numbers on the list, a session, and calls made."""
    from groundswell.phonebank.models import CallAttempt, CallCampaign, CallTarget

    campaign = CallCampaign.objects.get()
    assert campaign.status == "active" and campaign.question_set.questions.count() == 4
    targets = CallTarget.objects.filter(campaign=campaign)
    assert targets.exists()
    assert not targets.exclude(person__memberships__status="active").exists()
    attempts = CallAttempt.objects.filter(campaign=campaign)
    assert attempts.filter(outcome="completed").exists() and campaign.sessions.get().callers.count() == 3
    return {"targets": targets.count(), "attempts": attempts.count()}


def _demo_polling_day_counts() -> dict[str, int]:
    """The demo's polling day for Reading East, checked, and how much it holds (to show a second run adds nothing)."""
    from django.utils import timezone

    from groundswell.canvassing.models import Contact
    from groundswell.gotv.models import CommitteeRoom, Lift, PollingDay, PollingStation, TellingEntry
    from groundswell.gotv.promises import promise_queryset
    from groundswell.register.models import Elector

    day = PollingDay.objects.get(name=DEMO_POLLING_DAY)
    assert day.constituency.code == READING_EAST and day.date == timezone.localdate()
    assert "synthetic" in day.name and day.election == f"demo.{day.date.isoformat()}"
    districts = set(Elector.objects.filter(constituency=day.constituency).values_list("polling_district", flat=True))
    at_stations = [pd for s in day.stations.all() for pd in s.polling_districts]
    assert 4 <= day.stations.count() <= 6 and sorted(at_stations) == sorted(districts)  # each district once
    rooms = list(day.committee_rooms.select_related("coordinator"))
    assert 2 <= len(rooms) <= 3 and all("synthetic" in r.name for r in rooms)
    assert "coordinator@example.org" in {r.coordinator.email for r in rooms if r.coordinator}
    # The demo's street logins are posted where they work: the teller at every station, the volunteer and the
    # canvasser in every room (tellers and knock-up volunteers see only their own stations and rooms).
    from groundswell.accounts.models import User
    from groundswell.gotv import assignments

    teller = User.objects.get(email="teller@example.org")
    assert list(assignments.stations_for(teller, day)) == list(day.stations.all())
    for email in ("volunteer@example.org", "canvasser@example.org"):
        assert all(assignments.can_work_room(User.objects.get(email=email), room) for room in rooms)
    assert set(day.targets) == districts
    promises = promise_queryset(day).count()
    assert promises > 100
    entries = TellingEntry.objects.filter(polling_day=day)
    assert entries.filter(source=TellingEntry.Source.POSTAL).exists()  # logged the day before, at any hour
    # Tellers' numbers only up to now, and mostly promises.
    assert not entries.filter(entered_at__gt=timezone.now()).exists()
    taken = entries.filter(source=TellingEntry.Source.TELLER, elector__isnull=False)
    if taken.count() >= 50:  # early in the morning there may be too few to say
        assert taken.filter(elector__in=promise_queryset(day)).count() * 2 > taken.count()
    return {
        "days": PollingDay.objects.count(),
        "stations": PollingStation.objects.count(),
        "rooms": CommitteeRoom.objects.count(),
        "entries": TellingEntry.objects.count(),
        "lifts": Lift.objects.count(),
        "contacts": Contact.objects.count(),
        "promises": promises,
    }
