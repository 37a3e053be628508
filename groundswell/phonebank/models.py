"""Call campaigns, their queue of contacts, phonebank sessions and the calls made.

The queue row (`CallTarget`) is the unit of assignment. One column, `available_at`, orders the whole queue:
for a contact waiting to be called it is when it may next be called (now, or after a retry delay); for a
contact leased to a caller it is when the lease runs out. So "who is next" is one index scan over open
rows with `available_at <= now`, and a caller who vanishes releases the contact without any sweeper.
`lease_seq` counts assignments: a result is applied only by the caller holding the current lease.
"""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Purpose(models.TextChoices):
    # Party promotion calls are direct marketing under PECR: TPS-registered numbers are screened out.
    PROMOTION = "promotion", "Party promotion (TPS-screened)"
    MEMBER_CONTACT = "member_contact", "Member contact"
    SURVEY = "survey", "Genuine survey or research"


class Outcome(models.TextChoices):
    COMPLETED = "completed", "Spoke to them"
    NO_ANSWER = "no_answer", "No answer"
    BUSY = "busy", "Busy / engaged"
    VOICEMAIL = "voicemail", "Answerphone"
    CALL_BACK = "call_back", "Call back later"
    WRONG_NUMBER = "wrong_number", "Wrong number"
    REFUSED = "refused", "Refused"
    DO_NOT_CALL = "do_not_call", "Do not call again"
    DECEASED = "deceased", "Deceased"


def default_retry_rules() -> dict[str, int | str | None]:
    """Minutes before the next try per outcome; None = never again; 'requested' = the time the callee asked for."""
    return {
        Outcome.NO_ANSWER: 240,
        Outcome.BUSY: 30,
        Outcome.VOICEMAIL: 240,
        Outcome.CALL_BACK: "requested",
        Outcome.COMPLETED: None,
        Outcome.WRONG_NUMBER: None,
        Outcome.REFUSED: None,
        Outcome.DO_NOT_CALL: None,
        Outcome.DECEASED: None,
    }


class CallCampaign(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Calling"
        PAUSED = "paused", "Paused"
        FINISHED = "finished", "Finished"

    unit = models.ForeignKey("people.OrganisationUnit", on_delete=models.PROTECT, related_name="call_campaigns")
    name = models.CharField(max_length=200)
    brief = models.TextField(blank=True, default="", help_text="What callers read before their first call")
    question_set = models.ForeignKey(
        "questions.QuestionSet", null=True, blank=True, on_delete=models.PROTECT, related_name="call_campaigns"
    )
    purpose = models.CharField(max_length=20, choices=Purpose.choices, default=Purpose.PROMOTION)
    # Voter ID by phone: support answers from calls to electors are recorded as this canvass campaign's contacts.
    canvass_campaign = models.ForeignKey(
        "canvassing.CanvassCampaign", null=True, blank=True, on_delete=models.SET_NULL, related_name="call_campaigns"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    # The saved filter that built the target list: {"tags": [...], "membership": [...], "support": [...]}.
    target_filter = models.JSONField(default=dict, blank=True)
    window_start = models.TimeField(default=datetime.time(9, 0))
    window_end = models.TimeField(default=datetime.time(21, 0))
    # Per weekday overrides, "mon".."sun": ["10:00", "16:00"], or null for no calling that day.
    window_by_day = models.JSONField(default=dict, blank=True)
    time_zone = models.CharField(max_length=50, default="Europe/London")
    max_attempts = models.PositiveSmallIntegerField(default=3)
    retry_rules = models.JSONField(default=default_retry_rules, blank=True)
    lease_minutes = models.PositiveSmallIntegerField(default=15, help_text="A contact returns to the queue after this")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class CallTarget(models.Model):
    class State(models.TextChoices):
        OPEN = "open", "To call"
        DONE = "done", "Finished"
        EXCLUDED = "excluded", "Excluded"

    campaign = models.ForeignKey(CallCampaign, on_delete=models.CASCADE, related_name="targets")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="call_targets")
    elector = models.ForeignKey(
        "register.Elector", null=True, blank=True, on_delete=models.SET_NULL, related_name="call_targets"
    )
    phone = models.CharField(max_length=20)
    priority = models.IntegerField(default=100, help_text="Lower is called first")
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    available_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lease_seq = models.PositiveIntegerField(default=0)
    leased_at = models.DateTimeField(null=True, blank=True)
    # The caller who last skipped it, so it is not handed straight back to them.
    skipped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The app process's block this open contact sits in, waiting to be handed out (see leasing.py); its
    # available_at is then the block's end, after which another process may claim it.
    block = models.BigIntegerField(null=True, blank=True)
    last_outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True, default="")
    excluded_reason = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "person"], name="one_target_per_person")]
        indexes = [
            models.Index(
                fields=["campaign", "priority", "available_at", "id"],
                condition=Q(state="open"),
                name="phonebank_queue",
            )
        ]


def new_session_token() -> str:
    return secrets.token_urlsafe(16)


class PhonebankSession(models.Model):
    """A calling session: callers join by its link. (An event on the events map once that exists.)"""

    campaign = models.ForeignKey(CallCampaign, on_delete=models.CASCADE, related_name="sessions")
    title = models.CharField(max_length=200)
    token = models.CharField(max_length=32, unique=True, default=new_session_token, editable=False)
    brief = models.TextField(blank=True, default="", help_text="Anything extra for this session's callers")
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_at"]

    def __str__(self) -> str:
        return self.title


class SessionCaller(models.Model):
    session = models.ForeignKey(PhonebankSession, on_delete=models.CASCADE, related_name="callers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="phonebank_seats")
    joined_at = models.DateTimeField(default=timezone.now)
    phone = models.CharField(max_length=20, blank=True, default="", help_text="For bridged calls only")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "user"], name="one_seat_per_caller")]


class CallAttempt(models.Model):
    """One call made (or tried). Never edited; a target's state is derived from these when applied."""

    campaign = models.ForeignKey(CallCampaign, on_delete=models.CASCADE, related_name="attempts")
    target = models.ForeignKey(CallTarget, on_delete=models.CASCADE, related_name="calls")
    caller = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    session = models.ForeignKey(PhonebankSession, null=True, blank=True, on_delete=models.SET_NULL)
    # Client-generated: a double-click or a retry after a network error stores the result once.
    client_id = models.CharField(max_length=64)
    lease_seq = models.PositiveIntegerField()
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    answers = models.JSONField(default=dict, blank=True)
    notes = models.TextField(blank=True, default="")
    callback_at = models.DateTimeField(null=True, blank=True)
    assigned_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now, db_index=True)
    # False when the caller did not hold the current lease (it had passed on, or was never theirs): the call is
    # kept as a record and changes nothing else.
    applied = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["caller", "client_id"], name="one_result_per_client_id")]
        indexes = [models.Index(fields=["campaign", "submitted_at"])]


class CallSkip(models.Model):
    """A contact handed back without calling: kept so a caller who skips most contacts can be noticed."""

    campaign = models.ForeignKey(CallCampaign, on_delete=models.CASCADE, related_name="skips")
    target = models.ForeignKey(CallTarget, on_delete=models.CASCADE, related_name="skips")
    caller = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    skipped_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["campaign", "caller"])]
