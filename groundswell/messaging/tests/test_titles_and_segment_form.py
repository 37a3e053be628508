"""What a newcomer reads on the messaging pages: merge fields as words, no internal ids, events and surveys
chosen by name, and no "This field is required" before anything has been typed."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from groundswell.events.tests.world import EventFactory
from groundswell.messaging import services
from groundswell.messaging.models import Segment
from groundswell.messaging.sending import merge_title
from groundswell.people.models import Person, TimelineEntry
from groundswell.surveys import services as survey_services

from .helpers import contact
from .test_pages import organiser  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello {{ given_name }}", "Hello [first name]"),
        ("{{given_name}} {{ family_name|upper }}, come along", "[first name] [last name], come along"),
        ("See {{ event_url }}{% if x %}!{% endif %}", "See [event url]!"),
        ("No fields", "No fields"),
    ],
)
def test_merge_fields_read_as_words(text, expected):
    assert merge_title(text) == expected


def test_send_list_timeline_and_send_page_show_no_template_code(organiser, tree):  # noqa: F811
    person = contact(tree.clp_a)
    segment = services.save_segment(unit=tree.clp_a, name="Everyone", filters=[], actor=None, segment=None)
    send = services.create_email_send(
        unit=tree.clp_a,
        subject="Hello {{ given_name }}",
        body_text="Dear {{ given_name }}, {{ unsubscribe_url }}",
        people=Person.objects.all(),
        actor=None,
        segment=segment,
        source=f"messaging:segment:{segment.pk}",
    )
    services.queue_send(send)
    home = organiser.get(reverse("messaging:home")).content.decode()
    assert "Email: Hello [first name]" in home and "{{" not in home
    page = organiser.get(reverse("messaging:send", args=["email", send.pk])).content.decode()
    assert "Hello [first name]" in page.split("<h1>")[1].split("</h1>")[0]
    assert "messaging:segment" not in page  # the segment is named and linked instead of its internal id
    assert reverse("messaging:segment_edit", args=[segment.pk]) in page
    entry = TimelineEntry.objects.get(person=person, kind=TimelineEntry.Kind.EMAIL)
    assert entry.summary == "Email sent: Hello [first name]"


def test_the_new_segment_form_shows_no_errors_before_anything_is_typed(organiser):  # noqa: F811
    page = organiser.get(reverse("messaging:segment_new")).content.decode()
    assert "This field is required" not in page and 'class="errors"' not in page
    # The live count fires as the page loads, with nothing filled in yet: a prompt, not an error.
    count = organiser.post(reverse("messaging:segment_count"), {}).content.decode()
    assert "required" not in count.lower() and "errors" not in count
    assert "Choose a unit" in count


def test_event_and_survey_filters_are_chosen_by_name(organiser, tree):  # noqa: F811
    start = timezone.now() + datetime.timedelta(days=3)
    mine = EventFactory(unit=tree.clp_a, title="Phone bank at the Methodist hall", starts_at=start)
    EventFactory(unit=tree.clp_b, title="Another constituency's rally", starts_at=start)
    survey = survey_services.create_survey(unit=tree.clp_a, title="What matters on your street?", actor=None)
    page = organiser.get(reverse("messaging:segment_new")).content.decode()
    assert f'<option value="{mine.pk}">Phone bank at the Methodist hall (' in page
    assert f'<option value="{survey.pk}">What matters on your street?</option>' in page
    assert "Another constituency" not in page
    response = organiser.post(
        reverse("messaging:segment_new"),
        {"name": "Came to the phone bank", "unit": tree.clp_a.pk, "f_event_attended": mine.pk},
    )
    assert response.status_code == 302, response.content.decode()
    assert Segment.objects.get().filters == [{"key": "event_attended", "value": mine.pk}]
    response = organiser.post(
        reverse("messaging:segment_new"),
        {
            "name": "Housing",
            "unit": tree.clp_a.pk,
            "f_survey_response_0": str(survey.pk),
            "f_survey_response_1": "priority=housing",
        },
    )
    assert response.status_code == 302, response.content.decode()
    value = Segment.objects.get(name="Housing").filters[0]["value"]
    assert value == {"survey_id": survey.pk, "question": "priority", "answer": "housing"}
    edit = organiser.get(reverse("messaging:segment_edit", args=[Segment.objects.get(name="Housing").pk]))
    assert 'value="priority=housing"' in edit.content.decode()
    # An answer without its survey is named, not silently dropped.
    response = organiser.post(
        reverse("messaging:segment_new"),
        {"name": "Orphan", "unit": tree.clp_a.pk, "f_survey_response_1": "priority=housing"},
    )
    assert response.status_code == 200 and "Choose the survey the answer belongs to." in response.content.decode()
