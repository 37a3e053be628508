"""Sections that apps above events add to an event's public page (surveys: the discussion's survey links).

Events is below them in the layers, so it never imports them: each registers a render function from its
AppConfig.ready(), and the event page shows whatever they return, in registration order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

# render(request, event) -> HTML (a SafeString, e.g. from render_to_string), or "" for nothing on this event.
EventPageSection = Callable[[HttpRequest, Any], str]

_SECTIONS: dict[str, EventPageSection] = {}


def register_event_page_section(key: str, render: EventPageSection) -> None:
    """Add (or replace, so module reloads are harmless) the section `key`."""
    _SECTIONS[key] = render


def event_page_sections(request: HttpRequest, event: Any) -> list[str]:
    """The registered sections' HTML for this event and viewer, leaving out empty ones."""
    return [html for render in _SECTIONS.values() if (html := render(request, event))]
