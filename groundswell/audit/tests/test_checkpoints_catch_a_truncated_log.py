"""Entries cut off the end of the audit log (or all of them) are caught by the checkpoints kept outside the database."""

import http.server
import json
import socket
import threading
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections, transaction

from groundswell.audit import checkpoints
from groundswell.audit.models import AuditEntry
from groundswell.audit.services import record, verify_chain
from groundswell.audit.testing import tamper

pytestmark = pytest.mark.django_db
TABLE = AuditEntry._meta.db_table


@pytest.fixture
def every_five(settings):
    settings.AUDIT_CHECKPOINT_EVERY = 5
    return Path(settings.AUDIT_CHECKPOINT_FILE)


def _append_entries(n: int, capture) -> None:
    """`n` entries, each committed (the test's transaction stands in for the commit: callbacks run)."""
    with capture(execute=True):
        for i in range(n):
            record("viewed", object_type="people.person", object_id=i)


def _delete_as_attacker(where: str) -> None:
    """Delete rows straight from the table as someone with database access would: lifting the triggers first."""
    tamper(f"DELETE FROM {TABLE} WHERE {where}")


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_the_database_refuses_delete_behind_the_models_back():
    record("viewed", object_type="people.person", object_id=1)
    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE}")
    assert AuditEntry.objects.count() == 1


def test_a_checkpoint_is_appended_after_every_nth_entry(every_five, django_capture_on_commit_callbacks):
    _append_entries(12, django_capture_on_commit_callbacks)
    lines = _lines(every_five)
    assert [line["count"] for line in lines] == [5, 10]
    for line in lines:
        entry = AuditEntry.objects.get(sequence=line["count"])
        assert (line["head_hash"], line["head_id"]) == (entry.entry_hash, entry.pk)
        assert line["at"] and line["database"] == checkpoints.database_label()


def test_an_entry_that_is_rolled_back_leaves_no_checkpoint(every_five, django_capture_on_commit_callbacks):
    _append_entries(4, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        record("viewed", object_type="people.person", object_id=5)
        raise RuntimeError("the request failed after auditing")
    assert not every_five.exists()
    assert verify_chain().ok


def test_deleting_the_newest_entries_fails_verification(every_five, django_capture_on_commit_callbacks, capsys):
    _append_entries(12, django_capture_on_commit_callbacks)
    _delete_as_attacker("sequence > 7")
    result = verify_chain()
    assert not result.ok
    assert result.first_bad_sequence == 8
    assert "ends at entry 7" in result.problem and "10 entries" in result.problem
    with pytest.raises(CommandError, match="entries 8–10 have been deleted from the end of the log") as excinfo:
        call_command("audit", "verify")
    assert excinfo.value.returncode == 1
    with pytest.raises(CommandError):
        call_command("audit", "verify", "--json")
    payload = json.loads(capsys.readouterr().out)
    assert payload["ok"] is False and payload["first_bad_sequence"] == 8
    assert payload["checkpoint"]["checked"] is True and payload["checkpoint"]["ok"] is False
    assert payload["checkpoint"]["count"] == 10


def test_deleting_every_entry_fails_verification(every_five, django_capture_on_commit_callbacks):
    _append_entries(6, django_capture_on_commit_callbacks)
    _delete_as_attacker("1 = 1")
    assert AuditEntry.objects.count() == 0
    with pytest.raises(CommandError, match="the log ends at entry 0 but the checkpoint .* recorded 5 entries"):
        call_command("audit", "verify")
    # Without the checkpoint the empty table is a valid (empty) chain: which is why the checkpoint is needed.
    call_command("audit", "verify", "--no-checkpoint")


def test_a_log_rebuilt_from_scratch_does_not_match_the_checkpoint(every_five, django_capture_on_commit_callbacks):
    _append_entries(5, django_capture_on_commit_callbacks)
    _delete_as_attacker("1 = 1")
    for i in range(6):  # a fresh, internally valid chain, longer than the old one
        record("viewed", object_type="people.person", object_id=100 + i)
    result = verify_chain()
    assert not result.ok and result.first_bad_sequence == 5
    assert "rewritten" in result.problem


def test_an_intact_log_reaches_its_checkpoint(every_five, django_capture_on_commit_callbacks, capsys):
    _append_entries(7, django_capture_on_commit_callbacks)
    call_command("audit", "verify")
    assert "7 audit entries, chain intact; reaches the checkpoint" in capsys.readouterr().out


def test_checkpoints_of_another_database_are_ignored(every_five, django_capture_on_commit_callbacks):
    _append_entries(3, django_capture_on_commit_callbacks)
    other = checkpoints.Checkpoint(1000, "f" * 64, 1000, "2026-01-01T00:00:00+00:00", "postgresql:gsbench_x")
    checkpoints.append(other, every_five)
    assert verify_chain().ok


def test_the_scheduled_command_anchors_the_head(every_five, django_capture_on_commit_callbacks, capsys):
    _append_entries(7, django_capture_on_commit_callbacks)
    call_command("audit", "checkpoint")
    assert "7 entries" in capsys.readouterr().out
    assert [line["count"] for line in _lines(every_five)] == [5, 7]
    call_command("audit", "checkpoint")
    assert "Nothing new" in capsys.readouterr().out
    assert len(_lines(every_five)) == 2
    # Entries 6–7 came after the last every-fifth checkpoint: only the scheduled one catches their deletion.
    _delete_as_attacker("sequence > 5")
    with pytest.raises(CommandError, match="entries 6–7 have been deleted"):
        call_command("audit", "verify")
    # And the scheduler's next run fails loudly rather than anchoring the truncated log.
    with pytest.raises(CommandError, match="No checkpoint written"):
        call_command("audit", "checkpoint")
    assert len(_lines(every_five)) == 2


def test_the_checkpoint_file_can_be_turned_off(settings, capsys):
    settings.AUDIT_CHECKPOINT_FILE = ""
    record("viewed", object_type="people.person", object_id=1)
    call_command("audit", "verify")
    assert "checkpoints are off" in capsys.readouterr().out
    with pytest.raises(CommandError, match="checkpoints are off"):
        call_command("audit", "checkpoint")


def test_a_torn_last_line_is_skipped(every_five, django_capture_on_commit_callbacks):
    _append_entries(5, django_capture_on_commit_callbacks)
    with every_five.open("a") as f:
        f.write('{"count": 9')  # a crash mid-write
    assert checkpoints.latest_checkpoint().count == 5


# ------------------------------------------------------------------------------------------ sinks


def _checkpoint() -> checkpoints.Checkpoint:
    entry = record("viewed", object_type="people.person", object_id=1)
    return checkpoints.checkpoint_of(entry)


def test_sink_by_email_to_the_data_protection_officer():
    cp = _checkpoint()
    assert checkpoints.send_to_sinks(cp, ["dpo@example.org"]) == []
    assert mail.outbox[-1].to == ["dpo@example.org"]
    assert cp.head_hash in mail.outbox[-1].body


def test_sink_by_syslog():
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.bind(("127.0.0.1", 0))
    server.settimeout(5)
    cp = _checkpoint()
    try:
        assert checkpoints.send_to_sinks(cp, [f"syslog://127.0.0.1:{server.getsockname()[1]}"]) == []
        data = server.recv(65536).decode()
    finally:
        server.close()
    assert data.startswith("<") and "groundswell-audit-checkpoint: " in data
    assert json.loads(data.split("groundswell-audit-checkpoint: ", 1)[1].rstrip("\x00"))["head_hash"] == cp.head_hash


def test_sink_by_https_post():
    received = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.handle_request, daemon=True)
    thread.start()
    cp = _checkpoint()
    try:
        assert checkpoints.send_to_sinks(cp, [f"http://127.0.0.1:{server.server_port}/audit"]) == []
    finally:
        thread.join(5)
        server.server_close()
    assert received[0]["head_hash"] == cp.head_hash and received[0]["count"] == cp.count


def test_a_failing_sink_is_logged_and_never_blocks_the_write(
    settings, every_five, django_capture_on_commit_callbacks, caplog
):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there
    settings.AUDIT_CHECKPOINT_SINK = f"http://127.0.0.1:{port}/, nonsense-sink"
    cp = _checkpoint()
    failures = checkpoints.send_to_sinks(cp)
    assert len(failures) == 2 and "unknown sink" in failures[1]
    assert "not sent to" in caplog.text
    # On the audit write path the sink runs in the background: the entries and the file are written regardless.
    _append_entries(5, django_capture_on_commit_callbacks)
    assert [line["count"] for line in _lines(every_five)] == [5]
    # The scheduled command writes the file, then reports the sink's failure to the scheduler.
    with pytest.raises(CommandError, match="Not sent to the sink"):
        call_command("audit", "checkpoint")
    assert [line["count"] for line in _lines(every_five)] == [5, 6]


# ------------------------------------------------------------------------------------------ concurrency


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_write_each_checkpoint_once_and_whole(settings):
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent writers need PostgreSQL (SQLite serialises them whole)")
    settings.AUDIT_CHECKPOINT_EVERY = 5
    path = Path(settings.AUDIT_CHECKPOINT_FILE)
    threads, per_thread = 6, 20
    errors = []

    def writer(n: int) -> None:
        try:
            for i in range(per_thread):
                record("viewed", object_type="people.person", object_id=f"{n}-{i}")
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    assert errors == []
    lines = _lines(path)
    total = threads * per_thread
    assert sorted(line["count"] for line in lines) == list(range(5, total + 1, 5))
    hashes = dict(AuditEntry.objects.values_list("sequence", "entry_hash"))
    assert all(hashes[line["count"]] == line["head_hash"] for line in lines)
    assert verify_chain().ok
    assert settings.AUDIT_CHECKPOINT_SINK == ""
