"""Shared output for the register import commands: a readable summary, or exactly one JSON object."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError


def finish(command: BaseCommand, report: Any, as_json: bool, summary: list[str]) -> None:
    """Print the report; raise CommandError (exit status 1) when it has errors."""
    data = report.as_dict()
    if as_json:
        command.stdout.write(json.dumps(data, default=str))
    else:
        for line in summary:
            command.stdout.write(line)
        for warning in data["warnings"][:50]:
            where = f"line {warning['line']}: " if warning["line"] else ""
            command.stderr.write(f"warning: {where}{warning['message']}")
        if len(data["warnings"]) > 50:
            command.stderr.write(f"… and {len(data['warnings']) - 50} more warnings")
        for error in data["errors"][:200]:
            where = f"line {error['line']}: " if error["line"] else ""
            command.stderr.write(f"error: {where}{error['message']}")
        if len(data["errors"]) > 200:
            command.stderr.write(f"… and {len(data['errors']) - 200} more errors")
    if data["errors"]:
        raise CommandError(f"{len(data['errors'])} error(s); nothing was written")
