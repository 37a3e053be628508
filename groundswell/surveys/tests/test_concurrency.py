"""One response per personal link, even when the same link is submitted twice at the same moment (a double
click, two tabs): real threads on PostgreSQL, each on its own connection, racing through submit_response."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from groundswell.people.models import TimelineEntry
from groundswell.surveys import services
from groundswell.surveys.models import Invitation, Response, ResponseAnswer

from .world import FIGHT, USES, build_world

SUBMITTERS = 8


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("anonymous", [False, True])
def test_concurrent_submits_on_one_token_store_one_response(anonymous):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (SQLite serialises writers, so there is no race to test)")
    world = build_world(anonymous=anonymous, people=1)
    services.invite_people(world.survey, type(world.people[0]).objects.all(), world.organiser)
    token = Invitation.objects.get().token
    barrier = threading.Barrier(SUBMITTERS)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def submit(i: int) -> None:
        try:
            invitation = Invitation.objects.select_related("survey", "person").get(token=token)
            barrier.wait()
            services.submit_response(
                invitation.survey,
                {USES: "no", FIGHT: ["care_workers_pay", "free_personal_care"]},
                channel="personal",
                invitation=invitation,
            )
            outcomes.append("stored")
        except services.AlreadyResponded:
            outcomes.append("refused")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(SUBMITTERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert sorted(outcomes) == ["refused"] * (SUBMITTERS - 1) + ["stored"]
    assert Response.objects.count() == 1 and ResponseAnswer.objects.count() == 3
    assert TimelineEntry.objects.filter(kind="survey").count() == (0 if anonymous else 1)
