"""Segments, email templates, sends and their recipients (email and SMS).

A send freezes its recipient list when it is created: one row per recipient, each with its own status, so the
sending task can claim rows atomically and a restarted worker carries on where the last one stopped.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Segment(models.Model):
    """A saved filter over the people of one unit (and the units below it).

    `filters` is a list of {"key": <registered filter key>, "value": <that filter's cleaned value>}; all must
    match. The filter kinds live in `groundswell.messaging.segments`.
    """

    unit = models.ForeignKey("people.OrganisationUnit", on_delete=models.PROTECT, related_name="segments")
    name = models.CharField(max_length=200)
    filters = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class EmailTemplate(models.Model):
    """A reusable email: subject and bodies with Django template merge fields ({{ given_name }} …)."""

    unit = models.ForeignKey("people.OrganisationUnit", on_delete=models.PROTECT, related_name="email_templates")
    name = models.CharField(max_length=200)
    subject = models.CharField(max_length=250)
    body_text = models.TextField(help_text="The plain-text part (every email has one)")
    body_html = models.TextField(blank=True, default="", help_text="Optional HTML part")
    created_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class SendStatus(models.TextChoices):
    DRAFT = "draft", "Not queued yet"
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    DONE = "done", "Finished"


class RecipientStatus(models.TextChoices):
    QUEUED = "queued", "Waiting"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    # Became uncontactable (consent withdrawn, suppressed) between freezing the list and sending.
    SKIPPED = "skipped", "Skipped: no longer contactable"


class SendBase(models.Model):
    unit = models.ForeignKey("people.OrganisationUnit", on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(max_length=20, default="promotion")
    source = models.CharField(max_length=200, blank=True, default="", help_text="Which feature made it")
    status = models.CharField(max_length=10, choices=SendStatus.choices, default=SendStatus.DRAFT, db_index=True)
    # Token-bucket throttle for the sending task; None = as fast as the backend takes them.
    rate_per_second = models.FloatField(null=True, blank=True)
    segment = models.ForeignKey(Segment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    queued_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]


class RecipientBase(models.Model):
    """One message to one person. `status` moves queued → sending (leased by one worker) → sent | failed."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    merge_data = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=RecipientStatus.choices, default=RecipientStatus.QUEUED)
    lease_owner = models.CharField(max_length=40, blank=True, default="")
    lease_until = models.DateTimeField(null=True, blank=True)
    # Set (and committed) just before the message goes to the provider; see sending._Recorder.
    in_flight_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Ours, stable per row (the same on every retry), so the provider and the bench can spot a repeat.
    message_id = models.CharField(max_length=200, blank=True, default="")
    provider_message_id = models.CharField(max_length=200, blank=True, default="", db_index=True)
    error = models.CharField(max_length=300, blank=True, default="")
    sent_at = models.DateTimeField(null=True, blank=True, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    on_timeline = models.BooleanField(default=False)

    class Meta:
        abstract = True
        indexes = [models.Index(fields=["send", "status"])]  # the sending task's claim query


class EmailSend(SendBase):
    subject = models.CharField(max_length=250)
    body_text = models.TextField()
    body_html = models.TextField(blank=True, default="")
    template = models.ForeignKey(EmailTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="sends")

    class Meta(SendBase.Meta):
        pass

    def __str__(self) -> str:
        return f"Email #{self.pk}: {self.subject}"


class EmailRecipient(RecipientBase):
    send = models.ForeignKey(EmailSend, on_delete=models.CASCADE, related_name="recipients")
    address = models.CharField(max_length=254)
    bounced_at = models.DateTimeField(null=True, blank=True)
    complained_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    clicked_at = models.DateTimeField(null=True, blank=True)

    class Meta(RecipientBase.Meta):
        constraints = [models.UniqueConstraint(fields=["send", "person"], name="unique_email_recipient")]


class SmsSend(SendBase):
    body = models.TextField()

    class Meta(SendBase.Meta):
        pass

    def __str__(self) -> str:
        return f"SMS #{self.pk}"


class SmsRecipient(RecipientBase):
    send = models.ForeignKey(SmsSend, on_delete=models.CASCADE, related_name="recipients")
    number = models.CharField(max_length=20, db_index=True)

    class Meta(RecipientBase.Meta):
        constraints = [models.UniqueConstraint(fields=["send", "person"], name="unique_sms_recipient")]


class InboundSms(models.Model):
    """A text message received from the SMS provider (kept as evidence of opt-outs)."""

    number = models.CharField(max_length=20, db_index=True)
    body = models.TextField(blank=True, default="")
    received_at = models.DateTimeField(default=timezone.now)
    opted_out = models.BooleanField(default=False)

    class Meta:
        ordering = ["-received_at", "-id"]
