"""A backstop for text the database cannot store.

PostgreSQL refuses NUL characters in text (SQLite stores them), so a NUL typed or pasted into a field that a
page hands to a query would be a server error on PostgreSQL only. Forms and services refuse it naming the field;
anything they miss is answered here with a plain 400 rather than a 500, and nothing is written (the statement
failed)."""

from __future__ import annotations

from collections.abc import Callable

from django.db import DataError
from django.http import HttpRequest, HttpResponse

MESSAGE = (
    "Something you sent contains a NUL character (often pasted from another program), which cannot be stored. "
    "Nothing was saved: go back, retype the text and try again."
)


class UnstorableTextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DataError) and "NUL (0x00)" in str(exception):
            return HttpResponse(MESSAGE, status=400, content_type="text/plain; charset=utf-8")
        return None
