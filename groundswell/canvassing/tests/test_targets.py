from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from groundswell.canvassing import services, targets
from groundswell.canvassing.models import Target
from groundswell.register.models import Elector, TurnoutRecord

from .builders import build_world, make_elector, make_household

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    return build_world()


def _numbers(qs) -> set[str]:
    return {e.elector_number for e in qs}


def _target(world, **filters) -> Target:
    return targets.save_target(world.campaign, "t", filters)


def test_polling_district_and_street(world):
    assert _numbers(targets.target_electors(_target(world, polling_districts=["AB"]))) == {"AB-1", "AB-2"}
    assert _numbers(targets.target_electors(_target(world, streets="high street"))) == {f"AA-{n}" for n in range(1, 7)}
    assert targets.target_households(_target(world, streets=["Mill Lane"])).count() == 2


def test_support_and_age_of_last_contact(world):
    e1, e2, e3 = world.electors[:3]
    old = timezone.now() - datetime.timedelta(days=200)
    recent = timezone.now() - datetime.timedelta(days=5)
    services.record_contact(e1, campaign=world.campaign, canvasser=None, support_code="U", occurred_at=old)
    services.record_contact(e2, campaign=world.campaign, canvasser=None, support_code="U", occurred_at=recent)
    services.record_contact(e3, campaign=world.campaign, canvasser=None, support_code="L", occurred_at=old)
    cutoff = (timezone.localdate() - datetime.timedelta(days=90)).isoformat()
    stale_undecided = _target(world, support=["U"], contacted_before=cutoff)
    assert _numbers(targets.target_electors(stale_undecided)) == {e1.elector_number}
    never = _target(world, never_contacted=True, polling_districts=["AA"])
    assert _numbers(targets.target_electors(never)) == {f"AA-{n}" for n in range(4, 7)}
    either = _target(world, contacted_before=cutoff, never_contacted=True, polling_districts=["AA"])
    assert e2.elector_number not in _numbers(targets.target_electors(either))
    assert len(_numbers(targets.target_electors(either))) == 5
    # "-" from the form, "" in JSON: no support recorded.
    no_support = targets.filter_electors(world.campaign, {"support": "-", "polling_districts": "AA"})
    assert _numbers(no_support) == {f"AA-{n}" for n in range(4, 7)}


def test_postal_markers_turnout_and_deleted(world):
    e = world.electors
    Elector.objects.filter(pk=e[0].pk).update(postal_voter=True, markers="E")
    Elector.objects.filter(pk=e[1].pk).update(markers="F")
    Elector.objects.filter(pk=e[2].pk).update(postal_voter=True, deleted_at=timezone.now())
    TurnoutRecord.objects.create(elector=e[3], election="parl.2024-07-04", mark=TurnoutRecord.Mark.IN_PERSON)
    TurnoutRecord.objects.create(elector=e[4], election="parl.2024-07-04", mark=TurnoutRecord.Mark.DID_NOT_VOTE)
    TurnoutRecord.objects.create(elector=e[0], election="parl.2024-07-04", mark=TurnoutRecord.Mark.POSTAL)
    assert _numbers(targets.target_electors(_target(world, postal_voter=True))) == {e[0].elector_number}
    assert _numbers(targets.target_electors(_target(world, markers="ef"))) == {e[0].elector_number, e[1].elector_number}
    no_f = targets.target_electors(_target(world, exclude_markers="F", polling_districts=["AA"]))
    assert e[1].elector_number not in _numbers(no_f) and e[2].elector_number not in _numbers(no_f)
    voted = targets.target_electors(_target(world, voted_at=["parl.2024-07-04"]))
    assert _numbers(voted) == {e[3].elector_number, e[0].elector_number}
    assert _numbers(targets.target_electors(_target(world, did_not_vote_at=["parl.2024-07-04"]))) == {
        e[4].elector_number
    }
    # Deleted electors never appear, whatever the filter.
    assert e[2].elector_number not in _numbers(targets.target_electors(_target(world)))


def test_other_constituency_never_included(world):
    from groundswell.geography.models import Constituency

    elsewhere = Constituency.objects.create(code="E14000999", name="Elsewhere")
    make_elector(make_household(elsewhere, "AA", 99), 99)
    assert "AA-99" not in _numbers(targets.target_electors(_target(world)))


def test_bad_filters_are_refused(world):
    with pytest.raises(ValidationError):
        targets.clean_filters({"favourite_colour": "red"})
    with pytest.raises(ValidationError):
        targets.clean_filters({"contacted_before": "last tuesday"})
    with pytest.raises(ValidationError):
        targets.clean_filters({"postal_voter": "perhaps"})
