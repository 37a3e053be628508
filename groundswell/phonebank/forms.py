"""Organisers' forms: a call campaign's settings and target filter, and a phonebank session.

The forms only parse; the rules (the 09:00–21:00 limit, per-day windows, retry rules) are checked in
campaigns.py so a command or the API would get the same answers. Errors from there come back on the field
they name.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from groundswell.canvassing.models import CanvassCampaign

from . import campaigns, rules
from .models import CallCampaign, Outcome, Purpose

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DAY_LABELS = dict(zip(rules.DAYS, DAY_NAMES, strict=True))
DAY_MODES = (("", "Usual hours"), ("custom", "These hours"), ("off", "No calling"))
FILTER_KEYS = ("tags", "membership", "support", "wards")


class CampaignForm(forms.Form):
    name = forms.CharField(max_length=200)
    unit = forms.ModelChoiceField(queryset=None, empty_label=None)
    brief = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=5000)
    purpose = forms.ChoiceField(choices=Purpose.choices)
    canvass_campaign = forms.ModelChoiceField(
        queryset=CanvassCampaign.objects.none(),
        required=False,
        empty_label="None",
        label="Voter-ID campaign",
        help_text="Support answers from calls to electors are recorded in this canvass campaign.",
    )
    window_start = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    window_end = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    max_attempts = forms.IntegerField(min_value=1, max_value=10)
    lease_minutes = forms.IntegerField(min_value=2, max_value=120)
    priority = forms.ChoiceField(choices=list(campaigns.PRIORITIES.items()))
    tags = forms.MultipleChoiceField(required=False)
    membership = forms.MultipleChoiceField(required=False)
    support = forms.MultipleChoiceField(required=False)
    wards = forms.MultipleChoiceField(required=False)

    def __init__(
        self, *args: Any, units: Any, options: dict[str, Any], campaign: CallCampaign | None = None, **kwargs: Any
    ) -> None:
        kwargs.setdefault("initial", initial_for(campaign))
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.fields["unit"].queryset = units
        self.fields["canvass_campaign"].queryset = CanvassCampaign.objects.filter(unit__in=units).order_by("name")
        self.fields["tags"].choices = [(t, t) for t in options["tags"]]
        self.fields["membership"].choices = options["membership"]
        self.fields["support"].choices = [(c, f"{c}: {label}") for c, label in options["support"]]
        self.fields["wards"].choices = options["wards"]
        for day in rules.DAYS:
            self.fields[f"day_{day}_mode"] = forms.ChoiceField(choices=DAY_MODES, required=False)
            for edge in ("start", "end"):
                self.fields[f"day_{day}_{edge}"] = forms.TimeField(
                    required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
                )
        for outcome in campaigns.RETRYABLE:
            self.fields[f"retry_{outcome}"] = forms.CharField(
                required=False, max_length=20, label=Outcome(outcome).label
            )

    def day_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "day": day,
                "label": DAY_LABELS[day],
                "mode": self[f"day_{day}_mode"],
                "start": self[f"day_{day}_start"],
                "end": self[f"day_{day}_end"],
            }
            for day in rules.DAYS
        ]

    def retry_rows(self) -> list[Any]:
        return [self[f"retry_{o}"] for o in campaigns.RETRYABLE]

    def filter_fields(self) -> list[Any]:
        return [self[k] for k in FILTER_KEYS]

    def _window_by_day(self) -> dict[str, Any]:
        days: dict[str, Any] = {}
        for day in rules.DAYS:
            mode = self.cleaned_data.get(f"day_{day}_mode")
            if mode == "off":
                days[day] = None
            elif mode == "custom":
                start, end = self.cleaned_data.get(f"day_{day}_start"), self.cleaned_data.get(f"day_{day}_end")
                if start is None or end is None:
                    raise ValidationError({f"day_{day}_start": f"window_by_day[{day}]: give both times."})
                days[day] = [start.strftime("%H:%M"), end.strftime("%H:%M")]
        return days

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        try:
            data["window_by_day"] = campaigns.clean_window_by_day(self._window_by_day())
            campaigns.clean_time_window(data["window_start"], data["window_end"], "window_end")
            data["retry_rules"] = campaigns.clean_retry_rules(
                {o: data.get(f"retry_{o}", "") for o in campaigns.RETRYABLE}
            )
            data["target_filter"] = campaigns.clean_target_filter(
                {k: data.get(k) or [] for k in FILTER_KEYS}, data["priority"]
            )
        except ValidationError as exc:
            self.add_errors(exc)
        return data

    def add_errors(self, exc: ValidationError) -> None:
        """Put a campaign rule's errors on the fields they name (a day's window on that day's row)."""
        for field, messages in exc.message_dict.items():
            if field == "window_by_day":
                # The message names the day ("window_by_day[sat]: …"); put it on that day's row.
                day = next((d for d in rules.DAYS if f"[{d}]" in messages[0]), None)
                field = f"day_{day}_start" if day else None
            self.add_error(field if field in self.fields else None, messages)

    def values(self) -> dict[str, Any]:
        """The cleaned values campaigns.save_campaign takes."""
        d = self.cleaned_data
        return {k: d[k] for k in campaigns.EDITABLE if k in d}


def initial_for(campaign: CallCampaign | None) -> dict[str, Any]:
    campaign = campaign or CallCampaign()
    f = campaign.target_filter or {}
    initial: dict[str, Any] = {
        "name": campaign.name,
        "brief": campaign.brief,
        "purpose": campaign.purpose,
        "canvass_campaign": campaign.canvass_campaign_id,
        "window_start": campaign.window_start,
        "window_end": campaign.window_end,
        "max_attempts": campaign.max_attempts,
        "lease_minutes": campaign.lease_minutes,
        "priority": f.get("priority", "none"),
        **{k: f.get(k, []) for k in FILTER_KEYS},
    }
    if campaign.unit_id:
        initial["unit"] = campaign.unit_id
    for day, window in (campaign.window_by_day or {}).items():
        if window is None:
            initial[f"day_{day}_mode"] = "off"
        else:
            initial.update({f"day_{day}_mode": "custom", f"day_{day}_start": window[0], f"day_{day}_end": window[1]})
    retry = campaign.retry_rules or {}
    for outcome in campaigns.RETRYABLE:
        value = retry.get(outcome)
        initial[f"retry_{outcome}"] = campaigns.NEVER if value is None else str(value)
    return initial


class SessionForm(forms.Form):
    title = forms.CharField(max_length=200)
    starts_at = forms.DateTimeField(
        required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    ends_at = forms.DateTimeField(
        required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    brief = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}), label="Extra brief for this session"
    )
