"""The complaint form is rate-limited per client address and per complainant email, with a clear message."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from groundswell.complaints import ratelimit
from groundswell.complaints.models import Case

from .world import SUMMARY, build_world, login

pytestmark = pytest.mark.django_db


def post(client: Client, email: str, address: str = "203.0.113.9"):
    return client.post(
        "/complaints/new/",
        {"respondent_email": "respondent@example.org", "category": "harassment", "summary": SUMMARY,
         "complainant_name": "Pat Public", "complainant_email": email},
        REMOTE_ADDR=address,
    )  # fmt: skip


@override_settings(COMPLAINTS_RATE_PER_ADDRESS=3, COMPLAINTS_RATE_PER_EMAIL=2)
def test_one_address_is_stopped_after_a_few_complaints_an_hour_with_a_clear_message():
    build_world()
    client = Client()
    for n in range(3):
        assert post(client, f"pat{n}@example.org").status_code == 200
    refused = post(client, "pat9@example.org")
    assert refused.status_code == 429
    assert b"Too many complaints have been sent from your internet connection" in refused.content
    assert b"has not been sent" in refused.content
    assert Case.objects.count() == 3  # nothing written for the refused one
    assert post(client, "pat9@example.org", address="198.51.100.7").status_code == 200  # another address is fine


@override_settings(COMPLAINTS_RATE_PER_ADDRESS=100, COMPLAINTS_RATE_PER_EMAIL=2)
def test_one_email_is_stopped_whatever_address_it_comes_from():
    build_world()
    assert post(Client(), "Pat@Example.org", "192.0.2.1").status_code == 200
    assert post(Client(), "pat@example.org ", "192.0.2.2").status_code == 200
    refused = post(Client(), "PAT@example.org", "192.0.2.3")
    assert refused.status_code == 429 and b"with the email address pat@example.org" in refused.content
    assert Case.objects.count() == 2


@override_settings(COMPLAINTS_RATE_PER_ADDRESS=2, COMPLAINTS_RATE_PER_EMAIL=2)
def test_refused_attempts_count_too_and_the_window_passes():
    # Trawling for members by email (the form says whether one exists) is limited like complaining.
    assert ratelimit.check("192.0.2.50", "a@example.org", now=7200.0) == ""
    assert ratelimit.check("192.0.2.50", "b@example.org", now=7300.0) == ""
    assert "internet connection" in ratelimit.check("192.0.2.50", "c@example.org", now=7400.0)
    assert ratelimit.check("192.0.2.50", "c@example.org", now=10800.0) == ""  # the next hour


@override_settings(COMPLAINTS_RATE_PER_ADDRESS=1, COMPLAINTS_RATE_PER_EMAIL=1)
def test_organisers_logging_letters_are_not_limited_and_members_are_counted_by_account():
    w = build_world()
    organiser = login(w.organiser)
    for _ in range(3):
        response = organiser.post(
            "/complaints/new/",
            {"respondent_id": str(w.respondent.pk), "category": "harassment", "summary": SUMMARY,
             "complainant_name": "Pat Public", "complainant_email": "pat@example.org", "received_via": "letter"},
        )  # fmt: skip
        assert response.status_code == 200
    member = login(w.complainant_user)
    data = {"respondent_email": "respondent@example.org", "category": "harassment", "summary": SUMMARY}
    assert member.post("/complaints/new/", data, REMOTE_ADDR="192.0.2.60").status_code == 200
    refused = member.post("/complaints/new/", data, REMOTE_ADDR="192.0.2.61")
    assert refused.status_code == 429 and b"from your account" in refused.content
