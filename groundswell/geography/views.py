"""Public JSON endpoints: boundaries and postcodes are open data, not personal data, so no login is needed."""

from __future__ import annotations

import json

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from .lookup import BoundariesNotLoaded, PostcodeNotFound, lookup_point, lookup_postcode, parse_point
from .postcodes import InvalidPostcode
from .selectors import constituency_by_code


@require_GET
def lookup(request: HttpRequest) -> JsonResponse:
    """`?postcode=RG1 1AA` or `?point=51.4545,-0.9781` → the lookup result as one JSON object."""
    postcode = request.GET.get("postcode", "").strip()
    point = request.GET.get("point", "").strip()
    if bool(postcode) == bool(point):
        return JsonResponse({"error": "give either ?postcode=… or ?point=LAT,LON"}, status=400)
    try:
        result = lookup_point(*parse_point(point)) if point else lookup_postcode(postcode)
    except (PostcodeNotFound, BoundariesNotLoaded) as exc:
        return JsonResponse({"error": str(exc)}, status=404)
    except (InvalidPostcode, ValueError) as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    return JsonResponse(result.as_dict())


def _feature(area, kind: str) -> dict:
    return {
        "type": "Feature",
        "id": area.code,
        "properties": {"code": area.code, "name": area.name, "kind": kind},
        "geometry": json.loads(area.simplified or area.geometry) if (area.simplified or area.geometry) else None,
    }


@require_GET
def constituency_geojson(request: HttpRequest, code: str) -> HttpResponse:
    """The constituency's simplified outline, followed by its wards when they are loaded, for Leaflet maps.

    `?set=2010` or `?set=2024` names the boundary set; without it, the current set's seat (see constituency_by_code)."""
    boundary_set = request.GET.get("set", "").strip() or None
    constituency = constituency_by_code(code, boundary_set)
    if constituency is None:
        raise Http404(f"No constituency {code}" + (f" in the {boundary_set} boundary set" if boundary_set else ""))
    features = [_feature(constituency, "constituency")]
    features[0]["properties"]["boundary_set"] = constituency.boundary_set_id
    wards = constituency.wards.only("code", "name", "simplified", "geometry").order_by("name")
    features += [_feature(ward, "ward") for ward in wards]
    response = JsonResponse({"type": "FeatureCollection", "features": features}, content_type="application/geo+json")
    response["Cache-Control"] = "public, max-age=3600"  # boundaries change only on re-import
    return response
