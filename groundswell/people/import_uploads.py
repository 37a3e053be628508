"""Uploaded import files waiting between preview and confirmation.

Kept outside the database, named by an unguessable token bound to the uploading user, and removed on
confirmation or after an hour: an upload is personal data and must not linger.
"""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path

from django.conf import settings

MAX_AGE_S = 3600
MAX_BYTES = 200 * 1024 * 1024


def _dir() -> Path:
    directory = Path(settings.VAR_DIR) / "uploads"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _prune() -> None:
    cutoff = time.time() - MAX_AGE_S
    for path in _dir().glob("*"):
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


def save(upload, user) -> str:
    if upload.size > MAX_BYTES:
        raise ValueError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    _prune()
    token = secrets.token_urlsafe(18)
    target = _dir() / f"{user.pk}-{token}.csv"
    with target.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    (_dir() / f"{user.pk}-{token}.json").write_text(json.dumps({"name": Path(upload.name).name}))
    return token


def path_for(token: str, user) -> Path | None:
    if not token or not token.replace("-", "").replace("_", "").isalnum():
        return None
    path = _dir() / f"{user.pk}-{token}.csv"
    return path if path.exists() else None


def original_name(token: str, user) -> str:
    meta = _dir() / f"{user.pk}-{token}.json"
    try:
        return json.loads(meta.read_text())["name"]
    except (OSError, ValueError, KeyError):
        return "upload.csv"


def discard(token: str, user) -> None:
    for suffix in (".csv", ".json"):
        (_dir() / f"{user.pk}-{token}{suffix}").unlink(missing_ok=True)
