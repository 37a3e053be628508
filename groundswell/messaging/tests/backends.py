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


class SnoopingBackend(LocmemBackend):
    """Looks at the database at the moment of sending: (row status, in flight?, earlier rows all confirmed?)."""

    seen: list = []

    def send_messages(self, messages):
        from groundswell.messaging.models import EmailRecipient

        for message in messages:
            row_id = int(message.extra_headers["Message-ID"].split(".")[2].split("@")[0])
            row = EmailRecipient.objects.get(pk=row_id)
            earlier = EmailRecipient.objects.filter(send_id=row.send_id, pk__lt=row_id)
            SnoopingBackend.seen.append(
                (row.status, row.in_flight_at is not None, not earlier.exclude(status="sent").exists())
            )
        return super().send_messages(messages)
