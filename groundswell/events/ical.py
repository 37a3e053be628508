"""iCalendar (RFC 5545) for one event or a search's events, written by hand: a few fields, folded and escaped."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from .models import Event

PRODID = "-//Groundswell//Events//EN"


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n").replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (RFC 5545 §3.1)."""
    data = line.encode()
    if len(data) <= 75:
        return line
    parts, start = [], 0
    while start < len(data):
        end = min(len(data), start + (75 if not parts else 74))
        while end < len(data) and (data[end] & 0xC0) == 0x80:  # never split a UTF-8 character
            end -= 1
        parts.append(data[start:end].decode())
        start = end
    return "\r\n ".join(parts)


def _utc(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def _location(event: Event) -> str:
    if event.is_online:
        return event.online_url
    return ", ".join(p for p in (event.venue_name, event.address, event.postcode) if p)


def vevent(event: Event, url: str, stamp: datetime.datetime) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:event-{event.pk}@groundswell",
        f"DTSTAMP:{_utc(stamp)}",
        # UTC instants: every calendar shows them in its own zone, right either side of a clock change.
        f"DTSTART:{_utc(event.starts_at)}",
        f"DTEND:{_utc(event.ends_at)}",
        f"SUMMARY:{_escape(event.title)}",
        f"DESCRIPTION:{_escape((event.description + chr(10) + chr(10) + url).strip())}",
        f"LOCATION:{_escape(_location(event))}",
        f"URL:{url}",
        f"STATUS:{'CANCELLED' if event.status == Event.Status.CANCELLED else 'CONFIRMED'}",
    ]
    if event.latitude is not None and event.longitude is not None:
        lines.append(f"GEO:{event.latitude:.6f};{event.longitude:.6f}")
    lines.append("END:VEVENT")
    return lines


def calendar(events: Iterable[tuple[Event, str]], name: str = "Groundswell events") -> str:
    """A VCALENDAR holding each (event, its page URL)."""
    stamp = datetime.datetime.now(datetime.UTC)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape(name)}",
    ]
    for event, url in events:
        lines += vevent(event, url, stamp)
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
