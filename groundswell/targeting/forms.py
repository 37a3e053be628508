from __future__ import annotations

from django import forms

from .allocation import DEFAULT_DECAY, DEFAULT_EFFECT, MAX_BUDGET
from .engine import METHODS
from .parties import LABELS, PARTIES, UnknownParty, parse_nation_shares, parse_shares
from .services import DEFAULT_REACH, DEFAULT_SAFE, projection_set

PARTY_CHOICES = [(p, LABELS[p]) for p in PARTIES if p not in ("OTH", "SPK")]


class ProjectionForm(forms.Form):
    base = forms.TypedChoiceField(choices=[(y, y) for y in (2010, 2015, 2017, 2019, 2024)], coerce=int, initial=2024)
    boundary_set = forms.ChoiceField(
        label="Boundaries",
        choices=[("", "The ones the base election was fought on"), ("2024", "2024 (today's seats)"), ("2010", "2010")],
        required=False,
        help_text="2019 on the 2024 boundaries starts from the notional 2019 results",
    )
    shares = forms.CharField(
        label="GB shares",
        initial="LAB=0.30,CON=0.22,RUK=0.24,LD=0.12,GRN=0.08,SNP=0.025,PC=0.007",
        help_text="PARTY=SHARE, comma-separated (percentages work too)",
    )
    nation_shares = forms.CharField(
        label="Nation shares (optional)",
        required=False,
        help_text="e.g. Scotland:SNP=0.35,LAB=0.30;Wales:LAB=0.40,CON=0.25",
    )
    method = forms.ChoiceField(choices=[(m, m) for m in METHODS], initial="model")
    sims = forms.IntegerField(min_value=100, max_value=20_000, initial=10_000)
    label = forms.CharField(required=False, max_length=200)

    def clean(self) -> dict:
        data = super().clean()
        if "base" in data:
            try:
                data["boundary_set"] = projection_set(data["base"], data.get("boundary_set") or None)
            except ValueError as exc:
                self.add_error("boundary_set", str(exc))
        return data

    def clean_shares(self) -> dict[str, float]:
        try:
            return parse_shares(self.cleaned_data["shares"], "GB shares")
        except (ValueError, UnknownParty) as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean_nation_shares(self) -> dict[str, dict[str, float]]:
        text = self.cleaned_data["nation_shares"]
        try:
            return parse_nation_shares(text) if text else {}
        except (ValueError, UnknownParty) as exc:
            raise forms.ValidationError(str(exc)) from exc


class TargetForm(forms.Form):
    party = forms.ChoiceField(choices=PARTY_CHOICES, required=False)
    safe = forms.FloatField(
        min_value=0.01, max_value=1, required=False, initial=DEFAULT_SAFE, label="Safe at win probability ≥"
    )
    reach = forms.FloatField(
        min_value=0.001, max_value=0.99, required=False, initial=DEFAULT_REACH, label="Out of reach below"
    )

    def clean(self) -> dict:
        data = super().clean()
        safe, reach = data.get("safe") or DEFAULT_SAFE, data.get("reach") or DEFAULT_REACH
        if reach >= safe:
            raise forms.ValidationError("The out-of-reach threshold must be below the safe threshold.")
        data["safe"], data["reach"] = safe, reach
        return data


class AllocationForm(TargetForm):
    budget = forms.IntegerField(min_value=1, max_value=MAX_BUDGET, initial=40, label="Organisers (or blocks of hours)")
    effect = forms.FloatField(
        min_value=0,
        max_value=0.2,
        initial=DEFAULT_EFFECT,
        label="Margin gained from the first organiser (share, 0.01 = 1 point)",
    )
    decay = forms.FloatField(
        min_value=0.05,
        max_value=1,
        initial=DEFAULT_DECAY,
        label="Each further organiser adds this fraction of the previous one's effect",
    )


class PostcodeForm(forms.Form):
    postcode = forms.CharField(max_length=10)
