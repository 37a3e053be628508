"""A discussion held at an event on the events map: the event fills in the discussion's details, and the event's
page sends those who could not come to the online survey and its host to the entry form."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from groundswell.accounts.models import Role
from groundswell.events.models import Event
from groundswell.events.tests.world import EventFactory
from groundswell.surveys import services
from groundswell.surveys.forms import DiscussionForm
from groundswell.surveys.models import Discussion, Survey
from groundswell.tests.factories import user_with_role

from .world import build_world, login

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    w = build_world()
    w.event = EventFactory(unit=w.units.clp_a, kind=Event.Kind.DISCUSSION, title="Social care: your say")
    w.host = user_with_role(Role.VOLUNTEER, w.units.clp_a)
    return w


def test_the_event_fills_in_what_is_left_empty(world):
    discussion = services.create_discussion(world.survey, title="", host=world.host, actor=world.organiser,
                                            event=world.event)  # fmt: skip
    assert discussion.event == world.event
    assert discussion.title == "Social care: your say"
    assert discussion.held_at == world.event.starts_at and discussion.place == "Town hall"


def test_an_event_of_another_unit_is_refused_and_nothing_is_written(world):
    elsewhere = EventFactory(unit=world.units.clp_b, kind=Event.Kind.DISCUSSION)
    with pytest.raises(ValidationError) as refused:
        services.create_discussion(world.survey, title="", host=world.host, actor=world.organiser, event=elsewhere)
    assert "survey's unit" in str(refused.value)
    assert not Discussion.objects.exists()


def test_the_form_offers_only_the_surveys_units_events_and_needs_a_title_without_one(world):
    elsewhere = EventFactory(unit=world.units.clp_b)
    form = DiscussionForm(survey=world.survey)
    offered = set(form.fields["event"].queryset)
    assert world.event in offered and elsewhere not in offered
    bare = DiscussionForm({"title": "", "held_at": ""}, survey=world.survey)
    assert not bare.is_valid()
    assert "Give the discussion a title (or choose its event)." in bare.errors["title"]
    assert DiscussionForm({"event": world.event.pk}, survey=world.survey).is_valid()


def test_organiser_adds_a_discussion_from_its_event(world):
    page = login(world.organiser).post(
        f"/surveys/{world.survey.pk}/discussions/new/", {"event": world.event.pk, "host_email": world.host.email}
    )
    assert page.status_code == 302
    discussion = Discussion.objects.get()
    assert (discussion.event, discussion.host, discussion.title) == (world.event, world.host, world.event.title)


def test_event_page_links_the_survey_for_everyone_and_the_entry_form_for_the_host(world):
    discussion = services.create_discussion(world.survey, title="", host=world.host, actor=world.organiser,
                                            event=world.event)  # fmt: skip
    url = f"/events/{world.event.pk}/"
    public = Client().get(url).content.decode()
    assert f'href="/surveys/s/{world.survey.slug}/"' in public
    assert f"/surveys/discussions/{discussion.pk}/" not in public
    hosted = login(world.host).get(url).content.decode()
    assert f'href="/surveys/discussions/{discussion.pk}/"' in hosted
    # A closed survey is no longer offered to the public.
    services.set_status(world.survey, Survey.Status.CLOSED, world.organiser)
    assert f"/surveys/s/{world.survey.slug}/" not in Client().get(url).content.decode()
