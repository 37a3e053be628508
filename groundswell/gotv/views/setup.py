"""Polling-day set-up pages: the polling-day list, a day's page, and the forms for the day, its stations and its
committee rooms. Thin views: rules live in `services`; every page checks access and is audited."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_http_methods

from groundswell.accounts import access
from groundswell.audit.models import AuditEntry
from groundswell.audit.services import record
from groundswell.canvassing.models import CanvassCampaign
from groundswell.questions.support_codes import our_codes, support_codes_for

from .. import assignments, services
from ..assignments import can_manage
from ..models import CommitteeRoom, PollingDay, PollingStation, RoomVolunteer, StationTeller

# ---------------------------------------------------------------- access and links


def managed_day(request: HttpRequest, pk: int) -> PollingDay:
    """The polling day, for those who run it (MANAGE_POLLING_DAY at its unit): set-up, board and review pages."""
    day = get_object_or_404(PollingDay.objects.select_related("unit", "constituency", "campaign"), pk=pk)
    if not can_manage(request.user, day):
        raise PermissionDenied("You do not run this polling day.")
    return day


def optional_url(name: str, *args: Any) -> str:
    """The URL of another polling-day page if that page exists (they are built separately), else ''."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def day_links(day: PollingDay) -> list[tuple[str, str]]:
    """Links to the day's other pages (promises, knock-up, telling, board) that exist."""
    candidates = [
        ("Board", "gotv:board"),
        ("Promises", "gotv:promises"),
        ("Postal promises", "gotv:postal_promises"),
        ("Telling", "gotv:telling"),
        ("Flagged numbers", "gotv:review"),
    ]
    links = []
    for label, name in candidates:
        url = optional_url(name, day.pk)
        if url:
            links.append((label, url))
    return links


def room_links(room: CommitteeRoom) -> list[tuple[str, str]]:
    candidates = [
        ("Room board", "gotv:room_board"),
        ("Knock-up", "gotv:knockup_room"),
        ("Lifts", "gotv:lifts"),
    ]
    links = []
    for label, name in candidates:
        url = optional_url(name, room.pk)
        if url:
            links.append((label, url))
    return links


# ---------------------------------------------------------------- forms


def _time_field(initial: datetime.time) -> forms.TimeField:
    return forms.TimeField(initial=initial, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))


class DayForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=None, label="Constituency party")
    name = forms.CharField(max_length=200)
    election = forms.CharField(max_length=60, help_text="e.g. parl.2029-05-03 (used for turnout history)")
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    polls_open = _time_field(services.DEFAULT_OPEN)
    polls_close = _time_field(services.DEFAULT_CLOSE)
    campaign = forms.ModelChoiceField(
        queryset=None, required=False, label="Canvass campaign", help_text="Where promises and walk order come from"
    )
    support_codes = forms.MultipleChoiceField(
        choices=(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Promise: support codes",
        help_text="None ticked: the party's own code",
    )
    min_likelihood = forms.IntegerField(
        min_value=1, max_value=10, required=False, label="Promise: likelihood to vote at least"
    )
    contacted_since = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Promise: support recorded since"
    )

    def __init__(self, *args: Any, user: Any, day: PollingDay | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = access.units_for(user, access.Perm.MANAGE_POLLING_DAY).filter(constituency__isnull=False)
        self.fields["unit"].queryset = units.order_by("path")
        constituencies = units.values("constituency_id")
        self.fields["campaign"].queryset = CanvassCampaign.objects.filter(constituency_id__in=constituencies).order_by(
            "-starts_on", "name"
        )
        code_unit = day.unit if day is not None else units.order_by("path").first()
        codes = support_codes_for(code_unit) if code_unit is not None else {}
        self.fields["support_codes"].choices = [(c, f"{c} — {sc.label}") for c, sc in codes.items()]
        if day is not None:
            del self.fields["unit"]
            self.fields["campaign"].queryset = CanvassCampaign.objects.filter(constituency_id=day.constituency_id)

    def rule(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "support_codes": data.get("support_codes") or [],
            "min_likelihood": data.get("min_likelihood"),
            "contacted_since": data.get("contacted_since"),
        }


def _district_choices(day: PollingDay, owner_of: dict[str, Any], current: Any) -> list[tuple[str, str]]:
    choices = []
    for pd in services.day_districts(day):
        other = owner_of.get(pd)
        note = f" (now {other.name})" if other is not None and other != current else ""
        choices.append((pd, f"{pd}{note}"))
    return choices


class StationForm(forms.Form):
    name = forms.CharField(max_length=200)
    address = forms.CharField(max_length=300, required=False)
    postcode = forms.CharField(max_length=8, required=False)
    latitude = forms.FloatField(required=False, min_value=-90, max_value=90)
    longitude = forms.FloatField(required=False, min_value=-180, max_value=180)
    polling_districts = forms.MultipleChoiceField(choices=(), widget=forms.CheckboxSelectMultiple)
    tellers = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Tellers see and take this station's numbers only; coordinators and organisers cover every station",
    )

    def __init__(self, *args: Any, day: PollingDay, station: PollingStation | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["polling_districts"].choices = _district_choices(day, services.station_of_district(day), station)
        self.fields["tellers"].queryset = assignments.eligible_tellers(day)
        self.fields["tellers"].label_from_instance = _person_label


class RoomForm(forms.Form):
    name = forms.CharField(max_length=200)
    address = forms.CharField(max_length=300, required=False)
    coordinator = forms.ModelChoiceField(queryset=None, required=False)
    polling_districts = forms.MultipleChoiceField(choices=(), widget=forms.CheckboxSelectMultiple)
    volunteers = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Knock-up volunteers",
        help_text="They open this room's knock-up rounds (names and addresses) and no other room's",
    )

    def __init__(self, *args: Any, day: PollingDay, room: CommitteeRoom | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["polling_districts"].choices = _district_choices(day, services.room_of_district(day), room)
        # Any user may be posted (the service checks it again), listed from the unit's own people only.
        self.fields["coordinator"].queryset = services.eligible_coordinators(day.unit)
        self.fields["coordinator"].label_from_instance = _person_label
        self.fields["volunteers"].queryset = assignments.eligible_volunteers(day)
        self.fields["volunteers"].label_from_instance = _person_label


def _person_label(user: Any) -> str:
    return f"{user.display_name or user.email} ({user.email})"


@transaction.atomic
def _save_station(day: PollingDay, station: PollingStation | None, data: dict[str, Any], actor: Any) -> None:
    """The station and the tellers posted at it, together or not at all."""
    fields = {k: v for k, v in data.items() if k != "tellers"}
    if station is None:
        station = services.add_station(day, actor=actor, **fields)
    else:
        station = services.update_station(station, actor=actor, **fields)
    assignments.set_station_tellers(station, data.get("tellers") or [], actor=actor)


@transaction.atomic
def _save_room(day: PollingDay, room: CommitteeRoom | None, data: dict[str, Any], actor: Any) -> None:
    """The room and its knock-up volunteers, together or not at all."""
    fields = {k: v for k, v in data.items() if k != "volunteers"}
    if room is None:
        room = services.add_committee_room(day, actor=actor, **fields)
    else:
        room = services.update_committee_room(room, actor=actor, **fields)
    assignments.set_room_volunteers(room, data.get("volunteers") or [], actor=actor)


def _apply(form: forms.Form, exc: ValidationError) -> None:
    for message in exc.messages:
        form.add_error(None, message)


# ---------------------------------------------------------------- pages


@login_required
def day_list(request: HttpRequest) -> HttpResponse:
    """The "Polling day" landing page: days the user runs, rooms they coordinate, and their volunteer tools."""
    user = request.user
    managed_units = access.units_for(user, access.Perm.MANAGE_POLLING_DAY)
    managed = list(
        PollingDay.objects.filter(unit__in=managed_units).select_related("unit", "constituency").order_by("-date")
    )
    rooms = list(services.rooms_coordinated_by(user))
    managed_ids = {d.pk for d in managed}
    volunteer_rows = []
    for day in services.days_related_to(user):
        if day.pk in managed_ids:
            continue
        links = []
        if access.has_perm(user, access.Perm.TELL, day.unit):
            links.append(("Take numbers (telling)", optional_url("gotv:telling", day.pk)))
        if access.has_perm(user, access.Perm.KNOCK_UP, day.unit):
            links.append(("Knock-up sheets", optional_url("gotv:knockup_home")))
        links = [(label, url) for label, url in links if url]
        if links:
            volunteer_rows.append({"day": day, "links": links})
    general = []
    if access.has_perm(user, access.Perm.TELL):
        general.append(("Telling", optional_url("gotv:telling_days")))
    if access.has_perm(user, access.Perm.KNOCK_UP):
        general.append(("Knock-up sheets", optional_url("gotv:knockup_home")))
    general = [(label, url) for label, url in general if url]
    record(
        AuditEntry.Action.VIEWED,
        request=request,
        object_type="gotv.pollingday",
        object_label="polling day list",
        detail={"page": "polling day list", "days": len(managed), "rooms": len(rooms)},
    )
    return render(
        request,
        "gotv/day_list.html",
        {
            "managed": [{"day": d, "links": day_links(d)} for d in managed],
            "rooms": [{"room": r, "links": room_links(r)} for r in rooms],
            "volunteer_rows": volunteer_rows,
            "general_links": general,
            "can_create": access.units_for(user, access.Perm.MANAGE_POLLING_DAY)
            .filter(constituency__isnull=False)
            .exists(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def day_create(request: HttpRequest) -> HttpResponse:
    access.require(request.user, access.Perm.MANAGE_POLLING_DAY)
    form = DayForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            day = services.create_polling_day(
                unit=data["unit"],
                name=data["name"],
                election=data["election"],
                date=data["date"],
                polls_open=data["polls_open"],
                polls_close=data["polls_close"],
                campaign=data["campaign"],
                promise_rule=form.rule(),
                actor=request.user,
            )
        except ValidationError as exc:
            _apply(form, exc)
        else:
            messages.success(request, "Polling day created. Now add its polling stations and committee rooms.")
            return redirect("gotv:day", pk=day.pk)
    if request.method == "GET":
        record(
            AuditEntry.Action.VIEWED,
            request=request,
            object_type="gotv.pollingday",
            object_label="new polling day form",
            detail={"page": "new polling day"},
        )
    return render(request, "gotv/day_form.html", {"form": form, "day": None})


@login_required
def day_detail(request: HttpRequest, pk: int) -> HttpResponse:
    day = managed_day(request, pk)
    stations = list(day.stations.prefetch_related("teller_assignments__user"))
    rooms = list(day.committee_rooms.select_related("coordinator").prefetch_related("volunteer_assignments__user"))
    districts = services.day_districts(day)
    at_station = {pd for s in stations for pd in s.polling_districts}
    in_room = {pd for r in rooms for pd in r.polling_districts}
    codes = (day.promise_rule or {}).get("support_codes") or sorted(our_codes(day.unit))
    record(AuditEntry.Action.VIEWED, request=request, obj=day, unit=day.unit, detail={"page": "polling day"})
    return render(
        request,
        "gotv/day_detail.html",
        {
            "day": day,
            "stations": stations,
            "rooms": [{"room": r, "links": room_links(r)} for r in rooms],
            "links": day_links(day),
            "districts": districts,
            "no_station": [pd for pd in districts if pd not in at_station],
            "no_room": [pd for pd in districts if pd not in in_room],
            "rule_codes": codes,
            "targets": [(pd, (day.targets or {}).get(pd)) for pd in districts],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def day_edit(request: HttpRequest, pk: int) -> HttpResponse:
    day = managed_day(request, pk)
    rule = day.promise_rule or {}
    initial = {
        "name": day.name,
        "election": day.election,
        "date": day.date,
        "polls_open": day.polls_open,
        "polls_close": day.polls_close,
        "campaign": day.campaign,
        "support_codes": rule.get("support_codes") or [],
        "min_likelihood": rule.get("min_likelihood"),
        "contacted_since": rule.get("contacted_since"),
    }
    form = DayForm(request.POST or None, user=request.user, day=day, initial=initial)
    districts = services.day_districts(day)
    targets = {pd: request.POST.get(f"target_{pd}", "") for pd in districts} if request.method == "POST" else {}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_polling_day(
                day,
                actor=request.user,
                name=data["name"],
                election=data["election"],
                date=data["date"],
                polls_open=data["polls_open"],
                polls_close=data["polls_close"],
                campaign=data["campaign"],
                promise_rule=form.rule(),
                targets={pd: v.strip() for pd, v in targets.items()},
            )
        except ValidationError as exc:
            _apply(form, exc)
        else:
            messages.success(request, "Polling day saved.")
            return redirect("gotv:day", pk=day.pk)
    if request.method == "GET":
        record(AuditEntry.Action.VIEWED, request=request, obj=day, unit=day.unit, detail={"page": "polling day form"})
    current = day.targets or {}
    rows = [(pd, targets.get(pd, current.get(pd, ""))) for pd in districts]
    return render(request, "gotv/day_form.html", {"form": form, "day": day, "target_rows": rows})


def _form_page(
    request: HttpRequest,
    *,
    form: forms.Form,
    save: Callable[[dict[str, Any]], Any],
    saved: str,
    day: PollingDay,
    viewed: Any,
    page: str,
    template: str,
    context: dict[str, Any],
) -> HttpResponse:
    """The shared flow of the station and room forms: validate, save through a service, audit the view."""
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as exc:
            _apply(form, exc)
        else:
            messages.success(request, saved)
            return redirect("gotv:day", pk=day.pk)
    if request.method == "GET":
        record(AuditEntry.Action.VIEWED, request=request, obj=viewed, unit=day.unit, detail={"page": page})
    return render(request, template, {"form": form, "day": day, **context})


@login_required
@require_http_methods(["GET", "POST"])
def station_create(request: HttpRequest, pk: int) -> HttpResponse:
    day = managed_day(request, pk)
    return _form_page(
        request,
        form=StationForm(request.POST or None, day=day),
        save=lambda data: _save_station(day, None, data, request.user),
        saved="Polling station added.",
        day=day,
        viewed=day,
        page="new station form",
        template="gotv/station_form.html",
        context={"station": None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def station_edit(request: HttpRequest, pk: int) -> HttpResponse:
    station = get_object_or_404(PollingStation.objects.select_related("polling_day"), pk=pk)
    day = managed_day(request, station.polling_day_id)
    initial = {
        f: getattr(station, f) for f in ("name", "address", "postcode", "latitude", "longitude", "polling_districts")
    }
    initial["tellers"] = list(StationTeller.objects.filter(station=station).values_list("user_id", flat=True))
    return _form_page(
        request,
        form=StationForm(request.POST or None, day=day, station=station, initial=initial),
        save=lambda data: _save_station(day, station, data, request.user),
        saved="Polling station saved.",
        day=day,
        viewed=station,
        page="station form",
        template="gotv/station_form.html",
        context={"station": station},
    )


@login_required
@require_http_methods(["GET", "POST"])
def room_create(request: HttpRequest, pk: int) -> HttpResponse:
    day = managed_day(request, pk)
    return _form_page(
        request,
        form=RoomForm(request.POST or None, day=day),
        save=lambda data: _save_room(day, None, data, request.user),
        saved="Committee room added.",
        day=day,
        viewed=day,
        page="new room form",
        template="gotv/room_form.html",
        context={"room": None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def room_edit(request: HttpRequest, pk: int) -> HttpResponse:
    room = get_object_or_404(CommitteeRoom.objects.select_related("polling_day", "coordinator"), pk=pk)
    day = managed_day(request, room.polling_day_id)
    initial = {f: getattr(room, f) for f in ("name", "address", "coordinator", "polling_districts")}
    initial["volunteers"] = list(RoomVolunteer.objects.filter(committee_room=room).values_list("user_id", flat=True))
    return _form_page(
        request,
        form=RoomForm(request.POST or None, day=day, room=room, initial=initial),
        save=lambda data: _save_room(day, room, data, request.user),
        saved="Committee room saved.",
        day=day,
        viewed=room,
        page="room form",
        template="gotv/room_form.html",
        context={"room": room},
    )
