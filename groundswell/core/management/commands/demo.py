"""`groundswell demo`: build (once) the Reading East demo and print the demo logins."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from groundswell.core.demo import DEMO_TOTP_SECRET, DemoDataMissing, build_demo


class Command(BaseCommand):
    help = "Load the synthetic Reading East demo (idempotent) and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, default=3000, help="synthetic people to create (first run only)")

    def handle(self, *args, **options):
        try:
            report = build_demo(options["people"], progress=lambda m: self.stderr.write(m))
        except DemoDataMissing as exc:
            raise CommandError(f"{exc} Nothing was loaded.") from exc
        verb = "Built" if report.created else "Demo already present:"
        self.stdout.write(
            f"{verb} {report.people} synthetic people ({report.members} memberships), "
            f"{report.constituencies} constituencies ("
            + ", ".join(f"{n} in the {code} set" for code, n in sorted(report.constituencies_by_set.items()))
            + f"), {report.wards} wards."
        )
        self.stdout.write("")
        self.stdout.write("Demo organiser login (Reading East):")
        self.stdout.write("  email:    organiser@example.org")
        self.stdout.write(f"  password: {report.logins[0][1]}")
        self.stdout.write(f"  2FA:      add TOTP secret {DEMO_TOTP_SECRET} to an authenticator app,")
        self.stdout.write("            or run `.venv/bin/groundswell demo_totp organiser@example.org` for the code")
        self.stdout.write("Other demo logins (same password): " + ", ".join(f"{e} ({r})" for e, _, r in report.logins))
        self.stdout.write("All people in the demo are synthetic (made up).")
