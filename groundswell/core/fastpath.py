"""The phonebank's hot pair (`next`, and `result` + next) served beside Django, not through it.

Every call a volunteer makes is one of these two requests, and they need nothing of Django's request cycle: no
session, user, CSRF (the seat token is a header a browser never sends cross-site), messages, template or URL
resolver. Through the full stack the middleware and request objects cost a measurable share of each request
(docs/benchmarks.md, issue 23), so the WSGI application answers these two paths itself, with the same handlers
the Django views use (`phonebank.views.caller.serve`): the same seat check, body checks, rules and answers.
Everything else, and anything it is unsure of (a plain-HTTP request that must be redirected to HTTPS first), goes
to Django unchanged.

Kept from the request cycle: a database connection that saw an error or is past CONN_MAX_AGE is closed after the
request (what Django's request_finished does), the request metrics, the security headers, and errors logged to
`django.request` as a 500. Left out: the health-check query Django runs before each request's first statement
(CONN_HEALTH_CHECKS), measured at about a sixth of this path's time. Without it, a connection broken by a database
restart fails one request with a 503, which the page resends with the same client id, and is then replaced.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.db import connections

from groundswell.phonebank.views import caller

from .metrics import LATENCY, REQUESTS

log = logging.getLogger("django.request")

_PATH = re.compile(r"^/phonebank/api/([^/]{1,64})/(next|result)$")
_HEADERS = [
    ("Content-Type", "application/json"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("Cache-Control", "no-store"),
]


def _secure(environ: dict[str, Any]) -> bool:
    if environ.get("wsgi.url_scheme") == "https":
        return True
    header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    return bool(header) and environ.get(header[0], "").split(",")[0].strip() == header[1]


def _body(environ: dict[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length <= 0:
        return b""
    # One byte past the limit is enough to refuse it as too large without reading the rest.
    return environ["wsgi.input"].read(min(length, caller.MAX_BODY + 1))


def _tidy_connections() -> None:
    """After each request: close a connection that saw an error or has lived its CONN_MAX_AGE (the next request
    opens a fresh one); keep a healthy one without pinging it. One inside a transaction is a test's: left alone."""
    now = time.monotonic()
    for conn in connections.all(initialized_only=True):
        if conn.connection is None or conn.in_atomic_block:
            continue
        if conn.errors_occurred or (conn.close_at is not None and now >= conn.close_at):
            conn.close()


class LeanCallerAPI:
    """WSGI middleware: the caller API's `next` and `result` answered directly, the rest by `app`."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        match = _PATH.match(environ.get("PATH_INFO", ""))
        if (
            match is None
            or environ.get("REQUEST_METHOD") != "POST"
            or (getattr(settings, "SECURE_SSL_REDIRECT", False) and not _secure(environ))
        ):
            return self.app(environ, start_response)
        token, name = match.groups()
        started = time.perf_counter()
        try:
            status, payload = caller.serve(
                caller.LEAN_HANDLERS[name], token, environ.get("HTTP_X_CALLER_SEAT"), "POST", _body(environ)
            )
        except Exception:  # noqa: BLE001 - answered as Django would: logged, and a 500 without details
            log.exception("Internal Server Error: %s", environ.get("PATH_INFO"))
            status, payload = 500, {"detail": "Server error."}
        finally:
            _tidy_connections()
        body = json.dumps(payload).encode()
        start_response(f"{status} {HTTPStatus(status).phrase}", [*_HEADERS, ("Content-Length", str(len(body)))])
        view = f"phonebank:api_{name}"
        LATENCY.labels(view, "POST").observe(time.perf_counter() - started)
        REQUESTS.labels(view, "POST", str(status)).inc()
        return [body]
