"""Telling the tour team: a notice on the tour's board (and the stop's page for its advance team). Notices name
stops by their title only, never the venue, so they are safe for everyone who can read the board."""

from __future__ import annotations

from .models import Notice, Stop, Tour


def team(tour: Tour, message: str, stop: Stop | None = None) -> Notice:
    return Notice.objects.create(tour=tour, stop=stop, message=message[:400])
