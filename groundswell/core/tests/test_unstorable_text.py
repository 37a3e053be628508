"""A NUL character that reaches a PostgreSQL query through a page that does not check for it is a plain 400,
never a 500; other database errors are left alone."""

from __future__ import annotations

import pytest
from django.db import DataError, IntegrityError
from django.test import RequestFactory

from groundswell.core.middleware import MESSAGE, UnstorableTextMiddleware


def _middleware() -> UnstorableTextMiddleware:
    return UnstorableTextMiddleware(lambda request: None)


def test_the_postgresql_nul_error_becomes_a_plain_400():
    request = RequestFactory().post("/anything/", {"name": "a\x00b"})
    response = _middleware().process_exception(
        request, DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes")
    )
    assert response.status_code == 400
    assert response.content.decode() == MESSAGE


@pytest.mark.parametrize("exc", [DataError("value too long for type character varying(20)"), IntegrityError("x")])
def test_other_database_errors_are_not_hidden(exc):
    assert _middleware().process_exception(RequestFactory().get("/"), exc) is None
