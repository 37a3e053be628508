"""The append-only, hash-chained audit log."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class AuditLogIsAppendOnly(Exception):
    pass


class AuditEntry(models.Model):
    class Action(models.TextChoices):
        VIEWED = "viewed", "Viewed"
        SEARCHED = "searched", "Searched / bulk view"
        EXPORTED = "exported", "Exported"
        IMPORTED = "imported", "Imported"
        CREATED = "created", "Created"
        CHANGED = "changed", "Changed"
        MERGED = "merged", "Merged"
        ERASED = "erased", "Erased"
        SUBJECT_ACCESS = "subject_access", "Subject access export"
        LOGGED_IN = "logged_in", "Logged in"
        LOGIN_FAILED = "login_failed", "Login failed"
        LOGGED_OUT = "logged_out", "Logged out"
        ROLE_GRANTED = "role_granted", "Role granted"
        DENIED = "denied", "Access denied"

    sequence = models.BigIntegerField(unique=True, help_text="Position in the chain, from 1")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    # No database constraint: deleting a user must not rewrite (UPDATE) the append-only log.
    actor = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    actor_label = models.CharField(max_length=254, blank=True, default="", help_text="Kept if the user is deleted")
    ip_address = models.CharField(max_length=45, blank=True, default="")
    user_agent = models.CharField(max_length=300, blank=True, default="")
    action = models.CharField(max_length=20, choices=Action.choices, db_index=True)
    object_type = models.CharField(max_length=60, blank=True, default="", db_index=True)
    object_id = models.CharField(max_length=64, blank=True, default="", db_index=True)
    object_label = models.CharField(max_length=300, blank=True, default="")
    query = models.TextField(blank=True, default="", help_text="The search or filter behind a bulk view or export")
    reason = models.TextField(blank=True, default="")
    detail = models.JSONField(default=dict, blank=True)
    unit_path = models.CharField(max_length=255, blank=True, default="", db_index=True)
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-sequence"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"#{self.sequence} {self.actor_label} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise AuditLogIsAppendOnly("Audit entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogIsAppendOnly("Audit entries cannot be deleted")
