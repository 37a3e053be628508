"""Organisers' forms: a survey's settings, a discussion, choosing people to invite."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from groundswell.accounts.access import within_units
from groundswell.accounts.models import User
from groundswell.events.models import Event
from groundswell.people.models import Membership, Tag

from .models import Survey

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class SurveyForm(forms.Form):
    title = forms.CharField(max_length=200)
    unit = forms.ModelChoiceField(queryset=None, label="Organisation unit", help_text="Who runs it and sees results")
    intro = forms.CharField(
        label="Introduction",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shown above the questions",
    )
    thank_you = forms.CharField(
        label="Thank-you page",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Shown after answering",
    )
    anonymous = forms.BooleanField(
        required=False, help_text="Responses keep no link to the person, even from personal links"
    )
    public = forms.BooleanField(
        required=False, initial=True, label="Public link", help_text="Anyone with the link may answer"
    )
    opens_at = forms.DateTimeField(label="Opens", required=False, widget=DATETIME)
    closes_at = forms.DateTimeField(label="Closes", required=False, widget=DATETIME)

    def __init__(self, *args: Any, units: Any, survey: Survey | None = None, **kwargs: Any) -> None:
        if survey is not None and not args:
            kwargs.setdefault(
                "initial",
                {name: getattr(survey, name) for name in ("title", "intro", "thank_you", "anonymous", "public")}
                | {"unit": survey.unit, "opens_at": survey.opens_at, "closes_at": survey.closes_at},
            )
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        if survey is not None:
            # A survey stays in its unit: its results and links belong to that unit's organisers.
            del self.fields["unit"]

    def _add_errors(self, exc: ValidationError) -> None:
        if hasattr(exc, "error_dict"):
            for name, errors in exc.error_dict.items():
                self.add_error(name if name in self.fields else None, errors)
        else:
            self.add_error(None, exc)


class DiscussionForm(forms.Form):
    event = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="Event on the map",
        empty_label="(none)",
        help_text="Its title, time and venue fill in whatever you leave empty; its page will link to the survey",
    )
    title = forms.CharField(max_length=200, required=False)
    held_at = forms.DateTimeField(label="When", widget=DATETIME, required=False)
    place = forms.CharField(max_length=200, required=False)
    host_email = forms.EmailField(
        label="Host's login email", required=False, help_text="Leave empty to host it yourself"
    )
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, survey: Survey, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)

        # Events of the survey's unit and below, newest first.
        self.fields["event"].queryset = (
            Event.objects.filter(within_units([survey.unit]))
            .exclude(status=Event.Status.CANCELLED)
            .order_by("-starts_at")
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("event"):
            if not (data.get("title") or "").strip():
                self.add_error("title", "Give the discussion a title (or choose its event).")
            if not data.get("held_at"):
                self.add_error("held_at", "Say when it is held (or choose its event).")
        return data

    def clean_host_email(self) -> User | None:
        email = (self.cleaned_data.get("host_email") or "").strip()
        if not email:
            return None
        host = User.objects.filter(email__iexact=email, is_active=True).first()
        if host is None:
            raise ValidationError("No active login has that email address.")
        return host


class InviteForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=None, required=False, label="People in", empty_label="(the survey's unit)")
    tag = forms.ModelChoiceField(queryset=Tag.objects.all(), required=False, empty_label="(any tag)")
    membership = forms.ChoiceField(
        required=False,
        label="Membership status",
        choices=[("", "(anyone)"), ("none", "Not a member"), *Membership.Status.choices],
    )
    ids = forms.CharField(
        required=False,
        label="Or these person ids",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Separated by commas, spaces or new lines; overrides the filters",
    )

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
