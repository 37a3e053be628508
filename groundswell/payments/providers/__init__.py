"""Payment providers behind one adapter interface (`base.PaymentProvider`), chosen by name.

`fake_card` and `fake_dd` run offline (development, tests, the demo); `stripe` and `gocardless` call the real
services through their official libraries. Settings `PAYMENTS_CARD_PROVIDER` / `PAYMENTS_DD_PROVIDER` choose
("fake" by default)."""

from __future__ import annotations

from functools import cache
from importlib import import_module

from django.conf import settings

from ..errors import PaymentError
from .base import PaymentProvider

_CLASSES = {
    "fake_card": "groundswell.payments.providers.fake:FakeCardProvider",
    "fake_dd": "groundswell.payments.providers.fake:FakeDirectDebitProvider",
    "stripe": "groundswell.payments.providers.stripe:StripeProvider",
    "gocardless": "groundswell.payments.providers.gocardless:GoCardlessProvider",
}
_SETTING_NAMES = {
    "card": {"fake": "fake_card", "stripe": "stripe"},
    "dd": {"fake": "fake_dd", "gocardless": "gocardless"},
}


@cache
def get_provider(name: str) -> PaymentProvider:
    if name not in _CLASSES:
        raise PaymentError(f"Unknown payment provider '{name}'.")
    module, cls = _CLASSES[name].split(":")
    return getattr(import_module(module), cls)()


def card_provider() -> PaymentProvider:
    chosen = getattr(settings, "PAYMENTS_CARD_PROVIDER", "fake") or "fake"
    return get_provider(_SETTING_NAMES["card"].get(chosen, chosen))


def dd_provider() -> PaymentProvider:
    chosen = getattr(settings, "PAYMENTS_DD_PROVIDER", "fake") or "fake"
    return get_provider(_SETTING_NAMES["dd"].get(chosen, chosen))


def provider_names() -> list[str]:
    return list(_CLASSES)
