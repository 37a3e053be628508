"""The REST API's write capability matrix: every POST/PUT/PATCH/DELETE under /api/v1/ × who holds the token.

A token held in one unit must not create, change or delete anything in another unit (a sibling constituency,
or a sibling branch for a branch-level token), and a volunteer-level token (or a data-protection officer's,
which may read but not edit) must not do any organiser write, even in its own unit. Each refusal is checked
twice: by its status code, and by comparing everything the API can write before and after. The same writes
by an organiser in their own unit succeed, so a row that stopped reaching its endpoint would fail here.

The rows are checked against the OpenAPI schema: a new write endpoint without a row fails the suite.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from groundswell.people.models import EmailAddress, Person, PhoneNumber, Tag, Tagging
from groundswell.tests.factories import (
    EmailFactory,
    PersonFactory,
    PhoneFactory,
    Role,
    TagFactory,
    UnitTreeFactory,
    api_client_as,
)

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Write:
    """One side-effecting operation: how to aim it at a person of a given unit, and its body."""

    method: str
    path: str  # as in the OpenAPI schema
    url: Callable[[SimpleNamespace], str]
    body: Callable[[SimpleNamespace], dict[str, Any]]
    unit_scoped: bool = True  # False: the object belongs to no unit (tags are a shared vocabulary)


def person_url(t: SimpleNamespace) -> str:
    return f"/api/v1/people/{t.person.pk}/"


WRITES = {
    "create person": Write(
        "POST", "/api/v1/people/", lambda t: "/api/v1/people/", lambda t: {"unit": t.unit.code, "given_name": "Cap"}
    ),
    "replace person": Write(
        "PUT",
        "/api/v1/people/{id}/",
        person_url,
        lambda t: {"unit": t.unit.code, "given_name": "Cap", "family_name": ""},
    ),
    "change person": Write(
        "PATCH",
        "/api/v1/people/{id}/",
        person_url,
        lambda t: {"given_name": "Cap", "email_addresses": [{"address": "cap@example.org"}]},
    ),
    "tag person": Write(
        "POST", "/api/v1/people/{id}/taggings/", lambda t: f"{person_url(t)}taggings/", lambda t: {"tag": "cap-new"}
    ),
    "create tagging": Write(
        "POST",
        "/api/v1/taggings/",
        lambda t: "/api/v1/taggings/",
        lambda t: {"person": t.person.pk, "tag": "tag-national"},
    ),
    "delete tagging": Write(
        "DELETE", "/api/v1/taggings/{id}/", lambda t: f"/api/v1/taggings/{t.tagging.pk}/", lambda t: {}
    ),
    "create tag": Write("POST", "/api/v1/tags/", lambda t: "/api/v1/tags/", lambda t: {"name": "cap-new"}, False),
}

# (role, the unit the role is held at, the unit the write is aimed at, whether it may succeed)
ACTORS = {
    "organiser, own constituency": (Role.ORGANISER, "clp_a", "branch_a1", True),
    "organiser, other constituency": (Role.ORGANISER, "clp_a", "clp_b", False),
    "organiser, other constituency's branch": (Role.ORGANISER, "clp_a", "branch_b1", False),
    "organiser, parent region": (Role.ORGANISER, "clp_a", "region", False),
    "coordinator, sibling branch": (Role.COORDINATOR, "branch_a1", "branch_a2", False),
    "administrator of one constituency, the other": (Role.ADMINISTRATOR, "clp_b", "clp_a", False),
    "data-protection officer, own unit": (Role.DATA_PROTECTION_OFFICER, "clp_a", "clp_a", False),
    "volunteer, own unit": (Role.VOLUNTEER, "clp_a", "clp_a", False),
    "caller, own unit": (Role.CALLER, "clp_a", "clp_a", False),
    "canvasser, own unit": (Role.CANVASSER, "clp_a", "clp_a", False),
    "teller, own unit": (Role.TELLER, "clp_a", "clp_a", False),
    "member, own unit": (Role.MEMBER, "clp_a", "clp_a", False),
}
# Roles that may edit people somewhere, so may add to the shared tag vocabulary wherever they hold the role.
EDITORS = {Role.ADMINISTRATOR, Role.ORGANISER, Role.COORDINATOR}


@pytest.fixture(autouse=True)
def _clear_throttle_cache():
    cache.clear()


@pytest.fixture
def world() -> SimpleNamespace:
    tree = UnitTreeFactory.build_tree()
    targets = {}
    for name in ("national", "region", "clp_a", "clp_b", "branch_a1", "branch_a2", "branch_b1"):
        unit = getattr(tree, name)
        person = PersonFactory(unit=unit, given_name="Original", custom_fields={"k": "v"})
        EmailFactory(person=person)
        PhoneFactory(person=person)
        tagging = Tagging.objects.create(person=person, tag=TagFactory(name=f"tag-{name}"))
        targets[name] = SimpleNamespace(unit=unit, person=person, tagging=tagging)
    return SimpleNamespace(tree=tree, targets=targets)


def everything_writable() -> dict[str, Any]:
    """All the API can create, change or delete, in a comparable form."""
    return {
        "people": sorted(
            Person.objects.values_list(
                "pk", "unit_id", "given_name", "family_name", "additional_name", "postcode", "custom_fields"
            )
        ),
        "emails": sorted(EmailAddress.objects.values_list("person_id", "address", "primary")),
        "phones": sorted(PhoneNumber.objects.values_list("person_id", "number", "primary")),
        "taggings": sorted(Tagging.objects.values_list("pk", "person_id", "tag_id")),
        "tags": sorted(Tag.objects.values_list("pk", "name")),
    }


def token_client(role: str, unit: Any) -> APIClient:
    return api_client_as(role, unit)[0]


@pytest.mark.parametrize("actor", list(ACTORS))
@pytest.mark.parametrize("write", list(WRITES))
def test_api_write_capability(world, write, actor):
    role, held_at, aimed_at, may = ACTORS[actor]
    operation = WRITES[write]
    if not operation.unit_scoped:
        may = role in EDITORS  # no unit to be outside of: only the role matters
    client = token_client(role, getattr(world.tree, held_at))
    target = world.targets[aimed_at]
    before = everything_writable()
    body = operation.body(target)
    response = client.generic(
        operation.method, operation.url(target), json.dumps(body) if body else "", content_type="application/json"
    )
    if may:
        assert 200 <= response.status_code < 300, (response.status_code, response.content)
        assert everything_writable() != before
    else:
        # 404/400 where the object is outside what the token can see (the API never confirms it exists),
        # 403 where it can see but not write.
        assert response.status_code in (400, 403, 404), (response.status_code, response.content)
        assert everything_writable() == before


def test_the_matrix_covers_every_write_in_the_schema(world):
    client = token_client(Role.ADMINISTRATOR, world.tree.national)
    schema = client.get("/api/v1/openapi.json").json()
    in_schema = {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method.upper() in {"POST", "PUT", "PATCH", "DELETE"}
    }
    assert in_schema == {(w.method, w.path) for w in WRITES.values()}
