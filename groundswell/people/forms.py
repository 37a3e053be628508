"""The organiser's add/edit form for a person. Values are checked by the same normalisers the importer and the
API use (`normalise.py`, `services._clean_person_fields`), so all three refuse the same things in the same words."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from groundswell.accounts import access

from .models import Consent, Person
from .normalise import InvalidValue, normalise_email, normalise_phone, normalise_postcode

CONSENT_CHOICES = [("", "No change"), (Consent.Status.GRANTED, "Yes"), (Consent.Status.WITHDRAWN, "No")]
# The statement a person agreed to, per channel; the organiser may replace it with the words actually used.
CONSENT_WORDING = {
    "email": "I'm happy to receive campaign emails.",
    "sms": "I'm happy to receive campaign text messages.",
    "phone": "I'm happy to be phoned about the campaign.",
    "post": "I'm happy to receive campaign post.",
}
NAME_FIELDS = ("given_name", "family_name", "additional_name")
ADDRESS_FIELDS = ("address_line1", "address_line2", "locality", "postcode")


class PersonForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=None, label="Unit", help_text="Where they belong (a branch or above)")
    given_name = forms.CharField(label="First name", max_length=100, required=False)
    family_name = forms.CharField(label="Last name", max_length=100, required=False)
    additional_name = forms.CharField(label="Middle name", max_length=100, required=False)
    date_of_birth = forms.DateField(
        label="Date of birth", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    address_line1 = forms.CharField(label="Address", max_length=200, required=False)
    address_line2 = forms.CharField(label="Address line 2", max_length=200, required=False)
    locality = forms.CharField(label="Town", max_length=100, required=False)
    postcode = forms.CharField(label="Postcode", max_length=10, required=False)
    email = forms.CharField(label="Email", max_length=254, required=False)
    phone = forms.CharField(label="Phone", max_length=40, required=False)
    tags = forms.CharField(label="Tags", required=False, help_text="Comma-separated, e.g. volunteer, donor")
    consent_source = forms.CharField(
        label="How did they tell us?",
        max_length=200,
        required=False,
        help_text="Needed when you change a consent, e.g. 'on the phone to Sam, 3 Dec'",
    )

    def __init__(self, *args: Any, user: Any, person: Person | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.person = person
        self.fields["unit"].queryset = access.units_for(user, access.Perm.EDIT_PEOPLE).order_by("path")
        for channel, label in Consent.Channel.choices:
            self.fields[f"consent_{channel}"] = forms.ChoiceField(
                label=label, choices=CONSENT_CHOICES, required=False, widget=forms.RadioSelect
            )
            self.fields[f"wording_{channel}"] = forms.CharField(
                label=f"{label}: what they agreed to", required=False, initial=CONSENT_WORDING[channel]
            )
        if person is not None:
            # A person moves between units through a merge or an import, not from here.
            self.fields["unit"].required = False
            self.fields["unit"].disabled = True
            self.fields["email"].label = "Add an email address"
            self.fields["phone"].label = "Add a phone number"
            if not self.is_bound:
                self.initial.update({name: getattr(person, name) for name in NAME_FIELDS + ADDRESS_FIELDS})
                self.initial.update(
                    {
                        "unit": person.unit_id,
                        "date_of_birth": person.date_of_birth,
                        "tags": ", ".join(person.tags.order_by("name").values_list("name", flat=True)),
                    }
                )

    def consent_fields(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"consent_{c}"], self[f"wording_{c}"]) for c in Consent.Channel.values]

    def clean_email(self) -> str:
        value = self.cleaned_data["email"].strip()
        return _normalised(value, normalise_email)

    def clean_phone(self) -> str:
        value = self.cleaned_data["phone"].strip()
        return _normalised(value, normalise_phone)

    def clean_postcode(self) -> str:
        return _normalised(self.cleaned_data["postcode"].strip(), normalise_postcode)

    def clean_date_of_birth(self) -> Any:
        value = self.cleaned_data["date_of_birth"]
        if value and value > timezone.localdate():
            raise forms.ValidationError("Date of birth is in the future.")
        return value

    def clean_tags(self) -> list[str]:
        return [t.strip() for t in self.cleaned_data["tags"].split(",") if t.strip()]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not any(data.get(name) for name in ("given_name", "family_name")):
            self.add_error("given_name", "Give at least a first or a last name.")
        if self.consent_changes() and not (data.get("consent_source") or "").strip():
            self.add_error("consent_source", "Say how they told us: a consent is kept with where it was given.")
        for channel, _status in self.consent_changes():
            if not (data.get(f"wording_{channel}") or "").strip():
                self.add_error(f"wording_{channel}", "Write what they agreed to (the words they were shown or told).")
        return data

    def consent_changes(self) -> list[tuple[str, str]]:
        data = getattr(self, "cleaned_data", {})
        return [(c, data[f"consent_{c}"]) for c in Consent.Channel.values if data.get(f"consent_{c}")]

    def person_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        fields: dict[str, Any] = {name: data.get(name) or "" for name in NAME_FIELDS + ADDRESS_FIELDS}
        fields["date_of_birth"] = data.get("date_of_birth")
        return fields

    def consents(self) -> list[tuple[str, str, str]]:
        """(channel, status, wording) for each consent the organiser changed."""
        return [(c, status, self.cleaned_data[f"wording_{c}"].strip()) for c, status in self.consent_changes()]


def _normalised(value: str, normalise: Any) -> str:
    if not value:
        return ""
    try:
        return normalise(value)
    except InvalidValue as exc:
        message = str(exc)
        raise forms.ValidationError(message if message.endswith((".", ")")) else f"{message}.") from exc
