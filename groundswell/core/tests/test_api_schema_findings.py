"""Regression tests for what schemathesis found: each answer the API gives is one its schema documents."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from groundswell.tests.factories import (
    MembershipFactory,
    PersonFactory,
    Role,
    UnitTreeFactory,
    api_client_as,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_throttle_cache():
    cache.clear()


@pytest.fixture
def tree():
    return UnitTreeFactory.build_tree()


@pytest.fixture
def client(tree) -> APIClient:
    return api_client_as(Role.ORGANISER, tree.clp_a)[0]


@pytest.fixture
def schema(client) -> dict[str, Any]:
    return client.get("/api/v1/openapi.json").json()


def operations(schema: dict[str, Any]):
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            yield path, method, op


def test_people_without_a_location_and_memberships_without_units_are_null_in_schema_and_answer(client, schema, tree):
    person = PersonFactory(unit=tree.branch_a1, latitude=None, longitude=None)
    MembershipFactory(person=person, branch=None, constituency_party=None)
    location = client.get(f"/api/v1/people/{person.pk}/").json()["postal_addresses"][0]["location"]
    assert location == {"latitude": None, "longitude": None}
    membership = client.get("/api/v1/memberships/").json()["results"][0]
    assert membership["branch"] is None and membership["constituency_party"] is None
    components = schema["components"]["schemas"]
    assert components["Location"]["properties"]["latitude"]["nullable"] is True
    assert components["Location"]["properties"]["longitude"]["nullable"] is True
    assert components["Membership"]["properties"]["branch"]["nullable"] is True
    assert components["Membership"]["properties"]["constituency_party"]["nullable"] is True


def test_a_persons_taggings_are_documented_as_the_plain_list_they_are(client, schema, tree):
    person = PersonFactory(unit=tree.branch_a1)
    operation = schema["paths"]["/api/v1/people/{id}/taggings/"]
    listed = operation["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert listed["type"] == "array"
    assert not {p["name"] for p in operation["get"].get("parameters", [])} - {"id"}
    assert "201" in operation["post"]["responses"] and "200" not in operation["post"]["responses"]
    assert isinstance(client.get(f"/api/v1/people/{person.pk}/taggings/").json(), list)
    assert client.post(f"/api/v1/people/{person.pk}/taggings/", {"tag": "donor"}).status_code == 201


def test_every_operation_documents_its_error_answers(schema):
    for path, method, op in operations(schema):
        codes = set(op["responses"])
        assert {"401", "403", "429"} <= codes, (method, path)
        if "{" in path:
            assert "404" in codes, (method, path)
        if "requestBody" in op:
            assert {"400", "413", "415"} <= codes, (method, path)
        if any(p["name"] == "page" for p in op.get("parameters", [])):
            assert {"400", "404"} <= codes, (method, path)


def test_a_page_past_the_end_is_a_documented_json_404(client):
    response = client.get("/api/v1/organisation_units/", {"page": 99})
    assert response.status_code == 404 and response.json() == {"detail": "Invalid page."}


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "POST", "DELETE"])
@pytest.mark.parametrize("path", ["/api/v1/people/1.5/", "/api/v1/taggings/-6.1e-05/", "/api/v1/people/1.5/taggings/"])
def test_a_malformed_id_is_a_json_404_for_every_method(client, method, path):
    # These paths match no route: they fell through to Django's HTML 404, or (writes) CSRF's HTML 403.
    response = client.generic(method, path, "{}", content_type="application/json")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_unsupported_media_type_is_a_documented_415(client):
    response = client.generic("POST", "/api/v1/tags/", "name=x", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
