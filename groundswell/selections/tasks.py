"""Background work for selections: drawing up a large eligible list away from the web request (the standing of
every member is computed, about 5 ms each on the benchmark machine: docs/benchmarks.md)."""

from __future__ import annotations

from datetime import date

from django.contrib.auth import get_user_model
from django_tasks import task

from . import services
from .models import Selection


@task()
def take_snapshot_task(selection_id: int, user_id: int, freeze_date: str, reason: str) -> int:
    """Take the eligible list as the secretary asked (the same checks run again); returns the version."""
    selection = Selection.objects.select_related("unit").get(pk=selection_id)
    actor = get_user_model().objects.get(pk=user_id)
    freeze = date.fromisoformat(freeze_date) if freeze_date else None
    return services.take_snapshot(actor, selection, freeze_date=freeze, reason=reason).version
