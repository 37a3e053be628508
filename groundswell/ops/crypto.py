"""Backup keys and the encrypted stream a backup is written in.

A backup file is a header followed by chunks; each chunk is AES-256-GCM with its own random nonce, so a
multi-GB dump streams through in fixed memory. Every chunk's associated data is the header, the chunk's index
and whether it is the last, so a changed byte, a swapped, dropped or repeated chunk, a file cut short or data
added after the end all fail to decrypt rather than restore something else.

    header  = MAGIC (8) | key id (8) | salt (32) | chunk size (4, big-endian)
    chunk   = final flag (1) | nonce (12) | ciphertext length (4, big-endian) | ciphertext with its 16-byte tag

The operator's key never encrypts anything directly: each file gets its own key from HKDF(key, salt), so
random nonces are never reused under one key however many backups are made.
"""

from __future__ import annotations

import base64
import hashlib
import os
import stat
import struct
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"GSBAK\x00\x00\x01"  # format version 1
KEY_PREFIX = "groundswell-backup-key-v1:"
KEY_BYTES = 32
CHUNK_SIZE = 1024 * 1024
MAX_CHUNK_SIZE = 64 * 1024 * 1024  # refuse absurd sizes from a damaged header before allocating
TAG_BYTES = 16
NONCE_BYTES = 12
HEADER = struct.Struct(">8s8s32sI")
CHUNK_HEAD = struct.Struct(">B12sI")


class BackupKeyError(Exception):
    """The key file is missing, malformed or not the key this backup was made with."""


class BackupCorrupt(Exception):
    """The backup file was changed, cut short or is not a Groundswell backup."""


def generate_key_file(path: Path) -> str:
    """Write a new random key readable only by its owner; refuse to overwrite. Returns the key id."""
    key = os.urandom(KEY_BYTES)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise BackupKeyError(f"{path} already exists; a key file is never overwritten") from exc
    with os.fdopen(fd, "w") as handle:
        handle.write(KEY_PREFIX + base64.urlsafe_b64encode(key).decode() + "\n")
    return key_id(key)


def read_key_file(path: Path) -> bytes:
    """The 32-byte key in `path`, with a clear message for each way the file can be wrong."""
    try:
        text = Path(path).read_text().strip()
    except FileNotFoundError as exc:
        raise BackupKeyError(f"Key file {path} does not exist") from exc
    except OSError as exc:
        raise BackupKeyError(f"Cannot read key file {path}: {exc.strerror}") from exc
    if not text.startswith(KEY_PREFIX):
        raise BackupKeyError(f"{path} is not a Groundswell backup key (`groundswell backup --generate-key` makes one)")
    try:
        key = base64.urlsafe_b64decode(text[len(KEY_PREFIX) :])
    except ValueError as exc:
        raise BackupKeyError(f"{path}: the key is not valid base64") from exc
    if len(key) != KEY_BYTES:
        raise BackupKeyError(f"{path}: the key is {len(key)} bytes, not {KEY_BYTES}")
    return key


def key_file_is_private(path: Path) -> bool:
    return not (os.stat(path).st_mode & (stat.S_IRWXG | stat.S_IRWXO))


def key_id(key: bytes) -> str:
    """A short public fingerprint of a key, written in each backup so the right old key can be found."""
    return hashlib.sha256(b"groundswell backup key id\x00" + key).hexdigest()[:16]


def _file_key(key: bytes, salt: bytes) -> AESGCM:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"groundswell backup v1").derive(key)
    return AESGCM(derived)


def _associated_data(header: bytes, index: int, final: bool) -> bytes:
    return header + struct.pack(">QB", index, 1 if final else 0)


class EncryptingWriter:
    """A write-only file object: what is written goes to `out` encrypted, chunk by chunk."""

    def __init__(self, out: BinaryIO, key: bytes, chunk_size: int = CHUNK_SIZE) -> None:
        self._out = out
        self._chunk_size = chunk_size
        salt = os.urandom(32)
        self._header = HEADER.pack(MAGIC, bytes.fromhex(key_id(key)), salt, chunk_size)
        self._aead = _file_key(key, salt)
        self._buffer = bytearray()
        self._index = 0
        self._closed = False
        out.write(self._header)

    def write(self, data: bytes) -> int:
        if self._closed:
            raise ValueError("write to a closed backup stream")
        self._buffer += data
        # A chunk is sealed as "not final" only once more data is known to follow it.
        while len(self._buffer) > self._chunk_size:
            self._seal(bytes(self._buffer[: self._chunk_size]), final=False)
            del self._buffer[: self._chunk_size]
        return len(data)

    def close(self) -> None:
        """Seal the last chunk (possibly empty) as final. Does not close `out`."""
        if not self._closed:
            self._seal(bytes(self._buffer), final=True)
            self._buffer.clear()
            self._closed = True

    def _seal(self, plaintext: bytes, *, final: bool) -> None:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext, _associated_data(self._header, self._index, final))
        self._out.write(CHUNK_HEAD.pack(1 if final else 0, nonce, len(sealed)) + sealed)
        self._index += 1


def read_header(source: BinaryIO) -> tuple[bytes, str, bytes, int]:
    """(header bytes, key id, salt, chunk size), refusing anything that is not a version-1 backup."""
    header = source.read(HEADER.size)
    if len(header) < HEADER.size or not header.startswith(MAGIC[:5]):
        raise BackupCorrupt("This is not a Groundswell backup file (its first bytes are wrong)")
    magic, kid, salt, chunk_size = HEADER.unpack(header)
    if magic != MAGIC:
        raise BackupCorrupt("This backup was written by a newer format version than this Groundswell reads")
    if not 0 < chunk_size <= MAX_CHUNK_SIZE:
        raise BackupCorrupt("The backup's header is damaged (impossible chunk size)")
    return header, kid.hex(), salt, chunk_size


class DecryptingReader:
    """A read-only file object over an encrypted backup; raises BackupCorrupt the moment anything is wrong."""

    def __init__(self, source: BinaryIO, key: bytes) -> None:
        self._source = source
        self._header, self.key_id, salt, self._chunk_size = read_header(source)
        if self.key_id != key_id(key):
            raise BackupKeyError(
                f"Wrong key: this backup was encrypted with key id {self.key_id}, the key given has id {key_id(key)}"
            )
        self._aead = _file_key(key, salt)
        self._index = 0
        self._pending = b""
        self._finished = False

    def read(self, size: int = -1) -> bytes:
        parts = [self._pending]
        have = len(self._pending)
        while (size < 0 or have < size) and not self._finished:
            chunk = self._open_next()
            parts.append(chunk)
            have += len(chunk)
        data = b"".join(parts)
        if size < 0:
            self._pending = b""
            return data
        self._pending = data[size:]
        return data[:size]

    def finish(self) -> None:
        """Read to the final chunk: a reader that stops early (tar stops at its end marker) must still see it."""
        while not self._finished:
            self._open_next()
        self._pending = b""

    def _open_next(self) -> bytes:
        head = self._source.read(CHUNK_HEAD.size)
        if not head:
            raise BackupCorrupt(f"The backup is truncated: it ends after chunk {self._index} without its final chunk")
        if len(head) < CHUNK_HEAD.size:
            raise BackupCorrupt(f"The backup is truncated inside chunk {self._index}")
        flag, nonce, length = CHUNK_HEAD.unpack(head)
        if flag not in (0, 1) or not TAG_BYTES <= length <= self._chunk_size + TAG_BYTES:
            raise BackupCorrupt(f"The backup is damaged at chunk {self._index} (bad chunk header)")
        sealed = self._source.read(length)
        if len(sealed) < length:
            raise BackupCorrupt(f"The backup is truncated inside chunk {self._index}")
        final = flag == 1
        try:
            plaintext = self._aead.decrypt(nonce, sealed, _associated_data(self._header, self._index, final))
        except InvalidTag as exc:
            raise BackupCorrupt(
                f"The backup has been changed or damaged: chunk {self._index} fails its authentication check"
            ) from exc
        self._index += 1
        if final:
            self._finished = True
            if self._source.read(1):
                raise BackupCorrupt("The backup has extra data after its final chunk")
        return plaintext
