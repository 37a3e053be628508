"""The 30-day clock's reminders through messaging, the overdue flag, and a candidate's donations for the return."""

from __future__ import annotations

import datetime as dt

import pytest

from groundswell.donations.models import CheckReminder, Donation
from groundswell.donations.notify import OVERDUE, send_check_reminders, stage_for
from groundswell.donations.selectors import candidate_donations, clock_summary
from groundswell.geography.models import Constituency
from groundswell.messaging.models import EmailSend

from .world import build_world, give, individual

pytestmark = pytest.mark.django_db
D = dt.date


def test_stages():
    assert [stage_for(n) for n in (30, 15, 14, 8, 7, 3, 2, 0, -1)] == [None, None, 14, 14, 7, 7, 2, 2, OVERDUE]


def test_reminders_go_to_the_units_treasurer_once_per_stage_and_an_overdue_gift_is_flagged():
    w = build_world()
    d = give(w, 1_000, D(2024, 3, 1), au=w.clp_a)  # due 31 Mar
    assert send_check_reminders(D(2024, 3, 10)) == {"sent": 0, "no_treasurer": 0}
    assert send_check_reminders(D(2024, 3, 17)) == {"sent": 1, "no_treasurer": 0}
    assert send_check_reminders(D(2024, 3, 17)) == {"sent": 0, "no_treasurer": 0}  # once per stage
    send = CheckReminder.objects.get(donation=d, days_left=14).email_send
    assert send.unit == w.units.clp_a and "14 days left" in send.subject
    assert list(send.recipients.values_list("person_id", flat=True)) == [w.treasurer_a.person_id]
    assert d.overdue(D(2024, 4, 1)) and not d.overdue(D(2024, 3, 31))
    send_check_reminders(D(2024, 4, 1))
    overdue = CheckReminder.objects.get(donation=d, days_left=OVERDUE).email_send
    assert "deadline has passed" in overdue.subject
    assert clock_summary(w.treasurer, D(2024, 4, 1)).overdue == 1
    assert EmailSend.objects.count() == 2


def test_a_decided_gift_gets_no_reminder():
    w = build_world()
    d = give(w, 1_000, D(2024, 3, 1))
    Donation.objects.filter(pk=d.pk).update(status=Donation.Status.ACCEPTED)
    assert send_check_reminders(D(2024, 3, 30))["sent"] == 0


def test_candidate_donations_for_the_return():
    w = build_world()
    seat = Constituency.objects.create(code="E14001124", name="Brentford and Isleworth")

    class Candidacy:
        constituency = seat
        election_id = "parl.2024-07-04"
        candidate_name = "A Candidate"

    over = give(w, 51, D(2024, 6, 10), au=w.clp_a, recipient="candidate", candidate=Candidacy())
    under = give(w, 50, D(2024, 6, 11), au=w.clp_a, recipient="candidate", candidate=Candidacy(),
                 donor=individual("Small Giver"))  # fmt: skip
    give(w, 5_000, D(2024, 6, 12), au=w.clp_a)  # to the party, not the candidate
    rows = candidate_donations("E14001124", "parl.2024-07-04")
    assert [(r.donation_id, r.is_donation) for r in rows] == [(over.pk, True), (under.pk, False)]
    assert over.check_due_on == D(2024, 7, 10)
