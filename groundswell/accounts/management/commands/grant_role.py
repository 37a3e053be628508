"""groundswell grant_role EMAIL ROLE UNIT_CODE [--password …]: give someone a role, creating the login if needed."""

from __future__ import annotations

import getpass

from allauth.account.models import EmailAddress
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from groundswell.accounts.models import Role, User
from groundswell.accounts.services import grant_role
from groundswell.people.models import OrganisationUnit


class Command(BaseCommand):
    help = "Grant ROLE at the organisation unit UNIT_CODE to the user with EMAIL (created if missing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("role", choices=Role.values)
        parser.add_argument("unit_code")
        parser.add_argument("--password", help="Password for a new user (prompted for if omitted)")

    def handle(self, *args, email: str, role: str, unit_code: str, password: str | None, **options) -> None:
        try:
            unit = OrganisationUnit.objects.get(code=unit_code)
        except OrganisationUnit.DoesNotExist as exc:
            raise CommandError(f"No organisation unit with code {unit_code!r}") from exc
        email = User.objects.normalize_email(email).lower()
        with transaction.atomic():
            user = User.objects.filter(email__iexact=email).first()
            if user is None:
                user = self._create_user(email, password)
            grant_role(user, role, unit)
        self.stdout.write(f"{email} is now {Role(role).label} at {unit.name} ({unit.code}).")

    def _create_user(self, email: str, password: str | None) -> User:
        if password is None:
            password = getpass.getpass(f"Password for new user {email}: ")
            if password != getpass.getpass("Again: "):
                raise CommandError("The passwords do not match")
        user = User(email=email)
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        user.set_password(password)
        user.save()
        # The person running this vouches for the address; marking it verified lets allauth's MFA
        # set-up proceed (it refuses users with unverified addresses).
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
        self.stdout.write(f"Created user {email}.")
        return user
