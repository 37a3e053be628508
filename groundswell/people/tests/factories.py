"""People-app factories on top of the shared ones in groundswell/tests/factories.py."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import factory
from factory.django import DjangoModelFactory

from groundswell.people.models import Suppression, TimelineEntry
from groundswell.tests.factories import (  # noqa: F401 - re-exported for the people tests
    ConsentFactory,
    EmailFactory,
    MembershipFactory,
    PersonFactory,
    PhoneFactory,
    Role,
    TagFactory,
    UnitFactory,
    UserFactory,
    user_with_role,
)


class ValidPhoneFactory(PhoneFactory):
    """Numbers libphonenumber accepts (Ofcom's 07700 900xxx drama range is not valid to it)."""

    number = factory.Sequence(lambda n: f"+4474{n:08d}")


class SuppressionFactory(DjangoModelFactory):
    class Meta:
        model = Suppression

    kind = Suppression.Kind.DO_NOT_CONTACT
    source = "test"


class TimelineEntryFactory(DjangoModelFactory):
    class Meta:
        model = TimelineEntry

    person = factory.SubFactory(PersonFactory)
    kind = TimelineEntry.Kind.NOTE
    summary = factory.Sequence(lambda n: f"note {n}")


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def write_csv(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> Path:
    path.write_bytes(csv_text(header, rows).encode(encoding))
    return path
