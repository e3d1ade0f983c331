"""Checking an uploaded file before it is stored: its real type (read from its first bytes, not
from its name), its size, and its SHA-256.

A file named ``.pdf`` that is not a PDF is refused; so is a real PDF named ``.png``, because the
clerk opens it by its name. Types whose content we cannot recognise are never accepted."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import PurePath

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from licensing.errors import DomainError

SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
}
"""Magic bytes of each type we can recognise, by canonical extension."""

ALIASES = {"jpeg": "jpg", "jpe": "jpg"}
CONTENT_TYPES = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg"}
LABELS = {"pdf": "PDF", "png": "PNG", "jpg": "JPEG"}
HEAD_BYTES = 16
CHUNK = 64 * 1024


@dataclass(frozen=True)
class CheckedFile:
    """What was found out about an upload that passed the checks."""

    file_type: str
    content_type: str
    size: int
    sha256: str
    name: str


class UploadRefused(DomainError):
    """The file was not stored: wrong type, too large, empty or unreadable."""

    code = "upload_refused"


def canonical_type(extension: str) -> str:
    extension = extension.lower().lstrip(".")
    return ALIASES.get(extension, extension)


def sniff_type(head: bytes) -> str | None:
    """The type the first bytes of a file show, or None if we do not recognise them."""
    for file_type, magics in SIGNATURES.items():
        if any(head.startswith(magic) for magic in magics):
            return file_type
    return None


def accepted_labels(accepted: list[str]) -> str:
    types = [canonical_type(t) for t in accepted]
    return ", ".join(dict.fromkeys(LABELS.get(t, t.upper()) for t in types if t in SIGNATURES))


def safe_name(name: str) -> str:
    """The base name of an uploaded file, without any folder and at most 120 characters."""
    base = PurePath(name.replace("\\", "/")).name.strip() or "file"
    stem, dot, ext = base.rpartition(".")
    if dot and len(base) > 120:
        return f"{stem[: 119 - len(ext)]}.{ext}"
    return base[:120]


def check_upload(upload: UploadedFile, *, accepted: list[str], max_size_mb: int, label: str) -> CheckedFile:
    """Check ``upload`` against a slot that accepts the types ``accepted`` (extensions) up to
    ``max_size_mb`` megabytes; return what was found, or raise ``UploadRefused`` with a message
    that names the slot ``label`` and says what to do."""
    allowed = {canonical_type(t) for t in accepted} & set(SIGNATURES)
    kinds = accepted_labels(accepted) or _("none")
    size = upload.size or 0
    if size == 0:
        raise UploadRefused(_("The selected file for “%(label)s” is empty.") % {"label": label})
    limit = max_size_mb * 1024 * 1024
    if size > limit:
        raise UploadRefused(
            _("The selected file for “%(label)s” must be smaller than %(mb)d MB.") % {"label": label, "mb": max_size_mb}
        )
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    actual = sniff_type(head)
    name = safe_name(upload.name or "")
    extension = canonical_type(PurePath(name).suffix)
    if actual is None or actual not in allowed:
        if extension in SIGNATURES and actual != extension:
            raise UploadRefused(
                _(
                    "The selected file for “%(label)s” is named .%(ext)s but its content is not a %(type)s file. "
                    "Upload a file that really is %(kinds)s."
                )
                % {"label": label, "ext": extension, "type": LABELS[extension], "kinds": kinds}
            )
        raise UploadRefused(
            _("The selected file for “%(label)s” must be %(kinds)s.") % {"label": label, "kinds": kinds}
        )
    if extension != actual:
        raise UploadRefused(
            _(
                "The selected file for “%(label)s” is a %(type)s file but its name ends in “%(ext)s”. "
                "Rename it to end in .%(right)s and upload it again."
            )
            % {"label": label, "type": LABELS[actual], "ext": PurePath(name).suffix or _("nothing"), "right": actual}
        )
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks(CHUNK):
        digest.update(chunk)
    upload.seek(0)
    return CheckedFile(
        file_type=actual, content_type=CONTENT_TYPES[actual], size=size, sha256=digest.hexdigest(), name=name
    )
