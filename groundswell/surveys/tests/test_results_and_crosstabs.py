"""Results: counts and charts per question with online and discussion responses in one set; cross-tabs by ward,
constituency and membership status from the snapshot taken when each response arrived."""

from __future__ import annotations

import pytest

from groundswell.audit.models import AuditEntry
from groundswell.geography.models import Ward
from groundswell.surveys import selectors, services
from groundswell.surveys.models import Discussion, Invitation, Response
from groundswell.tests.factories import MembershipFactory, user_with_role

from .world import FIGHT, MEETING, QUALITY, RANK, USES, build_world, login

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    w = build_world(people=3)
    MembershipFactory(person=w.people[1], status="lapsed")
    w.people[2].ward_code = "E05009999"
    w.people[2].save()
    Ward.objects.create(code="E05002000", name="Abbey")
    services.invite_people(w.survey, type(w.people[0]).objects.all(), w.organiser)
    answers = [
        {USES: "yes_now", QUALITY: 2, FIGHT: ["care_workers_pay", "free_personal_care"], RANK: ["pay", "funding"]},
        {USES: "yes_now", QUALITY: 4, FIGHT: ["care_workers_pay"], RANK: ["funding", "pay", "staffing"]},
        {USES: "no", MEETING: "yes", RANK: ["pay"]},
    ]
    for person, given in zip(w.people, answers, strict=True):
        invitation = Invitation.objects.get(person=person)
        services.submit_response(w.survey, given, channel="personal", invitation=invitation)
    w.discussion = Discussion.objects.create(survey=w.survey, title="Reading East hall", host=w.organiser)
    services.submit_response(w.survey, {USES: "in_the_past", QUALITY: 5, MEETING: "no"}, channel="discussion",
                             discussion=w.discussion)  # fmt: skip
    services.submit_response(w.survey, {USES: "no"}, channel="public")
    return w


def _bars(result) -> dict[str, tuple[int, int]]:
    return {b.label: (b.count, b.share) for b in result.bars}


def test_counts_per_question_from_every_channel(world):
    r = selectors.results(world.survey)
    assert r["total"] == 5
    assert dict(r["by_channel"]) == {"Public link": 1, "Personal link": 2 + 1, "Discussion event": 1}
    by_key = {res.question.key: res for res in r["questions"]}
    assert _bars(by_key[USES]) == {"Yes, now": (2, 40), "In the past": (1, 20), "No": (2, 40)}
    # The follow-up: only those asked; mean of 2, 4, 5.
    assert by_key[QUALITY].respondents == 3 and by_key[QUALITY].mean == pytest.approx(3.67)
    # Multiple choice: shares of respondents (2 of them), not of ticks.
    fight = by_key[FIGHT]
    assert fight.respondents == 2 and _bars(fight)["Care workers' pay"] == (2, 100)
    # Ranking: bars are first choices, ordered by average place (pay: 1, 2, 1 → 1.33; funding: 2, 1 → 1.5).
    rank = by_key[RANK]
    assert [b.label for b in rank.bars] == ["Pay", "Funding", "Staffing"]
    assert rank.bars[0].count == 2 and "average place 1.3" in rank.bars[0].note
    assert _bars(by_key[MEETING]) == {"Yes": (1, 50), "No": (1, 50)}


def test_channel_filter_shows_only_that_channels_answers(world):
    r = selectors.results(world.survey, channel="discussion")
    by_key = {res.question.key: res for res in r["questions"]}
    assert r["total"] == 1 and _bars(by_key[USES])["In the past"] == (1, 100)


def test_crosstab_by_membership_ward_and_constituency(world):
    uses = world.q[USES]
    by_status = selectors.crosstab(world.survey, uses, "membership")
    rows = {row["label"]: (row["respondents"], [c["n"] for c in row["cells"]]) for row in by_status["rows"]}
    assert by_status["columns"] == ["Yes, now", "In the past", "No"]
    assert rows["Active"] == (1, [1, 0, 0])
    assert rows["Lapsed"] == (1, [1, 0, 0])
    assert rows["Not a member"] == (1, [0, 0, 1])
    assert rows["Not known (public link or not linked to a person)"] == (2, [0, 1, 1])
    by_ward = {row["label"]: row["respondents"] for row in selectors.crosstab(world.survey, uses, "ward")["rows"]}
    assert by_ward["Abbey"] == 2 and by_ward["E05009999"] == 1  # a ward not in the boundaries keeps its code
    # Multiple choice: a row's respondents, not its ticks; percentages of them.
    fight = selectors.crosstab(world.survey, world.q[FIGHT], "constituency")
    row = next(r for r in fight["rows"] if r["label"] == "E14000879")
    assert row["respondents"] == 2 and [c["pct"] for c in row["cells"]] == [50, 100, 0]


def test_results_page_draws_a_chart_per_question_and_the_crosstab(world):
    organiser = login(world.organiser)
    page = organiser.get(f"/surveys/{world.survey.pk}/results/?question={USES}&by=membership")
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('<svg class="sv-chart"') == 5  # every question but the free text
    assert 'aria-label="Do you or your family use social care? by Membership status"' in html
    assert '<th scope="row">Lapsed</th>' in html


def test_results_are_for_the_units_organisers_only(world):
    sibling = user_with_role("organiser", world.units.clp_b)
    assert login(sibling).get(f"/surveys/{world.survey.pk}/results/").status_code == 403
    member = user_with_role("member", world.units.clp_a)
    assert login(member).get(f"/surveys/{world.survey.pk}/results/").status_code == 403


def test_identified_responses_only_for_people_the_viewer_may_see(world):
    # Someone who answered and has since moved to a sibling constituency's records: their answers still count,
    # but this organiser no longer sees who they are.
    mover = world.people[2]
    mover.unit = world.units.clp_b
    mover.save()
    organiser = login(world.organiser)
    page = organiser.get(f"/surveys/{world.survey.pk}/responses/").content.decode()
    assert world.people[0].display_name in page and world.people[1].display_name in page
    assert f"/people/{mover.pk}/" not in page
    assert "2 responses from people you may view" in page
    assert Response.objects.filter(person__isnull=False).count() == 3
    assert AuditEntry.objects.filter(action="viewed", object_label__contains="identified responses").count() == 1
