"""The lean WSGI path for the phonebank's `next` and `result` answers exactly as the Django views do (same
handlers, same refusals), hands everything else to Django, and still counts the request in the metrics."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from django.test import override_settings

from groundswell.core.fastpath import LeanCallerAPI
from groundswell.core.metrics import REQUESTS
from groundswell.phonebank import rules, seats
from groundswell.phonebank.models import CallAttempt
from groundswell.phonebank.tests.world import build_world, joined

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _open_window(monkeypatch):
    monkeypatch.setattr(rules, "in_window", lambda campaign, at: True)
    seats.clear_caches()


class Passed(Exception):
    """Django's application was called."""


def _django(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    raise Passed(environ["PATH_INFO"])


def _call(app, path: str, body: bytes = b"", seat: str | None = None, method: str = "POST", **extra) -> tuple:
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": "application/json",
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        **({"HTTP_X_CALLER_SEAT": seat} if seat else {}),
        **extra,
    }
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list) -> None:
        answer["status"], answer["headers"] = status, dict(headers)

    # As Django's test client does: the request signals would close the connection holding the test's transaction.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        chunks = app(environ, start_response)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    return int(answer["status"].split()[0]), answer["headers"], json.loads(b"".join(chunks))


def _sample(view: str, status: str) -> float:
    return REQUESTS.labels(view, "POST", status)._value.get()


def test_next_and_result_answer_as_the_django_views_do():
    world = build_world(people=3)
    client, seat = joined(world)
    token = world.session.token
    app = LeanCallerAPI(_django)
    before = _sample("phonebank:api_next", "200")
    status, headers, first = _call(app, f"/phonebank/api/{token}/next", b"{}", seat)
    assert status == 200 and first["call"]["name"].startswith("Callee")
    assert headers["Content-Type"] == "application/json" and headers["X-Content-Type-Options"] == "nosniff"
    assert _sample("phonebank:api_next", "200") == before + 1
    # The Django view gives the same contact back (the caller holds it).
    via_django = client.post(f"/phonebank/api/{token}/next", {}, content_type="application/json",
                             headers={"X-Caller-Seat": seat}).json()  # fmt: skip
    assert via_django["call"]["target"] == first["call"]["target"]
    call = first["call"]
    body = {"client_id": "lean-1", "target": call["target"], "lease": call["lease"], "outcome": "no_answer"}
    status, _, result = _call(app, f"/phonebank/api/{token}/result", json.dumps(body).encode(), seat)
    assert status == 200 and result["stored"] and result["applied"] and result["call"]["target"] != call["target"]
    assert CallAttempt.objects.filter(client_id="lean-1").count() == 1
    # The same result again is stored once.
    status, _, again = _call(app, f"/phonebank/api/{token}/result", json.dumps(body).encode(), seat)
    assert status == 200 and again["duplicate"] and CallAttempt.objects.filter(client_id="lean-1").count() == 1


@pytest.mark.parametrize(
    ("body", "seat", "status", "says"),
    [
        (b"{}", None, 401, "No caller seat"),
        (b"{}", "forged", 401, "expired"),
        (b"[1]", "SEAT", 400, "must be a JSON object"),
        (b'{"client_id": "a\\u0000"}', "SEAT", 400, "NUL"),
        (b'{"client_id": "x", "target": 1e400}', "SEAT", 400, "not JSON"),
        (b"x" * (70 * 1024), "SEAT", 413, "too large"),
    ],
)
def test_refusals_are_the_same_as_the_views(body, seat, status, says):
    world = build_world(people=1)
    _client, real = joined(world)
    got, _, payload = _call(
        LeanCallerAPI(_django), f"/phonebank/api/{world.session.token}/result", body, real if seat == "SEAT" else seat
    )
    assert got == status and says in json.dumps(payload)


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/phonebank/api/abc/next", "GET"),
        ("/phonebank/api/abc/skip", "POST"),
        ("/phonebank/api/abc/tally", "GET"),
        ("/phonebank/api/a/b/next", "POST"),
        ("/healthz", "GET"),
    ],
)
def test_everything_else_goes_to_django(path, method):
    with pytest.raises(Passed):
        _call(LeanCallerAPI(_django), path, method=method)


def test_plain_http_is_left_to_django_to_redirect_and_https_is_served():
    world = build_world(people=1)
    _client, seat = joined(world)
    path = f"/phonebank/api/{world.session.token}/next"
    with override_settings(SECURE_SSL_REDIRECT=True, SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https")):
        with pytest.raises(Passed):
            _call(LeanCallerAPI(_django), path, b"{}", seat)
        status, _, _ = _call(LeanCallerAPI(_django), path, b"{}", seat, HTTP_X_FORWARDED_PROTO="https")
    assert status == 200


def test_the_deployed_application_is_wrapped():
    from groundswell import wsgi

    assert isinstance(wsgi.application, LeanCallerAPI) and isinstance(wsgi.application.app, WSGIHandler)


class FakeConnection:
    def __init__(self, *, errors: bool = False, close_at: float | None = None, atomic: bool = False) -> None:
        self.connection = object()
        self.errors_occurred, self.close_at, self.in_atomic_block = errors, close_at, atomic
        self.closed = False

    def close(self) -> None:
        self.closed = True


def test_after_a_lean_request_broken_and_old_connections_are_closed_and_healthy_ones_kept(monkeypatch):
    from groundswell.core import fastpath

    broken, old, healthy, in_test = (
        FakeConnection(errors=True),
        FakeConnection(close_at=0.0),
        FakeConnection(close_at=10**12),
        FakeConnection(errors=True, atomic=True),
    )
    monkeypatch.setattr(fastpath.connections, "all", lambda initialized_only=False: [broken, old, healthy, in_test])
    fastpath._tidy_connections()
    assert broken.closed and old.closed and not healthy.closed and not in_test.closed
