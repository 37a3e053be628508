"""Users and their roles. A role is held at an organisation unit and covers that unit and those below it."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils import timezone


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("Users need an email address")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A login. Signs in by email; may be linked to the Person record it belongs to."""

    username = None
    email = models.EmailField("email address", unique=True)
    display_name = models.CharField(max_length=150, blank=True, default="")
    person = models.OneToOneField(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="user"
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []
    objects = UserManager()

    def __str__(self) -> str:
        return self.display_name or self.email


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", "Administrator"
    ORGANISER = "organiser", "Organiser"
    COORDINATOR = "coordinator", "Coordinator"
    DATA_PROTECTION_OFFICER = "dpo", "Data-protection officer"
    CALLER = "caller", "Volunteer: caller"
    CANVASSER = "canvasser", "Volunteer: canvasser"
    TELLER = "teller", "Volunteer: teller"
    VOLUNTEER = "volunteer", "Volunteer"
    MEMBER = "member", "Member"
    # Complaints (groundswell/complaints): trained handlers, the independent reviewer who audits the handling,
    # and a political office (the leader's office) that is refused every complaints page by design.
    COMPLAINTS_HANDLER = "complaints_handler", "Complaints handler"
    INDEPENDENT_REVIEWER = "independent_reviewer", "Independent complaints reviewer"
    LEADERS_OFFICE = "leaders_office", "Leader's office (political)"
    # Election spending (groundswell.spending): the agent and sub-agents of a seat, a unit's treasurer, and two
    # read-only roles (an auditor; the party's governing body, which sees where national money goes).
    ELECTION_AGENT = "election_agent", "Election agent"
    SUB_AGENT = "sub_agent", "Sub-agent"
    TREASURER = "treasurer", "Treasurer"
    AUDITOR = "auditor", "Auditor (read-only)"
    GOVERNING_BODY = "governing_body", "Governing body (read-only)"
    # Selections (groundswell.selections): runs a unit's candidate selections (timetable, eligible list and its
    # challenges, bulk-join flag reviews, nominations, panel, hustings, the ballot).
    PROCEDURES_SECRETARY = "procedures_secretary", "Procedures secretary"


class RoleAssignment(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(max_length=20, choices=Role.choices)
    unit = models.ForeignKey("people.OrganisationUnit", on_delete=models.CASCADE, related_name="role_assignments")
    granted_at = models.DateTimeField(default=timezone.now)
    granted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "role", "unit"], name="unique_role_at_unit")]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} at {self.unit}"
