"""The encrypted stream: anything changed, cut short, reordered or added is refused; the right key reads it back."""

from __future__ import annotations

import io
import os
import stat

import pytest
from hypothesis import given
from hypothesis import strategies as st

from groundswell.ops.crypto import (
    CHUNK_HEAD,
    HEADER,
    BackupCorrupt,
    BackupKeyError,
    DecryptingReader,
    EncryptingWriter,
    generate_key_file,
    key_id,
    read_key_file,
)

KEY = bytes(range(32))


def encrypt(data: bytes, key: bytes = KEY, chunk_size: int = 64, pieces: int = 3) -> bytes:
    out = io.BytesIO()
    writer = EncryptingWriter(out, key, chunk_size=chunk_size)
    step = max(1, len(data) // pieces)
    for start in range(0, len(data), step):
        writer.write(data[start : start + step])
    writer.close()
    return out.getvalue()


def decrypt(blob: bytes, key: bytes = KEY) -> bytes:
    reader = DecryptingReader(io.BytesIO(blob), key)
    data = reader.read()
    reader.finish()
    return data


def chunk_offsets(blob: bytes) -> list[int]:
    """Where each chunk starts."""
    offsets, position = [], HEADER.size
    while position < len(blob):
        offsets.append(position)
        _, _, length = CHUNK_HEAD.unpack_from(blob, position)
        position += CHUNK_HEAD.size + length
    return offsets


@given(data=st.binary(max_size=700), chunk_size=st.integers(1, 200), read_size=st.integers(1, 300))
def test_what_is_written_reads_back_whatever_the_chunk_and_read_sizes(data, chunk_size, read_size):
    blob = encrypt(data, chunk_size=chunk_size)
    reader = DecryptingReader(io.BytesIO(blob), KEY)
    parts = []
    while piece := reader.read(read_size):
        parts.append(piece)
    assert b"".join(parts) == data


def test_a_wrong_key_is_named_as_such():
    blob = encrypt(b"members" * 100)
    with pytest.raises(BackupKeyError, match="Wrong key: this backup was encrypted with key id"):
        decrypt(blob, key=os.urandom(32))


def test_a_wrong_key_with_the_right_key_id_written_in_still_cannot_read_it():
    blob = bytearray(encrypt(b"members" * 100))
    other = os.urandom(32)
    blob[8:16] = bytes.fromhex(key_id(other))  # the key id is public; forging it must not help
    with pytest.raises(BackupCorrupt, match="fails its authentication check"):
        decrypt(bytes(blob), key=other)


@given(data=st.data())
def test_any_changed_byte_is_refused(data):
    blob = encrypt(b"the register of electors " * 20, chunk_size=50)
    position = data.draw(st.integers(0, len(blob) - 1))
    flip = data.draw(st.integers(1, 255))
    tampered = bytearray(blob)
    tampered[position] ^= flip
    with pytest.raises((BackupCorrupt, BackupKeyError)):
        decrypt(bytes(tampered))


@given(data=st.data())
def test_any_truncation_is_refused(data):
    blob = encrypt(b"x" * 500, chunk_size=64)
    cut = data.draw(st.integers(0, len(blob) - 1))
    with pytest.raises(BackupCorrupt):
        decrypt(blob[:cut])


def test_dropping_whole_chunks_at_the_end_is_refused():
    blob = encrypt(b"y" * 1000, chunk_size=100)
    for start in chunk_offsets(blob)[1:]:
        with pytest.raises(BackupCorrupt, match="truncated"):
            decrypt(blob[:start])


def test_swapped_chunks_are_refused():
    blob = encrypt(bytes(range(256)) * 4, chunk_size=100)
    offsets = chunk_offsets(blob)
    first, second = blob[offsets[0] : offsets[1]], blob[offsets[1] : offsets[2]]
    swapped = blob[: offsets[0]] + second + first + blob[offsets[2] :]
    with pytest.raises(BackupCorrupt, match="chunk 0 fails"):
        decrypt(swapped)


def test_a_chunk_copied_from_another_backup_with_the_same_key_is_refused():
    one, two = encrypt(b"a" * 300, chunk_size=100), encrypt(b"b" * 300, chunk_size=100)
    offsets = chunk_offsets(one)
    spliced = one[: offsets[1]] + two[chunk_offsets(two)[1] :]
    with pytest.raises(BackupCorrupt):
        decrypt(spliced)


def test_data_after_the_final_chunk_is_refused():
    with pytest.raises(BackupCorrupt, match="extra data"):
        decrypt(encrypt(b"z" * 10) + b"more")


def test_an_empty_stream_still_has_an_authenticated_end():
    blob = encrypt(b"")
    assert decrypt(blob) == b""
    with pytest.raises(BackupCorrupt, match="truncated"):
        decrypt(blob[: HEADER.size])


def test_not_a_backup_at_all():
    with pytest.raises(BackupCorrupt, match="not a Groundswell backup"):
        decrypt(b"PGDMP\x01\x0e\x00" + b"\x00" * 100)


def test_generated_key_is_private_and_never_overwritten(tmp_path):
    path = tmp_path / "backup.key"
    kid = generate_key_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert key_id(read_key_file(path)) == kid
    with pytest.raises(BackupKeyError, match="never overwritten"):
        generate_key_file(path)
    assert key_id(read_key_file(path)) == kid


@pytest.mark.parametrize(
    ("content", "message"),
    [("hello", "not a Groundswell backup key"), ("groundswell-backup-key-v1:AAAA", "is 3 bytes, not 32")],
)
def test_malformed_key_files_are_named(tmp_path, content, message):
    path = tmp_path / "k"
    path.write_text(content)
    with pytest.raises(BackupKeyError, match=message):
        read_key_file(path)
    with pytest.raises(BackupKeyError, match="does not exist"):
        read_key_file(tmp_path / "missing")
