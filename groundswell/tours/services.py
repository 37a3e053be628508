"""Writes of tours: tours, their team, days and stops (each an events-app event whose details stay with the tour
until published), saving a day's plan with its attributions, the agents' decisions (into the spending ledger as
planned items, committed when the stop is confirmed), the two-person checklist, on-the-day records and the
imported road network.

Every write checks the actor may make it, validates before writing (one transaction) and is audited.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from groundswell.accounts.access import Perm, require
from groundswell.events import geo
from groundswell.events.models import Event
from groundswell.events.services.lifecycle import local_datetime
from groundswell.geography.lookup import lookup_point
from groundswell.people.models import OrganisationUnit
from groundswell.spending import services as ledger
from groundswell.spending.models import Candidacy, Election, SpendingItem

from . import notify, selectors
from .auditing import audit
from .models import (
    Attribution,
    ChecklistItem,
    OnTheDay,
    RoadLink,
    RoadNetwork,
    Stop,
    Tour,
    TourDay,
    TourMember,
    VehiclePosition,
)
from .network import NetworkError, parse_links
from .planning import DayPlan, PlanRefused, compute_plan

PLACEHOLDER_TITLE = "Campaign visit (details to follow)"


def _require_manager(actor: Any, tour: Tour) -> None:
    if not selectors.can_manage(actor, tour):
        raise PermissionDenied("only the tour's managers and its unit's organisers may change the tour")


def _pence(value: Any, field: str) -> int:
    if isinstance(value, (bool, float)):
        raise ValidationError({field: "give whole pence (never a float)"})
    try:
        pence = int(value)
    except (TypeError, ValueError) as exc:
        raise ValidationError({field: f"{value!r} is not a whole number of pence"}) from exc
    if pence < 0:
        raise ValidationError({field: "cannot be negative"})
    return pence


def create_tour(
    *, actor: Any, unit: OrganisationUnit, election: Election, name: str, rate_basis: str = Tour.RateBasis.ENTERED,
    day_rate_pence: Any = 0, hire_pence_per_day: Any = 0, fuel_pence_per_day: Any = 0, staff_pence_per_day: Any = 0,
    vehicles: str = "", minimise_local: bool = False, network: RoadNetwork | None = None, request: Any = None,
) -> Tour:  # fmt: skip
    """A tour at `unit`; its creator joins its team as tour manager."""
    require(actor, Perm.MANAGE_TOURS, unit)
    if not name.strip():
        raise ValidationError({"name": "give the tour a name"})
    if rate_basis not in Tour.RateBasis.values:
        raise ValidationError({"rate_basis": "choose an entered day rate or one derived from the tour's costs"})
    given = {"day_rate_pence": day_rate_pence, "hire_pence_per_day": hire_pence_per_day,
             "fuel_pence_per_day": fuel_pence_per_day, "staff_pence_per_day": staff_pence_per_day}  # fmt: skip
    money = {f: _pence(v, f) for f, v in given.items()}
    if rate_basis == Tour.RateBasis.ENTERED and not money["day_rate_pence"]:
        raise ValidationError({"day_rate_pence": "enter the day rate a candidate stop attributes (e.g. £461)"})
    with transaction.atomic():
        tour = Tour.objects.create(unit=unit, election=election, name=name.strip(), rate_basis=rate_basis,
                                   vehicles=vehicles.strip(), minimise_local=minimise_local, network=network,
                                   created_by=actor, **money)  # fmt: skip
        TourMember.objects.create(tour=tour, user=actor, role=TourMember.Role.MANAGER)
        audit("tours.tour.create", actor=actor, obj=tour, unit=unit, request=request,
              detail={"rate_pence": tour.rate_pence, "basis": rate_basis})  # fmt: skip
    return tour


def add_member(*, actor: Any, tour: Tour, user: Any, role: str, phone: str = "", request: Any = None) -> TourMember:
    _require_manager(actor, tour)
    if role not in TourMember.Role.values:
        raise ValidationError({"role": "choose tour manager, advance staff or driver"})
    member, _ = TourMember.objects.get_or_create(tour=tour, user=user, role=role, defaults={"phone": phone})
    audit("tours.member.add", actor=actor, obj=tour, unit=tour.unit, request=request,
          detail={"user": user.pk, "role": role})  # fmt: skip
    return member


def add_day(
    *, actor: Any, tour: Tour, date: dt.date, start: tuple[str, float, float], end: tuple[str, float, float],
    depart_at: dt.time = dt.time(8, 0), arrive_by: dt.time = dt.time(20, 0), request: Any = None,
) -> TourDay:  # fmt: skip
    _require_manager(actor, tour)
    if arrive_by <= depart_at:
        raise ValidationError({"arrive_by": "the day must end after it starts"})
    if TourDay.objects.filter(tour=tour, date=date).exists():
        raise ValidationError({"date": f"the tour already has a day on {date}"})
    day = TourDay.objects.create(tour=tour, date=date, start_name=start[0], start_lat=start[1], start_lon=start[2],
                                 end_name=end[0], end_lat=end[1], end_lon=end[2], depart_at=depart_at,
                                 arrive_by=arrive_by)  # fmt: skip
    audit("tours.day.create", actor=actor, obj=day, unit=tour.unit, request=request, detail={"date": str(date)})
    return day


def seat_of(lat: float, lon: float) -> str:
    try:
        return lookup_point(lat, lon).constituency_code or ""
    except (LookupError, ValueError):
        return ""


def add_stop(
    *, actor: Any, day: TourDay, title: str, purpose: str, venue_name: str, latitude: float, longitude: float,
    window: tuple[dt.time, dt.time], candidacy: Candidacy | None = None, address: str = "", postcode: str = "",
    minutes_on_site: int = 45, own_costs_pence: Any = 0, stewards_needed: int = 0, request: Any = None,
) -> Stop:  # fmt: skip
    """A stop, with its event (invite-only, its details held back until published) and its checklist."""
    tour = day.tour
    _require_manager(actor, tour)
    errors = {}
    if not title.strip():
        errors["title"] = "give the stop a title"
    if not venue_name.strip():
        errors["venue_name"] = "name the venue"
    if purpose not in Stop.Purpose.values:
        errors["purpose"] = "say whether the stop promotes the party nationally or a candidate"
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        errors["latitude"] = "not a latitude/longitude"
    if window[1] < window[0]:
        errors["window"] = "the window closes before it opens"
    code = seat_of(latitude, longitude)
    if purpose == Stop.Purpose.CANDIDATE:
        if candidacy is None:
            errors["candidacy"] = "say which candidate the stop promotes"
        elif candidacy.election_id != tour.election_id:
            errors["candidacy"] = "that candidate stands at another election"
        elif code and candidacy.constituency.code != code:
            errors["candidacy"] = (f"the venue is in {code}, not {candidacy.constituency.name}: a candidate stop "
                                   "is in the candidate's seat")  # fmt: skip
    elif candidacy is not None:
        errors["candidacy"] = "a national stop promotes no candidate"
    costs = _pence(own_costs_pence, "own_costs_pence")
    if errors:
        raise ValidationError(errors)
    noon = local_datetime(day.date, dt.time(12, 0))
    with transaction.atomic():
        # The event carries nothing that locates the stop until the organiser publishes it.
        event = Event.objects.create(unit=tour.unit, kind=Event.Kind.VISIT, title=PLACEHOLDER_TITLE,
                                     starts_at=noon, ends_at=noon, visibility=Event.Visibility.INVITE,
                                     status=Event.Status.PUBLISHED)  # fmt: skip
        stop = Stop.objects.create(
            day=day, event=event, title=title.strip(), purpose=purpose, candidacy=candidacy,
            venue_name=venue_name.strip(), address=address.strip(), postcode=postcode.strip().upper(),
            latitude=latitude, longitude=longitude, constituency_code=code, window_start=window[0],
            window_end=window[1], minutes_on_site=minutes_on_site, own_costs_pence=costs,
            stewards_needed=stewards_needed,
        )  # fmt: skip
        ChecklistItem.objects.bulk_create(ChecklistItem(stop=stop, key=k) for k in ChecklistItem.Key.values)
        audit("tours.stop.create", actor=actor, obj=stop, unit=tour.unit, request=request)
    return stop


def add_advance(*, actor: Any, stop: Stop, user: Any, request: Any = None) -> None:
    _require_manager(actor, stop.day.tour)
    stop.advance_team.add(user)
    audit("tours.member.add", actor=actor, obj=stop, unit=stop.day.tour.unit, request=request,
          detail={"user": user.pk, "role": "advance", "stop": stop.pk})  # fmt: skip


# ------------------------------------------------------------------ plans and attributions


def _key(a: Attribution | Any) -> tuple:
    stop = a.stop_id if isinstance(a, Attribution) else a.stop_id
    code = a.constituency_code if isinstance(a, Attribution) else a.code
    return (a.kind, stop, a.candidacy_id, code, a.amount_pence)


def plan_day(*, actor: Any, day: TourDay, minimise: bool | None = None, request: Any = None, **kwargs: Any) -> DayPlan:
    """Plan the day and save it with its rule; a refused plan (a seat over its limit) saves nothing and is audited.
    Attributions the plan still makes keep the agent's decision; those it no longer makes are withdrawn."""
    tour = day.tour
    _require_manager(actor, tour)
    try:
        plan = compute_plan(day, minimise=minimise, **kwargs)
    except PlanRefused as exc:
        audit("tours.plan.refused", actor=actor, obj=day, unit=tour.unit, request=request,
              detail={"seats": [s["code"] for s in exc.seats], "minimise": bool(minimise)})  # fmt: skip
        raise
    with transaction.atomic():
        # Ordered by id alone: the default ordering joins the nullable stop, which FOR UPDATE cannot lock.
        existing = {_key(a): a for a in day.attributions.order_by("pk").select_for_update()}
        keep = set()
        for p in plan.attributions:
            k = _key(p)
            if k in existing:
                keep.add(existing[k].pk)
                continue
            Attribution.objects.create(day=day, stop_id=p.stop_id, candidacy_id=p.candidacy_id,
                                       constituency_code=p.code, constituency_name=p.name, kind=p.kind,
                                       amount_pence=p.amount_pence, basis=p.basis)  # fmt: skip
        for a in existing.values():
            if a.pk not in keep:
                if a.item_id:
                    ledger.withdraw_item(actor=a.decided_by or actor, item=a.item,
                                         reason="the tour's plan no longer makes this attribution")  # fmt: skip
                a.delete()
        for row in plan.schedule:
            if row["stop_id"]:
                Stop.objects.filter(pk=row["stop_id"]).update(
                    sequence=row["sequence"], planned_arrival=dt.time.fromisoformat(row["arrive"])
                )
        day.plan = plan.as_json()
        day.planned_at, day.planned_by = timezone.now(), actor
        day.save(update_fields=["plan", "planned_at", "planned_by"])
        audit(
            "tours.plan.save",
            actor=actor,
            obj=day,
            unit=tour.unit,
            request=request,
            detail={"minimised": plan.minimised, "km": round(plan.km), "attributions": len(plan.attributions)},
        )
    return plan


CATEGORY = {
    (True, Attribution.Kind.DAY_RATE): "transport", (True, Attribution.Kind.OFF_NETWORK): "transport",
    (True, Attribution.Kind.STOP_COSTS): "meetings",
    (False, Attribution.Kind.DAY_RATE): "p_transport", (False, Attribution.Kind.STOP_COSTS): "p_rallies",
}  # fmt: skip


def decide(*, actor: Any, attribution: Attribution, accept: bool, reason: str = "", request: Any = None) -> Attribution:
    """The agent accepts an attribution (it becomes a planned item of their ledger, authorised by the agent) or
    refuses it (a refused stop attribution blocks the stop; a refused off-network flag is recorded, not counted)."""
    if not selectors.may_decide(actor, attribution):
        raise PermissionDenied("only the seat's election agent decides its attributions")
    if attribution.decision != Attribution.Decision.PENDING:
        raise ValidationError({"decision": f"already {attribution.get_decision_display().lower()}"})
    if not accept and not reason.strip():
        raise ValidationError({"reason": "say why the attribution is refused"})
    day, tour = attribution.day, attribution.day.tour
    with transaction.atomic():
        if accept:
            candidate = attribution.candidacy_id is not None
            splits = [ledger.Split(attribution.candidacy)] if candidate else [ledger.Split(None)]
            where = f" in {attribution.constituency_name}" if attribution.constituency_name else ""
            item = ledger.record_item(
                actor=actor, election=tour.election,
                unit=attribution.candidacy.unit if candidate else tour.unit, splits=splits,
                description=f"{tour.name}, {day.date:%d %b %Y}{where}: {attribution.get_kind_display().lower()}",
                supplier=tour.vehicles, amount_pence=attribution.amount_pence,
                category=CATEGORY[(candidate, attribution.kind)], status=SpendingItem.Status.PLANNED,
                incurred_on=day.date,
                authorised_by=SpendingItem.AuthorisedBy.AGENT if candidate else SpendingItem.AuthorisedBy.PARTY,
                authorised_person=str(actor), method_note=attribution.basis[:400], request=request,
            )  # fmt: skip
            attribution.item = item
            attribution.decision = Attribution.Decision.ACCEPTED
        else:
            attribution.decision = Attribution.Decision.REFUSED
            if attribution.stop_id and attribution.kind != Attribution.Kind.OFF_NETWORK:
                Stop.objects.filter(pk=attribution.stop_id).update(status=Stop.Status.BLOCKED)
        attribution.decided_by, attribution.decided_at, attribution.reason = actor, timezone.now(), reason.strip()
        attribution.save()
        audit("tours.attribution.decide", actor=actor, obj=attribution, unit=tour.unit, request=request,
              reason=reason, detail={"accept": accept, "pence": attribution.amount_pence})  # fmt: skip
    if not accept and attribution.stop_id:
        notify.team(tour, f"An agent refused the attribution for a stop on {day.date}: the stop is blocked.")
    return attribution


def confirm_stop(*, actor: Any, stop: Stop, request: Any = None) -> Stop:
    """Confirm a stop: only when every attribution it makes is accepted; its ledger items become committed."""
    tour = stop.day.tour
    _require_manager(actor, tour)
    rows = list(stop.attributions.exclude(kind=Attribution.Kind.OFF_NETWORK))
    if stop.status == Stop.Status.BLOCKED or any(a.decision == Attribution.Decision.REFUSED for a in rows):
        raise ValidationError({"stop": "an agent refused this stop's attribution: it is blocked"})
    if not stop.day.planned_at:
        raise ValidationError({"stop": "plan the day first"})
    waiting = [a for a in rows if a.decision != Attribution.Decision.ACCEPTED]
    if waiting:
        raise ValidationError({"stop": f"{len(waiting)} attribution(s) are waiting for the agent's decision"})
    with transaction.atomic():
        for a in rows:
            if a.item_id and a.item.status == SpendingItem.Status.PLANNED:
                ledger.update_item(actor=a.decided_by, item=a.item, status=SpendingItem.Status.COMMITTED,
                                   reason=f"tour stop confirmed by {actor}", request=request)  # fmt: skip
        stop.status, stop.confirmed_at = Stop.Status.CONFIRMED, timezone.now()
        stop.save(update_fields=["status", "confirmed_at"])
        audit("tours.stop.confirm", actor=actor, obj=stop, unit=tour.unit, request=request)
    return stop


def publish_stop(*, actor: Any, stop: Stop, request: Any = None) -> Stop:
    """Publish the public event: its venue and time go on the events map from now on."""
    tour = stop.day.tour
    _require_manager(actor, tour)
    starts = local_datetime(stop.day.date, stop.planned_arrival or stop.window_start)
    with transaction.atomic():
        event = stop.event
        event.title, event.venue_name, event.address, event.postcode = (stop.title, stop.venue_name,
                                                                         stop.address, stop.postcode)  # fmt: skip
        event.latitude, event.longitude, event.constituency_code = stop.latitude, stop.longitude, stop.constituency_code
        event.grid_cell = geo.cell_of(stop.latitude, stop.longitude)
        event.starts_at, event.ends_at = starts, starts + dt.timedelta(minutes=stop.minutes_on_site)
        event.visibility = Event.Visibility.PUBLIC
        event.save()
        stop.published_at = timezone.now()
        stop.save(update_fields=["published_at"])
        audit("tours.stop.publish", actor=actor, obj=stop, unit=tour.unit, request=request)
    return stop


def view_location(*, actor: Any, stop: Stop, request: Any = None) -> bool:
    """May `actor` see the stop's exact venue and time? Every answer about an unpublished stop is audited: the
    views (so a leak can be traced) and the refusals."""
    allowed = selectors.can_see_location(actor, stop)
    if stop.published_at is None:
        who = actor if getattr(actor, "is_authenticated", False) else None
        audit("tours.stop.location.view" if allowed else "tours.stop.location.denied", actor=who, obj=stop,
              unit=stop.day.tour.unit, request=request)  # fmt: skip
    return allowed


# ------------------------------------------------------------------ the two-person checklist


def _may_work_on(actor: Any, stop: Stop) -> None:
    if not (selectors.is_member(actor, stop.day.tour) or stop.advance_team.filter(pk=actor.pk).exists()):
        raise PermissionDenied("only the tour team and the stop's advance team work on its checklist")


def confirm_item(*, actor: Any, item: ChecklistItem, detail: str, request: Any = None) -> ChecklistItem:
    """One person confirms an item with its detail (the venue's named contact, the parking…). Changing a confirmed
    or checked item reopens it (it needs a fresh second check) and tells the team."""
    _may_work_on(actor, item.stop)
    if not detail.strip():
        raise ValidationError({"detail": "say what was confirmed (who, what, when)"})
    reopened = item.checked_by_id is not None or (item.confirmed_by_id is not None and detail.strip() != item.detail)
    with transaction.atomic():
        if reopened:
            item.reopened += 1
            audit("tours.checklist.reopen", actor=actor, obj=item.stop, unit=item.stop.day.tour.unit,
                  request=request, detail={"item": item.key})  # fmt: skip
        item.detail, item.confirmed_by, item.confirmed_at = detail.strip(), actor, timezone.now()
        item.checked_by, item.checked_at = None, None
        item.save()
        audit("tours.checklist.confirm", actor=actor, obj=item.stop, unit=item.stop.day.tour.unit, request=request,
              detail={"item": item.key})  # fmt: skip
    if reopened:
        notify.team(item.stop.day.tour, f"{item.stop.title}: '{item.get_key_display()}' changed after its check "
                    "and is reopened.", stop=item.stop)  # fmt: skip
    return item


def check_item(*, actor: Any, item: ChecklistItem, request: Any = None) -> ChecklistItem:
    """A second, different person checks a confirmed item."""
    _may_work_on(actor, item.stop)
    if item.confirmed_by_id is None:
        raise ValidationError({"item": "nobody has confirmed this item yet"})
    if item.confirmed_by_id == actor.pk:
        raise ValidationError({"item": "the person who confirmed an item cannot also check it: ask someone else"})
    if item.checked_by_id:
        raise ValidationError({"item": "already checked"})
    try:
        with transaction.atomic():
            item.checked_by, item.checked_at = actor, timezone.now()
            item.save(update_fields=["checked_by", "checked_at"])
            audit("tours.checklist.check", actor=actor, obj=item.stop, unit=item.stop.day.tour.unit,
                  request=request, detail={"item": item.key})  # fmt: skip
    except IntegrityError as exc:  # the database's own two-person rule (a race with a re-confirmation)
        raise ValidationError({"item": "the person who confirmed an item cannot also check it"}) from exc
    return item


# ------------------------------------------------------------------ on the day


def record_timing(*, actor: Any, stop: Stop, kind: str, at: dt.datetime, client_id: str, request: Any = None) -> dict:
    """An arrival or departure from a phone (possibly queued offline). A replay of the same client id is a no-op.
    A late arrival shifts the next stops' expected times and tells their teams."""
    _may_work_on(actor, stop)
    if kind not in OnTheDay.Kind.values:
        raise ValidationError({"kind": "arrived or departed"})
    if not client_id or len(client_id) > 64:
        raise ValidationError({"client_id": "missing or too long"})
    if OnTheDay.objects.filter(client_id=client_id).exists():
        return {"status": "duplicate"}
    with transaction.atomic():
        OnTheDay.objects.create(stop=stop, kind=kind, at=at, client_id=client_id, recorded_by=actor)
        delay = 0
        if kind == OnTheDay.Kind.ARRIVED:
            stop.arrived_at = at
            if stop.planned_arrival:
                planned = local_datetime(stop.day.date, stop.planned_arrival)
                delay = max(0, int((at - planned).total_seconds() // 60))
            stop.delay_minutes = delay
        else:
            stop.departed_at = at
        stop.save(update_fields=["arrived_at", "departed_at", "delay_minutes"])
        audit("tours.timing.record", actor=actor, obj=stop, unit=stop.day.tour.unit, request=request,
              detail={"kind": kind, "delay": delay})  # fmt: skip
    if delay >= 10:
        for later in Stop.objects.filter(day=stop.day, sequence__gt=stop.sequence or 0).exclude(
            status=Stop.Status.CANCELLED
        ):
            notify.team(stop.day.tour, f"The tour is running {delay} minutes late: expect it at {later.title} "
                        "that much later.", stop=later)  # fmt: skip
    return {"status": "saved", "delay": delay}


def record_position(*, actor: Any, tour: Tour, lat: float, lon: float, request: Any = None) -> VehiclePosition:
    if not selectors.is_member(actor, tour):
        raise PermissionDenied("only the tour team records the vehicle's position")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValidationError({"position": "not a latitude/longitude"})
    pos = VehiclePosition.objects.create(tour=tour, latitude=lat, longitude=lon, recorded_by=actor)
    audit("tours.position.record", actor=actor, obj=tour, unit=tour.unit, request=request)
    return pos


# ------------------------------------------------------------------ road networks


def import_network(*, actor: Any, text: str, name: str, source: str, request: Any = None) -> RoadNetwork:
    """Import a road network file in the SRN graph's columns: every row checked first, then one transaction."""
    if actor is not None:
        require(actor, Perm.MANAGE_TOURS)
    if not source.strip():
        raise ValidationError({"source": "say where the network comes from and its licence"})
    try:
        links = parse_links(text)
    except NetworkError as exc:
        raise ValidationError({"file": str(exc)}) from exc
    with transaction.atomic():
        network = RoadNetwork.objects.create(
            name=name.strip() or "imported network", source=source.strip(), links=len(links),
            junctions=len({x.start for x in links} | {x.end for x in links}), imported_by=actor,
        )  # fmt: skip
        RoadLink.objects.bulk_create(
            (RoadLink(network=network, start=x.start, end=x.end, start_lat=x.start_lat, start_lon=x.start_lon,
                      end_lat=x.end_lat, end_lon=x.end_lon, road=x.road, km=x.km) for x in links),
            batch_size=1000,
        )  # fmt: skip
        audit("tours.network.import", actor=actor, obj=network, request=request, detail={"links": len(links)})
    return network
