"""Schema-driven testing of the whole REST API with schemathesis, against a live server.

Every operation in /api/v1/openapi.json is called with generated requests (valid ones and invalid ones)
using the token of an organiser of one constituency, the way a client or an attacker holding that token
would. Each response must be documented: no 5xx, a status code the schema lists, a body matching the
schema for that code. Afterwards, nothing outside the organiser's constituency may have changed.

Bounded: API_FUZZ_EXAMPLES examples per operation (default 10), so the run takes about 40 s on SQLite and
80 s on PostgreSQL; raise it locally for a deeper run.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.cache import cache
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from groundswell.people.models import Membership, OrganisationUnit, Person, Tag, Tagging
from groundswell.tests.factories import (
    EmailFactory,
    MembershipFactory,
    PersonFactory,
    PhoneFactory,
    Role,
    TagFactory,
    UnitTreeFactory,
    user_with_role,
)

MAX_EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "10"))
# No server errors, and every answer as documented. Not schemathesis's positive_data_acceptance or
# negative_data_rejection: whether a schema-valid body is accepted depends on the data (a unit code, a real
# postcode), and blank query parameters are deliberately read as "no filter".
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def outside_snapshot(unit_path: str) -> dict[int, Any]:
    """Everything the API can write about people outside the organiser's units, to compare before/after."""
    people = Person.objects.exclude(unit__path__startswith=unit_path).order_by("pk")
    return {
        person.pk: (
            person.given_name,
            person.family_name,
            person.additional_name,
            person.address_line1,
            person.address_line2,
            person.locality,
            person.postcode,
            person.unit_id,
            person.custom_fields,
            sorted(person.email_addresses.values_list("address", "primary")),
            sorted(person.phone_numbers.values_list("number", "primary", "kind")),
            sorted(Tagging.objects.filter(person=person).values_list("tag__name", flat=True)),
        )
        for person in people
    }


@pytest.fixture
def api_world(transactional_db: None, live_server: Any) -> dict[str, Any]:
    """Two constituencies with people, tags and memberships; a token for an organiser of the first."""
    tree = UnitTreeFactory.build_tree()
    for unit in (tree.clp_a, tree.branch_a1, tree.clp_b, tree.branch_b1):
        for _ in range(2):
            person = PersonFactory(unit=unit, custom_fields={"source": "seed"})
            EmailFactory(person=person)
            PhoneFactory(person=person)
            MembershipFactory(person=person)
            person.taggings.create(tag=TagFactory())
    organiser = user_with_role(Role.ORGANISER, tree.clp_a)
    TOTP.activate(organiser, generate_totp_secret())
    token = Token.objects.create(user=organiser).key
    cache.clear()
    world = {
        "tree": tree,
        "headers": {"Authorization": f"Token {token}"},
        "base_url": live_server.url,
        "before": outside_snapshot(tree.clp_a.path),
    }
    world["ids"] = real_ids()
    return world


SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: the first failing request is reported as it is
    suppress_health_check=list(HealthCheck),
)


def real_ids() -> dict[str, list[int]]:
    """Keys of existing objects in both constituencies, so the fuzz reaches real records (and out-of-unit ones)."""
    return {
        "people": list(Person.objects.values_list("pk", flat=True)),
        "taggings": list(Tagging.objects.values_list("pk", flat=True)),
        "memberships": list(Membership.objects.values_list("pk", flat=True)),
        "organisation_units": list(OrganisationUnit.objects.values_list("pk", flat=True)),
        "tags": list(Tag.objects.values_list("pk", flat=True)),
    }


def fuzz_operation(operation: Any, mode: GenerationMode, world: dict[str, Any]) -> None:
    resource = operation.path.removeprefix("/api/v1/").split("/")[0]
    # Generated ids almost never name a stored object; half the time, name one (inside the unit or not).
    keys = st.one_of(st.none(), st.sampled_from(world["ids"][resource])) if resource in world["ids"] else st.none()

    @SETTINGS
    @given(case=operation.as_strategy(generation_mode=mode), key=keys)
    def run(case: Any, key: int | None) -> None:
        if key is not None and "id" in case.path_parameters:
            case.path_parameters["id"] = key
        # The fuzz is about answers, not rate limits: reset the throttle so a long run is not all 429s.
        cache.clear()
        case.call_and_validate(headers=world["headers"], base_url=world["base_url"], checks=CHECKS)

    run()


def test_api_answers_as_its_schema_says(api_world: dict[str, Any]) -> None:
    schema = schemathesis.openapi.from_url(f"{api_world['base_url']}/api/v1/openapi.json", headers=api_world["headers"])
    failures = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 18, [op.label for op in operations]
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                fuzz_operation(operation, mode, api_world)
            except (Exception, BaseExceptionGroup) as exc:  # every operation's failures, reported together
                failures.append(f"{operation.label} ({mode.value}): {str(exc)[:3000]}")
    assert not failures, "\n\n".join(failures)
    # Whatever the fuzzer wrote, it wrote inside CLP-A: everyone outside it is exactly as they were.
    assert outside_snapshot(api_world["tree"].clp_a.path) == api_world["before"]
