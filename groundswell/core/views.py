from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from groundswell.accounts import access

from .selectors import dashboard_figures


def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"ok": True})


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    context: dict = {"roles": request.user.roles.select_related("unit")}
    if access.has_perm(request.user, access.Perm.VIEW_DASHBOARD):
        context["figures"] = dashboard_figures(request.user)
    return render(request, "core/dashboard.html", context)
