"""Segment filters: a small registry other apps extend.

A segment is a list of filters, all of which must match, over the live people of one unit and the units below
it (never wider: `segment_people` starts from that subtree). Each filter kind is registered once:

    register_segment_filter(key, label, form_field, apply_fn, describe_fn=None)

- `key`: a short stable name stored in Segment.filters (e.g. "tag", "event_attended").
- `label`: what the segment form shows.
- `form_field`: a zero-argument callable returning a fresh, *optional* django.forms.Field. Its cleaned value
  (None/""/[] = filter not used) must be JSON-serialisable, because it is stored as the filter's value.
- `apply_fn(queryset, value, unit) -> queryset`: narrow a Person queryset. Use Exists()/subqueries rather
  than joins so people are never duplicated.
- `describe_fn(value) -> str`: optional one-line summary for lists.

Events and surveys, the layers above, register their own filters from their AppConfig.ready() (messaging never
imports them) by calling `register_segment_filter` with the same arguments; registering a key again replaces it.
The fallbacks below for "event_attended" and "survey_answer", used only when those apps are not installed, read
the people timeline. They expect:

- TimelineEntry kind "event" with data {"event_id": <int>} written when someone attended an event.
- TimelineEntry kind "survey" with data {"survey_id": <int>, "answers": {<question key>: <answer>}}.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, F, FloatField, OuterRef, QuerySet
from django.db.models.functions import ASin, Cos, Power, Radians, Sin, Sqrt

from groundswell.accounts.access import within_units
from groundswell.geography.lookup import PostcodeNotFound, lookup_postcode
from groundswell.geography.postcodes import InvalidPostcode
from groundswell.people.models import Consent, Membership, OrganisationUnit, Person, Tagging, TimelineEntry
from groundswell.people.selectors import contactable, live_people
from groundswell.register.models import Elector

EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class SegmentFilter:
    key: str
    label: str
    form_field: Callable[[], forms.Field]
    apply: Callable[[QuerySet[Person], Any, OrganisationUnit], QuerySet[Person]]
    describe: Callable[[Any], str]
    # user → [(value, label)]: the things a field offers by name (events, surveys) to the person building it.
    choices: Callable[[Any], list[tuple[Any, str]]] | None = None


_REGISTRY: dict[str, SegmentFilter] = {}


def register_segment_filter(
    key: str,
    label: str,
    form_field: Callable[[], forms.Field],
    apply_fn: Callable[[QuerySet[Person], Any, OrganisationUnit], QuerySet[Person]],
    describe_fn: Callable[[Any], str] | None = None,
    choices: Callable[[Any], list[tuple[Any, str]]] | None = None,
) -> SegmentFilter:
    """Add (or replace, so module reloads are harmless) a filter kind. `choices(user)` fills a choice field's
    options for the person building the segment, so they pick an event or survey by name, not by id."""
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", key):
        raise ValueError(f"Segment filter key {key!r} must be lower-case letters, digits and underscores")
    entry = SegmentFilter(key, label, form_field, apply_fn, describe_fn or (lambda v: f"{label}: {v}"), choices)
    _REGISTRY[key] = entry
    return entry


def segment_filters() -> list[SegmentFilter]:
    return list(_REGISTRY.values())


def get_segment_filter(key: str) -> SegmentFilter:
    try:
        return _REGISTRY[key]
    except KeyError:
        raise ValidationError(f"Unknown segment filter {key!r}") from None


def apply_filters(
    queryset: QuerySet[Person], filters: list[dict[str, Any]], unit: OrganisationUnit
) -> QuerySet[Person]:
    for item in filters or []:
        queryset = get_segment_filter(item["key"]).apply(queryset, item["value"], unit)
    return queryset


def people_matching(unit: OrganisationUnit, filters: list[dict[str, Any]]) -> QuerySet[Person]:
    """Live people in `unit` and below who match every filter."""
    base = live_people(Person.objects.filter(within_units([unit])))
    return apply_filters(base, filters, unit)


def describe_filters(filters: list[dict[str, Any]]) -> list[str]:
    out = []
    for item in filters or []:
        entry = _REGISTRY.get(item.get("key", ""))
        out.append(entry.describe(item["value"]) if entry else f"(unknown filter {item.get('key')})")
    return out


# ------------------------------------------------------------------------------------------ built-in kinds


class CommaListField(forms.CharField):
    """A comma-separated list, cleaned to a list of trimmed non-empty strings."""

    def clean(self, value: Any) -> list[str]:
        text = super().clean(value) or ""
        return [part.strip() for part in text.split(",") if part.strip()]


def _tags(qs: QuerySet[Person], value: list[str], unit: OrganisationUnit) -> QuerySet[Person]:
    return qs.filter(Exists(Tagging.objects.filter(person=OuterRef("pk"), tag__name__in=value)))


def _unit(qs: QuerySet[Person], value: int, unit: OrganisationUnit) -> QuerySet[Person]:
    chosen = OrganisationUnit.objects.filter(pk=value).first()
    if chosen is None or not chosen.is_within(unit):
        # A unit outside the segment's own subtree matches nobody (never widens the segment).
        return qs.none()
    return qs.filter(within_units([chosen]))


def _membership(qs: QuerySet[Person], value: list[str], unit: OrganisationUnit) -> QuerySet[Person]:
    return qs.filter(Exists(Membership.objects.filter(person=OuterRef("pk"), status__in=value)))


def _event(qs: QuerySet[Person], value: int, unit: OrganisationUnit) -> QuerySet[Person]:
    entries = TimelineEntry.objects.filter(person=OuterRef("pk"), kind=TimelineEntry.Kind.EVENT)
    return qs.filter(Exists(entries.filter(data__event_id=int(value))))


_ANSWER_RE = re.compile(r"^\s*(\d+)\s*(?::\s*([a-z0-9_]+)\s*=\s*(.+?)\s*)?$", re.IGNORECASE)


def parse_survey_answer(text: str) -> dict[str, Any]:
    """'12' (answered survey 12) or '12:question_key=answer'."""
    match = _ANSWER_RE.match(text or "")
    if not match or "__" in (match.group(2) or ""):
        raise ValidationError("Survey answer must look like 12 or 12:question_key=answer")
    survey_id, key, answer = match.groups()
    return {"survey_id": int(survey_id), "question": (key or "").lower(), "answer": answer or ""}


class SurveyAnswerField(forms.CharField):
    def clean(self, value: Any) -> dict[str, Any] | None:
        text = super().clean(value)
        return parse_survey_answer(text) if text else None


class SurveyAnswerWidget(forms.MultiWidget):
    """A survey chosen by name, and optionally 'question_key=answer' typed beside it."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        widgets = [
            forms.Select(attrs={"aria-label": "Survey"}),
            forms.TextInput(attrs={"aria-label": "Question and answer (optional)", "placeholder": "question=answer"}),
        ]
        super().__init__(widgets, attrs)

    def decompress(self, value: Any) -> list[Any]:
        if not value:
            return [None, ""]
        if isinstance(value, str):
            try:
                value = parse_survey_answer(value)
            except ValidationError:
                return [None, value]
        question = f"{value['question']}={value['answer']}" if value.get("question") else ""
        return [value["survey_id"], question]


class SurveyChoiceAnswerField(forms.MultiValueField):
    """Answered survey: the survey from a list of those the user may see, plus an optional answer."""

    widget = SurveyAnswerWidget

    def __init__(self, **kwargs: Any) -> None:
        fields = (
            forms.TypedChoiceField(coerce=int, empty_value=None, required=False, choices=[("", "—")]),
            forms.CharField(required=False),
        )
        kwargs.setdefault("required", False)
        super().__init__(fields=fields, require_all_fields=False, **kwargs)

    @property
    def choices(self) -> list[tuple[Any, str]]:
        return list(self.fields[0].choices)

    @choices.setter
    def choices(self, value: list[tuple[Any, str]]) -> None:
        self.fields[0].choices = value
        self.widget.widgets[0].choices = self.fields[0].choices

    def compress(self, data_list: list[Any]) -> dict[str, Any] | None:
        survey, answer = (list(data_list) + [None, ""])[:2]
        if survey in (None, ""):
            if answer:
                raise ValidationError("Choose the survey the answer belongs to.")
            return None
        try:
            return parse_survey_answer(f"{survey}:{answer}" if answer else str(survey))
        except ValidationError:
            raise ValidationError("Write the answer as question=answer, e.g. priority=housing.") from None


def _survey(qs: QuerySet[Person], value: dict[str, Any], unit: OrganisationUnit) -> QuerySet[Person]:
    entries = TimelineEntry.objects.filter(
        person=OuterRef("pk"), kind=TimelineEntry.Kind.SURVEY, data__survey_id=int(value["survey_id"])
    )
    if value.get("question"):
        entries = entries.filter(**{f"data__answers__{value['question']}": value["answer"]})
    return qs.filter(Exists(entries))


def _support(qs: QuerySet[Person], value: list[str], unit: OrganisationUnit) -> QuerySet[Person]:
    # Canvassing keeps each elector's latest support code in Elector.current_support (recomputed from contacts);
    # a person is linked to their elector records.

    electors = Elector.objects.filter(person=OuterRef("pk"), deleted_at__isnull=True, current_support__in=value)
    return qs.filter(Exists(electors))


def distance_km_expression(lat: float, lon: float) -> Any:
    """Great-circle (haversine) distance in km from a point to each person's latitude/longitude, in SQL."""
    lat1, lon1 = math.radians(lat), math.radians(lon)
    dlat = (Radians(F("latitude")) - lat1) / 2
    dlon = (Radians(F("longitude")) - lon1) / 2
    a = Power(Sin(dlat), 2) + math.cos(lat1) * Cos(Radians(F("latitude"))) * Power(Sin(dlon), 2)
    return ASin(Sqrt(a), output_field=FloatField()) * (2 * EARTH_RADIUS_KM)


class DistanceField(forms.CharField):
    """'RG1 1AA, 5' → {"postcode", "lat", "lon", "km"}: looked up once, when the segment is saved."""

    def clean(self, value: Any) -> dict[str, Any] | None:
        text = (super().clean(value) or "").strip()
        if not text:
            return None
        postcode, _, km = text.rpartition(",")
        try:
            km_value = float(km)
        except ValueError:
            raise ValidationError("Distance must look like 'RG1 1AA, 5' (a postcode, then kilometres)") from None
        if not 0 < km_value <= 500:
            raise ValidationError("Distance must be more than 0 and at most 500 km")
        try:
            found = lookup_postcode(postcode)
        except (InvalidPostcode, PostcodeNotFound) as exc:
            raise ValidationError(f"Distance: {exc}") from None
        if found.lat is None:
            raise ValidationError(f"Distance: {found.postcode} has no location")
        return {"postcode": found.postcode, "lat": found.lat, "lon": found.lon, "km": km_value}


def _distance(qs: QuerySet[Person], value: dict[str, Any], unit: OrganisationUnit) -> QuerySet[Person]:
    lat, lon, km = float(value["lat"]), float(value["lon"]), float(value["km"])
    # A bounding box first (indexable, cheap), then the exact distance on what is left.
    dlat = km / 111.32
    dlon = km / max(111.32 * math.cos(math.radians(lat)), 0.01)
    boxed = qs.filter(
        latitude__gte=lat - dlat, latitude__lte=lat + dlat, longitude__gte=lon - dlon, longitude__lte=lon + dlon
    )
    return boxed.annotate(_distance_km=distance_km_expression(lat, lon)).filter(_distance_km__lte=km)


def _consent(qs: QuerySet[Person], value: str, unit: OrganisationUnit) -> QuerySet[Person]:
    return contactable(qs, value)


register_segment_filter(
    "tag",
    "Tagged with any of",
    lambda: CommaListField(required=False, help_text="Comma-separated tag names"),
    _tags,
    lambda v: "Tagged " + " or ".join(v),
)
register_segment_filter(
    "unit",
    "Only part of it: unit (and below)",
    # The segment form narrows the choices to the user's own units.
    lambda: forms.TypedChoiceField(coerce=int, empty_value=None, required=False, choices=[("", "—")]),
    _unit,
    lambda v: f"In unit #{v} and below",
)
register_segment_filter(
    "membership_status",
    "Membership status",
    lambda: forms.TypedMultipleChoiceField(choices=Membership.Status.choices, required=False),
    _membership,
    lambda v: "Membership " + " or ".join(v),
)
register_segment_filter(
    "event_attended",
    "Attended event (id)",
    lambda: forms.IntegerField(required=False, min_value=1),
    _event,
    lambda v: f"Attended event #{v}",
)
register_segment_filter(
    "survey_answer",
    "Answered survey",
    lambda: SurveyAnswerField(required=False, help_text="12, or 12:question_key=answer"),
    _survey,
    lambda v: f"Survey #{v['survey_id']}" + (f": {v['question']} = {v['answer']}" if v.get("question") else ""),
)
register_segment_filter(
    "canvass_support",
    "Current canvass support code",
    lambda: CommaListField(required=False, help_text="Comma-separated codes, e.g. S, L"),
    _support,
    lambda v: "Canvassed as " + " or ".join(v),
)
register_segment_filter(
    "distance",
    "Within distance of a postcode",
    lambda: DistanceField(required=False, help_text="Postcode, kilometres — e.g. RG1 1AA, 5"),
    _distance,
    lambda v: f"Within {v['km']:g} km of {v['postcode']}",
)
register_segment_filter(
    "consent",
    "Contactable by",
    lambda: forms.ChoiceField(choices=[("", "Any")] + list(Consent.Channel.choices), required=False),
    _consent,
    lambda v: f"Contactable by {v}",
)
