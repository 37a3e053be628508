"""Hostile and random submissions to every survey form (public link, personal link, the discussion host's entry
form): never a 500, never a half-written response, never a change to anyone else's invitation or response.

Each example runs in a savepoint that is rolled back, so examples do not see each other's writes.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from groundswell.accounts import access
from groundswell.accounts.models import Role
from groundswell.people.models import TimelineEntry
from groundswell.surveys import selectors, services
from groundswell.surveys.models import Discussion, Invitation, Response, ResponseAnswer, Survey
from groundswell.tests.factories import PersonFactory, user_with_role

from .world import ELSE, MEETING, RANK, USES, add_questions, build_world, form_data, login

pytestmark = pytest.mark.django_db

HUGE = "x" * 100_000
AWKWARD = ["\x00", "1\x00", "yes\x00", "²", "٣", "1e3", "-0", " 3 ", "9" * 40, "-" + "9" * 5000, "", " ", "🙂" * 3]


@pytest.fixture(scope="function")
def world():
    w = build_world(people=3)
    # Another survey in the same unit: its question keys and choice values must count for nothing here.
    w.other = services.create_survey(unit=w.units.clp_a, title="Other survey", actor=w.organiser)
    other_questions = add_questions(w.other, w.organiser)
    w.other_fields = [services.field_name(q) for q in other_questions.values()]
    services.add_survey_question(
        w.other, text="Pick a colour", kind="single", actor=w.organiser, choices_text="Red\nGreen"
    )
    services.set_status(w.other, Survey.Status.OPEN, w.organiser)
    services.submit_response(w.other, {USES: "no"}, channel="public")
    outsider = PersonFactory(unit=w.units.branch_b1)
    services.invite_people(w.survey, type(outsider).objects.all(), w.organiser)
    w.invitations = list(Invitation.objects.filter(survey=w.survey).select_related("person"))
    w.invitation = next(i for i in w.invitations if i.person_id == w.people[0].pk)
    w.host = user_with_role(Role.VOLUNTEER, w.units.clp_a)
    w.discussion = Discussion.objects.create(survey=w.survey, title="Hall", host=w.host)
    w.host_client = login(w.host)
    w.person_ids = [str(p.pk) for p in (*w.people, outsider)]
    questions = selectors.survey_questions(w.survey)
    w.fields = [services.field_name(q) for q in questions]
    w.fields += [f"{services.field_name(w.q[RANK])}__{c['value']}" for c in w.q[RANK].choices]
    w.values = [str(c["value"]) for q in (*questions, *other_questions.values()) for c in (q.choices or [])]
    w.valid = form_data(**{USES: "no", MEETING: "yes", ELSE: "More carers", RANK: {"pay": 1, "staffing": 2}})
    return w


def _values(w) -> st.SearchStrategy:
    one = st.one_of(
        st.text(max_size=30),
        st.sampled_from(w.values + AWKWARD + w.person_ids),
        st.integers(min_value=-(10**30), max_value=10**30).map(str),
        st.just(HUGE),
    )
    return st.one_of(one, st.lists(one, min_size=0, max_size=4))


def _form(w) -> st.SearchStrategy:
    """A valid form with random fields changed, added or dropped: unknown keys, another survey's keys, junk."""
    keys = st.one_of(
        st.sampled_from(w.fields + w.other_fields + ["person_id", "q_", "q_nope", "q_" + "k" * 300]),
        st.text(max_size=20).map(lambda t: "q_" + t),
        st.text(max_size=10),
    )
    return st.tuples(
        st.dictionaries(keys, _values(w), max_size=6),
        st.lists(st.sampled_from(sorted(w.valid)), max_size=3),
        st.sampled_from([True, True, True, False]),  # mostly from a valid form, so some are accepted
    ).map(lambda t: ({k: v for k, v in {**(w.valid if t[2] else {}), **t[0]}.items() if k not in t[1]}))


def _body(draw_form: dict) -> tuple[bytes | str, str]:
    return urlencode(draw_form, doseq=True), "application/x-www-form-urlencoded"


def _snapshot(w) -> dict:
    return {
        "responses": sorted(Response.objects.values_list("pk", "survey_id", "person_id", "channel")),
        "answers": ResponseAnswer.objects.count(),
        "timeline": TimelineEntry.objects.count(),
        "invitations": sorted(Invitation.objects.values_list("pk", "person_id", "responded", "responded_at")),
    }


def _post(client: Client, url: str, form: dict, raw: bytes | None, as_json: object) -> object:
    if raw is not None:
        return client.post(url, raw, content_type="application/x-www-form-urlencoded")
    if as_json is not None:
        return client.post(url, json.dumps(as_json), content_type="application/json")
    body, content_type = _body(form)
    return client.post(url, body, content_type=content_type)


NESTED = st.recursive(
    st.none() | st.integers() | st.text(max_size=5),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=30,
)
EXTRA = st.one_of(
    st.tuples(st.none(), st.none()),
    st.tuples(st.binary(max_size=200), st.none()),  # not even UTF-8
    st.tuples(st.none(), NESTED.map(lambda n: {"q_x": n, "a": [[[[[[n]]]]]]})),
)


def _check(w, before: dict, response, *, stored_ok: bool = True) -> Response | None:
    """The shared invariants: no server error; refused → nothing written; accepted → exactly one whole response."""
    assert response.status_code < 500
    after = _snapshot(w)
    new = sorted(set(after["responses"]) - set(before["responses"]))
    if response.status_code != 302 or not stored_ok:
        assert after == before, f"refused ({response.status_code}) yet something was written"
        return None
    if not new:  # a honeypot submission: thanked, nothing stored
        assert after == before
        return None
    assert len(new) == 1 and set(before["responses"]) <= set(after["responses"])
    stored = Response.objects.get(pk=new[0][0])
    assert stored.survey_id == w.survey.pk
    expected_rows = services.answer_rows({q.key: q for q in selectors.survey_questions(w.survey)}, stored.answers)
    assert stored.rows.count() == len(expected_rows) == after["answers"] - before["answers"]
    assert all(len(r.text) <= 2000 and "\x00" not in r.text + r.value for r in stored.rows.all())
    return stored


@given(data=st.data())
def test_public_link_survives_anything(world, data):
    w = world
    form, (raw, as_json) = data.draw(_form(w)), data.draw(EXTRA)
    with transaction.atomic():
        cache.clear()  # the per-address rate limit
        before = _snapshot(w)
        response = _post(Client(), f"/surveys/s/{w.survey.slug}/", form, raw, as_json)
        stored = _check(w, before, response)
        if stored is not None:
            assert stored.person_id is None and stored.channel == "public"
            # Nobody's invitation is touched by a public answer.
            assert _snapshot(w)["invitations"] == before["invitations"]
        transaction.set_rollback(True)


@given(data=st.data())
def test_personal_link_survives_anything_and_answers_only_for_its_holder(world, data):
    w = world
    form, (raw, as_json) = data.draw(_form(w)), data.draw(EXTRA)
    token = data.draw(st.sampled_from([w.invitation.token, w.invitation.token + "x", "\x00", "../" + w.other.slug]))
    with transaction.atomic():
        before = _snapshot(w)
        response = _post(Client(), f"/surveys/i/{token}/", form, raw, as_json)
        stored = _check(w, before, response)
        if stored is not None:
            assert token == w.invitation.token
            assert (stored.person_id, stored.channel) == (w.invitation.person_id, "personal")
            claimed = {pk for pk, _, responded, _ in _snapshot(w)["invitations"] if responded}
            assert claimed == {w.invitation.pk}
        transaction.set_rollback(True)


@given(data=st.data())
def test_discussion_entry_form_survives_anything_and_links_only_people_the_host_may_see(world, data):
    w = world
    form, (raw, as_json) = data.draw(_form(w)), data.draw(EXTRA)
    with transaction.atomic():
        before = _snapshot(w)
        response = _post(w.host_client, f"/surveys/discussions/{w.discussion.pk}/", form, raw, as_json)
        stored = _check(w, before, response)
        if stored is not None:
            assert stored.discussion_id == w.discussion.pk and stored.entered_by_id == w.host.pk
            if stored.person is not None:
                assert access.can_access_person(w.host, access.Perm.VIEW_PEOPLE, stored.person)
        transaction.set_rollback(True)


# ------------------------------------------------------------------------------------------ what the fuzzing found


def test_a_nul_character_in_a_written_answer_is_refused_with_a_message(world):
    """PostgreSQL cannot store NUL in text: it was a 500 there (and stored as given on SQLite)."""
    response = Client().post(f"/surveys/s/{world.survey.slug}/", {**world.valid, f"q_{ELSE}": "Pay\x00 carers"})
    assert response.status_code == 400
    assert "invisible character" in response.content.decode()
    assert not Response.objects.filter(survey=world.survey).exists()


def test_a_rank_in_other_digits_is_refused_with_a_message(world):
    """'²' passes str.isdigit() but int() refuses it: it was a 500."""
    data = {**world.valid, f"q_{RANK}__pay": "²"}
    response = Client().post(f"/surveys/s/{world.survey.slug}/", data)
    assert response.status_code == 400 and "is not between 1 and 3" in response.content.decode()


def test_a_person_id_in_other_digits_is_refused_with_a_message(world):
    response = login(world.organiser).post(
        f"/surveys/discussions/{world.discussion.pk}/", {**world.valid, "person_id": "²"}
    )
    assert response.status_code == 400 and "The person id is a whole number." in response.content.decode()
    assert not Response.objects.filter(survey=world.survey).exists()


def test_a_personal_link_with_a_nul_byte_is_not_found(world):
    """PostgreSQL refuses to compare text with NUL in it: the lookup was a 500 there."""
    assert Client().get("/surveys/i/abc%00def/").status_code == 404
    assert Client().post(f"/surveys/i/{world.invitation.token}%00/", world.valid).status_code == 404
    assert not Response.objects.filter(survey=world.survey).exists()
