"""The live dashboard, the session page, the audited export, and who may open any of the organisers' pages."""

from __future__ import annotations

import csv
import datetime
import io
import json
import uuid
from pathlib import Path

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from groundswell.accounts.models import Role
from groundswell.audit.models import AuditEntry
from groundswell.charts import column_chart
from groundswell.phonebank import selectors, services
from groundswell.phonebank.models import CallAttempt, CallTarget, PhonebankSession
from groundswell.tests.factories import UnitFactory, user_with_role

from .test_organiser_campaigns import login
from .world import NOON, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _open_window(monkeypatch):
    from django.core.cache import cache

    from groundswell.phonebank import rules

    monkeypatch.setattr(rules, "in_window", lambda campaign, at: True)
    cache.clear()  # the dashboard's few-second figure cache must not carry over from another test's campaign


def call(world, caller, outcome, at, talk=datetime.timedelta(minutes=2), **kwargs):
    card = services.claim_next(world.campaign, caller.pk, at - talk)
    assert isinstance(card, services.ContactCard)
    return services.submit_result(
        world.session,
        caller,
        client_id=uuid.uuid4().hex,
        target_id=card.target_id,
        lease_seq=card.lease_seq,
        outcome=outcome,
        now=at,
        and_next=False,
        **kwargs,
    )


@pytest.fixture
def busy_world():
    """Six calls in the last hour: Ann completes three (two of them in ten seconds), Bob gets no answer twice."""
    world = build_world(people=8)
    world.caller.display_name = "Ann Caller"
    world.caller.save()
    now = NOON
    call(
        world,
        world.caller,
        "completed",
        now - datetime.timedelta(minutes=50),
        answers={"intention": "yes", "volunteer": "yes", "when": "Saturdays"},
    )
    call(
        world,
        world.caller,
        "completed",
        now - datetime.timedelta(minutes=10),
        talk=datetime.timedelta(seconds=10),
        answers={"intention": "against"},
    )
    call(world, world.caller, "completed", now - datetime.timedelta(minutes=5), talk=datetime.timedelta(seconds=10))
    call(world, world.caller2, "no_answer", now - datetime.timedelta(minutes=4))
    call(world, world.caller2, "no_answer", now - datetime.timedelta(minutes=3))
    # Bob holds a contact now; a third caller from yesterday is not online.
    services.claim_next(world.campaign, world.caller2.pk, now)
    world.now = now
    return world


def test_the_dashboard_counts_callers_calls_outcomes_and_answers(busy_world):
    d = selectors.dashboard(busy_world.campaign, busy_world.now)
    assert d["callers_online"] == 2
    assert d["calls_last_hour"] == 5
    bars = d["per_minute_chart"]["bars"]
    assert len(bars) == 60 and sum(b["value"] for b in bars) == 5
    # The last bar is the current clock minute (14:00), so 13:57 and 13:56 are the 4th and 5th from the end.
    assert bars[-4]["value"] == 1 and bars[-5]["value"] == 1 and bars[-1]["value"] == 0
    outcomes = {r["value"]: r["count"] for r in d["outcomes"]}
    assert outcomes["completed"] == 3 and outcomes["no_answer"] == 2 and outcomes["refused"] == 0
    intention = next(a for a in d["answers"] if a["question"].key == "intention")
    assert {r["value"]: r["count"] for r in intention["rows"]} == {"yes": 1, "maybe": 0, "against": 1}
    volunteer = next(a for a in d["answers"] if a["question"].key == "volunteer")
    assert {r["value"]: r["count"] for r in volunteer["rows"]} == {"yes": 1, "no": 0}


def test_contacts_remaining_and_a_completion_estimate_from_the_recent_rate(busy_world):
    world = busy_world
    CallTarget.objects.filter(campaign=world.campaign, state="open", lease_owner__isnull=True).filter(
        pk=CallTarget.objects.filter(
            campaign=world.campaign, state="open", attempts=0, lease_owner__isnull=True
        ).values("pk")[:1]
    ).update(state="excluded", excluded_reason="suppressed")
    left = selectors.remaining(world.campaign, world.now)
    assert left["total"] == 8
    assert left["done"] == 3 and left["in_call"] == 1 and left["later"] == 2 and left["excluded"] == 1
    assert left["now"] == 1 and left["open"] == 4
    assert left["exclusions"] == [{"reason": "suppressed", "count": 1}]
    # 4 calls in the last 15 minutes: 4 open contacts take about 15 minutes.
    estimate = selectors.dashboard(world.campaign, world.now)["estimate"]
    assert estimate["minutes"] == 15 and estimate["per_minute"] == pytest.approx(0.3, abs=0.05)
    assert selectors.completion_estimate(10, 0, datetime.timedelta(minutes=15)) is None


def test_quality_flags_name_callers_with_short_or_empty_completed_calls(busy_world):
    flags = {f["caller"]: f["flags"] for f in selectors.quality_flags(busy_world.campaign, has_script=True)}
    assert set(flags) == {"Ann"}
    assert "2 completed calls under 20 s" in flags["Ann"]
    assert "1 completed call with no answers" in flags["Ann"]


def test_a_high_refusal_rate_is_flagged_from_ten_calls():
    world = build_world(people=12)
    at = NOON
    for i in range(10):
        call(
            world,
            world.caller,
            "refused" if i < 6 else "completed",
            at + datetime.timedelta(minutes=i),
            answers={} if i < 6 else {"intention": "maybe", "volunteer": "no"},
        )
    flags = selectors.quality_flags(world.campaign, has_script=True)
    assert flags[0]["flags"] == ["60% refusals"]


def test_the_dashboard_page_and_its_refresh(busy_world):
    client = login(busy_world.organiser)
    page = client.get(reverse("phonebank:dashboard", args=[busy_world.campaign.pk])).content.decode()
    assert 'hx-trigger="every 10s"' in page and "<svg" in page and "Callers to check on" in page
    assert AuditEntry.objects.filter(action="viewed", object_type="phonebank.callcampaign").count() == 1
    part = client.get(reverse("phonebank:dashboard_live", args=[busy_world.campaign.pk])).content.decode()
    assert "<html" not in part and 'id="callers-online"' in part
    # The refresh is not audited again (every ten seconds would drown the log).
    assert AuditEntry.objects.filter(action="viewed", object_type="phonebank.callcampaign").count() == 1


def test_the_session_page_shows_the_team_and_the_leaderboard(busy_world):
    client = login(busy_world.organiser)
    page = client.get(reverse("phonebank:session", args=[busy_world.session.pk])).content.decode()
    assert "<strong>5</strong> calls" in page
    assert '<th scope="row">Ann</th><td class="num-cell">3</td>' in page
    assert "No answer" in page and "10 s" in page


def test_the_export_has_one_row_per_call_with_a_column_per_question_and_is_audited(busy_world):
    client = login(busy_world.organiser)
    url = reverse("phonebank:export", args=[busy_world.campaign.pk])
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 400 and "Say why you need this export" in refused.content.decode()
    assert not AuditEntry.objects.filter(action="exported").exists()
    response = client.post(url, {"reason": "Follow up volunteers for Saturday"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 5
    assert list(rows[0]) == [
        "attempted_at",
        "caller",
        "person_id",
        "name",
        "phone",
        "outcome",
        "applied",
        "notes",
        "intention",
        "volunteer",
        "when",
    ]
    first = rows[0]
    assert first["caller"] == "Ann" and first["outcome"] == "completed" and first["applied"] == "yes"
    assert first["intention"] == "yes" and first["volunteer"] == "yes" and first["when"] == "Saturdays"
    assert first["name"].endswith("Smith") and first["phone"].startswith("+44")
    entry = AuditEntry.objects.get(action="exported")
    assert entry.reason == "Follow up volunteers for Saturday" and entry.detail["rows"] == 5
    assert entry.actor_id == busy_world.organiser.pk and entry.unit_path == busy_world.clp.path


def test_an_answer_to_a_removed_question_stays_in_the_export(busy_world):
    from groundswell.questions.models import Question

    Question.objects.filter(key="when").delete()
    keys, header = selectors.export_columns(busy_world.campaign)
    assert keys == ["intention", "volunteer", "when"] and header[-1] == "when (removed question)"


def test_an_organiser_of_a_sibling_unit_gets_403_on_every_organiser_page(busy_world):
    world = busy_world
    sibling = UnitFactory(code="CLP-SIB", name="Reading West CLP", kind="constituency")
    outsider = login(user_with_role(Role.ORGANISER, sibling, email="west@example.org"))
    c, s = world.campaign.pk, world.session.pk
    q = world.campaign.question_set.questions.first().pk
    gets = [
        reverse("phonebank:campaign", args=[c]),
        reverse("phonebank:campaign_edit", args=[c]),
        reverse("phonebank:build_status", args=[c, uuid.uuid4()]),
        reverse("phonebank:script", args=[c]),
        reverse("phonebank:script_preview", args=[c]),
        reverse("phonebank:dashboard", args=[c]),
        reverse("phonebank:dashboard_live", args=[c]),
        reverse("phonebank:export", args=[c]),
        reverse("phonebank:session", args=[s]),
    ]
    posts = [
        reverse("phonebank:campaign_edit", args=[c]),
        reverse("phonebank:campaign_status", args=[c]),
        reverse("phonebank:build", args=[c]),
        reverse("phonebank:script", args=[c]),
        reverse("phonebank:script_introduction", args=[c]),
        reverse("phonebank:question_remove", args=[c, q]),
        reverse("phonebank:question_move", args=[c, q]),
        reverse("phonebank:question_branches", args=[c, q]),
        reverse("phonebank:session_create", args=[c]),
        reverse("phonebank:session_end", args=[s]),
        reverse("phonebank:export", args=[c]),
    ]
    for url in gets:
        assert outsider.get(url).status_code == 403, url
    for url in posts:
        assert outsider.post(url, {"reason": "just looking", "status": "paused", "title": "x"}).status_code == 403, url
    # The sibling's own pages work, and its unit picker and live count offer only its own unit.
    assert outsider.get(reverse("phonebank:campaigns")).status_code == 200
    count = outsider.get(reverse("phonebank:filter_count"), {"unit": world.clp.pk}).content.decode()
    assert "Choose one of your units." in count
    world.campaign.refresh_from_db()
    assert world.campaign.status == "active" and PhonebankSession.objects.get(pk=s).active
    assert CallAttempt.objects.count() == 5 and not AuditEntry.objects.filter(action="exported").exists()


def test_nobody_signed_out_reaches_the_pages(busy_world):
    response = Client().get(reverse("phonebank:dashboard", args=[busy_world.campaign.pk]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_caller_who_skips_most_contacts_is_flagged():
    world = build_world(people=12)
    card = services.claim_next(world.campaign, world.caller.pk, NOON)
    for _ in range(7):
        card = services.skip_call(
            world.session, world.caller, target_id=card.target_id, lease_seq=card.lease_seq, now=NOON
        )
    call(world, world.caller, "no_answer", NOON + datetime.timedelta(minutes=1))
    call(world, world.caller, "no_answer", NOON + datetime.timedelta(minutes=2))
    call(world, world.caller, "no_answer", NOON + datetime.timedelta(minutes=3))
    flags = selectors.quality_flags(world.campaign, has_script=True)
    assert flags[0]["flags"] == ["skipped 7 of 10 contacts"]


# ------------------------------------------------------------------ the chart as drawn (pinned)

SNAPSHOTS = Path(__file__).parent / "snapshots"
CHART_VALUES = {
    "empty": [],
    "zeros": [0] * 60,
    "small": [0, 1, 3, 2, 0, 5],
    "busy": [n * 37 % 1013 for n in range(60)],
    "huge": [123_456, 7, 99_999],
}


def test_the_calls_per_minute_chart_is_drawn_exactly_as_pinned(busy_world):
    """The dashboard's SVG and the chart geometry for a spread of value ranges: byte for byte."""
    html = render_to_string(
        "phonebank/organiser/_dashboard_body.html",
        {"campaign": busy_world.campaign, "d": selectors.dashboard(busy_world.campaign, busy_world.now)},
    )
    svg = html[html.index("<svg") : html.index("</svg>") + len("</svg>")]
    labels = {0: "start", 30: "middle", 59: "now"}
    charts = {name: column_chart(selectors.PER_MINUTE_CHART, values, labels) for name, values in CHART_VALUES.items()}
    pinned = json.loads((SNAPSHOTS / "per_minute_chart.json").read_text())
    assert json.loads(json.dumps({"svg": svg, "charts": charts})) == pinned
