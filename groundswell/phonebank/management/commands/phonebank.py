"""`groundswell phonebank build_targets CAMPAIGN_ID`: build (or top up) a call campaign's list from the shell."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from groundswell.phonebank import campaigns
from groundswell.phonebank.models import CallCampaign


class Command(BaseCommand):
    help = "Phonebank tasks. build_targets CAMPAIGN_ID: add everyone the campaign's filter matches and may be phoned."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["build_targets"])
        parser.add_argument("campaign_id", type=int)
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        campaign = CallCampaign.objects.select_related("unit").filter(pk=options["campaign_id"]).first()
        if campaign is None:
            raise CommandError(f"No call campaign with id {options['campaign_id']}.")
        bar = tqdm(
            desc="Building the call list",
            unit=" people",
            file=sys.stderr,
            disable=options["no_progress"] or options["json"],
            mininterval=0.5,
        )

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        report = campaigns.build_list(campaign, actor=None, progress=progress)
        bar.close()
        if options["json"]:
            self.stdout.write(json.dumps(asdict(report)))
        else:
            self.stdout.write(
                f"{campaign.name}: {report.matched} matched, {report.added} added, "
                f"{report.already_listed} already listed, {report.not_contactable} not contactable by phone"
                + (f", {report.prioritised} moved up the order" if report.prioritised else "")
                + "."
            )
