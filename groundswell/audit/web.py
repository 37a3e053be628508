"""View decorators that write the audit trail (the Django-only view helpers live in `groundswell.web`)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from groundswell.web import json_login_required

from .models import AuditEntry
from .services import record


def record_denied(request: HttpRequest) -> None:
    """Audit a refused request, so repeated attempts at someone else's data are visible."""
    record(AuditEntry.Action.DENIED, request=request, query=request.path)


def audited_json_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """`json_login_required` for JSON endpoints whose refusals (403) are audited as DENIED."""
    return json_login_required(view, on_denied=record_denied)
