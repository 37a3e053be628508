"""factory_boy factories shared by every app's tests."""

from __future__ import annotations

from types import SimpleNamespace

import factory
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from factory.django import DjangoModelFactory
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from groundswell.accounts.models import Role, RoleAssignment, User
from groundswell.people.models import (
    Consent,
    EmailAddress,
    Membership,
    OrganisationUnit,
    Person,
    PhoneNumber,
    Tag,
    TimelineEntry,
)


class UnitFactory(DjangoModelFactory):
    class Meta:
        model = OrganisationUnit

    code = factory.Sequence(lambda n: f"UNIT{n}")
    name = factory.Sequence(lambda n: f"Unit {n}")
    kind = OrganisationUnit.Kind.BRANCH
    parent = None


class UnitTreeFactory:
    @staticmethod
    def build_tree() -> SimpleNamespace:
        national = UnitFactory(code="NAT", name="National", kind=OrganisationUnit.Kind.NATIONAL)
        region = UnitFactory(code="SE", name="South East", kind=OrganisationUnit.Kind.REGION, parent=national)
        clp_a = UnitFactory(code="CLP-A", name="Reading East CLP", kind="constituency", parent=region)
        clp_b = UnitFactory(code="CLP-B", name="Reading West CLP", kind="constituency", parent=region)
        branch_a1 = UnitFactory(code="BR-A1", name="Abbey branch", kind="branch", parent=clp_a)
        branch_a2 = UnitFactory(code="BR-A2", name="Park branch", kind="branch", parent=clp_a)
        branch_b1 = UnitFactory(code="BR-B1", name="Southcote branch", kind="branch", parent=clp_b)
        return SimpleNamespace(
            national=national,
            region=region,
            clp_a=clp_a,
            clp_b=clp_b,
            branch_a1=branch_a1,
            branch_a2=branch_a2,
            branch_b1=branch_b1,
        )


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = Person

    unit = factory.SubFactory(UnitFactory)
    given_name = factory.Faker("first_name", locale="en_GB")
    family_name = factory.Faker("last_name", locale="en_GB")
    normalised_name = factory.LazyAttribute(lambda o: f"{o.given_name} {o.family_name}".lower())
    address_line1 = factory.Faker("street_address", locale="en_GB")
    locality = "Reading"
    postcode = "RG1 1AA"


class EmailFactory(DjangoModelFactory):
    class Meta:
        model = EmailAddress

    person = factory.SubFactory(PersonFactory)
    address = factory.Sequence(lambda n: f"person{n}@example.org")
    primary = True


class PhoneFactory(DjangoModelFactory):
    class Meta:
        model = PhoneNumber

    person = factory.SubFactory(PersonFactory)
    number = factory.Sequence(lambda n: f"+4477009{n:05d}")
    kind = PhoneNumber.Kind.MOBILE
    primary = True


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    person = factory.SubFactory(PersonFactory)
    number = factory.Sequence(lambda n: f"M{n:07d}")
    status = Membership.Status.ACTIVE


class ConsentFactory(DjangoModelFactory):
    class Meta:
        model = Consent

    person = factory.SubFactory(PersonFactory)
    channel = Consent.Channel.EMAIL
    status = Consent.Status.GRANTED
    source = "test"


class TagFactory(DjangoModelFactory):
    class Meta:
        model = Tag

    name = factory.Sequence(lambda n: f"tag-{n}")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    password = factory.django.Password("correct-horse-battery")


def user_with_role(role: str, unit: OrganisationUnit, **kwargs) -> User:
    user = UserFactory(**kwargs)
    RoleAssignment.objects.create(user=user, role=role, unit=unit)
    return user


__all__ = [
    "ConsentFactory",
    "EmailFactory",
    "MembershipFactory",
    "PersonFactory",
    "PhoneFactory",
    "Role",
    "TagFactory",
    "TimelineFactory",
    "UnitFactory",
    "UnitTreeFactory",
    "UserFactory",
    "user_with_role",
]


class TimelineFactory(DjangoModelFactory):
    class Meta:
        model = TimelineEntry

    person = factory.SubFactory(PersonFactory)
    kind = TimelineEntry.Kind.NOTE
    summary = "Spoke at the branch meeting"


def api_client_as(role: str, unit: OrganisationUnit, *, totp: bool = True) -> tuple[APIClient, User]:
    """An API client holding a fresh token of a new user with `role` at `unit` (two-factor set up unless not)."""
    user = user_with_role(role, unit)
    if totp:
        TOTP.activate(user, generate_totp_secret())
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client, user
