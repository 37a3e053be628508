"""The rule sets shipped with Groundswell, as rows with their sources. One copy of the rows: the data migration's
(so a database flushed by a test, or a fresh demo, gets the same rows back with `seed_rule_sets`)."""

from __future__ import annotations

from importlib import import_module

from .models import RuleSet

# A migration module's name starts with a digit, so it is imported by name.
RULES: list[dict] = import_module("groundswell.selections.migrations.0002_rule_sets").RULES


def seed_rule_sets() -> int:
    """Add any shipped rule set that is missing (an edited row is left as it is); returns how many were added."""
    added = 0
    for row in RULES:
        _, created = RuleSet.objects.get_or_create(name=row["name"], defaults=row)
        added += created
    return added
