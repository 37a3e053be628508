"""Reference rows that a data migration loads (legal limits, thresholds, rates and rules) kept present after every
migrate and every flush: `flush` (and a transactional test) empties them, and emits post_migrate, so the app loads
them again from the same migration, the one home of the figures and their sources."""

from __future__ import annotations

import importlib
from typing import Any

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db.models.signals import post_migrate


def reseed_after_migrate(app: AppConfig, model: str, migration: str) -> None:
    """Call from `app.ready()`: after each migrate or flush, when `model` has no rows, run `migration`'s `load`."""

    def seed(sender: AppConfig, **kwargs: Any) -> None:
        if sender.get_model(model).objects.exists():
            return
        importlib.import_module(migration).load(global_apps, None)

    post_migrate.connect(seed, sender=app, weak=False, dispatch_uid=f"groundswell.reseed.{app.label}")
