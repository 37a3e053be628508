"""`modified_since` on the people API: any ISO 8601 time, including offsets PostgreSQL itself refuses (found by
the schema fuzz test: +22:24), is compared in UTC; one out of range is a 400 naming the parameter, never a 500."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from groundswell.tests.factories import PersonFactory, Role, UnitTreeFactory, api_client_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    cache.clear()  # the API's throttle counts
    tree = UnitTreeFactory.build_tree()
    PersonFactory(unit=tree.clp_a)
    client, _ = api_client_as(Role.ORGANISER, tree.clp_a)
    return client


@pytest.mark.parametrize("since", ["0179-07-28T22:34:25+22:24", "2020-01-01T00:00:00-23:59", "2020-01-01T00:00:00Z"])
def test_any_offset_is_compared_in_utc(api, since):
    response = api.get("/api/v1/people/", {"modified_since": since})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 1


def test_a_future_time_finds_nobody(api):
    response = api.get("/api/v1/people/", {"modified_since": "2999-01-01T00:00:00+15:00"})
    assert response.status_code == 200 and response.json()["results"] == []


def test_out_of_range_is_a_400_naming_the_parameter(api):
    response = api.get("/api/v1/people/", {"modified_since": "0001-01-01T00:00:00+23:00"})
    assert response.status_code == 400 and "modified_since" in response.json().get("errors", response.json())
