from __future__ import annotations

import datetime
import json
import uuid

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.urls import reverse
from django.utils import timezone

from groundswell.audit.models import AuditEntry
from groundswell.canvassing.models import CanvassCampaign, Contact
from groundswell.canvassing.selectors import find_walk_elector, parse_elector_number

from .builders import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    return build_world()


def _sync(client, items):
    return client.post(reverse("canvassing:doorstep_sync"), json.dumps({"items": items}), "application/json")


def _item(world, elector, **kw):
    base = {
        "client_id": str(uuid.uuid4()),
        "walk_id": world.walk.pk,
        "elector_id": elector.pk,
        "outcome": "spoke",
        "support_code": "L",
        "likelihood": 8,
    }
    return base | kw


def test_canvasser_fetches_only_their_walk(client, world):
    client.force_login(world.canvasser)
    listing = client.get(reverse("canvassing:doorstep_walks")).json()
    assert [w["id"] for w in listing["walks"]] == [world.walk.pk]
    data = client.get(reverse("canvassing:doorstep_walk", args=[world.walk.pk])).json()
    assert [d["order"] for d in data["doors"]] == [1, 2, 3]
    numbers = [e["number"] for d in data["doors"] for e in d["electors"]]
    assert numbers == [f"AA-{n}" for n in range(1, 7)]
    assert {c["code"] for c in data["codes"]} >= {"L", "U"}
    assert [q["key"] for q in data["questions"]][:2] == ["support", "likelihood"]
    # Only what the canvasser needs (what the printed sheet shows): no ages, markers, history or person links.
    elector = data["doors"][0]["electors"][0]
    assert set(elector) == {"id", "number", "pd", "n", "s", "name", "vote", "last"}
    assert AuditEntry.objects.filter(action="viewed", object_type="canvassing.walk", actor=world.canvasser).exists()

    assert client.get(reverse("canvassing:doorstep_walk", args=[world.other_walk.pk])).status_code == 403
    assert AuditEntry.objects.filter(action="denied", actor=world.canvasser).exists()


def test_other_canvasser_gets_403(client, world):
    client.force_login(world.other_canvasser)
    assert client.get(reverse("canvassing:doorstep_walk", args=[world.walk.pk])).status_code == 403
    response = _sync(client, [_item(world, world.electors[0])])
    assert response.status_code == 403
    assert response.json()["results"][0]["status"] == "forbidden"
    assert not Contact.objects.exists()


def test_after_ends_on_canvasser_gets_403(client, world):
    CanvassCampaign.objects.filter(pk=world.campaign.pk).update(
        ends_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    client.force_login(world.canvasser)
    assert client.get(reverse("canvassing:doorstep_walk", args=[world.walk.pk])).status_code == 403
    assert client.get(reverse("canvassing:doorstep_walks")).json()["walks"] == []
    assert _sync(client, [_item(world, world.electors[0])]).status_code == 403
    # Not started yet is the same.
    CanvassCampaign.objects.filter(pk=world.campaign.pk).update(
        starts_on=timezone.localdate() + datetime.timedelta(days=1), ends_on=None
    )
    assert client.get(reverse("canvassing:doorstep_walk", args=[world.walk.pk])).status_code == 403


def test_signed_out_gets_json_401(client, world):
    response = client.get(reverse("canvassing:doorstep_walk", args=[world.walk.pk]))
    assert response.status_code == 401 and "login" in response.json()


def test_sync_is_idempotent_and_reports_per_item(client, world):
    client.force_login(world.canvasser)
    items = [_item(world, e) for e in world.electors[:3]]
    items.append(_item(world, world.other_electors[0]))  # not on this walk
    items.append(_item(world, world.electors[3], support_code="ZZ"))  # invalid code
    first = _sync(client, items)
    assert first.status_code == 200
    statuses = [r["status"] for r in first.json()["results"]]
    assert statuses == ["created", "created", "created", "unknown_elector", "error"]
    again = _sync(client, items[:3])
    assert [r["status"] for r in again.json()["results"]] == ["duplicate"] * 3
    assert Contact.objects.count() == 3
    assert set(Contact.objects.values_list("canvasser", flat=True)) == {world.canvasser.pk}
    assert AuditEntry.objects.filter(action="created", object_type="canvassing.walk").count() == 2


def test_sync_rejects_bad_bodies(client, world):
    client.force_login(world.canvasser)
    url = reverse("canvassing:doorstep_sync")
    assert client.post(url, "not json", "application/json").status_code == 400
    assert client.post(url, json.dumps({"items": "x"}), "application/json").status_code == 400
    result = _sync(client, [_item(world, world.electors[0], client_id="")]).json()["results"][0]
    assert result["status"] == "error"
    odd = [_item(world, world.electors[0], elector_id="x"), _item(world, world.electors[0], walk_id="nope")]
    assert [r["status"] for r in _sync(client, odd).json()["results"]] == ["unknown_elector", "forbidden"]
    late = _item(world, world.electors[0], occurred_at="not a date")
    assert _sync(client, [late]).json()["results"][0]["status"] == "error"


def test_sync_requires_csrf(world):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.canvasser)
    response = strict.post(
        reverse("canvassing:doorstep_sync"),
        json.dumps({"items": [_item(world, world.electors[0])]}),
        "application/json",
    )
    assert response.status_code == 403
    assert not Contact.objects.exists()


def test_service_worker_and_manifest(client, world):
    client.force_login(world.canvasser)
    sw = client.get(reverse("canvassing:doorstep_sw"))
    assert sw["Service-Worker-Allowed"] == reverse("canvassing:doorstep")
    assert sw["Content-Type"].startswith("text/javascript")
    assert b"canvassing/doorstep.js" in sw.content
    manifest = json.loads(client.get(reverse("canvassing:doorstep_manifest")).content)
    assert manifest["scope"] == reverse("canvassing:doorstep")
    page = client.get(reverse("canvassing:doorstep"))
    assert page.status_code == 200 and "csrftoken" in page.cookies


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("AA-3", ("AA", 3, 0)),
        ("aa-3/1", ("AA", 3, 1)),
        ("3", ("AA", 3, 0)),
        ("3/2", ("AA", 3, 2)),
        (" 12 ", ("AA", 12, 0)),
        ("three", None),
        ("AA-", None),
    ],
)
def test_parse_elector_number(text, expected):
    assert parse_elector_number(text, "AA") == expected


def test_find_walk_elector(world):
    assert find_walk_elector(world.walk, "AA-2") == world.electors[1]
    assert find_walk_elector(world.walk, "2") == world.electors[1]
    assert find_walk_elector(world.walk, "AB-1") is None  # another walk's elector
    assert find_walk_elector(world.walk, "99") is None


def test_keyboard_entry_page_and_paper_sync(client, world):
    TOTP.activate(world.organiser, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    client.force_login(world.organiser)
    page = client.get(reverse("canvassing:paper_entry", args=[world.walk.pk]))
    assert page.status_code == 200
    boot = page.context["boot"]
    assert len(boot["electors"]) == 6 and boot["pd"] == "AA"
    items = [
        {"client_id": "p-1", "walk_id": world.walk.pk, "elector_number": "3", "method": "paper", "support_code": "U"},
        {"client_id": "p-2", "walk_id": world.walk.pk, "elector_number": "AA-4", "method": "paper", "likelihood": 3},
        {"client_id": "p-3", "walk_id": world.walk.pk, "elector_number": "77", "method": "paper", "support_code": "L"},
    ]
    results = _sync(client, items).json()["results"]
    assert [r["status"] for r in results] == ["created", "created", "unknown_elector"]
    assert results[0]["elector_number"] == "AA-3"
    assert Contact.objects.filter(method="paper").count() == 2
    # Organisers may type sheets in after the campaign ends; the canvasser may not sync then.
    CanvassCampaign.objects.filter(pk=world.campaign.pk).update(
        ends_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    late = [
        {"client_id": "p-4", "walk_id": world.walk.pk, "elector_number": "5", "method": "paper", "support_code": "L"}
    ]
    assert _sync(client, late).json()["results"][0]["status"] == "created"


def test_canvasser_cannot_open_someone_elses_paper_page(client, world):
    client.force_login(world.other_canvasser)
    assert client.get(reverse("canvassing:paper_entry", args=[world.walk.pk])).status_code == 403


def test_results_recorded_before_a_change_are_never_lost(client, world):
    """A phone offline while the organiser edited the questions, or while a register update removed the
    elector, still gets its results stored when it syncs."""
    from groundswell.questions.models import Question

    qset = world.walk.campaign.question_set
    removed = Question.objects.create(
        question_set=qset, key="bins", text="Bin collections OK?", kind="yes_no", order=90
    )
    item_with_removed_answer = _item(world, world.electors[0], answers={"bins": "yes"})
    removed.delete()
    Question.objects.create(
        question_set=qset, key="mural", text="Like the mural?", kind="yes_no", order=91, required=True
    )
    item_missing_new_required = _item(world, world.electors[1])
    gone = world.electors[2]
    gone.deleted_at = timezone.now()
    gone.save(update_fields=["deleted_at"])
    item_for_removed_elector = _item(world, gone)

    client.force_login(world.canvasser)
    results = _sync(client, [item_with_removed_answer, item_missing_new_required, item_for_removed_elector]).json()
    assert [r["status"] for r in results["results"]] == ["created", "created", "created"], results
    assert Contact.objects.get(client_id=item_with_removed_answer["client_id"]).answers == {"bins": "yes"}
    assert Contact.objects.filter(elector=gone).count() == 1

    # The same answers typed in live (not from a phone's queue) are still checked strictly.
    from django.core.exceptions import ValidationError

    from groundswell.canvassing.services import record_contact

    with pytest.raises(ValidationError):
        record_contact(
            world.electors[3],
            campaign=world.walk.campaign,
            canvasser=world.canvasser,
            support_code="L",
            answers={"bins": "yes"},
        )


def test_the_door_shows_postal_voters_and_the_last_support_code(client, world):
    first, second = world.electors[0], world.electors[1]
    type(first).objects.filter(pk=first.pk).update(postal_voter=True, current_support="L")
    type(second).objects.filter(pk=second.pk).update(proxy_voter=True)
    client.force_login(world.canvasser)
    data = client.get(reverse("canvassing:doorstep_walk", args=[world.walk.pk])).json()
    shown = {e["id"]: e for d in data["doors"] for e in d["electors"]}
    assert (shown[first.pk]["vote"], shown[first.pk]["last"]) == ("postal", "L")
    assert (shown[second.pk]["vote"], shown[second.pk]["last"]) == ("proxy", "")
