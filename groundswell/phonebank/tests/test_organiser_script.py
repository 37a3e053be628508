"""The script builder: introduction, questions added, moved and removed, branches validated, and the preview
that walks the script as a caller would."""

from __future__ import annotations

import pytest
from django.urls import reverse

from groundswell.phonebank import campaigns
from groundswell.phonebank.models import CallCampaign
from groundswell.questions.models import Question

from .test_organiser_campaigns import login
from .world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world(people=1)


@pytest.fixture
def organiser(world):
    return login(world.organiser)


def flashed(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def keys(campaign) -> list[str]:
    return list(campaign.question_set.questions.values_list("key", flat=True))


def test_building_a_script_from_an_empty_campaign(world, organiser):
    campaign = CallCampaign.objects.create(unit=world.clp, name="Fresh")
    url = reverse("phonebank:script", args=[campaign.pk])
    organiser.post(reverse("phonebank:script_introduction", args=[campaign.pk]), {"introduction": "Hi, it's Sam."})
    campaign.refresh_from_db()
    assert campaign.question_set.purpose == "call" and campaign.question_set.introduction == "Hi, it's Sam."
    organiser.post(url, {"text": "Will you vote for us?", "kind": "single", "choices": "Yes\nMaybe\nNo"})
    organiser.post(url, {"text": "Would you put up a poster?", "kind": "yes_no", "required": "1"})
    organiser.post(
        url,
        {
            "text": "How much do you care about the hospital?",
            "kind": "scale",
            "scale_min": "1",
            "scale_max": "5",
            "condition_key": "will_you_vote_for_us",
            "condition_values": "Yes, Maybe",
        },
    )
    organiser.post(url, {"text": "Which issues matter?", "kind": "multiple", "choices": "Health\nHousing"})
    organiser.post(url, {"text": "Anything else?", "kind": "text"})
    organiser.post(url, {"text": "Who will you vote for?", "kind": "support"})
    assert keys(campaign) == [
        "will_you_vote_for_us",
        "would_you_put_up_a_poster",
        "how_much_do_you_care_about_the_hospital",
        "which_issues_matter",
        "anything_else",
        "support",
    ]
    scale = campaign.question_set.questions.get(kind="scale")
    assert scale.condition == {"question": "will_you_vote_for_us", "in": ["yes", "maybe"]}
    assert campaign.question_set.questions.get(kind="yes_no").required
    page = organiser.get(url).content.decode()
    assert "asked only if <code>will_you_vote_for_us</code> is yes or maybe" in page


@pytest.mark.parametrize(
    "post, message",
    [
        ({"text": "", "kind": "text"}, "Write the question"),
        ({"text": "Pick one", "kind": "single", "choices": "Only"}, "at least two choices"),
        ({"text": "Rate us", "kind": "scale", "scale_min": "5", "scale_max": "1"}, "lowest number must be below"),
        ({"text": "Why?", "kind": "text", "condition_key": "nope", "condition_values": "x"}, "not an earlier question"),
        ({"text": "Again?", "kind": "support"}, "already asks the support question"),
    ],
)
def test_bad_questions_are_refused_with_a_clear_message(world, organiser, post, message):
    campaign = world.campaign
    campaigns.add_script_question(campaign, text="Who will you vote for?", kind="support")
    response = organiser.post(reverse("phonebank:script", args=[campaign.pk]), post)
    assert response.status_code == 400
    assert message in " ".join(response.context["errors"])


def test_questions_move_and_are_removed_keeping_dependencies_in_order(world, organiser):
    campaign = world.campaign  # intention → volunteer → when (when depends on volunteer)
    q = {x.key: x for x in campaign.question_set.questions.all()}
    move = reverse("phonebank:question_move", args=[campaign.pk, q["when"].pk])
    response = organiser.post(move, {"direction": "up"}, follow=True)
    assert "'when' is shown only after 'volunteer'" in flashed(response)
    assert keys(campaign) == ["intention", "volunteer", "when"]
    organiser.post(reverse("phonebank:question_move", args=[campaign.pk, q["intention"].pk]), {"direction": "down"})
    assert keys(campaign) == ["volunteer", "intention", "when"]
    response = organiser.post(reverse("phonebank:question_remove", args=[campaign.pk, q["volunteer"].pk]), follow=True)
    assert "Remove when first" in flashed(response)
    organiser.post(reverse("phonebank:question_remove", args=[campaign.pk, q["when"].pk]))
    assert keys(campaign) == ["volunteer", "intention"]


def test_branches_per_answer_skip_ahead_or_end_the_call(world, organiser):
    campaign = world.campaign
    intention = campaign.question_set.questions.get(key="intention")
    url = reverse("phonebank:question_branches", args=[campaign.pk, intention.pk])
    organiser.post(url, {"branch_yes": "when", "branch_maybe": "", "branch_against": "end"})
    intention.refresh_from_db()
    assert intention.branches == {"yes": "when", "against": "end"}
    page = organiser.get(reverse("phonebank:script", args=[campaign.pk])).content.decode()
    assert '<option value="when" selected>' in page and '<option value="end" selected>' in page


def test_a_branch_that_leads_backwards_is_refused_and_nothing_changes(world, organiser):
    campaign = world.campaign
    volunteer = campaign.question_set.questions.get(key="volunteer")
    url = reverse("phonebank:question_branches", args=[campaign.pk, volunteer.pk])
    response = organiser.post(url, {"branch_yes": "intention"}, follow=True)
    assert "volunteer: the answer 'yes' leads to 'intention', which is not a later question" in flashed(response)
    volunteer.refresh_from_db()
    assert volunteer.branches == {"no": "end"}
    response = organiser.post(url, {"branch_perhaps": "end"}, follow=True)
    assert "'perhaps' is not an answer to this question" in flashed(response)


def _walk(client, campaign, params):
    return client.get(reverse("phonebank:script_preview", args=[campaign.pk]), params).context["walk"]


def test_the_preview_walks_the_script_like_a_caller(world, organiser):
    campaign = world.campaign
    page = organiser.get(reverse("phonebank:script_preview", args=[campaign.pk])).content.decode()
    assert "Hello, I&#x27;m calling from the campaign." in page
    walk = _walk(organiser, campaign, {})
    assert walk["current"].key == "intention"
    # A required question left blank is asked again, with the reason.
    walk = _walk(organiser, campaign, {"seen": ["intention"]})
    assert walk["current"].key == "intention" and "an answer is required" in walk["error"]
    walk = _walk(organiser, campaign, {"seen": ["intention"], "a_intention": "yes"})
    assert walk["current"].key == "volunteer"
    walk = _walk(organiser, campaign, {"seen": ["intention", "volunteer"], "a_intention": "yes", "a_volunteer": "yes"})
    assert walk["current"].key == "when"  # its condition holds
    # 'No' to volunteering ends the call; 'against' ends it at once.
    walk = _walk(organiser, campaign, {"seen": ["intention", "volunteer"], "a_intention": "yes", "a_volunteer": "no"})
    assert walk["current"] is None and walk["ended_by"] == "volunteer"
    walk = _walk(organiser, campaign, {"seen": ["intention"], "a_intention": "against"})
    assert walk["current"] is None and walk["ended_by"] == "intention"
    assert [s["answer"] for s in walk["steps"]] == ["No"]  # the choice's label, as the caller sees it


def test_the_preview_follows_a_skip_ahead_branch(world, organiser):
    campaign = world.campaign
    intention = campaign.question_set.questions.get(key="intention")
    campaigns.set_branches(campaign, intention, {"maybe": "when"}, actor=None)
    walk = _walk(organiser, campaign, {"seen": ["intention"], "a_intention": "maybe"})
    # 'when' is conditional on volunteering = yes, which was skipped: so the call ends there.
    assert walk["current"] is None and not walk["ended_by"]
    Question.objects.filter(key="when").update(condition={})
    walk = _walk(organiser, campaign, {"seen": ["intention"], "a_intention": "maybe"})
    assert walk["current"].key == "when"
