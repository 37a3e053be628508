"""Complaints and discipline: cases, their stages and clocks, evidence, handlers and their conflicts, notices.

A case belongs to the respondent's organisation unit (for scoping) and moves intake → triage → investigation →
hearing → decision → appeal → closed. Each stage it enters opens a `StagePeriod` whose target comes from
`StageTarget` rows (data, editable), counted in England and Wales working days; the clock pauses only through a
`ClockPause` with a reason from `PauseReason`. Everything that happens is a `CaseEvent` (the case's own history);
every view, edit and decision is also in the hash-chained audit log.
"""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone


class Stage(models.TextChoices):
    INTAKE = "intake", "Intake"
    TRIAGE = "triage", "Triage"
    INVESTIGATION = "investigation", "Investigation"
    HEARING = "hearing", "Panel hearing"
    DECISION = "decision", "Decision and sanction"
    APPEAL = "appeal", "Appeal"
    CLOSED = "closed", "Closed"


OPEN_STAGES = [s for s in Stage.values if s != Stage.CLOSED]


class Category(models.TextChoices):
    RACE = "race", "Race, including antisemitism and Islamophobia (protected characteristic)"
    RELIGION = "religion", "Religion or belief (protected characteristic)"
    SEX = "sex", "Sex (protected characteristic)"
    SEXUAL_ORIENTATION = "sexual_orientation", "Sexual orientation (protected characteristic)"
    GENDER_REASSIGNMENT = "gender_reassignment", "Gender reassignment (protected characteristic)"
    DISABILITY = "disability", "Disability (protected characteristic)"
    AGE = "age", "Age (protected characteristic)"
    PREGNANCY = "pregnancy", "Pregnancy and maternity (protected characteristic)"
    MARRIAGE = "marriage", "Marriage and civil partnership (protected characteristic)"
    HARASSMENT = "harassment", "Harassment"
    SEXUAL_HARASSMENT = "sexual_harassment", "Sexual harassment"
    BULLYING = "bullying", "Bullying"
    CONDUCT = "conduct", "Other conduct (online or offline)"


PROTECTED_CHARACTERISTICS = {
    Category.RACE,
    Category.RELIGION,
    Category.SEX,
    Category.SEXUAL_ORIENTATION,
    Category.GENDER_REASSIGNMENT,
    Category.DISABILITY,
    Category.AGE,
    Category.PREGNANCY,
    Category.MARRIAGE,
}


class Outcome(models.TextChoices):
    NONE = "", "Not decided"
    NO_CASE = "no_case", "No case to answer"
    INFORMAL = "informal", "Informal resolution"
    NOT_UPHELD = "not_upheld", "Not upheld"
    UPHELD = "upheld", "Upheld"


class Sanction(models.TextChoices):
    NONE = "", "None"
    REMINDER = "reminder", "Reminder of conduct"
    TRAINING = "training", "Training required"
    WARNING = "warning", "Formal warning"
    SUSPENSION = "suspension", "Suspension of membership"
    EXPULSION = "expulsion", "Expulsion"


# Sanctions the rulebook lets only a panel impose, after a hearing the respondent could attend.
SANCTIONS_NEEDING_HEARING = {Sanction.SUSPENSION, Sanction.EXPULSION}


class PauseReason(models.TextChoices):
    POLICE = "police", "Police or court proceedings under way"
    COMPLAINANT_UNAVAILABLE = "complainant_unavailable", "Complainant unavailable (illness, bereavement)"
    RESPONDENT_UNAVAILABLE = "respondent_unavailable", "Respondent unavailable (illness, bereavement)"
    AWAITING_EVIDENCE = "awaiting_evidence", "Waiting for evidence asked of a party"
    LEGAL_ADVICE = "legal_advice", "Waiting for legal advice"


class StageTarget(models.Model):
    """The published target for one stage, in working days (England and Wales). Data, not code: edit the rows."""

    stage = models.CharField(max_length=20, choices=Stage.choices, unique=True)
    working_days = models.PositiveIntegerField()
    source = models.CharField(max_length=300, blank=True, default="")

    def __str__(self) -> str:
        return f"{self.get_stage_display()}: {self.working_days} working days"


class RetentionRule(models.Model):
    """How long a closed case is kept, by outcome, and what happens then (data rows with their source)."""

    class Action(models.TextChoices):
        ANONYMISE = "anonymise", "Anonymise (keep counts)"
        DELETE = "delete", "Delete"

    outcome = models.CharField(max_length=20, choices=Outcome.choices, unique=True)
    years = models.PositiveIntegerField()
    action = models.CharField(max_length=10, choices=Action.choices, default=Action.ANONYMISE)
    source = models.CharField(max_length=300, blank=True, default="")


class NoticeTemplate(models.Model):
    """A notice's wording. Merge fields: {{ reference }}, {{ stage }}, {{ due_on }}, {{ timescales }}, {{ outcome }},
    {{ sanction }}, {{ reason }}, {{ given_name }}. Never the allegation: notices go by email."""

    class Kind(models.TextChoices):
        ACKNOWLEDGEMENT = "acknowledgement", "Acknowledgement with reference and timescales"
        RESPONDENT_RIGHTS = "respondent_rights", "Respondent: a complaint, your rights and the timescales"
        STAGE = "stage", "Stage changed"
        OUTCOME = "outcome", "Outcome"
        SUSPENSION = "suspension", "Interim suspension"
        SELECTION_FLAG = "selection_flag", "Procedures secretary: a selection participant is suspended"

    kind = models.CharField(max_length=30, choices=Kind.choices, unique=True)
    subject = models.CharField(max_length=250)
    body = models.TextField()


class Handler(models.Model):
    """A member of the trained pool. Untrained (no training date, or training lapsed) handlers cannot be assigned."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="complaints_handler")
    trained_on = models.DateField(null=True, blank=True)
    refresher_due_on = models.DateField(null=True, blank=True)
    active = models.BooleanField(default=True)
    last_assigned_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Handler #{self.pk}"


class Case(models.Model):
    class Channel(models.TextChoices):
        WEB = "web", "Web form"
        EMAIL = "email", "Email"
        LETTER = "letter", "Letter"
        PHONE = "phone", "Phone"
        IN_PERSON = "in_person", "In person"

    class SarExemption(models.TextChoices):
        NONE = "", "None"
        CRIME = "crime", "Prevention or detection of crime (DPA 2018 Sch. 2 para. 2)"
        LEGAL_PRIVILEGE = "legal_privilege", "Legal professional privilege (DPA 2018 Sch. 2 para. 19)"

    reference = models.CharField(max_length=20, unique=True)
    unit = models.ForeignKey("people.OrganisationUnit", on_delete=models.PROTECT, related_name="complaint_cases")
    category = models.CharField(max_length=30, choices=Category.choices)
    summary = models.TextField()
    special_category = models.BooleanField(
        default=False,
        help_text="Holds health, ethnicity, religion or sex-life data: only the assigned handler reads it",
    )
    complainant = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="complaints_made"
    )
    complainant_name = models.CharField(max_length=200, blank=True, default="")
    complainant_email = models.EmailField(blank=True, default="")
    respondent = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="complaints_about"
    )
    received_via = models.CharField(max_length=20, choices=Channel.choices, default=Channel.WEB)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handler = models.ForeignKey(Handler, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases")
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.INTAKE)
    stage_due_on = models.DateField(null=True, blank=True)
    clock_paused = models.BooleanField(default=False)
    overdue = models.BooleanField(default=False, help_text="The current stage's target was missed (escalated)")
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True, default="")
    sanction = models.CharField(max_length=20, choices=Sanction.choices, blank=True, default="")
    decision_reason = models.TextField(blank=True, default="")
    hearing_required = models.BooleanField(default=False)
    hearing_held_on = models.DateField(null=True, blank=True)
    pending_selection = models.BooleanField(default=False)
    sar_exemption = models.CharField(max_length=20, choices=SarExemption.choices, blank=True, default="")
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    retain_until = models.DateField(null=True, blank=True)
    anonymised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["stage", "opened_at"], name="complaints_stage_opened"),
            models.Index(fields=["retain_until"], name="complaints_retain_until"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.stage != Stage.CLOSED


class StagePeriod(models.Model):
    """One spell of a case in one stage: when it began and ended, its target and its paused working days."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="periods")
    stage = models.CharField(max_length=20, choices=Stage.choices)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    target_days = models.PositiveIntegerField()
    paused_days = models.PositiveIntegerField(default=0)
    due_on = models.DateField()
    working_days = models.PositiveIntegerField(null=True, blank=True, help_text="Working days taken, once ended")
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # Covers the dashboard's medians: (stage, days) groups read in index order, case for the scope.
            models.Index(fields=["stage", "working_days", "ended_on", "case"], name="complaints_period_stage"),
            models.Index(fields=["ended_on", "due_on"], name="complaints_period_due"),
        ]


class ClockPause(models.Model):
    period = models.ForeignKey(StagePeriod, on_delete=models.CASCADE, related_name="pauses")
    reason = models.CharField(max_length=30, choices=PauseReason.choices)
    note = models.TextField(blank=True, default="")
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")


class CaseEvent(models.Model):
    """The case's own history, shown on its page and to the parties in plain words (`public` rows only)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=30)
    stage = models.CharField(max_length=20, choices=Stage.choices)
    summary = models.CharField(max_length=300)
    detail = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    public = models.BooleanField(default=False, help_text="Shown to complainant and respondent")

    class Meta:
        indexes = [models.Index(fields=["case", "at"], name="complaints_event_case_at")]


class InterimSuspension(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="suspensions")
    reason = models.TextField()
    imposed_at = models.DateTimeField(default=timezone.now)
    imposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    review_on = models.DateField()
    reminded_on = models.DateField(null=True, blank=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lift_reason = models.TextField(blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["lifted_at", "review_on"], name="complaints_susp_review")]


class Evidence(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="evidence")
    # Stored under MEDIA_ROOT, which is never served: the download view checks access and audits each read.
    file = models.FileField(upload_to="complaints/evidence/%Y/%m/")
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )


class Conflict(models.Model):
    """A handler's declared conflict: about one case, a person (either party), or a unit (same unit covers the
    unit and those below). A conflicted handler cannot see or be given the case."""

    class Kind(models.TextChoices):
        FACTIONAL = "factional", "Factional"
        PERSONAL = "personal", "Personal (friend, family, rival)"
        SAME_UNIT = "same_unit", "Same unit"

    handler = models.ForeignKey(Handler, on_delete=models.CASCADE, related_name="conflicts")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.CASCADE, related_name="conflicts")
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(
        "people.OrganisationUnit", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True, default="")
    declared_at = models.DateTimeField(default=timezone.now)


class Notice(models.Model):
    """A notice sent to a party, kept on the case (the message itself went through messaging)."""

    class Recipient(models.TextChoices):
        COMPLAINANT = "complainant", "Complainant"
        RESPONDENT = "respondent", "Respondent"
        PROCEDURES_SECRETARY = "procedures_secretary", "Procedures secretary"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=30, choices=NoticeTemplate.Kind.choices)
    recipient = models.CharField(max_length=30, choices=Recipient.choices)
    subject = models.CharField(max_length=250)
    body = models.TextField()
    email_send = models.ForeignKey(
        "messaging.EmailSend", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    delivered = models.BooleanField(default=False, help_text="A contactable address was found and the send queued")
    sent_at = models.DateTimeField(default=timezone.now)
