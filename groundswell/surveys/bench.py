"""`groundswell bench surveys [--size N] [--database-url …]`: is the results page readable at 100,000 responses?

1. Builds a survey of 8 questions of mixed kinds (single, a conditional scale, multiple, ranking, yes/no, free
   text, a second single, a 0–10 scale) and N responses (default 100,000) with their answer rows, written with
   the importer's fast path (COPY on PostgreSQL, executemany on SQLite). Responses carry a ward, constituency and
   membership snapshot drawn from a few values, as personal-link responses do.
2. Renders the results page through the full Django stack (test client, session, two-factor middleware, the
   organiser's permission check, the template) RUNS times and reports the median (`results_render_s`) and the
   worst; then the page with a cross-tab by ward, and the first page of written answers.
"""

from __future__ import annotations

import random
import statistics
import time
from typing import Any

from allauth.mfa.totp.internal.auth import TOTP
from django.db import connection, transaction
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone
from tqdm import tqdm

from groundswell.accounts.models import Role, RoleAssignment, User
from groundswell.db.bulk import allocate_ids, insert_rows
from groundswell.loadgen import time_pages
from groundswell.people.models import OrganisationUnit
from groundswell.surveys import services
from groundswell.surveys.models import Response, ResponseAnswer, Survey
from groundswell.surveys.selectors import survey_questions
from groundswell.surveys.services import answer_rows

DEFAULT_RESPONSES = 100_000
RUNS = 7
CHUNK = 10_000
WARDS = [f"E050{n:05d}" for n in range(20)]
CONSTITUENCIES = ["E14000879", "E14000880", "E14000881"]
STATUSES = ["active", "active", "active", "lapsed", "arrears", "none", ""]
COMMENTS = [
    "Pay care workers a proper wage",
    "My mum waited eleven weeks for a care package",
    "Free personal care like Scotland",
    "More respite for unpaid carers",
    "Councils need proper funding",
]


def _build_survey(organiser: Any, unit: Any) -> Any:
    survey = services.create_survey(unit=unit, title="Bench: social care", actor=organiser)
    add = services.add_survey_question
    add(
        survey,
        text="Do you use social care?",
        kind="single",
        actor=organiser,
        choices_text="Yes now\nIn the past\nNo",
        required=True,
    )
    add(
        survey,
        text="How good was it?",
        kind="scale",
        actor=organiser,
        scale_min=1,
        scale_max=5,
        condition_key="do_you_use_social_care",
        condition_values=["yes_now", "in_the_past"],
    )
    add(
        survey,
        text="What should we fight for?",
        kind="multiple",
        actor=organiser,
        choices_text="Free personal care\nCare workers' pay\nCarers' breaks\nCouncil funding\nHome care hours",
    )
    add(
        survey,
        text="Rank the priorities",
        kind="ranking",
        actor=organiser,
        choices_text="Pay\nFunding\nStaffing\nBreaks",
    )
    add(survey, text="Would you come to a meeting?", kind="yes_no", actor=organiser)
    add(survey, text="Anything else?", kind="text", actor=organiser)
    add(
        survey,
        text="Your age",
        kind="single",
        actor=organiser,
        choices_text="Under 30\n30 to 49\n50 to 64\n65 and over",
    )
    add(survey, text="How much does this matter, 0 to 10?", kind="scale", actor=organiser, scale_min=0, scale_max=10)
    services.set_status(survey, Survey.Status.OPEN, organiser)
    return survey  # fmt: skip


def _answers(rng: random.Random) -> dict[str, Any]:
    uses = rng.choice(["yes_now", "in_the_past", "no", "no"])
    answers: dict[str, Any] = {"do_you_use_social_care": uses}
    if uses != "no":
        answers["how_good_was_it"] = rng.randint(1, 5)
    answers["what_should_we_fight_for"] = rng.sample(
        ["free_personal_care", "care_workers_pay", "carers_breaks", "council_funding", "home_care_hours"],
        rng.randint(1, 3),
    )
    answers["rank_the_priorities"] = rng.sample(["pay", "funding", "staffing", "breaks"], rng.randint(2, 4))
    answers["would_you_come_to_a_meeting"] = rng.random() < 0.3
    if rng.random() < 0.3:
        answers["anything_else"] = rng.choice(COMMENTS)
    answers["your_age"] = rng.choice(["under_30", "30_to_49", "50_to_64", "65_and_over"])
    answers["how_much_does_this_matter_0_to_10"] = rng.randint(0, 10)
    return answers


def _insert_responses(survey: Any, count: int, progress: bool) -> int:
    rng = random.Random(7)
    questions = {q.key: q for q in survey_questions(survey)}
    now = timezone.now()
    written = 0
    with tqdm(total=count, desc="responses", unit="resp", disable=not progress) as bar:
        for start in range(0, count, CHUNK):
            n = min(CHUNK, count - start)
            ids = allocate_ids(Response, n)
            responses, rows = [], []
            for pk in ids:
                answers = _answers(rng)
                channel = rng.choice(["personal", "personal", "public", "discussion"])
                responses.append(
                    (pk, survey.pk, channel, rng.choice(WARDS), rng.choice(CONSTITUENCIES), rng.choice(STATUSES),
                     answers, now)
                )  # fmt: skip
                for row in answer_rows(questions, answers):
                    rows.append(
                        (
                            pk,
                            survey.pk,
                            row["question_key"],
                            row.get("value", ""),
                            row.get("number"),
                            row.get("text", ""),
                        )
                    )
            insert_rows(
                Response,
                ["id", "survey", "channel", "ward_code", "constituency_code", "membership_status", "answers",
                 "submitted_at"],
                responses,
            )  # fmt: skip
            written += insert_rows(
                ResponseAnswer, ["response", "survey", "question_key", "value", "number", "text"], rows
            )
            bar.update(n)
    return written


def run(size: int | None = None, progress: bool = True) -> dict[str, Any]:
    count = DEFAULT_RESPONSES if size is None else max(10, size)
    started = time.perf_counter()
    unit = OrganisationUnit.objects.create(code="BENCH-CLP", name="Bench CLP", kind="constituency")
    organiser = User.objects.create_user(email="survey-bench@example.org", password="bench-password-1")
    RoleAssignment.objects.create(user=organiser, role=Role.ORGANISER, unit=unit)
    TOTP.activate(organiser, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    survey = _build_survey(organiser, unit)
    with transaction.atomic():  # one commit for the whole load (SQLite would otherwise sync every chunk)
        answer_count = _insert_responses(survey, count, progress)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and connection.get_autocommit():
            # What autovacuum does soon after a bulk load: statistics, and the visibility map that lets the
            # counts be index-only scans.
            cursor.execute("VACUUM ANALYZE surveys_responseanswer")
            cursor.execute("VACUUM ANALYZE surveys_response")
        else:
            cursor.execute("ANALYZE")
    build_s = time.perf_counter() - started

    with override_settings(ALLOWED_HOSTS=["testserver", "localhost", "127.0.0.1"]):
        client = Client()
        client.force_login(organiser)
        base = f"/surveys/{survey.pk}/results/"
        runs = RUNS if size is None or size >= 1000 else 2
        results = time_pages(client, base, runs)
        crosstab = time_pages(client, f"{base}?question=what_should_we_fight_for&by=ward", max(2, runs // 2))
        text = time_pages(client, f"{base}text/", max(2, runs // 2))
    return {
        "responses": count,
        "answer_rows": answer_count,
        "build_s": round(build_s, 2),
        "results_render_s": round(statistics.median(results), 3),
        "results_render_worst_s": round(max(results), 3),
        "results_render_runs": runs,
        "crosstab_render_s": round(statistics.median(crosstab), 3),
        "text_page_render_s": round(statistics.median(text), 3),
        "timing": "median of the runs (worst also given); each a full GET through the Django stack",
    }
