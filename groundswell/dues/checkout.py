"""Handing a new arrangement to the payment provider and back. Until the payments app is merged, the arrangement
stays pending and the member goes straight to the confirmation page."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from .models import Arrangement


def begin(arrangement: Arrangement, request: HttpRequest) -> str:
    """The URL to send the member to: the provider's page (Direct Debit or card) that returns to the confirmation."""
    return reverse("dues:done", args=[arrangement.pk])


def changed(arrangement: Arrangement, request: HttpRequest) -> None:
    """Tell the provider the new amount (nothing to do until payments is merged)."""


def cancelled(arrangement: Arrangement, request: HttpRequest) -> None:
    """Tell the provider to stop collecting (nothing to do until payments is merged)."""
