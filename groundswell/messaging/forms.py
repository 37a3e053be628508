"""Forms for the messaging pages. Units and segments offered are only those the user manages."""

from __future__ import annotations

from typing import Any

from django import forms

from groundswell.accounts import access
from groundswell.accounts.access import Perm

from . import segments, selectors
from .models import Segment

FILTER_PREFIX = "f_"


def _units(user: Any) -> Any:
    return access.units_for(user, Perm.MANAGE_MESSAGING).order_by("path")


def _as_initial(value: Any) -> Any:
    """A stored filter value back into what its form field shows."""
    if isinstance(value, dict) and "postcode" in value:
        return f"{value['postcode']}, {value['km']:g}"
    if isinstance(value, dict) and "survey_id" in value:
        question = f":{value['question']}={value['answer']}" if value.get("question") else ""
        return f"{value['survey_id']}{question}"
    return value


class SegmentForm(forms.Form):
    name = forms.CharField(max_length=200)
    unit = forms.ModelChoiceField(queryset=None, help_text="People in this unit and the units below it")

    def __init__(self, *args: Any, user: Any, segment: Segment | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = _units(user)
        for entry in segments.segment_filters():
            field = entry.form_field()
            field.required = False
            field.label = entry.label
            if entry.choices is not None:
                field.choices = [("", "—")] + list(entry.choices(user))
            self.fields[FILTER_PREFIX + entry.key] = field
        units = list(self.fields["unit"].queryset)
        self.fields[FILTER_PREFIX + "unit"].choices = [("", "—")] + [(u.pk, u.name) for u in units]
        if segment is not None and not self.is_bound:
            self.initial.update({"name": segment.name, "unit": segment.unit_id})
            for item in segment.filters:
                value = _as_initial(item["value"])
                self.initial[FILTER_PREFIX + item["key"]] = ", ".join(value) if _is_text_list(self, item) else value

    def filter_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith(FILTER_PREFIX)]

    def filters(self) -> list[dict[str, Any]]:
        out = []
        for name, value in self.cleaned_data.items():
            if name.startswith(FILTER_PREFIX) and value not in (None, "", [], {}):
                out.append({"key": name[len(FILTER_PREFIX) :], "value": value})
        return out


def _is_text_list(form: forms.Form, item: dict[str, Any]) -> bool:
    field = form.fields.get(FILTER_PREFIX + item["key"])
    return isinstance(item["value"], list) and isinstance(field, forms.CharField)


class TemplateForm(forms.Form):
    name = forms.CharField(max_length=200)
    unit = forms.ModelChoiceField(queryset=None)
    subject = forms.CharField(max_length=250)
    body_text = forms.CharField(label="Plain-text part", widget=forms.Textarea(attrs={"rows": 10}))
    body_html = forms.CharField(label="HTML part (optional)", required=False, widget=forms.Textarea(attrs={"rows": 8}))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = _units(user)


class TestSendForm(forms.Form):
    to = forms.EmailField(label="Send a test to")


class EmailSendForm(forms.Form):
    segment = forms.ModelChoiceField(queryset=None, help_text="Who it goes to (only those with email consent)")
    template = forms.ModelChoiceField(queryset=None, required=False, help_text="Start from a template")
    subject = forms.CharField(max_length=250, required=False, help_text="Leave empty to use the template's")
    body_text = forms.CharField(label="Plain-text part", required=False, widget=forms.Textarea(attrs={"rows": 8}))
    body_html = forms.CharField(label="HTML part (optional)", required=False, widget=forms.Textarea(attrs={"rows": 6}))
    rate_per_second = forms.FloatField(
        label="Messages a second at most", required=False, min_value=0.1, help_text="Empty: as fast as possible"
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["segment"].queryset = selectors.segments_for(user)
        self.fields["template"].queryset = selectors.templates_for(user)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        template = data.get("template")
        if template is not None:
            data["subject"] = data.get("subject") or template.subject
            data["body_text"] = data.get("body_text") or template.body_text
            data["body_html"] = data.get("body_html") or template.body_html
        return data


class SmsSendForm(forms.Form):
    segment = forms.ModelChoiceField(queryset=None, help_text="Who it goes to (only those with SMS consent)")
    body = forms.CharField(
        label="Message", widget=forms.Textarea(attrs={"rows": 4}), help_text="“Reply STOP to opt out” is added"
    )
    rate_per_second = forms.FloatField(label="Messages a second at most", required=False, min_value=0.1)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["segment"].queryset = selectors.segments_for(user)
