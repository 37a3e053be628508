"""Surveys: a question set (questions app, purpose SURVEY) published by public and personal links, discussion
events whose host enters the room's answers, and the responses from all of them in one result set.

Answers are stored twice on purpose: `Response.answers` is the record of what was submitted (for the export and
the person's timeline), and one `ResponseAnswer` row per answered value is what results aggregate with GROUP BY
over an index (a multiple-choice answer is one row per ticked choice; a ranking one row per ranked choice with
its position), so the results page reads index entries, not JSON, at 100,000 responses.

Anonymous surveys: a response keeps no link to a person — no person, no ward/constituency/membership snapshot,
and a submission time rounded down to the day — and the invitation only records *that* its holder responded
(a flag, no time), so neither ids nor timing join a response to an invitation.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


def new_token() -> str:
    return secrets.token_urlsafe(18)


class Survey(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    unit = models.ForeignKey("people.OrganisationUnit", on_delete=models.PROTECT, related_name="surveys")
    question_set = models.OneToOneField(
        "questions.QuestionSet", on_delete=models.PROTECT, related_name="survey", limit_choices_to={"purpose": "survey"}
    )
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    intro = models.TextField(blank=True, default="", help_text="Shown above the questions")
    thank_you = models.TextField(blank=True, default="Thank you: your answers have been recorded.")
    anonymous = models.BooleanField(default=False, help_text="Responses keep no link to the person")
    public = models.BooleanField(default=True, help_text="Anyone with the public link may answer")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    opens_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        if self.status != self.Status.OPEN:
            return False
        return (self.opens_at is None or self.opens_at <= now) and (self.closes_at is None or now < self.closes_at)


class Discussion(models.Model):
    """A discussion event: the host enters each participant's answers (one form per person in the room)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="discussions")
    title = models.CharField(max_length=200)
    held_at = models.DateTimeField(default=timezone.now)
    place = models.CharField(max_length=200, blank=True, default="")
    host = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="hosted_discussions")
    notes = models.TextField(blank=True, default="")
    # The event on the events map where the discussion was held, if it was advertised there: its page then links
    # to the survey for those who could not come, and its hosts to this discussion's entry form.
    event = models.ForeignKey(
        "events.Event", null=True, blank=True, on_delete=models.SET_NULL, related_name="discussions"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-held_at", "-id"]

    def __str__(self) -> str:
        return self.title


class Invitation(models.Model):
    """A personal link: whoever holds the token answers as `person`, without logging in, once."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="survey_invitations")
    token = models.CharField(max_length=40, unique=True, default=new_token, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set once, by a conditional UPDATE in the submitting transaction: a second submit finds it set and stops.
    responded = models.BooleanField(default=False)
    # When, for identified surveys only: an anonymous survey's invitation says *that*, never when.
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["survey", "person"], name="one_invitation_per_person")]
        indexes = [models.Index(fields=["survey", "responded"])]


# Response.membership_status of someone with no membership record (or of an unidentified respondent).
NOT_A_MEMBER = "none"


class Response(models.Model):
    class Channel(models.TextChoices):
        PUBLIC = "public", "Public link"
        PERSONAL = "personal", "Personal link"
        DISCUSSION = "discussion", "Discussion event"

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    # Always null for an anonymous survey (a check constraint cannot see the survey, so services enforce it).
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="survey_responses"
    )
    channel = models.CharField(max_length=12, choices=Channel.choices)
    discussion = models.ForeignKey(
        Discussion, null=True, blank=True, on_delete=models.SET_NULL, related_name="responses"
    )
    # Snapshots for cross-tabs, taken when the response arrives (people move and lapse; the answer was theirs then).
    ward_code = models.CharField(max_length=12, blank=True, default="")
    constituency_code = models.CharField(max_length=12, blank=True, default="")
    membership_status = models.CharField(max_length=12, blank=True, default="")
    answers = models.JSONField(default=dict, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(fields=["survey", "channel"]),
            models.Index(fields=["survey", "submitted_at"]),
            models.Index(fields=["survey", "person"], condition=Q(person__isnull=False), name="survey_response_person"),
        ]


class ResponseAnswer(models.Model):
    """One answered value, for GROUP BY. `value`: the choice / "yes" / "no" / the number as text ("" for free
    text); `number`: a scale's number or a ranked choice's position (1 = first); `text`: free text."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="rows")
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    question_key = models.CharField(max_length=50)
    value = models.CharField(max_length=200, blank=True, default="")
    number = models.IntegerField(null=True, blank=True)
    text = models.TextField(blank=True, default="")

    class Meta:
        indexes = [
            # Covers the per-question counts and position sums (an index-only scan), and a cross-tab's walk from
            # one question's answers to their responses without reading the answer rows themselves.
            models.Index(fields=["survey", "question_key", "value", "number", "response"], name="survey_answer_counts"),
        ]


class AnswerTag(models.Model):
    """An organiser's tag on a free-text answer ("care workers' pay", "spam"…), for sorting the comments."""

    answer = models.ForeignKey(ResponseAnswer, on_delete=models.CASCADE, related_name="tags")
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=50)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["answer", "name"], name="one_tag_per_answer")]
        indexes = [models.Index(fields=["survey", "name"])]
