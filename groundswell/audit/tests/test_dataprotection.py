from __future__ import annotations

import datetime
import json

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from rest_framework.authtoken.models import Token

from groundswell.accounts.models import RoleAssignment, User
from groundswell.audit.dataprotection import (
    AlreadyErased,
    ReasonRequired,
    collect,
    erase_person,
    subject_access_export,
)
from groundswell.audit.models import AuditEntry
from groundswell.audit.services import record, verify_chain
from groundswell.people.models import (
    Consent,
    EmailAddress,
    Membership,
    Person,
    PhoneNumber,
    Suppression,
    Tagging,
    TimelineEntry,
)
from groundswell.tests.factories import (
    ConsentFactory,
    EmailFactory,
    MembershipFactory,
    PersonFactory,
    PhoneFactory,
    Role,
    TagFactory,
    UnitTreeFactory,
    user_with_role,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    return UnitTreeFactory.build_tree()


@pytest.fixture
def subject(tree):
    """A person with something in every table, plus a linked login."""
    person = PersonFactory(
        unit=tree.branch_a1,
        given_name="Zebedee",
        family_name="Quux",
        date_of_birth=datetime.date(1980, 5, 17),
        postcode="RG1 8DB",
        latitude=51.45,
        longitude=-0.97,
        custom_fields={"allergy": "peanuts"},
    )
    EmailFactory(person=person, address="zebedee@example.org")
    PhoneFactory(person=person, number="+447700900777")
    MembershipFactory(person=person, number="M-ZQ-1", status="arrears", payment_reference="DD-ZQ-99")
    ConsentFactory(person=person, channel="email", status="granted", wording="Email me news")
    ConsentFactory(person=person, channel="email", status="withdrawn", wording="Stop")
    Suppression.objects.create(kind="no_phone", person=person, reason="asked on doorstep")
    Suppression.objects.create(kind="tps", phone="+447700900777", source="TPS file")
    Tagging.objects.create(person=person, tag=TagFactory(name="volunteer"))
    TimelineEntry.objects.create(person=person, kind="canvass", summary="Zebedee said yes", data={"note": "Quux"})
    TimelineEntry.objects.create(person=person, kind="note", summary="Rang Zebedee back")
    login = user_with_role(Role.VOLUNTEER, tree.branch_a1, email="zebedee.login@example.org", person=person)
    record("viewed", obj=person)
    record("logged_in", actor=login, object_type="accounts.user", object_id=login.pk)
    return person


def test_collect_gathers_everything(subject):
    data = collect(subject)
    json.dumps(data)  # must be serialisable as it stands
    assert data["person"]["given_name"] == "Zebedee"
    assert data["person"]["date_of_birth"] == "1980-05-17"
    assert data["person"]["custom_fields"] == {"allergy": "peanuts"}
    assert data["unit"]["code"] == "BR-A1"
    assert data["email_addresses"] == [{"address": "zebedee@example.org", "primary": True, "status": "subscribed"}]
    assert data["phone_numbers"][0]["number"] == "+447700900777"
    assert data["memberships"][0]["payment_reference"] == "DD-ZQ-99"
    assert [c["status"] for c in data["consents"]] == ["granted", "withdrawn"]  # the whole history
    assert {s["kind"] for s in data["suppressions"]} == {"no_phone", "tps"}  # by person and by number
    assert data["taggings"][0]["tag"] == "volunteer"
    assert {t["summary"] for t in data["timeline"]} == {"Zebedee said yes", "Rang Zebedee back"}
    assert data["user_account"]["email"] == "zebedee.login@example.org"
    assert data["user_account"]["roles"][0]["role"] == "volunteer"
    about = {(e["action"], e["object_type"]) for e in data["audit_entries"]}
    assert ("viewed", "people.person") in about and ("logged_in", "accounts.user") in about
    assert [e["action"] for e in data["audit_entries_as_actor"]] == ["logged_in"]


def test_export_is_audited_with_reason_and_permission(subject, tree):
    dpo = user_with_role(Role.DATA_PROTECTION_OFFICER, tree.clp_a)
    data = subject_access_export(subject, dpo, "SAR ref 2026-14")
    entry = AuditEntry.objects.filter(action="subject_access").get()
    assert entry.actor == dpo and entry.reason == "SAR ref 2026-14"
    assert entry.object_id == str(subject.pk) and "Zebedee" not in entry.object_label
    assert any(e["action"] == "subject_access" for e in data["audit_entries"])  # it lists itself
    with pytest.raises(ReasonRequired):
        subject_access_export(subject, dpo, "   ")
    organiser = user_with_role(Role.ORGANISER, tree.national)
    with pytest.raises(PermissionDenied):
        subject_access_export(subject, organiser, "curious")
    sibling_dpo = user_with_role(Role.DATA_PROTECTION_OFFICER, tree.clp_b)
    with pytest.raises(PermissionDenied):
        subject_access_export(subject, sibling_dpo, "curious")


def _aggregates():
    return {
        "people_per_unit": dict(Person.objects.values_list("unit__code").annotate(n=Count("id"))),
        "members_per_status": dict(Membership.objects.values_list("status").annotate(n=Count("id"))),
        "timeline_per_kind": dict(TimelineEntry.objects.values_list("kind").annotate(n=Count("id"))),
        "consents_per_channel_status": sorted(
            Consent.objects.values_list("channel", "status")
            .annotate(n=Count("id"))
            .values_list("channel", "status", "n")
        ),
        "taggings_per_tag": dict(Tagging.objects.values_list("tag__name").annotate(n=Count("id"))),
    }


def test_erasure_scrubs_personal_data_and_keeps_counts(subject, tree):
    other = PersonFactory(unit=tree.branch_a1)
    MembershipFactory(person=other, status="active")
    TimelineEntry.objects.create(person=other, kind="canvass", summary="other")
    login = subject.user
    TOTP.activate(login, generate_totp_secret())
    Token.objects.create(user=login)
    before = _aggregates()
    dpo = user_with_role(Role.DATA_PROTECTION_OFFICER, tree.national)

    entry = erase_person(subject, dpo, "Erasure request ref 77")

    assert _aggregates() == before
    subject.refresh_from_db()
    for name in ("given_name", "family_name", "normalised_name", "address_line1", "locality", "postcode"):
        assert getattr(subject, name) == ""
    assert subject.date_of_birth is None and subject.latitude is None and subject.longitude is None
    assert subject.custom_fields == {} and subject.erased_at is not None
    assert subject.unit == tree.branch_a1
    assert not EmailAddress.objects.filter(person=subject).exists()
    assert not PhoneNumber.objects.filter(person=subject).exists()
    assert set(TimelineEntry.objects.filter(person=subject).values_list("summary", flat=True)) == {"[erased]"}
    assert all(d == {} for d in TimelineEntry.objects.filter(person=subject).values_list("data", flat=True))
    membership = Membership.objects.get(person=subject)
    assert membership.payment_reference == "" and "ZQ" not in membership.number
    assert membership.status == "arrears"
    assert Suppression.objects.filter(person=subject).exists()  # still honoured
    # The login is closed and de-identified.
    login = User.objects.get(pk=login.pk)
    assert not login.is_active and "zebedee" not in login.email and not login.has_usable_password()
    assert not Token.objects.filter(user=login).exists()
    assert not RoleAssignment.objects.filter(user=login).exists()
    # Nothing personal survives anywhere in the export of what is left.
    remaining = collect(subject)
    # The append-only log keeps the email its entries were written under as the *actor* label (staff
    # accountability; documented in dataprotection.py); every other section must be clean.
    remaining.pop("audit_entries_as_actor")
    old_login = "zebedee.login@example.org"
    assert {e["actor"] for e in remaining["audit_entries"]} <= {old_login, dpo.email, "system"}
    for e in remaining["audit_entries"]:
        e.pop("actor")
    leftover = json.dumps(remaining)
    for fragment in ("Zebedee", "Quux", "peanuts", "RG1 8DB", "1980-05-17", "DD-ZQ-99", "zebedee", "900777"):
        assert fragment not in leftover, fragment
    # The number-level TPS entry is kept on purpose (see dataprotection's docstring), unlinked from them.
    assert Suppression.objects.filter(kind="tps", phone="+447700900777").exists()
    # The audit entry records who and why but carries nothing personal; the chain still verifies.
    assert entry.action == "erased" and entry.actor == dpo and entry.reason == "Erasure request ref 77"
    assert "Zebedee" not in json.dumps(entry.detail) + entry.object_label
    assert entry.detail["email_addresses"] == 1 and entry.detail["timeline_entries"] == 2
    assert verify_chain().ok
    # The other person is untouched.
    other.refresh_from_db()
    assert other.given_name and other.erased_at is None


def test_erasure_covers_records_merged_into_the_person(subject, tree):
    twin = PersonFactory(unit=tree.branch_a1, given_name="Zeb", merged_into=subject)
    EmailFactory(person=twin, address="zeb.old@example.org")
    erase_person(subject, None, "ref 1")
    twin.refresh_from_db()
    assert twin.erased_at and twin.given_name == ""
    assert not EmailAddress.objects.filter(person=twin).exists()


def test_erasure_needs_permission_reason_and_is_once_only(subject, tree):
    with pytest.raises(PermissionDenied):
        erase_person(subject, user_with_role(Role.ORGANISER, tree.national), "x")
    with pytest.raises(PermissionDenied):
        erase_person(subject, user_with_role(Role.DATA_PROTECTION_OFFICER, tree.branch_a2), "x")
    dpo = user_with_role(Role.DATA_PROTECTION_OFFICER, tree.clp_a)
    with pytest.raises(ReasonRequired):
        erase_person(subject, dpo, "")
    subject.refresh_from_db()
    assert subject.given_name == "Zebedee"
    erase_person(subject, dpo, "ref")
    with pytest.raises(AlreadyErased):
        erase_person(subject, dpo, "ref")
    assert AuditEntry.objects.filter(action="erased").count() == 1


# --- the pages ---------------------------------------------------------------------------------------


def signed_in(client, role, unit):
    user = user_with_role(role, unit)
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)
    return user


def test_subject_access_page_asks_for_a_reason_first(client, subject, tree):
    signed_in(client, Role.DATA_PROTECTION_OFFICER, tree.national)
    url = f"/audit/subject-access/{subject.pk}/"
    response = client.get(url)
    assert response.status_code == 200 and b'name="reason"' in response.content
    assert b"Zebedee" not in response.content
    assert not AuditEntry.objects.filter(action="subject_access").exists()

    response = client.get(url, {"reason": "SAR 12"})
    assert response.status_code == 200
    assert b"Zebedee" in response.content and b"peanuts" in response.content
    assert b"format=json" in response.content
    response = client.get(url, {"reason": "SAR 12", "format": "json"})
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    assert response.json()["person"]["family_name"] == "Quux"
    entries = AuditEntry.objects.filter(action="subject_access", object_id=str(subject.pk))
    assert sorted(e.detail["format"] for e in entries) == ["html", "json"]
    assert {e.reason for e in entries} == {"SAR 12"}


@pytest.mark.parametrize(
    ("role", "unit", "status"),
    [
        (Role.DATA_PROTECTION_OFFICER, "clp_a", 200),
        (Role.DATA_PROTECTION_OFFICER, "clp_b", 403),
        (Role.DATA_PROTECTION_OFFICER, "branch_a2", 403),
        (Role.ADMINISTRATOR, "branch_a1", 200),
        (Role.ORGANISER, "national", 403),
        (Role.COORDINATOR, "national", 403),
        (Role.MEMBER, "branch_a1", 403),
    ],
)
def test_subject_access_page_permissions(client, subject, tree, role, unit, status):
    signed_in(client, role, getattr(tree, unit))
    assert client.get(f"/audit/subject-access/{subject.pk}/", {"reason": "r"}).status_code == status


def test_subject_access_unknown_person_is_404(client, tree):
    signed_in(client, Role.DATA_PROTECTION_OFFICER, tree.national)
    assert client.get("/audit/subject-access/999999/", {"reason": "r"}).status_code == 404


def test_erase_page_get_changes_nothing_post_needs_confirmation_and_reason(client, subject, tree):
    signed_in(client, Role.DATA_PROTECTION_OFFICER, tree.national)
    url = f"/audit/erase/{subject.pk}/"
    assert client.get(url).status_code == 200
    assert client.post(url, {"reason": "ref", "confirm": "yes"}).status_code == 400
    assert client.post(url, {"reason": "", "confirm": "ERASE"}).status_code == 400
    subject.refresh_from_db()
    assert subject.erased_at is None and not AuditEntry.objects.filter(action="erased").exists()
    response = client.post(url, {"reason": "Erasure ref 9", "confirm": "ERASE"})
    assert response.status_code == 302 and response["Location"].startswith("/audit/")
    subject.refresh_from_db()
    assert subject.erased_at is not None
    assert AuditEntry.objects.get(action="erased").reason == "Erasure ref 9"
    assert client.post(url, {"reason": "again", "confirm": "ERASE"}).status_code == 409
    assert client.put(url).status_code == 405


@pytest.mark.parametrize(
    ("role", "unit"), [(Role.ORGANISER, "national"), (Role.DATA_PROTECTION_OFFICER, "clp_b"), (Role.MEMBER, "national")]
)
def test_erase_page_refuses_without_permission(client, subject, tree, role, unit):
    signed_in(client, role, getattr(tree, unit))
    assert client.post(f"/audit/erase/{subject.pk}/", {"reason": "x", "confirm": "ERASE"}).status_code == 403
    subject.refresh_from_db()
    assert subject.erased_at is None
