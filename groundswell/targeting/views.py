"""Targeting pages: projection dashboard (map and seat totals), target list, allocation, poll tracker, a seat's
canvass-aware picture, and the public 'my nearest marginal'. Everything but the last needs VIEW_TARGETING."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from groundswell.accounts import access
from groundswell.audit.services import record
from groundswell.geography.hexes import HexMap
from groundswell.geography.lookup import PostcodeNotFound
from groundswell.geography.models import Constituency
from groundswell.geography.postcodes import InvalidPostcode
from groundswell.geography.selectors import constituency_by_code, current_boundary_set

from . import allocation, canvass, maps, services
from .charts import history_chart, poll_chart, seat_chart
from .engine import Inputs
from .forms import AllocationForm, PostcodeForm, ProjectionForm, TargetForm
from .history import seat_history
from .models import Projection
from .nearest import nearest_targets
from .parties import COLOURS, LABELS, PARTIES
from .polls import AREAS, tracker
from .selectors import carried_share, overlapping_projection, projection_boundary_set, projection_set, your_seats


def _require(request: HttpRequest) -> None:
    access.require(request.user, access.Perm.VIEW_TARGETING)


def _targets_form(request: HttpRequest, form_class: type[TargetForm] = TargetForm) -> TargetForm:
    data = request.GET.copy() if request.GET else None
    form = form_class(data, initial={"party": services.our_party()})
    return form


MAP_VIEWS = ("map", "hex")  # the geographic map (Leaflet) and the hex cartogram (server-rendered SVG)


def _map_view(request: HttpRequest) -> str:
    view = request.GET.get("view", "map")
    return view if view in MAP_VIEWS else "map"


def _switch_query(request: HttpRequest) -> str:
    """The page's query string without `view`, for the 'Hex map / Geographic map' switch links."""
    query = request.GET.copy()
    query.pop("view", None)
    return query.urlencode()


def _hex_map(projection: Projection | None, seats: list, mode: str, party_label: str) -> HexMap:
    props = {
        s.code: {"p_win": s.p_win, "category": s.category, "winner": s.winner, "winner_p": s.winner_p} for s in seats
    }
    seat_url = reverse("targeting:seat", args=["CODE"]) + f"?set={maps.HEX_SET}"
    return maps.hex_map(projection, props, mode, party_label, seat_url)


def _map_url(projection: Projection | None, query: str) -> str:
    """The map data's address for this page: the projection's number in it, so a browser's cached copy of an
    older projection (perhaps on the other boundary set) is never drawn under a newer one."""
    url = reverse("targeting:map") + "?" + query
    return url + (f"&projection={projection.pk}" if projection else "")


def _colour_mode(request: HttpRequest) -> str:
    """What the dashboard's maps colour seats by: ?colour=winner for the projected winner, else our chance."""
    mode = request.GET.get("colour", "probability")
    return mode if mode in maps.COLOUR_MODES else "probability"


def _unit_constituencies(request: HttpRequest, limit: int = 6) -> list[Constituency]:
    """The constituencies of the user's own units (those with a seat), nearest the top of the tree first."""
    units = (
        access.units_for(request.user, access.Perm.VIEW_TARGETING)
        .filter(constituency__isnull=False)
        .select_related("constituency")
        .order_by("path")
    )
    seen: dict[int, Constituency] = {}
    for unit in units[: limit * 4]:
        seen.setdefault(unit.constituency.pk, unit.constituency)
    return list(seen.values())[:limit]


def _party_thresholds(form: TargetForm) -> tuple[str, float, float]:
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        return d.get("party") or services.our_party(), d["safe"], d["reach"]
    return services.our_party(), services.DEFAULT_SAFE, services.DEFAULT_REACH


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    _require(request)
    projection = services.latest_projection()
    if request.method == "POST":
        form = ProjectionForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            inputs = Inputs(gb=d["shares"], nations=d["nation_shares"])
            sim = services.run_projection(d["base"], inputs, d["method"], d["sims"], boundary_set=d["boundary_set"])
            saved = services.save_projection(
                sim, d["base"], inputs, d["method"], request.user, d["label"], boundary_set=d["boundary_set"]
            )
            messages.success(request, f"Projection #{saved.pk} saved: {d['sims']} simulations from {d['base']}.")
            return redirect("targeting:dashboard")
    else:
        initial = {}
        if projection:
            initial = {
                "base": projection.base_year,
                "boundary_set": projection.inputs.get("boundary_set", ""),
                "method": projection.method,
                "sims": projection.sims,
                "shares": ",".join(f"{p}={v:.3f}" for p, v in projection.inputs.get("gb", {}).items()),
                "nation_shares": ";".join(
                    f"{n}:" + ",".join(f"{p}={v:.3f}" for p, v in shares.items())
                    for n, shares in projection.inputs.get("nations", {}).items()
                ),
            }
        form = ProjectionForm(initial=initial)
    party = request.GET.get("party") or services.our_party()
    if party not in PARTIES:
        party = services.our_party()
    context = {
        "form": form,
        "projection": projection,
        "chart": seat_chart(projection.totals) if projection else None,
        "party": party,
        "party_label": LABELS[party],
        "party_choices": [(p, LABELS[p]) for p in PARTIES if p not in ("OTH", "SPK")],
        "rows": [
            {"party": p, "label": LABELS[p], "colour": COLOURS[p], **projection.totals[p]}
            for p in PARTIES
            if projection and (projection.totals[p]["p95"] or projection.totals[p]["point"])
        ]
        if projection
        else [],
        "map_view": _map_view(request),
        "switch_query": _switch_query(request),
        "colour": _colour_mode(request),
        "projection_set": projection_set(projection),
        "your_seats": your_seats(_unit_constituencies(request), projection),
        "map_url": _map_url(projection, urlencode({"party": party})),
    }
    if context["map_view"] == "hex":
        seats = services.target_list(projection, party) if projection else []
        context["hexmap"] = _hex_map(projection, seats, context["colour"], LABELS[party])
    return render(request, "targeting/dashboard.html", context)


@login_required
@require_GET
def map_geojson(request: HttpRequest) -> JsonResponse:
    """Constituency outlines with each seat's win probability for ?party= and its category, for the maps."""
    _require(request)
    projection = services.latest_projection()
    if projection is None:
        raise Http404("No projection yet")
    form = _targets_form(request)
    party, safe, reach = _party_thresholds(form)
    props = {
        s.code: {
            "name": s.name,
            "p_win": s.p_win,
            "category": s.category,
            "winner": s.winner,
            "winner_p": s.winner_p,
            "winner_label": maps.winner_label(s.winner, s.winner_p),
            "winner_colour": maps.winner_colour(s.winner),
            "held": s.held,
        }
        for s in services.target_list(projection, party, safe, reach)
    }
    boundary_set = projection_boundary_set(projection)
    collection = {**maps.feature_collection(props, boundary_set), "boundary_set": boundary_set}
    response = JsonResponse(collection, content_type="application/geo+json")
    response["Cache-Control"] = "private, max-age=300"
    return response


SORTS = {
    "name": lambda s: s.name,
    "p_win": lambda s: -s.p_win,
    "margin": lambda s: -s.margin,
    "closeness": lambda s: abs(s.p_win - 0.5),
    "category": lambda s: (s.category, abs(s.p_win - 0.5)),
}


@login_required
def targets(request: HttpRequest) -> HttpResponse:
    _require(request)
    projection = services.latest_projection()
    form = _targets_form(request)
    party, safe, reach = _party_thresholds(form)
    seats = services.target_list(projection, party, safe, reach) if projection else []
    category = request.GET.get("category", "")
    if category:
        seats = [s for s in seats if s.category == category]
    sort = request.GET.get("sort", "closeness")
    seats.sort(key=SORTS.get(sort, SORTS["closeness"]))
    categories = [
        services.Category.DEFEND,
        services.Category.ATTACK,
        services.Category.SAFE,
        services.Category.OUT_OF_REACH,
    ]
    every = services.target_list(projection, party, safe, reach) if projection else []
    counts = [(c, sum(1 for s in every if s.category == c)) for c in categories]
    query = request.GET.copy()
    query.pop("sort", None)
    query.pop("view", None)
    map_view = _map_view(request)
    hexmap = _hex_map(projection, every, "category", LABELS[party]) if map_view == "hex" else None
    return render(
        request,
        "targeting/targets.html",
        {
            "form": form,
            "projection": projection,
            "seats": seats,
            "party": party,
            "party_label": LABELS[party],
            "counts": counts,
            "sort": sort,
            "category": category,
            "query": query.urlencode(),
            "map_view": map_view,
            "switch_query": _switch_query(request),
            "hexmap": hexmap,
            "projection_set": projection_set(projection),
            "map_url": _map_url(projection, query.urlencode()),
        },
    )


@login_required
def allocate(request: HttpRequest) -> HttpResponse:
    _require(request)
    projection = services.latest_projection()
    form = AllocationForm(request.GET or None, initial={"party": services.our_party()})
    result = None
    if projection and form.is_bound and form.is_valid():
        d = form.cleaned_data
        party = d.get("party") or services.our_party()
        seats = services.target_list(projection, party, d["safe"], d["reach"])
        names = {s.code: s for s in seats}
        plan = allocation.plan(allocation.candidates(seats), d["budget"], d["effect"], d["decay"])
        rows = [
            {"seat": names[code], "organisers": n}
            for code, n in zip(plan.allocation.codes, plan.allocation.organisers, strict=True)
            if n
        ]
        rows.sort(key=lambda r: -r["organisers"])
        result = {"plan": plan, "rows": rows, "party_label": LABELS[party], "candidates": len(plan.allocation.codes)}
    return render(
        request,
        "targeting/allocation.html",
        {"form": form, "projection": projection, "result": result, "projection_set": projection_set(projection)},
    )


@login_required
def poll_tracker(request: HttpRequest) -> HttpResponse:
    _require(request)
    area = request.GET.get("area", "GB")
    if area not in AREAS:
        area = "GB"
    t = tracker(area)
    return render(
        request,
        "targeting/polls.html",
        {
            "tracker": t,
            "chart": poll_chart(t),
            "area": area,
            "areas": AREAS,
            "latest": [(LABELS[p], v) for p, v in t.latest.items()],
        },
    )


@login_required
def seat(request: HttpRequest, code: str) -> HttpResponse:
    """One seat: its results on its own boundaries, the projection, and (where there is canvass data) the
    canvass-weighted picture. `?set=` names the boundary set where a code is in both (five Scottish seats);
    without it, the set the seat's results are on, else the set the latest projection is on."""
    _require(request)
    code = code.upper()
    projection = services.latest_projection()
    projected_set = projection_boundary_set(projection) if projection else current_boundary_set()
    asked = request.GET.get("set") or None
    history = seat_history(code, asked)
    boundary_set = asked or (history.boundary_set if history else projected_set)
    constituency = constituency_by_code(code, boundary_set)
    if constituency is None and history is None:
        raise Http404(f"No constituency {code} in the {boundary_set} boundary set")
    info = projection.seats.get(code) if projection and boundary_set == projected_set else None
    party = request.GET.get("party") or services.our_party()
    if party not in PARTIES:
        party = services.our_party()
    # A seat of the other set than the projection's: the projection of the seats its people live in (overlaps).
    overlapping = overlapping_projection(projection, history, party) if projection and info is None else []
    prior = info["shares"].get(party, 0.0) if info is not None else carried_share(overlapping)
    picture = None
    if prior is not None and constituency is not None:
        picture = canvass.local_picture(constituency, prior)
        # Aggregates only, but built from the party's canvass returns: who looked is recorded.
        record(
            "viewed",
            request=request,
            object_type="geography.constituency",
            object_id=constituency.pk,
            object_label=f"constituency {constituency.code}",
            detail={"page": "targeting local picture"},
        )
    shares = sorted(
        ((LABELS[p], v, COLOURS[p]) for p, v in (info or {}).get("shares", {}).items()), key=lambda r: -r[1]
    )
    p_win = sorted(((LABELS[p], v) for p, v in (info or {}).get("p_win", {}).items()), key=lambda r: -r[1])
    return render(
        request,
        "targeting/seat.html",
        {
            "constituency": constituency,
            "name": history.name if history else constituency.name,
            "history": history,
            "history_chart": history_chart(history.elections) if history else None,
            "projected_set": projected_set if projection else "",
            "info": info,
            "picture": picture,
            "party_label": LABELS[party],
            "shares": shares,
            "p_win": p_win,
            "projection": projection,
            "overlapping": overlapping,
            "overlap_prior": prior if info is None else None,
        },
    )


def nearest(request: HttpRequest) -> HttpResponse:
    """Public: from a postcode, the nearest seats the campaign is fighting (attack or defend)."""
    form = PostcodeForm(request.GET or None)
    results, postcode, error = None, "", ""
    projection = services.latest_projection()
    if form.is_bound and form.is_valid():
        if projection is None:
            error = "There is no projection yet, so there are no target seats to show."
        else:
            try:
                postcode, results = nearest_targets(form.cleaned_data["postcode"], projection, services.our_party())
            except (InvalidPostcode, PostcodeNotFound, ValueError) as exc:
                error = str(exc)
    return render(
        request,
        "targeting/nearest.html",
        {
            "form": form,
            "results": results,
            "postcode": postcode,
            "error": error,
            "projection_set": projection_set(projection) if projection else None,
        },
    )
