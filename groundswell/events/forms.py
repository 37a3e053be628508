"""Forms for events: only parsing and labels; the rules are in the services package."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from .models import Event, EventSeries
from .services.lifecycle import local_datetime
from .services.rsvps import CONSENT_WORDING

REPEAT_CHOICES = [("", "Does not repeat"), *EventSeries.Frequency.choices]


def _set_times(form: forms.Form, data: dict[str, Any]) -> None:
    """Date + start/end wall-clock times (UK) into aware starts_at/ends_at; an end before the start is next day."""
    day, start, end = data.get("day"), data.get("start"), data.get("end")
    if day and start and end:
        try:
            data["starts_at"] = local_datetime(day, start)
            data["ends_at"] = local_datetime(day + datetime.timedelta(days=1) if end <= start else day, end)
        except ValidationError as exc:
            form.add_error("start", exc.message_dict.get("starts_at", exc.messages))


class EventForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=None, label="Organisation unit", empty_label=None)
    kind = forms.ChoiceField(choices=Event.Kind.choices, label="Type of event")
    title = forms.CharField(max_length=200, label="Title")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False, label="Description")
    day = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(label="Starts (UK time)", widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(label="Ends (UK time)", widget=forms.TimeInput(attrs={"type": "time"}))
    venue_name = forms.CharField(max_length=200, required=False, label="Venue")
    address = forms.CharField(max_length=300, required=False, label="Address")
    postcode = forms.CharField(max_length=8, required=False, label="Postcode")
    online_url = forms.URLField(required=False, label="Online link (for online calls)", assume_scheme="https")
    capacity = forms.IntegerField(min_value=1, required=False, label="Capacity (blank for no limit)")
    accessibility = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Accessibility notes"
    )
    visibility = forms.ChoiceField(choices=Event.Visibility.choices, label="Who can see it")
    repeat = forms.ChoiceField(choices=REPEAT_CHOICES, required=False, label="Repeats")
    occurrences = forms.IntegerField(min_value=2, max_value=52, required=False, label="How many times in all")

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        _set_times(self, data)
        if data.get("repeat") and not data.get("occurrences"):
            self.add_error("occurrences", "Say how many times it happens in all.")
        return data

    def event_fields(self) -> dict[str, Any]:
        d = self.cleaned_data
        names = (
            "kind",
            "title",
            "description",
            "venue_name",
            "address",
            "postcode",
            "online_url",
            "capacity",
            "accessibility",
            "visibility",
            "starts_at",
            "ends_at",
        )
        return {n: d.get(n) for n in names}


class RSVPForm(forms.Form):
    given_name = forms.CharField(max_length=100, label="First name")
    family_name = forms.CharField(max_length=100, required=False, label="Last name")
    email = forms.CharField(max_length=254, required=False, label="Email", widget=forms.EmailInput)
    phone = forms.CharField(max_length=20, required=False, label="Phone (optional)")
    postcode = forms.CharField(max_length=8, required=False, label="Postcode")
    consent_email = forms.BooleanField(required=False, label=CONSENT_WORDING["email"])
    consent_sms = forms.BooleanField(required=False, label=CONSENT_WORDING["sms"])


class WalkInForm(forms.Form):
    given_name = forms.CharField(max_length=100, label="First name")
    family_name = forms.CharField(max_length=100, required=False, label="Last name")
    email = forms.CharField(max_length=254, required=False, label="Email (optional)")
    phone = forms.CharField(max_length=20, required=False, label="Phone (optional)")


class MessageForm(forms.Form):
    subject = forms.CharField(max_length=200, label="Subject")
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), label="Message")


class FollowUpForm(forms.Form):
    group = forms.CharField(max_length=100, label="Your group (table or area)")
    unit = forms.ModelChoiceField(queryset=None, label="Branch", empty_label=None)
    kind = forms.ChoiceField(
        choices=[(Event.Kind.PHONEBANK, "Phonebank session"), (Event.Kind.CANVASS, "Canvass session")],
        label="Type of follow-up",
    )
    title = forms.CharField(max_length=200, label="Title")
    day = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(label="Starts (UK time)", widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(label="Ends (UK time)", widget=forms.TimeInput(attrs={"type": "time"}))
    venue_name = forms.CharField(max_length=200, required=False, label="Venue")
    postcode = forms.CharField(max_length=8, label="Postcode")
    call_campaign = forms.ModelChoiceField(queryset=None, required=False, label="Call campaign")
    canvass_campaign = forms.ModelChoiceField(queryset=None, required=False, label="Canvass campaign")
    people = forms.ModelMultipleChoiceField(
        queryset=None, required=False, label="People at the table signing up", widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, units: Any, call_campaigns: Any, canvass_campaigns: Any, people: Any, **kw: Any):
        super().__init__(*args, **kw)
        self.fields["unit"].queryset = units
        self.fields["call_campaign"].queryset = call_campaigns
        self.fields["canvass_campaign"].queryset = canvass_campaigns
        self.fields["people"].queryset = people
        self.fields["people"].label_from_instance = lambda p: p.display_name

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        _set_times(self, data)
        return data


class InviteForm(forms.Form):
    radius_km = forms.FloatField(min_value=0.5, max_value=50, initial=5, label="Radius (km)")
    channel = forms.ChoiceField(choices=[("email", "Email"), ("sms", "SMS")], label="Channel")
    not_contacted_days = forms.IntegerField(
        min_value=0, max_value=365, initial=14, label="Skip people contacted in the last N days"
    )
    subject = forms.CharField(max_length=200, required=False, label="Subject (email)")
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False, label="Message")
