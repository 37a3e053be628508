"""Every role × (own unit / child unit / sibling unit / parent unit) for every personal-data page.

The role is held at Reading East CLP (clp_a). Its child is a branch of it; its sibling is Reading West CLP;
its parent is the region. A page may show a person only where the role grants the permission and the person
is in the role's unit or below it.
"""

from __future__ import annotations

import pytest
from allauth.mfa.totp.internal.auth import TOTP

from groundswell.accounts.access import ROLE_PERMISSIONS, Perm
from groundswell.accounts.models import Role
from groundswell.tests.factories import EmailFactory, PersonFactory, TimelineFactory, user_with_role

pytestmark = pytest.mark.django_db

PLACES = ["own", "child", "sibling", "parent"]


def _unit_for(units, place):
    return {"own": units.clp_a, "child": units.branch_a1, "sibling": units.clp_b, "parent": units.region}[place]


def _expect(role: str, perm: Perm, place: str) -> bool:
    return perm in ROLE_PERMISSIONS[role] and place in ("own", "child")


@pytest.fixture
def setup(units, client):
    def make(role: str, place: str):
        user = user_with_role(role, units.clp_a)
        TOTP.activate(user, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
        client.force_login(user)
        target_unit = _unit_for(units, place)
        person = PersonFactory(unit=target_unit, given_name="Target", family_name=f"Person{place}")
        EmailFactory(person=person, address=f"target-{place}@example.org")
        twin = PersonFactory(
            unit=target_unit,
            given_name="Target",
            family_name=f"Person{place}",
            address_line1=person.address_line1,
            postcode=person.postcode,
        )
        EmailFactory(person=twin, address=f"target-{place}@example.org", primary=False)
        TimelineFactory(person=person)
        return user, person, twin

    return make


ROLES = [r.value for r in Role]


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("role", ROLES)
def test_person_page(setup, client, role, place):
    _, person, _ = setup(role, place)
    response = client.get(f"/people/{person.pk}/")
    assert (response.status_code == 200) is _expect(role, Perm.VIEW_PEOPLE, place), response.status_code
    if response.status_code != 200:
        assert response.status_code == 403
        assert b"Target" not in response.content


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("role", ROLES)
def test_people_search(setup, client, role, place):
    _, person, _ = setup(role, place)
    response = client.get("/people/", {"q": "target"})
    if Perm.VIEW_PEOPLE not in ROLE_PERMISSIONS[role]:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    assert (f"Person{place}".encode() in response.content) is _expect(role, Perm.VIEW_PEOPLE, place)


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("role", ROLES)
def test_export(setup, client, role, place):
    setup(role, place)
    response = client.post("/people/export/", {"q": "target", "reason": "branch AGM mailing"})
    if Perm.EXPORT_PEOPLE not in ROLE_PERMISSIONS[role]:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert (f"target-{place}@example.org".encode() in body) is _expect(role, Perm.EXPORT_PEOPLE, place)


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("role", ROLES)
def test_duplicates_and_merge(setup, client, role, place):
    _, person, twin = setup(role, place)
    response = client.get("/people/duplicates/")
    if Perm.MERGE_PEOPLE not in ROLE_PERMISSIONS[role]:
        assert response.status_code == 403
    else:
        assert response.status_code == 200
        assert (f"Person{place}".encode() in response.content) is _expect(role, Perm.MERGE_PEOPLE, place)
    merge_page = client.get(f"/people/merge/{person.pk}/{twin.pk}/")
    assert (merge_page.status_code == 200) is _expect(role, Perm.MERGE_PEOPLE, place)
    assert merge_page.status_code in (200, 403, 404)
    client.post(f"/people/merge/{person.pk}/{twin.pk}/", {})
    twin.refresh_from_db()
    assert (twin.merged_into_id == person.pk) is _expect(role, Perm.MERGE_PEOPLE, place)


@pytest.mark.parametrize("role", ROLES)
def test_import_page(setup, client, role):
    setup(role, "own")
    response = client.get("/people/import/")
    assert (response.status_code == 200) is (Perm.IMPORT_PEOPLE in ROLE_PERMISSIONS[role])


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("role", ROLES)
def test_subject_access_export(setup, client, role, place):
    _, person, _ = setup(role, place)
    response = client.get(f"/audit/subject-access/{person.pk}/", {"reason": "SAR received 1 Nov", "format": "json"})
    allowed = _expect(role, Perm.SUBJECT_ACCESS, place)
    assert (response.status_code == 200) is allowed, response.status_code
    assert (f"target-{place}@example.org".encode() in response.content) is allowed


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("role", ROLES)
def test_erasure(setup, client, role, place):
    _, person, _ = setup(role, place)
    client.post(f"/audit/erase/{person.pk}/", {"reason": "erasure request", "confirm": "ERASE"})
    person.refresh_from_db()
    assert (person.erased_at is not None) is _expect(role, Perm.ERASE_PEOPLE, place)


@pytest.mark.parametrize("role", ROLES)
def test_audit_log_page(setup, client, role):
    setup(role, "own")
    response = client.get("/audit/")
    assert (response.status_code == 200) is (Perm.VIEW_AUDIT in ROLE_PERMISSIONS[role])
