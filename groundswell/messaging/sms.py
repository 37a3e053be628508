"""SMS providers behind one small adapter, chosen by settings.SMS_ADAPTER (the fake one by default).

An adapter sends one message and returns the provider's id for it. A real adapter (Twilio, Vonage, …) maps
the provider's inbound-message and delivery-receipt callbacks onto the two webhooks in views.py.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

# Opt-out keywords the UK mobile industry treats as "stop sending me texts" (case-insensitive, first word).
STOP_KEYWORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "END", "QUIT", "CANCEL"})


class SmsError(Exception):
    """The provider refused or failed to take a message (retried by the sending task)."""


class SmsAdapter(Protocol):
    def send(self, *, to: str, body: str, reference: str) -> str: ...


@dataclass
class FakeSms:
    to: str
    body: str
    reference: str
    provider_id: str


class FakeSmsAdapter:
    """Sends nothing: records each message in `FakeSmsAdapter.outbox` (like Django's locmem email backend)."""

    outbox: list[FakeSms] = []
    KEEP = 10_000
    _ids = itertools.count(1)
    _lock = threading.Lock()

    def send(self, *, to: str, body: str, reference: str) -> str:
        with self._lock:
            provider_id = f"fake-{next(self._ids)}"
            FakeSmsAdapter.outbox.append(FakeSms(to, body, reference, provider_id))
            del FakeSmsAdapter.outbox[: -self.KEEP]  # a long-running dev server must not grow without end
        return provider_id


def get_adapter() -> SmsAdapter:
    return import_string(settings.SMS_ADAPTER)()


def is_stop_message(body: str) -> bool:
    words = (body or "").strip().split()
    return bool(words) and words[0].strip(".!").upper() in STOP_KEYWORDS
