"""`groundswell lookup "SW1A 1AA"` or `groundswell lookup --point LAT,LON` [--json]."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from groundswell.geography.lookup import BoundariesNotLoaded, PostcodeNotFound, parse_point
from groundswell.geography.postcodes import InvalidPostcode
from groundswell.geography.services import LookupResult, lookup_point, lookup_postcode

JSON_KEYS = (
    "postcode",
    "lat",
    "lon",
    "constituency_code",
    "constituency_name",
    "ward_code",
    "ward_name",
    "constituency_code_2010",
    "constituency_name_2010",
    "constituency_code_2024",
    "constituency_name_2024",
)


class Command(BaseCommand):
    help = "Find the constituency (in each boundary set: 2010 and 2024) and ward of a postcode or a point."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("postcode", nargs="?", help='e.g. "SW1A 1AA"')
        parser.add_argument("--point", help="LAT,LON in WGS84 degrees, e.g. 51.4545,-0.9781")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args, **options) -> None:
        if bool(options["postcode"]) == bool(options["point"]):
            raise CommandError('give either a postcode ("SW1A 1AA") or --point LAT,LON')
        try:
            if options["point"]:
                result = lookup_point(*parse_point(options["point"]))
            else:
                result = lookup_postcode(options["postcode"])
        except (InvalidPostcode, PostcodeNotFound, BoundariesNotLoaded, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            data = result.as_dict()
            self.stdout.write(json.dumps({key: data[key] for key in JSON_KEYS}))
        else:
            self.stdout.write(self.format(result))

    @staticmethod
    def format(result: LookupResult) -> str:
        def area(name: str | None, code: str | None) -> str:
            if not code:
                return "(none: not inside any loaded boundary)"
            return f"{name} ({code})" if name else f"{code} (boundary not loaded)"

        where = "(no coordinates)" if result.lat is None else f"{result.lat:.6f}, {result.lon:.6f}"
        lines = [
            f"postcode:     {result.postcode or '-'}",
            f"coordinates:  {where}",
            f"constituency: {area(result.constituency_name, result.constituency_code)}",
            f"  2010 set:   {area(result.constituency_name_2010, result.constituency_code_2010)}",
            f"  2024 set:   {area(result.constituency_name_2024, result.constituency_code_2024)}",
            f"ward:         {area(result.ward_name, result.ward_code)}",
        ]
        return "\n".join(lines)
