"""groundswell payments SUBCOMMAND: reconcile a provider's payouts with our payments.

groundswell payments reconcile --provider fake_card --since 2026-11-01 --json
"""

from __future__ import annotations

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from groundswell.payments.amounts import format_pence
from groundswell.payments.auditing import audit
from groundswell.payments.errors import PaymentError
from groundswell.payments.providers import provider_names
from groundswell.payments.reconciliation import run


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--since: {value!r} is not a date (YYYY-MM-DD)") from exc


class Command(BaseCommand):
    help = "Payments: import a provider's payouts and reconcile them with our payments."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        rec = sub.add_parser("reconcile", help="import payouts and list the differences from our payments")
        rec.add_argument("--provider", required=True, choices=provider_names())
        rec.add_argument("--since", type=_date, default=None, help="payouts and payments from this date (YYYY-MM-DD)")
        rec.add_argument("--days", type=int, default=None, help="days a paid payment may wait for its payout")
        rec.add_argument("--json", action="store_true")

    def handle(self, *args, **options) -> None:
        try:
            report = run(options["provider"], since=options["since"], days=options["days"])
        except PaymentError as exc:
            raise CommandError(str(exc)) from exc
        audit(
            "payments.reconciliation.export",
            object_type="payments.payout",
            detail={"provider": options["provider"], "differences": len(report.differences), "via": "command"},
        )
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
            return
        self.stdout.write(
            f"{report.provider}: {len(report.payouts)} payouts, {report.matched} payments matched, "
            f"{len(report.differences)} differences"
        )
        for payout in report.payouts:
            self.stdout.write(
                f"  payout {payout.provider_ref} on {payout.paid_on}: {format_pence(payout.amount_pence)} "
                f"(fees {format_pence(payout.fees_pence)})"
            )
        for difference in report.differences:
            self.stdout.write(f"  [{difference.kind}] {difference.explanation}")
