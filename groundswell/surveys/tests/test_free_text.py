"""Free-text answers: search, tags added and taken off (htmx), filtered by tag."""

from __future__ import annotations

import pytest

from groundswell.accounts.models import Role
from groundswell.audit.models import AuditEntry
from groundswell.surveys import services
from groundswell.surveys.models import AnswerTag, ResponseAnswer
from groundswell.tests.factories import user_with_role

from .world import ELSE, USES, build_world, login

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    w = build_world()
    for text in ["Pay care workers properly", "More respite for carers", "Fund councils"]:
        services.submit_response(w.survey, {USES: "no", ELSE: text}, channel="public")
    return w


def test_search_and_tags(world):
    organiser = login(world.organiser)
    url = f"/surveys/{world.survey.pk}/results/text/"
    page = organiser.get(url, {"q": "CARER"}).content.decode()
    assert "More respite for carers" in page and 'id="answer-count">1 answer<' in page
    answer = ResponseAnswer.objects.get(text="Pay care workers properly")
    tagged = organiser.post(f"{url}{answer.pk}/tags/", {"tag": "  Care workers'   pay "}, HTTP_HX_REQUEST="true")
    assert tagged.status_code == 200 and "care workers&#x27; pay" in tagged.content.decode()
    assert list(AnswerTag.objects.values_list("name", flat=True)) == ["care workers' pay"]
    too_long = organiser.post(f"{url}{answer.pk}/tags/", {"tag": "x" * 51}, HTTP_HX_REQUEST="true")
    assert too_long.status_code == 400 and "at most 50 characters" in too_long.content.decode()
    filtered = organiser.get(url, {"tag": "care workers' pay"}).content.decode()
    assert 'id="answer-count">1 answer<' in filtered and "Pay care workers properly" in filtered
    organiser.post(f"{url}{answer.pk}/tags/", {"tag": "care workers' pay", "remove": "1"}, HTTP_HX_REQUEST="true")
    assert not AnswerTag.objects.exists()


def test_an_answer_of_another_survey_cannot_be_tagged_here(world):
    other = services.create_survey(unit=world.units.clp_a, title="Other", actor=world.organiser)
    answer = ResponseAnswer.objects.first()
    response = login(world.organiser).post(f"/surveys/{other.pk}/results/text/{answer.pk}/tags/", {"tag": "x"})
    assert response.status_code == 404


def test_reading_the_written_answers_is_audited(world):
    """What respondents wrote is personal data: each page of it is in the audit log, with what was shown."""
    url = f"/surveys/{world.survey.pk}/results/text/"
    organiser = login(world.organiser)
    before = AuditEntry.objects.count()
    page = organiser.get(url, {"q": "carer"})
    assert page.status_code == 200
    entry = AuditEntry.objects.order_by("-sequence").first()
    assert AuditEntry.objects.count() == before + 1
    assert (entry.action, entry.object_type, entry.object_id) == ("searched", "surveys.survey", str(world.survey.pk))
    assert entry.actor_id == world.organiser.pk and entry.unit_path == world.survey.unit.path
    assert entry.query == "q=carer"
    shown = ResponseAnswer.objects.get(text="More respite for carers")
    assert entry.detail == {"page": 1, "total": 1, "answer_ids": [shown.pk]}
    assert "respite" not in entry.object_label


def test_another_units_organiser_reads_no_written_answers_and_leaves_no_search_entry(world):
    stranger = user_with_role(Role.ORGANISER, world.units.clp_b)
    client = login(stranger)
    before = AuditEntry.objects.count()
    assert client.get(f"/surveys/{world.survey.pk}/results/text/").status_code == 403
    assert not AuditEntry.objects.filter(sequence__gt=before, action="searched").exists()
