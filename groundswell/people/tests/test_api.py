"""The REST API: schema, token auth, the role × unit access matrix, pagination, filtering, hostile input."""

from __future__ import annotations

import datetime

import pytest
from allauth.mfa.models import Authenticator
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from groundswell.audit.models import AuditEntry
from groundswell.people.models import Person, Tagging
from groundswell.tests.factories import (
    EmailFactory,
    MembershipFactory,
    PersonFactory,
    PhoneFactory,
    Role,
    TagFactory,
    UnitTreeFactory,
    api_client_as,
)

pytestmark = pytest.mark.django_db

POSITIONS = {"own": "clp_a", "child": "branch_a1", "sibling": "clp_b", "parent": "region"}
# Written out from the policy, not derived from access.py.
CAN_VIEW = {Role.ADMINISTRATOR, Role.ORGANISER, Role.COORDINATOR, Role.DATA_PROTECTION_OFFICER}
CAN_EDIT = {Role.ADMINISTRATOR, Role.ORGANISER, Role.COORDINATOR}


@pytest.fixture(autouse=True)
def _clear_throttle_cache():
    cache.clear()


@pytest.fixture
def tree():
    return UnitTreeFactory.build_tree()


@pytest.fixture
def people(tree):
    return {pos: PersonFactory(unit=getattr(tree, unit)) for pos, unit in POSITIONS.items()}


api_as = api_client_as


def ids(response) -> set[int]:
    return {int(p["identifiers"][0].split(":")[1]) for p in response.json()["results"]}


# --- schema and authentication -----------------------------------------------------------------------


def test_openapi_schema_is_json_with_the_paths(tree):
    client, _ = api_as(Role.ORGANISER, tree.clp_a)
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    for path in (
        "/api/v1/people/",
        "/api/v1/people/{id}/",
        "/api/v1/people/{id}/taggings/",
        "/api/v1/tags/",
        "/api/v1/taggings/",
        "/api/v1/memberships/",
        "/api/v1/organisation_units/",
    ):
        assert path in schema["paths"], path
    params = {p["name"] for p in schema["paths"]["/api/v1/people/"]["get"]["parameters"]}
    assert {"page", "per_page", "email", "phone", "postcode", "tag", "unit", "membership_status"} <= params


def test_token_authentication(tree, people):
    assert APIClient().get("/api/v1/people/").status_code == 401
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert bad.get("/api/v1/people/").status_code == 401
    client, user = api_as(Role.ORGANISER, tree.clp_a)
    assert client.get("/api/v1/people/").status_code == 200
    user.is_active = False
    user.save()
    assert client.get("/api/v1/people/").status_code == 401


def test_privileged_token_without_totp_is_refused(tree, people):
    client, user = api_as(Role.ORGANISER, tree.clp_a)
    Authenticator.objects.filter(user=user).delete()
    response = client.get("/api/v1/people/")
    assert response.status_code == 403 and "two-factor" in response.json()["detail"]


# --- the access matrix ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", Role.values)
def test_api_access_matrix(tree, people, role):
    client, _ = api_as(role, tree.clp_a)
    listing = client.get("/api/v1/people/")
    if role not in CAN_VIEW:
        assert listing.status_code == 403
    else:
        assert listing.status_code == 200
        assert ids(listing) == {people["own"].pk, people["child"].pk}
    for position, person in people.items():
        covered = position in ("own", "child")
        unit = getattr(tree, POSITIONS[position])
        # detail
        detail = client.get(f"/api/v1/people/{person.pk}/")
        expected = 403 if role not in CAN_VIEW else (200 if covered else 404)
        assert detail.status_code == expected, (role, position, "detail")
        # update
        patch = client.patch(f"/api/v1/people/{person.pk}/", {"given_name": "Changed"}, format="json")
        if role not in CAN_VIEW:
            expected = 403
        elif not covered:
            expected = 404
        else:
            expected = 200 if role in CAN_EDIT else 403
        assert patch.status_code == expected, (role, position, "update", patch.content)
        person.refresh_from_db()
        assert (person.given_name == "Changed") is (expected == 200)
        # create
        before = Person.objects.count()
        create = client.post(
            "/api/v1/people/", {"given_name": "New", "family_name": "Person", "unit": unit.code}, format="json"
        )
        expected = 201 if (role in CAN_EDIT and covered) else 403
        assert create.status_code == expected, (role, position, "create", create.content)
        assert Person.objects.count() == before + (1 if expected == 201 else 0)


def test_branch_organiser_lists_only_their_branch(tree, people):
    client, _ = api_as(Role.ORGANISER, tree.branch_a1)
    sibling_branch = PersonFactory(unit=tree.branch_a2)
    assert ids(client.get("/api/v1/people/")) == {people["child"].pk}
    assert client.get(f"/api/v1/people/{sibling_branch.pk}/").status_code == 404


def test_national_administrator_sees_everyone_but_not_erased_or_merged(tree, people):
    client, _ = api_as(Role.ADMINISTRATOR, tree.national)
    erased = PersonFactory(unit=tree.clp_a, erased_at=timezone.now())
    merged = PersonFactory(unit=tree.clp_a, merged_into=people["own"])
    listed = ids(client.get("/api/v1/people/"))
    assert listed == {p.pk for p in people.values()}
    assert erased.pk not in listed and merged.pk not in listed


# --- reading, auditing, pagination, filtering ------------------------------------------------------------


def test_osdi_shape_and_audit(tree):
    person = PersonFactory(
        unit=tree.branch_a1, given_name="Ada", family_name="Lovelace", postcode="RG1 1AA", custom_fields={"k": "v"}
    )
    EmailFactory(person=person, address="ada@example.org")
    PhoneFactory(person=person, number="+447700900123")
    client, user = api_as(Role.ORGANISER, tree.clp_a)
    data = client.get(f"/api/v1/people/{person.pk}/").json()
    assert data["identifiers"] == [f"groundswell:{person.pk}"]
    assert data["given_name"] == "Ada" and data["family_name"] == "Lovelace"
    assert data["email_addresses"] == [{"address": "ada@example.org", "primary": True}]
    assert data["phone_numbers"] == [{"number": "+447700900123", "primary": True, "number_type": "mobile"}]
    assert data["postal_addresses"][0]["postal_code"] == "RG1 1AA"
    assert set(data["postal_addresses"][0]["location"]) == {"latitude", "longitude"}
    assert data["custom_fields"] == {"k": "v"} and data["unit"] == "BR-A1"
    assert data["created_date"] and data["modified_date"]
    viewed = AuditEntry.objects.get(action="viewed", actor=user)
    assert viewed.object_type == "people.person" and viewed.object_id == str(person.pk)
    assert viewed.unit_path == tree.branch_a1.path

    client.get("/api/v1/people/", {"postcode": "rg11aa", "per_page": 5})
    searched = AuditEntry.objects.get(action="searched", actor=user)
    assert "postcode=rg11aa" in searched.query and "per_page=5" in searched.query
    assert searched.detail["results"] == 1
    assert searched.unit_path == tree.clp_a.path  # filed under the organiser's unit so its auditors see it


def test_pagination(tree):
    PersonFactory.create_batch(30, unit=tree.clp_a)
    client, _ = api_as(Role.ORGANISER, tree.clp_a)
    first = client.get("/api/v1/people/", {"per_page": 10}).json()
    assert first["count"] == 30 and len(first["results"]) == 10 and first["next"]
    third = client.get("/api/v1/people/", {"per_page": 10, "page": 3}).json()
    assert len(third["results"]) == 10 and third["next"] is None
    seen = set()
    for page in (1, 2, 3):
        seen |= ids(client.get("/api/v1/people/", {"per_page": 10, "page": page}))
    assert len(seen) == 30
    assert len(client.get("/api/v1/people/", {"per_page": 1000}).json()["results"]) == 30  # capped at 100
    assert client.get("/api/v1/people/", {"page": 99}).status_code == 404


def test_filters(tree):
    client, _ = api_as(Role.ORGANISER, tree.region)
    a = PersonFactory(unit=tree.branch_a1, postcode="RG1 8DB")
    b = PersonFactory(unit=tree.clp_b, postcode="RG4 7AA")
    EmailFactory(person=a, address="a@example.org")
    EmailFactory(person=a, address="a2@example.org", primary=False)
    PhoneFactory(person=b, number="+447400123456")
    tag = TagFactory(name="volunteer")
    Tagging.objects.create(person=b, tag=tag)
    MembershipFactory(person=a, status="lapsed")
    MembershipFactory(person=b, status="active")

    def found(**params):
        response = client.get("/api/v1/people/", params)
        assert response.status_code == 200, response.content
        return ids(response)

    assert found(email="A@Example.org") == {a.pk}
    assert found(phone="07400 123456") == {b.pk}
    assert found(postcode="rg18db") == {a.pk}
    assert found(tag="volunteer") == {b.pk}
    assert found(unit="CLP-A") == {a.pk}
    assert found(membership_status="lapsed") == {a.pk}
    Person.objects.filter(pk=a.pk).update(updated_at=timezone.now() - datetime.timedelta(days=10))
    since = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    assert found(modified_since=since) == {b.pk}

    for param, value in (("phone", "12345"), ("postcode", "NOTAPOSTCODE"), ("email", "nope"), ("unit", "NOPE")):
        response = client.get("/api/v1/people/", {param: value})
        assert response.status_code == 400 and param in response.json(), (param, response.content)
    assert client.get("/api/v1/people/", {"membership_status": "bogus"}).status_code == 400


# --- writing and hostile input ----------------------------------------------------------------------------


def test_create_person_in_full(tree):
    client, user = api_as(Role.COORDINATOR, tree.branch_a1)
    body = {
        "given_name": "Grace",
        "family_name": "Hopper",
        "email_addresses": [{"address": "other@example.org"}, {"address": "Grace@Example.org", "primary": True}],
        "phone_numbers": [{"number": "0118 496 0000", "number_type": "home"}],
        "postal_addresses": [
            {"address_lines": ["1 High St", "Flat 2"], "locality": "Reading", "postal_code": "rg1 1aa"}
        ],
        "custom_fields": {"source": "api"},
        "unit": "BR-A1",
        "identifiers": ["ignored:1"],  # read-only: accepted and ignored
    }
    response = client.post("/api/v1/people/", body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["email_addresses"][0] == {"address": "grace@example.org", "primary": True}
    assert data["phone_numbers"] == [{"number": "+441184960000", "primary": True, "number_type": "home"}]
    assert data["postal_addresses"][0]["address_lines"] == ["1 High St", "Flat 2"]
    assert data["postal_addresses"][0]["postal_code"] == "RG1 1AA"
    assert data["identifiers"] != ["ignored:1"]
    person = Person.objects.get(pk=int(data["identifiers"][0].split(":")[1]))
    assert person.unit == tree.branch_a1 and person.custom_fields == {"source": "api"}
    assert AuditEntry.objects.filter(action="created", actor=user, object_id=str(person.pk)).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"unit": "BR-A1", "favourite_colour": "blue"}, "favourite_colour"),
        ({"unit": "BR-A1", "email_addresses": [{"address": "not-an-email"}]}, "email_addresses"),
        ({"unit": "BR-A1", "phone_numbers": [{"number": "0118 000"}]}, "phone_numbers"),
        ({"unit": "BR-A1", "postal_addresses": [{"postal_code": "QQ1 1QQ"}]}, "postal_addresses"),
        ({"unit": "BR-A1", "email_addresses": [{"address": "a@example.org", "verified": True}]}, "email_addresses"),
        ({"unit": "BR-A1", "given_name": "x" * 101}, "given_name"),
        ({"unit": "BR-A1", "custom_fields": {"blob": "x" * 20_000}}, "custom_fields"),
        ({"unit": "BR-A1", "custom_fields": ["not", "a", "dict"]}, "custom_fields"),
        ({"unit": "NO-SUCH-UNIT"}, "unit"),
        ({"given_name": "No unit"}, "unit"),
        ({"unit": "BR-A1", "postal_addresses": [{}, {}]}, "postal_addresses"),
    ],
)
def test_hostile_input_is_a_400_naming_the_field(tree, body, field):
    client, _ = api_as(Role.ADMINISTRATOR, tree.national)
    before = Person.objects.count()
    response = client.post("/api/v1/people/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert Person.objects.count() == before


def test_update_adds_contact_details_and_refuses_moving_units(tree, people):
    client, user = api_as(Role.ORGANISER, tree.clp_a)
    person = people["child"]
    url = f"/api/v1/people/{person.pk}/"
    response = client.patch(
        url,
        {
            "email_addresses": [{"address": "new@example.org", "primary": True}],
            "phone_numbers": [{"number": "07400 123999"}],
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    assert {"address": "new@example.org", "primary": True} in response.json()["email_addresses"]
    assert response.json()["phone_numbers"][0]["number"] == "+447400123999"
    assert AuditEntry.objects.filter(action="changed", actor=user, object_id=str(person.pk)).exists()
    assert client.patch(url, {"unit": "CLP-B"}, format="json").status_code == 400
    assert client.patch(url, {"phone_numbers": [{"number": "abc"}]}, format="json").status_code == 400
    assert client.delete(url).status_code == 405


# --- the other resources ------------------------------------------------------------------------------


def test_taggings_nested_and_top_level(tree, people):
    client, _ = api_as(Role.COORDINATOR, tree.clp_a)
    person = people["own"]
    response = client.post(f"/api/v1/people/{person.pk}/taggings/", {"tag": "donor"}, format="json")
    assert response.status_code == 201 and [t["tag"] for t in response.json()] == ["donor"]
    assert [t["tag"] for t in client.get(f"/api/v1/people/{person.pk}/taggings/").json()] == ["donor"]
    response = client.post("/api/v1/taggings/", {"person": people["child"].pk, "tag": "donor"}, format="json")
    assert response.status_code == 201, response.content
    # A person outside the caller's units does not exist as far as the API is concerned.
    response = client.post("/api/v1/taggings/", {"person": people["sibling"].pk, "tag": "donor"}, format="json")
    assert response.status_code == 400 and "person" in response.json()
    assert client.post(f"/api/v1/people/{people['sibling'].pk}/taggings/", {"tag": "x"}).status_code == 404
    Tagging.objects.create(person=people["sibling"], tag=TagFactory(name="hidden"))
    listed = client.get("/api/v1/taggings/").json()["results"]
    assert {t["person"] for t in listed} == {person.pk, people["child"].pk}
    assert client.get("/api/v1/taggings/", {"person": person.pk}).json()["count"] == 1
    tagging_id = listed[0]["id"]
    assert client.delete(f"/api/v1/taggings/{tagging_id}/").status_code == 204
    assert not Tagging.objects.filter(pk=tagging_id).exists()


def test_dpo_can_read_taggings_but_not_change_them(tree, people):
    client, _ = api_as(Role.DATA_PROTECTION_OFFICER, tree.clp_a)
    assert client.get(f"/api/v1/people/{people['own'].pk}/taggings/").status_code == 200
    assert client.post(f"/api/v1/people/{people['own'].pk}/taggings/", {"tag": "x"}).status_code == 403
    assert client.post("/api/v1/tags/", {"name": "new-tag"}).status_code == 403


def test_memberships_and_units_are_scoped(tree, people):
    mine = MembershipFactory(person=people["child"], status="active")
    MembershipFactory(person=people["sibling"], status="active")
    client, user = api_as(Role.ORGANISER, tree.clp_a)
    listed = client.get("/api/v1/memberships/").json()["results"]
    assert [m["id"] for m in listed] == [mine.pk]
    assert client.get(f"/api/v1/memberships/{mine.pk}/").status_code == 200
    assert AuditEntry.objects.filter(action="viewed", object_type="people.membership", actor=user).exists()
    units = {u["code"] for u in client.get("/api/v1/organisation_units/").json()["results"]}
    assert units == {"CLP-A", "BR-A1", "BR-A2"}
    member_client, _ = api_as(Role.MEMBER, tree.clp_a)
    assert member_client.get("/api/v1/memberships/").status_code == 403
    assert member_client.get("/api/v1/organisation_units/").status_code == 403
    assert member_client.get("/api/v1/tags/").status_code == 403
