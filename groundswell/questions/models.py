"""Questions, shared by canvass question sets, phonebank scripts and surveys.

A question set is an ordered list of questions. A question may be shown only when an earlier answer matches
(`condition`), and an answer may skip ahead or end the conversation (`branches`). Support codes are the answers
to the party-support question, configured per organisation unit.
"""

from __future__ import annotations

from django.db import models


class QuestionSet(models.Model):
    class Purpose(models.TextChoices):
        CANVASS = "canvass", "Canvass"
        CALL = "call", "Phonebank script"
        SURVEY = "survey", "Survey"

    unit = models.ForeignKey("people.OrganisationUnit", on_delete=models.PROTECT, related_name="question_sets")
    name = models.CharField(max_length=200)
    purpose = models.CharField(max_length=10, choices=Purpose.choices, default=Purpose.CANVASS)
    introduction = models.TextField(blank=True, default="", help_text="Read out or shown before the questions")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Question(models.Model):
    class Kind(models.TextChoices):
        SUPPORT = "support", "Party support code"
        LIKELIHOOD = "likelihood", "Likelihood to vote (0–10)"
        SINGLE = "single", "Single choice"
        MULTIPLE = "multiple", "Multiple choice"
        SCALE = "scale", "Scale"
        RANKING = "ranking", "Ranking"
        YES_NO = "yes_no", "Yes / no"
        TEXT = "text", "Free text"

    question_set = models.ForeignKey(QuestionSet, on_delete=models.CASCADE, related_name="questions")
    key = models.SlugField(max_length=50, help_text="Stable name used in stored answers, e.g. 'support'")
    text = models.CharField(max_length=500)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    # [{"value": "lab", "label": "Labour"}, …] for choice kinds; {"min": 0, "max": 10} for scales.
    choices = models.JSONField(default=list, blank=True)
    scale = models.JSONField(default=dict, blank=True)
    required = models.BooleanField(default=False)
    order = models.PositiveIntegerField(default=0)
    section = models.CharField(max_length=200, blank=True, default="")
    # Show only if an earlier answer matches: {"question": "support", "in": ["und", "lab"]}.
    condition = models.JSONField(default=dict, blank=True)
    # Where an answer leads: {"refused": "end", "no": "issues"} (a later question's key, or "end").
    branches = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["question_set", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["question_set", "key"], name="unique_question_key")]

    def __str__(self) -> str:
        return self.text


class SupportCode(models.Model):
    """A party-support code, the answer to a SUPPORT question. Configurable per organisation unit; the national
    unit's set is the default. Canvassing, phonebank, GOTV and targeting all read them."""

    class Category(models.TextChoices):
        OURS = "ours", "Supports us"
        OTHER_PARTY = "party", "Supports another party"
        UNDECIDED = "undecided", "Undecided"
        AGAINST = "against", "Against us"
        WONT_SAY = "wont_say", "Won't say"
        NOT_VOTING = "not_voting", "Not voting"

    unit = models.ForeignKey("people.OrganisationUnit", on_delete=models.CASCADE, related_name="support_codes")
    code = models.CharField(max_length=10)
    label = models.CharField(max_length=100)
    category = models.CharField(max_length=12, choices=Category.choices)
    colour = models.CharField(max_length=7, default="#777777")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        # The table keeps the name it had when support codes lived in canvassing (moved without copying rows).
        db_table = "canvassing_supportcode"
        ordering = ["order", "code"]
        constraints = [models.UniqueConstraint(fields=["unit", "code"], name="unique_support_code")]

    def __str__(self) -> str:
        return f"{self.code} — {self.label}"
