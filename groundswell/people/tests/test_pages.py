"""The organiser's and member's pages: import with preview, export with a reason, self-service, dashboard."""

from __future__ import annotations

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.core.files.uploadedfile import SimpleUploadedFile

from groundswell.accounts.models import Role
from groundswell.audit.models import AuditEntry
from groundswell.people.models import Consent, Person

from .factories import EmailFactory, MembershipFactory, PersonFactory, user_with_role

pytestmark = pytest.mark.django_db

GOOD_CSV = (
    "First name,Surname,Email,Mobile,Postcode,Tags\n"
    "Ada,Lovelace,ada@example.org,07400 123456,RG1 1AA,volunteer\n"
    "Charles,Babbage,charles@example.org,,RG1 1AB,\n"
)
BAD_CSV = GOOD_CSV + "Grace,Hopper,not-an-email,,RG1 1AC,\n"


def upload(client, unit_code: str, text: str, name: str = "members.csv"):
    return client.post(
        "/people/import/",
        {"unit": unit_code, "file": SimpleUploadedFile(name, text.encode(), content_type="text/csv")},
    )


def test_preview_lists_problems_by_line_and_writes_nothing(client, organiser, branch_unit):
    response = upload(client, branch_unit.code, BAD_CSV)
    assert response.status_code == 200
    report = response.context["report"]
    assert [message for line, column, message in report.errors if line == 4 and column.lower() == "email"]
    assert "<td>4</td><td>Email</td>" in response.content.decode().replace("\n", "")
    assert Person.objects.count() == 0

    # Confirming a file with problems, without choosing to skip them, still writes nothing.
    token = response.context["token"]
    client.post("/people/import/", {"unit": branch_unit.code, "token": token, "confirm": "yes"})
    assert Person.objects.count() == 0


def test_preview_then_confirm_imports(client, organiser, branch_unit):
    preview = upload(client, branch_unit.code, GOOD_CSV)
    assert preview.context["report"].created == 2
    assert Person.objects.count() == 0
    done = client.post(
        "/people/import/", {"unit": branch_unit.code, "token": preview.context["token"], "confirm": "yes"}
    )
    assert done.status_code == 302
    assert set(Person.objects.values_list("family_name", flat=True)) == {"Lovelace", "Babbage"}
    assert AuditEntry.objects.filter(action="imported").exists()


def test_skip_invalid_imports_only_the_good_rows(client, organiser, branch_unit):
    preview = upload(client, branch_unit.code, BAD_CSV)
    client.post(
        "/people/import/",
        {"unit": branch_unit.code, "token": preview.context["token"], "confirm": "yes", "skip_invalid": "yes"},
    )
    assert Person.objects.count() == 2


def test_import_into_a_unit_you_do_not_organise_is_refused(client, organiser, units):
    response = upload(client, units.clp_b.code, GOOD_CSV)
    assert "Choose a unit you organise" in response.content.decode()
    assert Person.objects.count() == 0


def test_someone_elses_upload_token_is_useless(client, organiser, branch_unit, django_user_model):
    preview = upload(client, branch_unit.code, GOOD_CSV)
    intruder = user_with_role(Role.ORGANISER, branch_unit)
    TOTP.activate(intruder, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    client.force_login(intruder)
    response = client.post(
        "/people/import/", {"unit": branch_unit.code, "token": preview.context["token"], "confirm": "yes"}
    )
    assert "expired" in response.content.decode()
    assert Person.objects.count() == 0


def test_export_needs_a_reason_and_is_audited(client, organiser, branch_unit):
    person = PersonFactory(unit=branch_unit, given_name="Ada", family_name="Lovelace")
    EmailFactory(person=person, address="ada@example.org")
    refused = client.post("/people/export/", {"q": "ada", "reason": ""})
    assert refused.status_code == 200 and b"Say why" in refused.content
    assert not AuditEntry.objects.filter(action="exported").exists()
    response = client.post("/people/export/", {"q": "ada", "reason": "AGM notice mail merge"})
    assert response["Content-Type"].startswith("text/csv")
    assert b"ada@example.org" in response.content
    entry = AuditEntry.objects.get(action="exported")
    assert entry.reason == "AGM notice mail merge"
    assert "q=ada" in entry.query


def test_search_finds_by_email_phone_postcode_and_name(client, organiser, branch_unit):
    from .factories import PhoneFactory

    ada = PersonFactory(unit=branch_unit, given_name="Ada", family_name="Lovelace", postcode="RG4 7AB")
    EmailFactory(person=ada, address="ada@example.org")
    PhoneFactory(person=ada, number="+447400123456")
    PersonFactory(unit=branch_unit, given_name="Charles", family_name="Babbage", postcode="RG1 1AA")
    for q in ("lovelace", "Ada Love", "ada@example.org", "07400 123456", "+44 7400 123456", "rg47ab", "RG4"):
        body = client.get("/people/", {"q": q}).content.decode()
        assert "Ada Lovelace" in body and "Babbage" not in body, q
    assert AuditEntry.objects.filter(action="searched", query__contains="q=RG4").exists()


def test_filters_by_membership_tag_and_consent(client, organiser, branch_unit):
    from groundswell.people.services import add_tags, set_consent

    member = PersonFactory(unit=branch_unit, family_name="Member")
    MembershipFactory(person=member, status="arrears")
    tagged = PersonFactory(unit=branch_unit, family_name="Tagged")
    add_tags(tagged, ["volunteer"])
    consenting = PersonFactory(unit=branch_unit, family_name="Consenting")
    set_consent(consenting, "email", Consent.Status.GRANTED, "test")
    withdrawn = PersonFactory(unit=branch_unit, family_name="Withdrawn")
    set_consent(withdrawn, "email", Consent.Status.GRANTED, "test")
    set_consent(withdrawn, "email", Consent.Status.WITHDRAWN, "test")

    def names(**params):
        return {p.family_name for p in client.get("/people/", params).context["page"]}

    assert names(membership_status="arrears") == {"Member"}
    assert names(tag="volunteer") == {"Tagged"}
    assert names(consent="email") == {"Consenting"}


def test_member_corrects_own_record_and_consents(client, branch_unit):
    person = PersonFactory(unit=branch_unit, given_name="Ada", family_name="Lovelase", postcode="RG1 1AA")
    member = user_with_role(Role.MEMBER, branch_unit, person=person)
    client.force_login(member)
    page = client.get("/people/me/")
    assert page.status_code == 200 and b"Lovelase" in page.content
    response = client.post(
        "/people/me/",
        {
            "given_name": "Ada",
            "family_name": "Lovelace",
            "postcode": "RG1 1AA",
            "consent_email": "granted",
            "consent_phone": "withdrawn",
        },
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.family_name == "Lovelace"
    latest = {c.channel: c for c in Consent.objects.filter(person=person)}
    assert latest["email"].status == "granted" and latest["email"].source.startswith("self-service")
    assert latest["phone"].status == "withdrawn"
    bad = client.post("/people/me/", {"given_name": "Ada", "family_name": "Lovelace", "postcode": "XX1 1XX"})
    assert bad.status_code == 200 and b"postcode" in bad.content.lower()


def test_member_cannot_open_anyone_elses_record(client, branch_unit):
    person = PersonFactory(unit=branch_unit)
    neighbour = PersonFactory(unit=branch_unit)
    member = user_with_role(Role.MEMBER, branch_unit, person=person)
    client.force_login(member)
    assert client.get(f"/people/{neighbour.pk}/").status_code == 403
    assert client.get(f"/people/{person.pk}/").status_code == 403  # the list/detail pages are organisers'
    assert client.get("/people/me/").status_code == 200


def test_dashboard_counts_only_my_area(client, organiser, branch_unit, units):
    MembershipFactory(person=PersonFactory(unit=branch_unit), status="active")
    PersonFactory(unit=branch_unit)
    PersonFactory(unit=units.clp_b)  # elsewhere
    figures = client.get("/").context["figures"]
    assert figures.people == 2
    assert dict(figures.members_by_status)["Active"] == 1


def test_an_empty_file_gets_a_clear_message_and_no_import_button(client, organiser, branch_unit):
    response = upload(client, branch_unit.code, "")
    body = response.content.decode()
    assert response.context["report"].file_error
    assert "empty" in response.context["report"].file_error.lower()
    assert "Import the valid rows" not in body
