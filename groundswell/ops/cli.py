"""What the backup commands take from their options, the environment and settings.

The key: --key-file, else GROUNDSWELL_BACKUP_KEY_FILE; never a default.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from django.core.management.base import CommandError

from .crypto import BackupKeyError, key_file_is_private, read_key_file

KEY_ENV = "GROUNDSWELL_BACKUP_KEY_FILE"


def configured_path(value: object) -> Path | None:
    """A path setting that may be unset or empty (Django's MEDIA_ROOT defaults to '')."""
    return Path(value) if value else None


def key_from_options(key_file: str | None, warn: Callable[[str], object]) -> bytes:
    """The operator's key, or a CommandError saying how to supply one; `warn` hears if others can read the file."""
    path = key_file or os.environ.get(KEY_ENV)
    if not path:
        raise CommandError(
            f"No backup key: pass --key-file FILE or set {KEY_ENV}. Make a key once with "
            "`groundswell backup --generate-key FILE` and keep a copy away from the backups."
        )
    try:
        key = read_key_file(Path(path))
    except BackupKeyError as exc:
        raise CommandError(str(exc)) from exc
    if not key_file_is_private(Path(path)):
        warn(f"Warning: {path} can be read by other users; `chmod 600 {path}`")
    return key
