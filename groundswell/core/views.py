from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from groundswell.accounts import access
from groundswell.donations.selectors import clock_summary
from groundswell.tours.selectors import tours_for

from . import health, metrics
from .selectors import dashboard_figures, volunteer_home


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Database and worker liveness for load balancers and monitors: 503 only when the database is down."""
    report = health.report()
    return JsonResponse(report.as_json(), status=200 if report.ok else 503)


def metrics_allowed(request: HttpRequest) -> bool | None:
    """True for staff or the METRICS_TOKEN bearer; False for a wrong token; None when no credential was given."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_staff:
        return True
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    token = getattr(settings, "METRICS_TOKEN", "")
    return bool(token) and secrets.compare_digest(header.removeprefix("Bearer ").strip(), token)


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus metrics for staff or the scraper's bearer token; to anyone else the page does not exist."""
    allowed = metrics_allowed(request)
    if allowed is None:
        raise Http404
    if not allowed:
        return HttpResponseForbidden("Wrong metrics token.")
    body, content_type = metrics.exposition()
    return HttpResponse(body, content_type=content_type)


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever a page links to: send them to the static file (hashed in production)."""
    return HttpResponseRedirect(static("img/favicon.ico"))


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    context: dict = {"roles": request.user.roles.select_related("unit")}
    if access.has_perm(request.user, access.Perm.VIEW_DASHBOARD):
        context["figures"] = dashboard_figures(request.user)
    context["home"] = volunteer_home(request.user)
    if access.has_perm(request.user, access.Perm.VIEW_DONATIONS):
        context["donations_clock"] = clock_summary(request.user)
    context["my_tours"] = list(tours_for(request.user)[:20])
    return render(request, "core/dashboard.html", context)
