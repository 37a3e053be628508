"""`groundswell backup` and `groundswell restore`: one encrypted file holding everything needed to come back.

Inside the encryption (crypto.py) is a tar stream: the database copy (databases.py), the uploaded files
under `media/`, the audit checkpoint file under `audit/`, and last `manifest.json` with the time, the
migration state, per-table row counts, the sha256 and size of every part and the tool versions. The manifest
goes last because it holds the hashes of what was streamed before it.

Plaintext exists on disk only in a temporary directory (mode 0700) that is removed on the way out: the
database copy while it is encrypted, and on restore the unpacked parts until they are checked and loaded.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import platform
import shutil
import tarfile
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

import cryptography
import django
from django.db import connections
from django.utils import timezone

from groundswell.audit import checkpoints

from . import databases
from .crypto import BackupCorrupt, DecryptingReader, EncryptingWriter, key_id
from .databases import RestoreRefused

FORMAT = "groundswell-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
CHECKPOINT_PART = "audit/checkpoint"
DATABASE_PARTS = {"postgresql": "database/database.pgdump", "sqlite": "database/database.sqlite3"}
COPY_BUFFER = 1024 * 1024

Say = Callable[[str], None]


def _quiet(message: str) -> None:
    pass


@dataclass
class BackupResult:
    path: Path
    bytes: int
    key_id: str
    manifest: dict[str, Any]
    seconds: float


@dataclass
class TableCount:
    table: str
    expected: int | None
    restored: int | None

    @property
    def matches(self) -> bool:
        return self.expected == self.restored


@dataclass
class RestoreResult:
    manifest: dict[str, Any]
    restored: bool
    tables: list[TableCount] = field(default_factory=list)
    media_files: int = 0
    checkpoint_path: Path | None = None
    seconds: float = 0.0
    load_seconds: float = 0.0  # the database load alone (pg_restore or the SQLite backup API)

    @property
    def counts_match(self) -> bool:
        return all(t.matches for t in self.tables)


class _HashingReader:
    """Passes reads through and keeps the sha256 and length of everything read."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self.sha256 = hashlib.sha256()
        self.bytes = 0

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self.sha256.update(data)
        self.bytes += len(data)
        return data


def _versions() -> dict[str, str]:
    return {
        "groundswell": metadata.version("groundswell"),
        "django": django.get_version(),
        "python": platform.python_version(),
        "cryptography": cryptography.__version__,
    }


def _add_file(tar: tarfile.TarFile, name: str, path: Path, parts: dict[str, dict]) -> None:
    info = tarfile.TarInfo(name)
    stat = path.stat()
    info.size, info.mtime, info.mode = stat.st_size, int(stat.st_mtime), 0o600
    with path.open("rb") as handle:
        reader = _HashingReader(handle)
        tar.addfile(info, reader)
    parts[name] = {"sha256": reader.sha256.hexdigest(), "bytes": reader.bytes}


def _media_files(media_root: Path) -> list[tuple[str, Path]]:
    """Regular files under media_root, sorted, as (relative posix path, path). Symlinks are not followed."""
    found = []
    for directory, dirnames, filenames in os.walk(media_root):
        dirnames.sort()
        for filename in sorted(filenames):
            path = Path(directory, filename)
            if path.is_file() and not path.is_symlink():
                found.append((path.relative_to(media_root).as_posix(), path))
    return found


def make_backup(
    out: Path,
    key: bytes,
    *,
    using: str = "default",
    media_root: Path | None = None,
    checkpoint_file: Path | None = None,
    say: Say = _quiet,
) -> BackupResult:
    """Write an encrypted backup of database `using`, `media_root` and `checkpoint_file` to `out` (new file)."""
    started = time.perf_counter()
    out = Path(out)
    if out.exists():
        raise FileExistsError(f"{out} already exists; a backup never overwrites a file")
    partial = out.with_name(out.name + ".partial")
    connection = connections[using]
    vendor = databases.vendor_of(connection.settings_dict)
    with tempfile.TemporaryDirectory(prefix="gs-backup-") as scratch:
        dump_path = Path(scratch) / "database"
        say(f"Copying the {vendor} database…")
        if vendor == "postgresql":
            copy = databases.dump_postgresql(connection.settings_dict, dump_path)
        else:
            connection.ensure_connection()
            copy = databases.dump_sqlite(connection.connection, dump_path)
        media = _media_files(media_root) if media_root and media_root.is_dir() else []
        checkpoint = checkpoint_file if checkpoint_file and checkpoint_file.is_file() else None
        extra = " and the audit checkpoint" if checkpoint else ""
        say(f"Encrypting the database copy, {len(media)} uploaded files{extra}…")
        parts: dict[str, dict] = {}
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as handle:
                writer = EncryptingWriter(handle, key)
                with tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                    _add_file(tar, DATABASE_PARTS[vendor], dump_path, parts)
                    for relative, path in media:
                        _add_file(tar, f"media/{relative}", path, parts)
                    if checkpoint:
                        _add_file(tar, CHECKPOINT_PART, checkpoint, parts)
                    manifest = {
                        "format": FORMAT,
                        "format_version": FORMAT_VERSION,
                        "created_at": timezone.now().isoformat(),
                        "key_id": key_id(key),
                        "database": {
                            "vendor": vendor,
                            "part": DATABASE_PARTS[vendor],
                            "tables": len(copy.row_counts),
                            "rows": sum(copy.row_counts.values()),
                            "row_counts": copy.row_counts,
                        },
                        "migrations": [list(m) for m in copy.migrations],
                        "media_root": str(media_root) if media_root else None,
                        "media_files": len(media),
                        "checkpoint_file": str(checkpoint) if checkpoint else None,
                        # The checkpoints name the database they describe; a restored copy is checked against these.
                        "checkpoint_database": checkpoints.database_label(using),
                        "parts": parts,
                        "versions": {**_versions(), **copy.versions},
                    }
                    body = json.dumps(manifest, indent=2, sort_keys=True).encode()
                    info = tarfile.TarInfo(MANIFEST)
                    info.size, info.mtime, info.mode = len(body), int(time.time()), 0o600
                    tar.addfile(info, io.BytesIO(body))
                writer.close()
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(partial, out)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return BackupResult(out, out.stat().st_size, key_id(key), manifest, time.perf_counter() - started)


# ---- restore --------------------------------------------------------------------------------------------------


def _safe_member_name(name: str) -> PurePosixPath:
    """Only the parts a backup writes, and never a path that climbs out of the staging directory."""
    path = PurePosixPath(name)
    if path.is_absolute() or any(part in ("", "..", ".") for part in path.parts):
        raise BackupCorrupt(f"The backup holds an unsafe path: {name!r}")
    if name != MANIFEST and path.parts[0] not in ("database", "media", "audit"):
        raise BackupCorrupt(f"The backup holds an unexpected part: {name!r}")
    return path


def unpack(source: BinaryIO, key: bytes, staging: Path) -> tuple[dict[str, Any], dict[str, dict]]:
    """Decrypt and unpack into `staging`; check every part against the manifest. Returns (manifest, parts seen)."""
    reader = DecryptingReader(source, key)
    seen: dict[str, dict] = {}
    try:
        with tarfile.open(fileobj=reader, mode="r|") as tar:
            for member in tar:
                if not member.isfile():
                    raise BackupCorrupt(f"The backup holds something other than a file: {member.name!r}")
                relative = _safe_member_name(member.name)
                target = staging / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                extracted = _HashingReader(tar.extractfile(member))
                with target.open("wb") as handle:
                    shutil.copyfileobj(extracted, handle, COPY_BUFFER)
                seen[member.name] = {"sha256": extracted.sha256.hexdigest(), "bytes": extracted.bytes}
        reader.finish()
    except tarfile.TarError as exc:
        raise BackupCorrupt(f"The backup decrypts but its contents are not a valid archive: {exc}") from exc
    if MANIFEST not in seen:
        raise BackupCorrupt("The backup has no manifest")
    try:
        manifest = json.loads((staging / MANIFEST).read_text())
    except ValueError as exc:
        raise BackupCorrupt(f"The backup's manifest is not valid JSON: {exc}") from exc
    if (
        not isinstance(manifest, dict)
        or manifest.get("format") != FORMAT
        or manifest.get("format_version") != FORMAT_VERSION
        or not isinstance(manifest.get("parts"), dict)
    ):
        raise BackupCorrupt("The manifest is not a Groundswell backup manifest of a version this code reads")
    del seen[MANIFEST]
    expected = manifest["parts"]
    for name, part in expected.items():
        if name not in seen:
            raise BackupCorrupt(f"The backup is missing {name}, which its manifest lists")
        if seen[name]["sha256"] != part["sha256"] or seen[name]["bytes"] != part["bytes"]:
            raise BackupCorrupt(f"{name} does not match the sha256 in the manifest")
    extra = sorted(set(seen) - set(expected))
    if extra:
        raise BackupCorrupt(f"The backup holds parts its manifest does not list: {', '.join(extra[:5])}")
    return manifest, seen


def _files_equal(a: Path, b: Path) -> bool:
    if a.stat().st_size != b.stat().st_size:
        return False
    with a.open("rb") as fa, b.open("rb") as fb:
        while True:
            block_a, block_b = fa.read(COPY_BUFFER), fb.read(COPY_BUFFER)
            if block_a != block_b:
                return False
            if not block_a:
                return True


def _refuse_unless_ready(
    manifest: dict[str, Any],
    staging: Path,
    database: dict[str, Any],
    media_root: Path | None,
    checkpoint_path: Path | None,
) -> None:
    """Every reason not to restore, found before anything is written."""
    vendor = databases.vendor_of(database)
    if manifest["database"]["vendor"] != vendor:
        raise RestoreRefused(
            f"This is a {manifest['database']['vendor']} backup; the target database is {vendor}. "
            "Restore it into the same kind of database."
        )
    tables = databases.tables_in(database)
    if tables:
        shown = ", ".join(tables[:5]) + (" …" if len(tables) > 5 else "")
        raise RestoreRefused(
            f"The target database {database.get('NAME')} is not empty ({len(tables)} tables: {shown}). "
            "Restore only into a new, empty database (e.g. `createdb groundswell_restored`) and point "
            "DATABASE_URL at it."
        )
    media = sorted(name for name in manifest["parts"] if name.startswith("media/"))
    if media and media_root is None:
        raise RestoreRefused(f"The backup holds {len(media)} uploaded files; set MEDIA_ROOT or pass --media-to DIR")
    clashes = [
        name
        for name in media
        if (media_root / name[len("media/") :]).exists()
        and not _files_equal(staging / name, media_root / name[len("media/") :])
    ]
    if clashes:
        raise RestoreRefused(
            f"{len(clashes)} uploaded files already exist under {media_root} with different contents "
            f"(e.g. {clashes[0][len('media/') :]}); restore into an empty directory"
        )
    if CHECKPOINT_PART in manifest["parts"]:
        if checkpoint_path is None:
            raise RestoreRefused(
                "The backup holds the audit checkpoint file; set AUDIT_CHECKPOINT_FILE or pass --checkpoint-to PATH"
            )
        if checkpoint_path.exists() and not _files_equal(staging / CHECKPOINT_PART, checkpoint_path):
            raise RestoreRefused(f"{checkpoint_path} already exists with different contents; choose another path")


def restore_backup(
    source: Path,
    key: bytes,
    *,
    database: dict[str, Any] | None = None,
    media_root: Path | None = None,
    checkpoint_path: Path | None = None,
    verify_only: bool = False,
    say: Say = _quiet,
) -> RestoreResult:
    """Check `source` completely, then load it into `database` (a Django DATABASES entry; default the app's)."""
    started = time.perf_counter()
    database = database if database is not None else connections["default"].settings_dict
    with tempfile.TemporaryDirectory(prefix="gs-restore-") as scratch, Path(source).open("rb") as handle:
        staging = Path(scratch)
        say("Decrypting and checking every part…")
        manifest, _ = unpack(handle, key, staging)
        result = RestoreResult(manifest=manifest, restored=False)
        if verify_only:
            result.seconds = time.perf_counter() - started
            return result
        _refuse_unless_ready(manifest, staging, database, media_root, checkpoint_path)
        say(f"Loading the {manifest['database']['vendor']} database…")
        loading = time.perf_counter()
        databases.load_into(database, staging / manifest["database"]["part"])
        result.load_seconds = time.perf_counter() - loading
        for name in sorted(manifest["parts"]):
            if name.startswith("media/"):
                destination = media_root / name[len("media/") :]
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(staging / name, destination)
                result.media_files += 1
        if CHECKPOINT_PART in manifest["parts"]:
            checkpoint_path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(staging / CHECKPOINT_PART, checkpoint_path)
            result.checkpoint_path = checkpoint_path
        result.restored = True
    expected = manifest["database"]["row_counts"]
    restored = databases.row_counts(database)
    result.tables = [TableCount(t, expected.get(t), restored.get(t)) for t in sorted(set(expected) | set(restored))]
    result.seconds = time.perf_counter() - started
    return result
