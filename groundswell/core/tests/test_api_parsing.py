"""Hostile request bodies never reach a view as a 500: the API's JSON parser answers 400/413 with the reason."""

from __future__ import annotations

import json
import re

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient
from rest_framework.views import APIView

from groundswell.core.api_parsers import MAX_JSON_DEPTH
from groundswell.people.models import Person, Tag
from groundswell.tests.factories import (
    MembershipFactory,
    PersonFactory,
    Role,
    TagFactory,
    UnitTreeFactory,
    api_client_as,
)

pytestmark = pytest.mark.django_db

DEEP = 100_000


@pytest.fixture(autouse=True)
def _clear_throttle_cache():
    cache.clear()


@pytest.fixture
def tree():
    return UnitTreeFactory.build_tree()


@pytest.fixture
def client(tree) -> APIClient:
    return api_client_as(Role.ADMINISTRATOR, tree.national)[0]


def post_json(client: APIClient, path: str, body: str | bytes, content_type: str = "application/json"):
    return client.generic("POST", path, body, content_type=content_type)


def test_json_nested_100000_deep_is_a_400_not_a_500(client):
    before = Person.objects.count()
    response = post_json(client, "/api/v1/people/", "[" * DEEP + "]" * DEEP)
    assert response.status_code == 400, response.content[:200]
    assert "nested more than" in response.json()["detail"]
    response = post_json(client, "/api/v1/people/", '{"a":' * DEEP + "1" + "}" * DEEP)
    assert response.status_code == 400
    assert Person.objects.count() == before


def nested_custom_fields(depth: int) -> dict:
    value: object = "leaf"
    for _ in range(depth):
        value = {"k": value}
    return {"unit": "BR-A1", "custom_fields": value}


def test_nesting_is_capped_below_anything_that_recurses(client, tree):
    # The body itself is one level.
    ok = client.post("/api/v1/people/", nested_custom_fields(MAX_JSON_DEPTH - 1), format="json")
    assert ok.status_code == 201, ok.content
    # 900 levels parse without a RecursionError, but would reach every recursive step after the parser.
    for depth in (MAX_JSON_DEPTH, 900):
        response = post_json(client, "/api/v1/people/", json.dumps(nested_custom_fields(depth)))
        assert response.status_code == 400
        assert f"nested more than {MAX_JSON_DEPTH} levels deep" in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ('{"unit": "BR-A1", "given_name": "a\\u0000b"}', "NUL"),
        ('{"unit": "BR-A1", "custom_fields": {"k\\u0000": 1}}', "NUL"),
        ('{"unit": "BR-A1", "given_name": "\\ud800"}', "surrogate"),
        ('{"unit": "BR-A1", "custom_fields": {"n": NaN}}', "NaN"),
        ('{"unit": "BR-A1", "custom_fields": {"n": Infinity}}', "Infinity"),
        ('{"unit": "BR-A1",', "JSON parse error"),
        (b'{"given_name": "\xff\xfe"}', "not valid utf-8"),
    ],
)
def test_strings_the_database_cannot_hold_are_a_400_naming_the_reason(client, body, reason):
    response = post_json(client, "/api/v1/people/", body)
    assert response.status_code == 400, response.content
    assert reason in response.json()["detail"]
    assert not Person.objects.exists()


def test_unknown_charset_is_a_400_or_ignored_never_a_500(client):
    response = post_json(client, "/api/v1/people/", '{"unit": "BR-A1"}', "application/json; charset=no-such-codec")
    assert response.status_code in (201, 400), response.content


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_body_over_the_upload_limit_is_a_413(client):
    body = json.dumps({"unit": "BR-A1", "given_name": "x" * 2000})
    response = post_json(client, "/api/v1/people/", body)
    assert response.status_code == 413
    assert "larger than 1000 bytes" in response.json()["detail"]
    assert not Person.objects.exists()


# --- every DRF view, every kind of body --------------------------------------------------------------------


def _drf_routes(resolver: URLResolver | None = None, prefix: str = "") -> list[tuple[str, type[APIView]]]:
    """(path, view class) for every DRF view in the URLconf, with path converters filled in."""
    routes = []
    for entry in (resolver or get_resolver()).url_patterns:
        pattern = prefix + str(entry.pattern).lstrip("^").rstrip("$")
        if isinstance(entry, URLResolver):
            routes += _drf_routes(entry, pattern)
        elif isinstance(entry, URLPattern):
            cls = getattr(entry.callback, "cls", None)
            if cls is not None and issubclass(cls, APIView):
                routes.append((pattern, cls))
    return routes


def _fill(pattern: str, pk: int) -> str:
    """A concrete path for a route pattern: the object's key for `pk`, json for a format suffix."""
    path = pattern.replace("<drf_format_suffix:format>", ".json")
    path = re.sub(r"\\\.\(\?P<format>[^)]*\)/\?", ".json", path)
    return "/" + re.sub(r"\(\?P<pk>[^)]*\)", str(pk), path)


DEEP_BODIES = [
    ("application/json", "[" * DEEP + "]" * DEEP),
    ("application/json; charset=utf-8", '{"a":' * DEEP + "1" + "}" * DEEP),
    ("application/x-www-form-urlencoded", "a" + "[a]" * DEEP + "=1"),
    (
        "multipart/form-data; boundary=XX",
        '--XX\r\nContent-Disposition: form-data; name="a' + "[a]" * DEEP + '"\r\n\r\n1\r\n--XX--\r\n',
    ),
    ("text/plain", "[" * DEEP),
]


def test_deeply_nested_bodies_never_500_in_any_drf_view(client, tree):
    person = PersonFactory(unit=tree.branch_a1)
    keys = {
        "people": person.pk,
        "tags": TagFactory(name="donor").pk,
        "taggings": person.taggings.create(tag=Tag.objects.get(name="donor")).pk,
        "memberships": MembershipFactory(person=person).pk,
        "organisation_units": tree.branch_a1.pk,
    }
    routes = _drf_routes()
    assert len(routes) >= 20, routes
    for pattern, _cls in routes:
        resource = pattern.removeprefix("api/v1/").split("/")[0].split("\\")[0]
        path = _fill(pattern, keys.get(resource, 0))
        assert "(?P" not in path and "<" not in path, path
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            for content_type, body in DEEP_BODIES:
                response = client.generic(method, path, body, content_type=content_type)
                assert response.status_code < 500, (method, path, content_type, response.status_code)


def test_format_suffix_on_a_custom_action_is_served_not_a_500(client, tree):
    # The router adds a .json route for every action; the taggings action once lacked the `format` argument.
    person = PersonFactory(unit=tree.branch_a1)
    response = client.get(f"/api/v1/people/{person.pk}/taggings.json")
    assert response.status_code == 200 and response.json() == []
    assert client.post(f"/api/v1/people/{person.pk}/taggings.json", {"tag": "donor"}).status_code == 201
