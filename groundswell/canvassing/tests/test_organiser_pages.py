"""Organiser pages: custom survey questions, the review list, and the elector page with linking by hand."""

from __future__ import annotations

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.core.exceptions import ValidationError
from django.urls import reverse

from groundswell.accounts.models import Role
from groundswell.audit.models import AuditEntry
from groundswell.canvassing import selectors, services
from groundswell.geography.models import Constituency
from groundswell.people.models import OrganisationUnit
from groundswell.questions import services as question_services
from groundswell.questions.models import Question
from groundswell.register.matching import match_electors_to_people
from groundswell.register.models import Elector, TurnoutRecord
from groundswell.tests.factories import PersonFactory, UnitFactory, user_with_role

from .builders import build_world

pytestmark = pytest.mark.django_db
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture
def world(db):
    return build_world()


def _login(client, user, privileged=True):
    if privileged:
        TOTP.activate(user, SECRET)
    client.force_login(user)
    return client


@pytest.fixture
def organiser_client(client, world):
    return _login(client, world.organiser)


@pytest.fixture
def outsider(world):
    """An organiser of another constituency's party, under the same national unit."""
    west = Constituency.objects.create(code="E14000999", name="Reading West")
    unit = UnitFactory(
        code="CLP-RW", name="Reading West CLP", kind=OrganisationUnit.Kind.CONSTITUENCY, parent=world.national
    )
    unit.constituency = west
    unit.save()
    return user_with_role(Role.ORGANISER, unit, email="west@example.org")


def _contact(world, elector, **kw):
    kw.setdefault("campaign", world.campaign)
    kw.setdefault("canvasser", world.canvasser)
    return services.record_contact(elector, **kw)[0]


def _questions(world):
    return list(world.campaign.question_set.questions.order_by("order", "id").values_list("key", flat=True))


def _add(client, world, **data):
    data.setdefault("kind", "single")
    return client.post(reverse("canvassing:questions", args=[world.campaign.pk]), data)


# ---------------------------------------------------------------- access


def _every_page(world, contact, question):
    pk, elector = world.campaign.pk, world.electors[0].pk
    return [
        ("get", reverse("canvassing:questions", args=[pk]), {}),
        ("post", reverse("canvassing:questions", args=[pk]), {"text": "Sneaky?", "kind": "text"}),
        ("post", reverse("canvassing:question_remove", args=[pk, question.pk]), {}),
        ("post", reverse("canvassing:question_move", args=[pk, question.pk]), {"direction": "up"}),
        ("get", reverse("canvassing:review", args=[pk]), {}),
        ("post", reverse("canvassing:review_resolve", args=[pk, contact.pk]), {}),
        ("get", reverse("canvassing:elector", args=[elector]), {"q": "a"}),
        ("post", reverse("canvassing:elector_link", args=[elector]), {"person": contact.elector.person_id or 0}),
        ("post", reverse("canvassing:elector_unlink", args=[elector]), {}),
    ]


@pytest.mark.parametrize("who", ["canvasser", "outsider"])
def test_canvassers_and_other_constituencies_get_403_everywhere(client, world, outsider, who):
    person = PersonFactory(unit=world.clp)
    Elector.objects.filter(pk=world.electors[0].pk).update(person=person, person_link="auto")
    contact = _contact(world, world.electors[0], outcome="moved")
    question = question_services.add_custom_question(world.campaign.question_set, "Own a car?", "yes_no")
    user = world.canvasser if who == "canvasser" else outsider
    _login(client, user, privileged=who == "outsider")
    before = _questions(world)
    for method, url, data in _every_page(world, contact, question):
        response = getattr(client, method)(url, data)
        assert response.status_code == 403, (method, url)
    # Nothing changed behind the refusals.
    assert _questions(world) == before
    contact.refresh_from_db()
    assert contact.needs_review is True
    elector = Elector.objects.get(pk=world.electors[0].pk)
    assert elector.person_id == person.pk and elector.person_link == "auto"


def test_organiser_above_the_constituency_covers_its_electors(client, world, outsider):
    national_organiser = user_with_role(Role.ORGANISER, world.national, email="nat@example.org")
    elector = world.electors[0]
    assert selectors.can_manage_elector(national_organiser, elector)
    assert selectors.can_manage_elector(world.organiser, elector)
    assert not selectors.can_manage_elector(outsider, elector)
    assert not selectors.can_manage_elector(world.canvasser, elector)
    _login(client, national_organiser)
    assert client.get(reverse("canvassing:elector", args=[elector.pk])).status_code == 200


def test_campaign_page_links_to_the_new_pages(organiser_client, world):
    html = organiser_client.get(reverse("canvassing:campaign", args=[world.campaign.pk])).content.decode()
    assert reverse("canvassing:questions", args=[world.campaign.pk]) in html
    assert reverse("canvassing:review", args=[world.campaign.pk]) in html


# ---------------------------------------------------------------- custom questions


def test_questions_page_lists_the_set_in_order(organiser_client, world):
    response = organiser_client.get(reverse("canvassing:questions", args=[world.campaign.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    keys = ["support", "likelihood", "previous_vote", "issues", "notes"]
    positions = [html.index(f'data-key="{k}"') for k in keys]
    assert positions == sorted(positions)
    # Default questions have no remove button.
    support = Question.objects.get(question_set=world.campaign.question_set, key="support")
    assert reverse("canvassing:question_remove", args=[world.campaign.pk, support.pk]) not in html


def test_add_a_choice_question_reaches_the_doorstep_payload(organiser_client, world):
    response = _add(
        organiser_client,
        world,
        text="Would you display a poster?",
        kind="single",
        choices="Yes, a window poster\nYes, a garden stake\n\nNo",
        required="1",
    )
    assert response.status_code == 302
    question = Question.objects.get(question_set=world.campaign.question_set, text="Would you display a poster?")
    assert question.key == "would_you_display_a_poster"
    assert question.required is True
    assert question.choices == [
        {"value": "yes_a_window_poster", "label": "Yes, a window poster"},
        {"value": "yes_a_garden_stake", "label": "Yes, a garden stake"},
        {"value": "no", "label": "No"},
    ]
    assert _questions(world)[-1] == question.key
    entry = AuditEntry.objects.filter(object_type="questions.question", object_id=str(question.pk)).get()
    assert entry.action == "created" and entry.unit_path == world.clp.path and entry.detail["key"] == question.key

    payload = selectors.walk_payload(world.walk)
    added = [q for q in payload["questions"] if q["key"] == question.key]
    assert added and added[0]["kind"] == "single" and added[0]["required"] is True
    assert [c["value"] for c in added[0]["choices"]] == ["yes_a_window_poster", "yes_a_garden_stake", "no"]

    # The same text again gets its own key.
    _add(organiser_client, world, text="Would you display a poster?", kind="yes_no")
    assert "would_you_display_a_poster_2" in _questions(world)


def test_add_a_scale_question_with_a_condition(organiser_client, world):
    response = _add(
        organiser_client,
        world,
        text="How much do you trust the council?",
        kind="scale",
        scale_min="1",
        scale_max="5",
        condition_key="support",
        condition_values="U, w",
    )
    assert response.status_code == 302
    question = Question.objects.get(question_set=world.campaign.question_set, kind="scale")
    assert question.scale == {"min": 1, "max": 5}
    assert question.condition == {"question": "support", "in": ["U", "W"]}
    # The stored contact validates against it: asked of an undecided voter, refused for a Labour supporter.
    contact = _contact(world, world.electors[0], support_code="U", answers={question.key: 4})
    assert contact.answers == {question.key: 4}
    with pytest.raises(ValidationError):
        _contact(world, world.electors[1], support_code="L", answers={question.key: 4})


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"text": "Favourite colour?", "kind": "single", "choices": ""}, "needs at least two choices"),
        ({"text": "Which issues?", "kind": "multiple", "choices": "Only one"}, "needs at least two choices"),
        ({"text": "Favourite colour?", "kind": "single", "choices": "Red\nred"}, "given twice"),
        ({"text": "Rate us", "kind": "scale", "scale_min": "", "scale_max": ""}, "lowest and highest"),
        ({"text": "Rate us", "kind": "scale", "scale_min": "5", "scale_max": "1"}, "must be below"),
        ({"text": "", "kind": "text"}, "Write the question"),
        ({"text": "Who?", "kind": "support"}, "Choose one of the question kinds"),
        ({"text": "Why?", "kind": "text", "condition_key": "no_such_key", "condition_values": "x"}, "not an earlier"),
        ({"text": "Why?", "kind": "text", "condition_key": "notes", "condition_values": "x"}, "cannot test"),
        ({"text": "Why?", "kind": "text", "condition_key": "support", "condition_values": "ZZ"}, "not an answer"),
        ({"text": "Why?", "kind": "text", "condition_key": "support", "condition_values": ""}, "Say which answers"),
    ],
)
def test_invalid_questions_are_refused(organiser_client, world, data, message):
    before = _questions(world)
    response = _add(organiser_client, world, **data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert _questions(world) == before


def test_condition_on_an_earlier_custom_question_accepts_labels(world):
    qset = world.campaign.question_set
    car = question_services.add_custom_question(qset, "Do you drive?", "yes_no")
    tenure = question_services.add_custom_question(
        qset, "Do you rent or own?", "single", choices=question_services.parse_choice_lines("Rent\nOwn outright")
    )
    parking = question_services.add_custom_question(
        qset, "Is parking a problem?", "yes_no", condition_key=car.key, condition_values=["Yes"]
    )
    repairs = question_services.add_custom_question(
        qset, "Repairs done on time?", "yes_no", condition_key=tenure.key, condition_values=["rent"]
    )
    assert parking.condition == {"question": car.key, "in": ["yes"]}
    assert repairs.condition == {"question": tenure.key, "in": ["rent"]}


def test_default_questions_cannot_be_removed_or_moved(organiser_client, world):
    qset = world.campaign.question_set
    for key in question_services.BUILT_IN_KEYS:
        question = Question.objects.get(question_set=qset, key=key)
        response = organiser_client.post(reverse("canvassing:question_remove", args=[world.campaign.pk, question.pk]))
        assert response.status_code == 302
        assert Question.objects.filter(pk=question.pk).exists()
        with pytest.raises(ValidationError, match="default question"):
            question_services.remove_question(question)
        with pytest.raises(ValidationError, match="default question"):
            question_services.move_question(question, "down")
    assert _questions(world) == list(question_services.BUILT_IN_KEYS)


def test_remove_a_custom_question_keeps_stored_answers(organiser_client, world):
    qset = world.campaign.question_set
    question = question_services.add_custom_question(qset, "Own a car?", "yes_no")
    contact = _contact(world, world.electors[0], support_code="L", answers={question.key: "yes"})
    response = organiser_client.post(reverse("canvassing:question_remove", args=[world.campaign.pk, question.pk]))
    assert response.status_code == 302
    assert not Question.objects.filter(pk=question.pk).exists()
    contact.refresh_from_db()
    assert contact.answers == {"own_a_car": True}
    entry = AuditEntry.objects.filter(object_type="questions.question", object_id=str(question.pk)).last()
    assert entry.action == "changed" and entry.detail == {
        "campaign": world.campaign.pk,
        "key": "own_a_car",
        "removed": True,
    }
    # New contacts still store; the old key is not handed to a new question with the same text.
    _contact(world, world.electors[1], support_code="C")
    assert selectors.stored_answer_keys(world.campaign) == {"own_a_car"}
    _add(organiser_client, world, text="Own a car?", kind="yes_no")
    assert _questions(world)[-1] == "own_a_car_2"
    # The elector page still shows the old answer.
    html = organiser_client.get(reverse("canvassing:elector", args=[world.electors[0].pk])).content.decode()
    assert "own_a_car: True" in html


def test_a_question_another_depends_on_cannot_be_removed(world):
    qset = world.campaign.question_set
    car = question_services.add_custom_question(qset, "Do you drive?", "yes_no")
    question_services.add_custom_question(qset, "Parking?", "text", condition_key=car.key, condition_values=["yes"])
    with pytest.raises(ValidationError, match="depends on"):
        question_services.remove_question(car)


def test_reorder_custom_questions(organiser_client, world):
    qset = world.campaign.question_set
    car = question_services.add_custom_question(qset, "Do you drive?", "yes_no")
    pets = question_services.add_custom_question(qset, "Any pets?", "yes_no")
    parking = question_services.add_custom_question(
        qset, "Parking?", "text", condition_key=car.key, condition_values=["yes"]
    )
    move = reverse("canvassing:question_move", args=[world.campaign.pk, pets.pk])
    organiser_client.post(move, {"direction": "up"})
    assert _questions(world)[-3:] == ["any_pets", "do_you_drive", "parking"]
    entry = AuditEntry.objects.filter(object_type="questions.question", object_id=str(pets.pk), action="changed").get()
    assert entry.detail["moved"] == "up"
    # A custom question can move past a default one.
    organiser_client.post(move, {"direction": "up"})
    assert _questions(world)[-5:] == ["issues", "any_pets", "notes", "do_you_drive", "parking"]
    # "Parking?" is shown only after "Do you drive?", so it cannot move above it.
    response = organiser_client.post(
        reverse("canvassing:question_move", args=[world.campaign.pk, parking.pk]), {"direction": "up"}
    )
    assert response.status_code == 302
    assert _questions(world)[-2:] == ["do_you_drive", "parking"]
    with pytest.raises(ValidationError, match="must come after"):
        question_services.move_question(car, "down")
    with pytest.raises(ValidationError, match="already last"):
        question_services.move_question(parking, "down")
    with pytest.raises(ValidationError, match="Unknown direction"):
        question_services.move_question(parking, "sideways")


# ---------------------------------------------------------------- review


def test_review_list_and_resolving(organiser_client, world):
    moved = _contact(world, world.electors[0], outcome="moved", notes="New family there")
    deceased = _contact(world, world.electors[2], outcome="deceased", method="paper")
    _contact(world, world.electors[1], support_code="L")
    url = reverse("canvassing:review", args=[world.campaign.pk])
    html = organiser_client.get(url).content.decode()
    assert "AA-1" in html and "Moved away" in html and "1 High Street, Reading" in html
    assert "AA-3" in html and "Deceased" in html and "canvasser@example.org" in html
    assert "Mark AA-1 resolved" in html and "Mark AA-3 resolved" in html and "AA-2" not in html
    assert reverse("canvassing:elector", args=[world.electors[0].pk]) in html
    assert AuditEntry.objects.filter(action="viewed", detail__page="review").exists()

    response = organiser_client.post(reverse("canvassing:review_resolve", args=[world.campaign.pk, moved.pk]))
    assert response.status_code == 302
    moved.refresh_from_db()
    deceased.refresh_from_db()
    assert moved.needs_review is False and deceased.needs_review is True
    entry = AuditEntry.objects.filter(object_type="canvassing.contact", object_id=str(moved.pk)).get()
    assert entry.action == "changed" and entry.detail["review_resolved"] == "moved"
    html = organiser_client.get(url).content.decode()
    assert "Mark AA-1 resolved" not in html and "Mark AA-3 resolved" in html
    # Resolving twice does nothing more.
    organiser_client.post(reverse("canvassing:review_resolve", args=[world.campaign.pk, moved.pk]))
    assert AuditEntry.objects.filter(object_type="canvassing.contact", object_id=str(moved.pk)).count() == 1


def test_resolve_needs_a_contact_of_this_campaign(organiser_client, world):
    other = services.create_campaign(unit=world.clp, constituency=world.constituency, name="Other")
    contact = _contact(world, world.electors[0], outcome="moved", campaign=other)
    response = organiser_client.post(reverse("canvassing:review_resolve", args=[world.campaign.pk, contact.pk]))
    assert response.status_code == 404
    contact.refresh_from_db()
    assert contact.needs_review is True


# ---------------------------------------------------------------- elector page and linking by hand


def test_elector_page_shows_register_history_and_support(organiser_client, world):
    elector = world.electors[0]
    Elector.objects.filter(pk=elector.pk).update(markers="F", postal_voter=True)
    TurnoutRecord.objects.create(elector=elector, election="parl.2024-07-04", mark="x")
    _contact(world, elector, support_code="C", issues=["nhs"])
    _contact(world, elector, outcome="not_in")
    response = organiser_client.get(reverse("canvassing:elector", args=[elector.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "AA-1" in html and "Voter1 Example" in html and "1 High Street, Reading" in html
    assert "postal voter" in html and "parl.2024-07-04: Voted by post" in html
    assert "<strong>C</strong> — Conservative" in html
    assert html.index("Not in") < html.index("Spoke to them")  # newest first
    assert "issues: nhs" in html
    assert "Not linked to a person" in html
    entry = AuditEntry.objects.filter(object_type="register.elector", object_id=str(elector.pk)).get()
    assert entry.action == "viewed" and entry.unit_path == world.clp.path


def test_link_and_unlink_an_elector_by_hand(organiser_client, world):
    elector = world.electors[0]
    person = PersonFactory(unit=world.clp, given_name="Alice", family_name="Walker", normalised_name="alice walker")
    hidden = PersonFactory(unit=UnitFactory(code="ELSEWHERE"), given_name="Alan", family_name="Walker")
    url = reverse("canvassing:elector", args=[elector.pk])

    html = organiser_client.get(url, {"q": "walker"}).content.decode()
    assert "Alice Walker" in html and "Alan" not in html
    assert AuditEntry.objects.filter(action="searched", query="walker", detail__elector=elector.pk).exists()

    # Someone outside the organiser's access cannot be linked, whatever is posted.
    organiser_client.post(reverse("canvassing:elector_link", args=[elector.pk]), {"person": hidden.pk})
    elector.refresh_from_db()
    assert elector.person_id is None

    response = organiser_client.post(reverse("canvassing:elector_link", args=[elector.pk]), {"person": person.pk})
    assert response.status_code == 302
    elector.refresh_from_db()
    assert elector.person_id == person.pk and elector.person_link == Elector.Link.HAND
    linked = AuditEntry.objects.filter(action="linked", object_id=str(elector.pk)).get()
    assert linked.actor_id == world.organiser.pk and linked.detail["person_id"] == person.pk
    html = organiser_client.get(url).content.decode()
    assert reverse("people:detail", args=[person.pk]) in html and "Linked by hand" in html

    response = organiser_client.post(reverse("canvassing:elector_unlink", args=[elector.pk]))
    assert response.status_code == 302
    elector.refresh_from_db()
    assert elector.person_id is None and elector.person_link == Elector.Link.HAND
    assert AuditEntry.objects.filter(action="unlinked", object_id=str(elector.pk)).count() == 1
    # Automatic matching leaves a hand-made decision alone.
    person.address_line1, person.postcode = "1 High Street", "RG1 1AA"
    person.given_name, person.family_name, person.normalised_name = "Voter1", "Example", ""
    person.save()
    match_electors_to_people(world.constituency)
    elector.refresh_from_db()
    assert elector.person_id is None


def test_linked_person_outside_access_is_not_named(organiser_client, world):
    elsewhere = PersonFactory(unit=UnitFactory(code="ELSEWHERE"), given_name="Zed", family_name="Hidden")
    Elector.objects.filter(pk=world.electors[0].pk).update(person=elsewhere, person_link="auto")
    html = organiser_client.get(reverse("canvassing:elector", args=[world.electors[0].pk])).content.decode()
    assert "Linked to a person record outside your access" in html and "Zed" not in html
