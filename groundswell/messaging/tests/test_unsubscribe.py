"""The unsubscribe link: a GET only asks; a POST (the page's button or an RFC 8058 one-click POST from the
mail client) withdraws email consent at once and counts in the send's statistics."""

from __future__ import annotations

import pytest
from django.core import mail

from groundswell.messaging import services
from groundswell.people.models import Person
from groundswell.people.selectors import current_consents

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(sent):
    """As the shared fixture, with the unsubscribe link's path instead of the row."""
    person, send, _ = sent
    url = mail.outbox[0].extra_headers["List-Unsubscribe"].strip("<>")
    return person, send, url.replace("http://127.0.0.1:8000", "")


def test_a_get_shows_a_button_and_changes_nothing(client, sent):
    person, send, path = sent
    page = client.get(path)
    assert page.status_code == 200 and "<button" in page.content.decode()
    assert current_consents(person)["email"].status == "granted"
    assert services.send_stats(send)["unsubscribed"] == 0


def test_one_click_post_withdraws_consent_at_once(client, sent):
    person, send, path = sent
    response = client.post(path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    consent = current_consents(person)["email"]
    assert consent.status == "withdrawn" and consent.source == f"one-click unsubscribe: send {send.pk}"
    assert services.send_stats(send)["unsubscribed"] == 1
    assert not services.email_recipients(Person.objects.all()).exists()
    # Pressing again records nothing new.
    client.post(path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert person.consents.filter(status="withdrawn").count() == 1


def test_the_page_button_unsubscribes_without_a_login_or_csrf_token(sent):
    from django.test import Client

    person, send, path = sent
    page = Client(enforce_csrf_checks=True).post(path)
    assert page.status_code == 200 and "You are unsubscribed" in page.content.decode()
    assert current_consents(person)["email"].source == f"unsubscribe link: send {send.pk}"


@pytest.mark.parametrize("mangle", [lambda p: p[:-3] + "xx/", lambda p: "/messaging/u/WyJlIiwxXQ:forged/"])
def test_a_forged_or_broken_link_does_nothing(client, sent, mangle):
    person, send, path = sent
    response = client.post(mangle(path), "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 404 and "not valid" in response.content.decode()
    assert current_consents(person)["email"].status == "granted"
