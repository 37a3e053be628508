"""Uploaded files (complaint evidence, invoices and receipts): what a file is, judged by its bytes, never by its
name or the browser's word. One home for every app that takes files, so the rules cannot drift apart.

By default documents (PDF, Word/OpenDocument, plain text) and images (PNG, JPEG, GIF, WebP) are accepted; a caller
narrows that with `accept` (spending takes only PDF, JPEG and PNG) and passes its own size limit. Executables and
scripts are refused even when renamed.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError

DEFAULT_MAX_BYTES = 10 * 1024 * 1024

# Magic numbers of programs: Windows PE, ELF, Mach-O (both byte orders, fat), Java class, shell scripts.
EXECUTABLE_MAGIC = (
    b"MZ",
    b"\x7fELF",
    b"\xfe\xed\xfa",
    b"\xcf\xfa\xed\xfe",
    b"\xce\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
    b"#!",
)
EXECUTABLE_SUFFIXES = {
    ".exe", ".dll", ".com", ".bat", ".cmd", ".msi", ".scr", ".ps1", ".vbs", ".js", ".jar", ".sh", ".app", ".apk",
    ".bin", ".elf", ".py", ".pl", ".hta", ".lnk", ".docm", ".xlsm",
}  # fmt: skip


EXTENSIONS = {
    "application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.oasis.opendocument.text": "odt", "text/plain": "txt",
}  # fmt: skip
DOCUMENTS_AND_IMAGES = frozenset(EXTENSIONS)
PDF_OR_IMAGE = frozenset({"application/pdf", "image/png", "image/jpeg"})


@dataclass(frozen=True)
class Sniffed:
    content_type: str
    size: int
    sha256: str

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]


def setting_bytes(name: str, default: int = DEFAULT_MAX_BYTES) -> int:
    """A size limit from settings (bytes), e.g. `setting_bytes("COMPLAINTS_MAX_UPLOAD_BYTES")`."""
    return int(getattr(settings, name, default))


def _zip_kind(data: bytes) -> str | None:
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except zipfile.BadZipFile:
        return None
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        return None  # macros: a program in a document's clothing
    if "word/document.xml" in names:
        return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    if "mimetype" in names and "content.xml" in names:
        return "application/vnd.oasis.opendocument.text"
    return None


def sniff(data: bytes) -> str | None:
    """The content type the bytes show, or None for anything not an accepted document or image."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    if b"\x00" not in data[:8192]:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return "text/plain"
    return None


def _describe(accept: frozenset[str]) -> str:
    if accept == PDF_OR_IMAGE:
        return "a PDF, JPEG or PNG document"
    if accept == DOCUMENTS_AND_IMAGES:
        return "a document (PDF, Word, OpenDocument, text) or image (PNG, JPEG, GIF, WebP)"
    return "one of: " + ", ".join(sorted(EXTENSIONS[t].upper() for t in accept))


def check_upload(
    name: str,
    data: bytes,
    field: str = "evidence",
    *,
    accept: frozenset[str] = DOCUMENTS_AND_IMAGES,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Sniffed:
    """Sniff and check one uploaded file; ValidationError naming `field` and the file for anything refused."""
    label = (name or "the file")[:200]
    if len(data) > max_bytes:
        size = f"{len(data) / 1048576:.1f} MB" if len(data) >= 104858 else f"{len(data):,} bytes"
        limit = f"{max_bytes // 1048576} MB" if max_bytes >= 1048576 else f"{max_bytes:,} bytes"
        raise ValidationError({field: f"{label} is {size}; the largest allowed is {limit}."})
    if not data:
        raise ValidationError({field: f"{label} is empty."})
    suffix = "." + label.rsplit(".", 1)[-1].lower() if "." in label else ""
    if data.startswith(EXECUTABLE_MAGIC) or suffix in EXECUTABLE_SUFFIXES:
        raise ValidationError({field: f"{label} is a program or script, not {_describe(accept)}."})
    content_type = sniff(data)
    if content_type is None or content_type not in accept:
        raise ValidationError({field: f"{label} is not {_describe(accept)}."})
    return Sniffed(content_type, len(data), hashlib.sha256(data).hexdigest())
