"""The caller's side over HTTP: joining by link, the seat token, next / result / skip, tally, bridging."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from groundswell.phonebank import seats, telephony
from groundswell.phonebank.models import CallAttempt, PhonebankSession, SessionCaller

from .world import build_world, joined, post

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _open_window(monkeypatch):
    # The API uses the real clock: keep the campaign's window open whatever time the suite runs.
    from groundswell.phonebank import rules

    monkeypatch.setattr(rules, "in_window", lambda campaign, at: True)
    seats.clear_caches()


def test_join_shows_the_brief_then_the_call_page():
    world = build_world(people=2, brief="Be kind. Ask about the hospital.")
    client = Client()
    client.force_login(world.caller)
    page = client.get(reverse("phonebank:join", args=[world.session.token]))
    assert "Ask about the hospital" in page.content.decode()
    # The call page sends a caller who has not joined back to the brief.
    assert client.get(reverse("phonebank:call", args=[world.session.token]))["Location"].endswith(
        "/join/" + world.session.token + "/"
    )


def test_join_needs_a_login():
    world = build_world(people=1)
    response = Client().get(reverse("phonebank:join", args=[world.session.token]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_next_result_and_next_in_one_step():
    world = build_world(people=3)
    client, seat = joined(world)
    first = post(client, world, "next", seat).json()["call"]
    assert set(first) == {"target", "lease", "name", "phone", "attempt", "lease_expires_at"}
    body = {
        "client_id": "abc-1",
        "target": first["target"],
        "lease": first["lease"],
        "outcome": "completed",
        "answers": {"intention": "yes", "volunteer": "yes", "when": "Saturdays"},
    }
    response = post(client, world, "result", seat, body)
    data = response.json()
    assert response.status_code == 200 and data["stored"] and not data["duplicate"] and data["applied"]
    assert data["call"]["target"] != first["target"]
    attempt = CallAttempt.objects.get()
    assert attempt.answers == {"intention": "yes", "volunteer": True, "when": "Saturdays"}
    # The same result again (a retry after a lost response): stored once, and the same next call.
    again = post(client, world, "result", seat, body).json()
    assert again["duplicate"] and again["call"]["target"] == data["call"]["target"]
    assert CallAttempt.objects.count() == 1


def test_script_branches_are_enforced():
    world = build_world(people=1)
    client, seat = joined(world)
    call = post(client, world, "next", seat).json()["call"]
    body = {
        "client_id": "b-1",
        "target": call["target"],
        "lease": call["lease"],
        "outcome": "completed",
        "answers": {"intention": "against", "volunteer": "yes"},
    }
    response = post(client, world, "result", seat, body)
    assert response.status_code == 400
    assert "volunteer: not asked" in json.dumps(response.json())
    body["answers"] = {"intention": "against"}
    assert post(client, world, "result", seat, body).status_code == 200


def test_required_questions_on_the_path_must_be_answered():
    world = build_world(people=1)
    client, seat = joined(world)
    call = post(client, world, "next", seat).json()["call"]
    body = {
        "client_id": "r-1",
        "target": call["target"],
        "lease": call["lease"],
        "outcome": "completed",
        "answers": {"volunteer": "no"},
    }
    response = post(client, world, "result", seat, body)
    assert response.status_code == 400 and "intention: an answer is required" in json.dumps(response.json())


@pytest.mark.parametrize(
    "body, field",
    [
        ({"target": 1, "lease": 1, "outcome": "no_answer"}, "client_id"),
        ({"client_id": "x", "target": "one", "lease": 1, "outcome": "no_answer"}, "target"),
        ({"client_id": "x", "target": 1, "lease": 1, "outcome": "hung_up_angrily"}, "outcome"),
        ({"client_id": "x", "target": 1, "lease": 1, "outcome": "call_back", "callback_at": "tomorrow"}, "callback_at"),
    ],
)
def test_bad_results_name_the_field(body, field):
    world = build_world(people=1)
    client, seat = joined(world)
    response = post(client, world, "result", seat, body)
    assert response.status_code == 400 and field in response.json()["errors"]


def test_a_result_for_another_campaigns_contact_is_refused():
    world = build_world(people=1)
    client, seat = joined(world)
    response = post(
        client, world, "result", seat, {"client_id": "x", "target": 99999, "lease": 1, "outcome": "no_answer"}
    )
    assert response.status_code == 400 and "target" in response.json()["errors"]


def test_seats_are_checked():
    world = build_world(people=1)
    client, seat = joined(world)
    assert post(client, world, "next", "").status_code == 401
    assert post(client, world, "next", seat + "x").status_code == 401
    other = PhonebankSession.objects.create(campaign=world.campaign, title="Other")
    response = client.post(
        reverse("phonebank:api_next", args=[other.token]),
        data="{}",
        content_type="application/json",
        headers={"X-Caller-Seat": seat},
    )
    assert response.status_code == 401
    # A caller removed from the session stops at once in this process (the cache is per process).
    SessionCaller.objects.all().delete()
    seats.clear_caches()
    assert post(client, world, "next", seat).status_code == 401


def test_malformed_json_is_a_clear_400():
    world = build_world(people=1)
    client, seat = joined(world)
    response = client.post(
        reverse("phonebank:api_result", args=[world.session.token]),
        data="{not json",
        content_type="application/json",
        headers={"X-Caller-Seat": seat},
    )
    assert response.status_code == 400 and "not JSON" in response.json()["detail"]


def test_skip_and_tally():
    world = build_world(people=2)
    client, seat = joined(world)
    first = post(client, world, "next", seat).json()["call"]
    second = post(client, world, "skip", seat, {"target": first["target"], "lease": first["lease"]}).json()["call"]
    assert second["target"] != first["target"]
    post(
        client,
        world,
        "result",
        seat,
        {"client_id": "t-1", "target": second["target"], "lease": second["lease"], "outcome": "no_answer"},
    )
    tally = client.get(
        reverse("phonebank:api_tally", args=[world.session.token]), headers={"X-Caller-Seat": seat}
    ).json()
    assert tally["mine"] == {"calls": 1, "reached": 0, "completed": 0}
    assert tally["team"]["calls"] == 1 and tally["team"]["top"][0]["caller"] == "caller1"


def test_bridging_through_the_fake_provider_hides_numbers_from_both_sides(settings):
    settings.PHONEBANK_TELEPHONY = "groundswell.phonebank.telephony.FakeBridge"
    world = build_world(people=1)
    client = Client()
    client.force_login(world.caller)
    client.post(reverse("phonebank:join", args=[world.session.token]), {"phone": "07700 900555"})
    page = client.get(reverse("phonebank:call", args=[world.session.token])).content.decode()
    seat = json.loads(re.search(r'type="application/json">(.*?)</script>', page).group(1))["seat"]
    call = post(client, world, "next", seat).json()["call"]
    response = post(client, world, "bridge", seat, {"target": call["target"], "lease": call["lease"]})
    assert response.status_code == 200 and response.json()["status"] == "ringing"
    bridge = telephony.get_backend().bridges[-1]
    assert bridge["caller"] == "+447700900555" and bridge["callee"] == call["phone"]
    # Not the caller's contact any more (after submitting): no bridge.
    post(
        client,
        world,
        "result",
        seat,
        {"client_id": "z", "target": call["target"], "lease": call["lease"], "outcome": "no_answer"},
    )
    assert post(client, world, "bridge", seat, {"target": call["target"], "lease": call["lease"]}).status_code == 409


def test_bridging_is_off_by_default():
    world = build_world(people=1)
    client, seat = joined(world)
    call = post(client, world, "next", seat).json()["call"]
    assert post(client, world, "bridge", seat, {"target": call["target"], "lease": call["lease"]}).status_code == 404


def test_a_lease_is_only_bridged_for_its_holder(settings):
    settings.PHONEBANK_TELEPHONY = "groundswell.phonebank.telephony.FakeBridge"
    world = build_world(people=2)
    client, seat = joined(world)
    call = post(client, world, "next", seat).json()["call"]
    other = Client()
    other.force_login(world.caller2)
    other.post(reverse("phonebank:join", args=[world.session.token]), {"phone": "07700 900556"})
    page = other.get(reverse("phonebank:call", args=[world.session.token])).content.decode()
    seat2 = json.loads(re.search(r'type="application/json">(.*?)</script>', page).group(1))["seat"]
    response = post(other, world, "bridge", seat2, {"target": call["target"], "lease": call["lease"]})
    assert response.status_code == 409
