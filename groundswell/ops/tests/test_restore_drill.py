"""The restore drill CI runs: populate, back up, restore into a fresh database, compare, verify the audit chain.

On PostgreSQL (DATABASE_URL=postgres://…) it uses the machine's pg_dump/pg_restore and a fresh database made
on the same server (dropped after); on SQLite the online backup API and a fresh file.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from groundswell.audit import checkpoints
from groundswell.audit.services import record
from groundswell.ops.backup import RestoreResult, TableCount, make_backup, restore_backup
from groundswell.ops.crypto import (
    CHUNK_HEAD,
    HEADER,
    BackupCorrupt,
    BackupKeyError,
    EncryptingWriter,
    generate_key_file,
    read_key_file,
)
from groundswell.ops.databases import RestoreRefused, fresh_database, row_counts, tables_in
from groundswell.people.models import Person
from groundswell.tests.factories import (
    ConsentFactory,
    EmailFactory,
    MembershipFactory,
    PersonFactory,
    UnitTreeFactory,
    user_with_role,
)

GROUNDSWELL = Path(sys.executable).parent / "groundswell"
RESTORE_TIME_LIMIT_S = 60  # the drill's data is small: a slow restore here means something is wrong
pytestmark = pytest.mark.django_db(transaction=True)


def database_url(settings_dict: dict) -> str:
    if "sqlite" in settings_dict["ENGINE"]:
        return f"sqlite:///{settings_dict['NAME']}"
    user = quote(settings_dict.get("USER") or "", safe="")
    password = f":{quote(settings_dict['PASSWORD'], safe='')}" if settings_dict.get("PASSWORD") else ""
    host = settings_dict.get("HOST") or "localhost"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{user}{password}@{host}{port}/{settings_dict['NAME']}"


def groundswell(*args: str, database: dict, key_file: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(database),
        "DJANGO_SETTINGS_MODULE": "groundswell.settings.development",
        "GROUNDSWELL_BACKUP_KEY_FILE": str(key_file),
    }
    return subprocess.run([str(GROUNDSWELL), *args], env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def key_file(tmp_path) -> Path:
    path = tmp_path / "backup.key"
    generate_key_file(path)
    return path


@pytest.fixture
def populated(tmp_path) -> dict:
    """People, memberships, consents, logins with roles, an audit trail, uploaded files and a checkpoint file."""
    tree = UnitTreeFactory.build_tree()
    organiser = user_with_role("organiser", tree.clp_a)
    for i in range(40):
        person = PersonFactory(unit=tree.branch_a1 if i % 2 else tree.branch_b1)
        EmailFactory(person=person)
        MembershipFactory(person=person)
        ConsentFactory(person=person)
        record("viewed", actor=organiser, obj=person)
    record("exported", actor=organiser, object_type="people.person", query="branch=BR-A1", reason="leaflet run")
    media = tmp_path / "media"
    (media / "invoices" / "2026").mkdir(parents=True)
    (media / "invoices" / "2026" / "inv-0001.pdf").write_bytes(b"%PDF-1.4 invoice " + os.urandom(3000))
    (media / "evidence").mkdir()
    (media / "evidence" / "leaflet photo.jpg").write_bytes(os.urandom(5000))
    checkpoint = tmp_path / "audit-checkpoints.jsonl"
    written, problem, _ = checkpoints.write_now(send=False, path=checkpoint)
    assert written is not None and written.count == 41, problem
    return {"media": media, "checkpoint": checkpoint, "database": checkpoints.database_label()}


@pytest.fixture
def backup_file(tmp_path, key_file, populated) -> Path:
    out = tmp_path / "drill.gsbak"
    make_backup(out, read_key_file(key_file), media_root=populated["media"], checkpoint_file=populated["checkpoint"])
    return out


def test_drill_backup_restore_into_a_fresh_database_matches_and_the_audit_chain_verifies(tmp_path, key_file, populated):
    out = tmp_path / "drill.gsbak"
    made = make_backup(
        out, read_key_file(key_file), media_root=populated["media"], checkpoint_file=populated["checkpoint"]
    )
    assert made.manifest["database"]["row_counts"]["people_person"] == Person.objects.count() == 40
    assert made.manifest["database"]["row_counts"]["audit_auditentry"] == 41
    assert {"django_migrations"} <= set(made.manifest["database"]["row_counts"])
    assert ["audit", "0002_append_only_triggers"] in made.manifest["migrations"]
    assert b"invoice" not in out.read_bytes()  # nothing readable without the key

    with fresh_database(connection.settings_dict) as fresh:
        started = time.perf_counter()
        result = restore_backup(
            out,
            read_key_file(key_file),
            database=fresh,
            media_root=tmp_path / "restored-media",
            checkpoint_path=tmp_path / "restored-checkpoint.json",
        )
        restore_s = time.perf_counter() - started
        print(f"restore drill on {connection.vendor}: {restore_s:.2f} s for {len(result.tables)} tables")
        assert restore_s < RESTORE_TIME_LIMIT_S
        assert result.restored and result.counts_match
        assert {t.table: t.restored for t in result.tables} == made.manifest["database"]["row_counts"]

        restored_checkpoints = str(tmp_path / "restored-checkpoint.json")
        args = ("--checkpoint-file", restored_checkpoints, "--checkpoint-of", made.manifest["checkpoint_database"])
        verified = groundswell("audit", "verify", "--json", *args, database=fresh, key_file=key_file)
        assert verified.returncode == 0, verified.stderr
        report = json.loads(verified.stdout.strip().splitlines()[-1])
        assert (report["ok"], report["entries"], report["problem"]) == (True, 41, "")
        assert report["checkpoint"]["checked"] and report["checkpoint"]["count"] == 41
        assert made.manifest["checkpoint_database"] == populated["database"]
    restored_media = tmp_path / "restored-media"
    assert (restored_media / "invoices/2026/inv-0001.pdf").read_bytes() == (
        populated["media"] / "invoices/2026/inv-0001.pdf"
    ).read_bytes()
    assert (restored_media / "evidence/leaflet photo.jpg").exists()
    assert (tmp_path / "restored-checkpoint.json").read_text() == populated["checkpoint"].read_text()


def test_the_restore_command_restores_reports_counts_and_verifies_the_audit_chain(tmp_path, key_file, backup_file):
    with fresh_database(connection.settings_dict) as fresh:
        done = groundswell(
            "restore",
            str(backup_file),
            "--media-to",
            str(tmp_path / "m"),
            "--checkpoint-to",
            str(tmp_path / "c.json"),
            database=fresh,
            key_file=key_file,
        )
        assert done.returncode == 0, done.stderr
        assert "all counts match" in done.stdout
        assert "Audit chain intact: 41 entries." in done.stdout
        assert "people_person" in done.stdout
        # The copy reached its source's checkpoint and is now anchored under its own name, so a plain
        # `audit verify` on it compares with a checkpoint straight away.
        anchored = groundswell(
            "audit",
            "verify",
            "--json",
            "--checkpoint-file",
            str(tmp_path / "c.json"),
            database=fresh,
            key_file=key_file,
        )
        assert anchored.returncode == 0, anchored.stderr
        assert json.loads(anchored.stdout.strip().splitlines()[-1])["checkpoint"]["checked"] is True
        twice = groundswell("restore", str(backup_file), database=fresh, key_file=key_file)
        assert twice.returncode == 1
        assert "is not empty" in twice.stderr
        again = groundswell("restore", str(backup_file), "--verify-only", database=fresh, key_file=key_file)
        assert again.returncode == 0, again.stderr
        assert "every part matches its sha256" in again.stdout


def _restore_into_fresh(path: Path, key: bytes, tmp_path: Path) -> None:
    """Attempt a restore into a fresh database and check that a refusal leaves it empty."""
    with fresh_database(connection.settings_dict) as fresh:
        try:
            restore_backup(path, key, database=fresh, media_root=tmp_path / "m", checkpoint_path=tmp_path / "c")
        finally:
            assert tables_in(fresh) == []
            assert not (tmp_path / "m").exists()


def test_a_wrong_key_is_refused_and_nothing_is_written(tmp_path, backup_file):
    other = tmp_path / "other.key"
    generate_key_file(other)
    with pytest.raises(BackupKeyError, match="Wrong key"):
        _restore_into_fresh(backup_file, read_key_file(other), tmp_path)
    with pytest.raises(CommandError, match="Wrong key"):
        call_command("restore", str(backup_file), "--key-file", str(other), "--verify-only")


def test_a_tampered_byte_is_refused_and_nothing_is_written(tmp_path, key_file, backup_file):
    data = bytearray(backup_file.read_bytes())
    data[len(data) // 2] ^= 0x01
    tampered = tmp_path / "tampered.gsbak"
    tampered.write_bytes(bytes(data))
    with pytest.raises(BackupCorrupt, match="changed or damaged"):
        _restore_into_fresh(tampered, read_key_file(key_file), tmp_path)


def test_a_truncated_file_is_refused_and_nothing_is_written(tmp_path, key_file, backup_file):
    data = backup_file.read_bytes()
    for cut in (len(data) - 1, len(data) // 3, HEADER.size + CHUNK_HEAD.size + 5):
        truncated = tmp_path / f"truncated-{cut}.gsbak"
        truncated.write_bytes(data[:cut])
        with pytest.raises(BackupCorrupt, match="truncated"):
            _restore_into_fresh(truncated, read_key_file(key_file), tmp_path)


def test_a_database_that_is_not_empty_is_refused(tmp_path, key_file, backup_file):
    key = read_key_file(key_file)
    with fresh_database(connection.settings_dict) as fresh:
        restore_backup(backup_file, key, database=fresh, media_root=tmp_path / "m", checkpoint_path=tmp_path / "c")
        before = row_counts(fresh)
        with pytest.raises(RestoreRefused, match=r"is not empty \(\d+ tables: .*Restore only into a new, empty"):
            restore_backup(backup_file, key, database=fresh, media_root=tmp_path / "m2", checkpoint_path=tmp_path / "x")
        assert row_counts(fresh) == before  # refused, not merged
        assert not (tmp_path / "m2").exists()


def test_no_key_is_refused_before_anything_happens(tmp_path, monkeypatch):
    monkeypatch.delenv("GROUNDSWELL_BACKUP_KEY_FILE", raising=False)
    with pytest.raises(CommandError, match="No backup key: pass --key-file FILE or set GROUNDSWELL_BACKUP_KEY_FILE"):
        call_command("backup", "--out", str(tmp_path / "b.gsbak"))
    assert not (tmp_path / "b.gsbak").exists()


def test_an_existing_file_is_never_overwritten(tmp_path, key_file):
    out = tmp_path / "b.gsbak"
    out.write_bytes(b"yesterday's backup")
    with pytest.raises(CommandError, match="already exists"):
        call_command("backup", "--out", str(out), "--key-file", str(key_file))
    assert out.read_bytes() == b"yesterday's backup"
    assert not list(tmp_path.glob("*.partial"))


def write_archive(path: Path, key: bytes, members: list[tuple[str, bytes]]) -> None:
    """A backup file made by hand, for contents `make_backup` would never write."""
    with path.open("wb") as handle:
        writer = EncryptingWriter(handle, key)
        with tarfile.open(fileobj=writer, mode="w|") as tar:
            for name, body in members:
                info = tarfile.TarInfo(name)
                info.size = len(body)
                tar.addfile(info, io.BytesIO(body))
        writer.close()


def manifest_for(parts: dict[str, bytes], vendor: str = "sqlite") -> bytes:
    return json.dumps(
        {
            "format": "groundswell-backup",
            "format_version": 1,
            "database": {"vendor": vendor, "part": "database/database.sqlite3", "row_counts": {}},
            "parts": {n: {"sha256": hashlib.sha256(b).hexdigest(), "bytes": len(b)} for n, b in parts.items()},
        }
    ).encode()


def test_a_part_that_does_not_match_the_manifest_is_refused(tmp_path, key_file):
    """Encryption already catches tampering; the manifest's sha256s catch a backup that was wrong when written."""
    key = read_key_file(key_file)
    path = tmp_path / "inconsistent.gsbak"
    manifest = manifest_for({"database/database.sqlite3": b"what the manifest says"})
    members = [("database/database.sqlite3", b"not what the manifest says"), ("manifest.json", manifest)]
    write_archive(path, key, members)
    with pytest.raises(BackupCorrupt, match="database/database.sqlite3 does not match the sha256"):
        restore_backup(path, key, verify_only=True)


def test_a_part_outside_the_manifest_or_outside_the_archive_is_refused(tmp_path, key_file):
    key = read_key_file(key_file)
    database = ("database/database.sqlite3", b"db")
    for extra, message in [
        (("media/../../escape.txt", b"x"), "unsafe path"),
        (("etc/passwd", b"x"), "unexpected part"),
        (("media/unlisted.pdf", b"x"), "does not list: media/unlisted.pdf"),
    ]:
        path = tmp_path / "odd.gsbak"
        path.unlink(missing_ok=True)
        write_archive(path, key, [database, extra, ("manifest.json", manifest_for(dict([database])))])
        with pytest.raises(BackupCorrupt, match=message):
            restore_backup(path, key, verify_only=True)
    assert not (tmp_path.parent / "escape.txt").exists()


def test_a_backup_of_the_other_engine_is_refused_and_nothing_is_written(tmp_path, key_file):
    key = read_key_file(key_file)
    other = "sqlite" if connection.vendor == "postgresql" else "postgresql"
    database = ("database/database.sqlite3", b"db")
    path = tmp_path / "other-engine.gsbak"
    write_archive(path, key, [database, ("manifest.json", manifest_for(dict([database]), vendor=other))])
    with pytest.raises(RestoreRefused, match=f"This is a {other} backup; the target database is {connection.vendor}"):
        _restore_into_fresh(path, key, tmp_path)


def test_a_table_whose_count_differs_fails_the_comparison():
    result = RestoreResult(manifest={}, restored=True, tables=[TableCount("people_person", 40, 40)])
    assert result.counts_match
    result.tables.append(TableCount("audit_auditentry", 41, 40))
    assert not result.counts_match
    result.tables[-1] = TableCount("gone", 3, None)
    assert not result.counts_match
