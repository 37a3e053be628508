"""The telling bench's helper processes, started by gotv/bench.py: `python -m groundswell.gotv.benchproc serve PORT`
runs the app under a pooled WSGI server, `… regen ROOM_IDS COORDINATOR_ID BEGIN UNTIL` has coordinators regenerate
knock-up lists. Django is set up here first, so bench.py (which imports models at its top) loads afterwards."""

from __future__ import annotations

import json
import os
import sys

import django

USAGE = "usage: python -m groundswell.gotv.benchproc serve PORT | regen ROOMS COORDINATOR BEGIN UNTIL"


def main(argv: list[str]) -> None:
    if argv[:1] not in (["serve"], ["regen"]):
        raise SystemExit(USAGE)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "groundswell.settings.development")
    django.setup()
    # The bench imports models, which load only once the app registry is ready (just above).
    from groundswell.gotv import bench  # noqa: PLC0415

    if argv[0] == "serve":
        bench.serve(int(argv[1]))
        return
    rooms = [int(pk) for pk in argv[1].split(",")]
    print(json.dumps(bench.regenerate_rooms(rooms, int(argv[2]), float(argv[3]), float(argv[4]))), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
