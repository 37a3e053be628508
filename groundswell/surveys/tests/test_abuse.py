"""Public links: a per-IP rate limit with a clear 429 page, and a honeypot that silently discards bots."""

from __future__ import annotations

import pytest

from groundswell.surveys import services
from groundswell.surveys.models import Invitation, Response

from .world import USES, build_world, form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def test_public_submissions_are_rate_limited_per_address(client, world, settings):
    settings.SURVEYS_PUBLIC_RATE_LIMIT = 3
    url = f"/surveys/s/{world.survey.slug}/"
    for _ in range(3):
        assert client.post(url, form_data(**{USES: "no"}), REMOTE_ADDR="203.0.113.7").status_code == 302
    blocked = client.post(url, form_data(**{USES: "no"}), REMOTE_ADDR="203.0.113.7")
    assert blocked.status_code == 429
    assert "Too many responses from your connection" in blocked.content.decode()
    assert Response.objects.count() == 3
    # Another address is not affected, and reading the form is never limited.
    assert client.post(url, form_data(**{USES: "no"}), REMOTE_ADDR="198.51.100.9").status_code == 302
    assert client.get(url, REMOTE_ADDR="203.0.113.7").status_code == 200


def test_the_limit_is_per_window(world, settings):
    from groundswell.surveys import ratelimit

    settings.SURVEYS_PUBLIC_RATE_LIMIT = 1
    settings.SURVEYS_PUBLIC_RATE_WINDOW = 60
    assert ratelimit.allow("public", "a", now=120.0)
    assert not ratelimit.allow("public", "a", now=150.0)
    assert ratelimit.allow("public", "a", now=181.0)  # the next minute


def test_honeypot_submissions_are_thanked_and_dropped(client, world):
    url = f"/surveys/s/{world.survey.slug}/"
    form = client.get(url).content.decode()
    assert 'class="sv-hp" aria-hidden="true"' in form and 'name="website"' in form
    response = client.post(url, {**form_data(**{USES: "no"}), "website": "http://spam.example"})
    assert response.status_code == 302 and response["Location"].endswith("/thanks/")
    assert not Response.objects.exists()


def test_honeypot_on_a_personal_link_does_not_use_up_the_link(client, world):
    services.invite_people(world.survey, type(world.people[0]).objects.all(), None)
    invitation = Invitation.objects.first()
    client.post(f"/surveys/i/{invitation.token}/", {**form_data(**{USES: "no"}), "website": "x"})
    invitation.refresh_from_db()
    assert not invitation.responded and not Response.objects.exists()


def test_a_survey_without_a_public_link_has_no_public_page(client, world):
    services.update_survey(world.survey, actor=world.organiser, public=False)
    assert client.get(f"/surveys/s/{world.survey.slug}/").status_code == 404
