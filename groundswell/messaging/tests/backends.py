"""Email backends for tests: one that fails a set number of times, one that always fails."""

from __future__ import annotations

from django.core.mail.backends.locmem import EmailBackend as LocmemBackend


class FlakyBackend(LocmemBackend):
    failures_left = 0

    def send_messages(self, messages):
        if FlakyBackend.failures_left > 0:
            FlakyBackend.failures_left -= 1
            raise ConnectionError("provider unavailable")
        return super().send_messages(messages)


class BrokenBackend(LocmemBackend):
    def send_messages(self, messages):
        raise ConnectionError("provider unavailable")
