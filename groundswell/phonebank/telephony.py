"""Telephony adapters. By default callers dial on their own phone (a `tel:` link); a provider can instead
bridge the call, ringing the caller's phone and then the callee, so neither sees the other's number.

Choose with the setting PHONEBANK_TELEPHONY (a dotted path). `TelLinkOnly` (default) offers no bridge;
`ConsoleBridge` logs what it would do (development); `FakeBridge` records bridges in memory (tests). A real
provider adapter implements `bridge()` and `hang_up()` against its API.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)


class BridgingUnavailable(Exception):
    pass


@dataclass(frozen=True)
class Bridge:
    bridge_id: str
    status: str  # 'ringing' | 'connected' | 'failed'


class TelephonyBackend:
    can_bridge = False

    def bridge(self, caller_number: str, callee_number: str, reference: str) -> Bridge:
        """Ring `caller_number`, then connect it to `callee_number`, showing neither party the other's number."""
        raise BridgingUnavailable("This phonebank dials from your own phone.")

    def hang_up(self, bridge_id: str) -> None:
        raise BridgingUnavailable("This phonebank dials from your own phone.")


class TelLinkOnly(TelephonyBackend):
    """No provider: the caller page shows a tel: link."""


class ConsoleBridge(TelephonyBackend):
    can_bridge = True
    _ids = itertools.count(1)

    def bridge(self, caller_number: str, callee_number: str, reference: str) -> Bridge:
        bridge_id = f"console-{next(self._ids)}"
        # Numbers masked even here: logs are not a place for personal data.
        log.info(
            "bridge %s: caller …%s to callee …%s (%s)", bridge_id, caller_number[-3:], callee_number[-3:], reference
        )
        return Bridge(bridge_id, "ringing")

    def hang_up(self, bridge_id: str) -> None:
        log.info("hang up %s", bridge_id)


@dataclass
class FakeBridge(TelephonyBackend):
    """Records every bridge; `fail_numbers` fail (for error-path tests)."""

    can_bridge = True
    bridges: list[dict] = field(default_factory=list)
    fail_numbers: set[str] = field(default_factory=set)

    def bridge(self, caller_number: str, callee_number: str, reference: str) -> Bridge:
        bridge_id = f"fake-{len(self.bridges) + 1}"
        status = "failed" if callee_number in self.fail_numbers else "ringing"
        self.bridges.append(
            {
                "id": bridge_id,
                "caller": caller_number,
                "callee": callee_number,
                "reference": reference,
                "status": status,
            }
        )
        return Bridge(bridge_id, status)

    def hang_up(self, bridge_id: str) -> None:
        for b in self.bridges:
            if b["id"] == bridge_id:
                b["status"] = "ended"


_backend: TelephonyBackend | None = None
_backend_path: str | None = None


def get_backend() -> TelephonyBackend:
    """The configured backend (one instance per process, so a FakeBridge keeps its record)."""
    global _backend, _backend_path
    path = getattr(settings, "PHONEBANK_TELEPHONY", "groundswell.phonebank.telephony.TelLinkOnly")
    if _backend is None or path != _backend_path:
        _backend, _backend_path = import_string(path)(), path
    return _backend
