"""The `groundswell` command: Django's manage.py with Groundswell's settings preset."""

from __future__ import annotations

import os
import sys

from django.core.management import execute_from_command_line

from groundswell.bench.scratch import prepare_scratch_database


def _take_option(argv: list[str], name: str) -> str | None:
    """Remove `--name VALUE` / `--name=VALUE` from argv and return VALUE."""
    for i, arg in enumerate(argv):
        if arg == name and i + 1 < len(argv):
            value = argv[i + 1]
            del argv[i : i + 2]
            return value
        if arg.startswith(name + "="):
            del argv[i]
            return arg.split("=", 1)[1]
    return None


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "groundswell.settings.development")
    if len(argv) > 1 and argv[1] == "bench":
        # Benchmarks choose their database before Django reads settings, and always run in a
        # scratch database so they never touch real data.
        url = _take_option(argv, "--database-url")
        os.environ["DATABASE_URL"] = prepare_scratch_database(url or os.environ.get("DATABASE_URL"))
        # A scratch database's audit entries are anchored nowhere: not in the real checkpoint file, nor its sink.
        os.environ["AUDIT_CHECKPOINT_FILE"] = ""
        os.environ["AUDIT_CHECKPOINT_SINK"] = ""
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
