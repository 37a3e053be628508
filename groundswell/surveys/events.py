"""What surveys add to the events app: the surveys of the discussions held at an event, on the event's page
(events is below surveys in the layers, so surveys registers this with it rather than events importing surveys)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string

from groundswell.events.pages import register_event_page_section

from .selectors import event_surveys


def event_page_section(request: HttpRequest, event: Any) -> str:
    """The public survey link (while open) and, for whoever may host the discussion, the entry form's link."""
    items = event_surveys(event, request.user)
    if not items:
        return ""
    return render_to_string("surveys/_event_surveys.html", {"surveys": items}, request=request)


def register_event_page_sections() -> None:
    register_event_page_section("surveys", event_page_section)
