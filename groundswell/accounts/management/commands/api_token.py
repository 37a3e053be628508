"""groundswell api_token EMAIL [--rotate]: print the REST API token for a user."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rest_framework.authtoken.models import Token

from groundswell.accounts import access
from groundswell.accounts.middleware import user_has_totp
from groundswell.accounts.models import User
from groundswell.audit.models import AuditEntry
from groundswell.audit.services import record


class Command(BaseCommand):
    help = "Issue (or show, or with --rotate replace) the API token for the user with EMAIL."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--rotate", action="store_true", help="Revoke the existing token and issue a new one")

    def handle(self, *args, email: str, rotate: bool, **options) -> None:
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None or not user.is_active:
            raise CommandError(f"No active user {email!r}")
        # A token skips the login form, so it must not become a way round the two-factor requirement.
        if access.is_privileged(user) and not user_has_totp(user):
            raise CommandError(f"{email} must set up two-factor authentication before getting an API token")
        if rotate:
            Token.objects.filter(user=user).delete()
        token, created = Token.objects.get_or_create(user=user)
        if created:
            record(
                AuditEntry.Action.CREATED,
                object_type="authtoken.token",
                object_id=user.pk,
                object_label=f"API token for user #{user.pk}",
            )
        self.stdout.write(token.key)
