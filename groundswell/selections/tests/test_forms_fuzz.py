"""Outside input to the selection forms (nomination meetings, challenges, applications, the flag review): any
text is answered with a plain message or accepted, never a server error, and nothing is written that breaks the
rules (a nomination below quorum, an attendee off the eligible list)."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from hypothesis import example, given
from hypothesis import strategies as st

from groundswell.accounts.models import Role
from groundswell.ballots.tests.world import login
from groundswell.selections import services
from groundswell.selections.models import Applicant, NominationMeeting
from groundswell.tests.factories import user_with_role

from .world import build_world

pytestmark = pytest.mark.django_db

WORDS = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80)


@pytest.fixture
def world():
    world = build_world()
    services.take_snapshot(world.secretary, world.selection)
    user = user_with_role(Role.MEMBER, world.old[0].unit, person=world.old[0])
    world.nominee = services.apply(user, world.selection, public_name="Ann Able", union_member=True)
    services.decide_longlist(world.secretary, world.nominee, longlisted=True, reason="Meets the criteria")
    world.numbers = [p.memberships.get().number for p in world.old]
    world.client = login(world.secretary)
    world.member = login(user_with_role(Role.MEMBER, world.late.unit, person=world.late))
    return world


@given(
    attendees=st.lists(st.one_of(WORDS, st.sampled_from(["M0000001", "", " , ", "M\x00"])), max_size=8),
    votes=WORDS,
    held_on=st.one_of(WORDS, st.dates().map(date.isoformat)),
    category=st.one_of(WORDS, st.sampled_from(["open", "woman", "minority_ethnic"])),
    body_kind=st.one_of(WORDS, st.sampled_from(["branch", "affiliate"])),
)
def test_the_nomination_form_never_crashes_and_never_records_an_inquorate_meeting(
    world, attendees, votes, held_on, category, body_kind
):
    response = world.client.post(
        reverse("selections:nomination", args=[world.selection.pk]),
        {"body_kind": body_kind, "body_name": "Unite Reading", "category": category, "held_on": held_on,
         "nominee": world.nominee.pk, "attendees": "\n".join(attendees), "votes": votes},
    )  # fmt: skip
    assert response.status_code == 302
    eligible = set(world.numbers)
    for meeting in NominationMeeting.objects.all():
        assert meeting.attendance >= meeting.quorum
        assert set(meeting.attendees.values_list("memberships__number", flat=True)) <= eligible


@given(statement=WORDS)
@example(statement="I joined in 2019\x00 not 2024")
def test_the_challenge_form_never_crashes(world, statement):
    response = world.member.post(reverse("selections:challenge", args=[world.selection.pk]), {"statement": statement})
    assert response.status_code == 302


@given(name=WORDS, gender=WORDS, minority=WORDS)
@example(name="\x00", gender="", minority="")  # PostgreSQL cannot store NUL: found by CI
def test_the_application_form_never_crashes_and_keeps_only_listed_answers(world, name, gender, minority):
    response = world.member.post(
        reverse("selections:apply", args=[world.selection.pk]),
        {"public_name": name, "gender": gender, "minority_ethnic": minority, "diversity_consent": "on"},
    )
    assert response.status_code in (200, 302)
    for a in Applicant.objects.all():
        assert a.gender in ("", *Applicant.Gender.values)


def test_a_nul_in_any_selection_text_is_refused_naming_the_field(world):
    response = world.member.post(
        reverse("selections:apply", args=[world.selection.pk]),
        {"public_name": "Ann Able", "union_name": "Uni\x00son"},
    )
    assert response.status_code == 200
    assert "contains a NUL character" in response.content.decode()
    assert not Applicant.objects.filter(person=world.late).exists()


def test_a_nul_in_the_roll_search_is_never_a_server_error(world):
    response = world.client.get(reverse("selections:roll", args=[world.selection.pk]), {"q": "M\x00"})
    # SQLite stores and searches NUL; PostgreSQL refuses it, which the backstop answers in plain words.
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert "NUL character" in response.content.decode()
