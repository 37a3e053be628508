"""groundswell tours SUBCOMMAND: import another road network in the columns of England's SRN graph.

groundswell tours import-network PATH --name "Wales trunk roads" --source "Welsh Government, OGL v3" [--dry-run]
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from groundswell.tours.network import REQUIRED_COLUMNS, NetworkError, parse_links
from groundswell.tours.services import import_network


class Command(BaseCommand):
    help = "Tours: import a road network file (a graph of junctions and links) for tours to be routed on."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        imp = sub.add_parser("import-network", help=f"import a network CSV with columns {', '.join(REQUIRED_COLUMNS)}")
        imp.add_argument("path")
        imp.add_argument("--name", default="")
        imp.add_argument("--source", required=True, help="where the file comes from and its licence")
        imp.add_argument("--dry-run", action="store_true", help="check every row, write nothing")

    def handle(self, *args, **options) -> None:
        path = Path(options["path"])
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{path}: cannot read it ({exc})") from exc
        if options["dry_run"]:
            try:
                links = parse_links(text)
            except NetworkError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"{len(links)} links would be imported (dry run: nothing written)")
            return
        try:
            network = import_network(actor=None, text=text, name=options["name"] or path.name,
                                     source=options["source"])  # fmt: skip
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(f"network {network.pk} '{network.name}': {network.links} links between "
                          f"{network.junctions} junctions; choose it on a tour to route on it")  # fmt: skip
