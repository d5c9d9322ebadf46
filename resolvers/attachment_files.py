"""What a file is, found as it is copied in: its display name, its type (from its content,
never from its name) and whether it is allowed, its size and SHA-256. No database, no
storage: resolvers/attachments.py decides what happens to it."""

import codecs
import hashlib
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

import filetype

from helpdesk.resolvers.errors import ErrorCode

CHUNK = 64 * 1024
SNIFF_BYTES = 8192  # what the type detection reads of a file's start
MAX_FILENAME = 200
# The binary types allowed, as detected from the content, and the extensions a file of that
# type may be named with (the first is added to a name that has none of them).
BINARY_TYPES: dict[str, tuple[str, ...]] = {
    "image/png": ("png",),
    "image/jpeg": ("jpg", "jpeg"),
    "image/gif": ("gif",),
    "image/webp": ("webp",),
    "application/pdf": ("pdf",),
    "application/zip": ("zip",),
}
# Plain text (valid UTF-8 without NUL) is allowed too; its type follows these extensions,
# and a text file named otherwise is text/plain with ".txt" added to its name.
TEXT_TYPES: dict[str, str] = {
    "txt": "text/plain",
    "log": "text/plain",
    "csv": "text/csv",
    "json": "application/json",
}
ALLOWED = ", ".join([*BINARY_TYPES, "UTF-8 text (.txt, .log, .csv, .json)"])


class Refused(Exception):
    def __init__(self, code: ErrorCode, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


# -- names ----------------------------------------------------------------------------------


def clean_filename(raw: str | None) -> str:
    """A name to show and to offer in downloads: no folders, no control or format characters
    (bidi overrides that disguise an extension among them), no leading dots, at most
    MAX_FILENAME characters. It never names anything on disk."""
    name = unicodedata.normalize("NFC", raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        " " if unicodedata.category(c)[0] == "Z" else c
        for c in name
        if unicodedata.category(c)[0] != "C"
    )
    name = " ".join(name.split()).lstrip(".").strip()
    if not name:
        return "attachment"
    if len(name) > MAX_FILENAME:
        stem, dot, extension = name.rpartition(".")
        if dot and stem and len(extension) <= 10:
            name = stem[: MAX_FILENAME - len(extension) - 1].rstrip() + "." + extension
        else:
            name = name[:MAX_FILENAME].rstrip()
    return name


def _extension(name: str) -> str | None:
    stem, dot, extension = name.rpartition(".")
    return extension.lower() if dot and stem else None


def _named_for(name: str, extensions: Sequence[str]) -> str:
    """The name, with the type's first extension added unless it has one of them."""
    if _extension(name) in extensions:
        return name
    return name[: MAX_FILENAME - len(extensions[0]) - 1] + "." + extensions[0]


def typed_name(name: str, detected: str | None) -> tuple[str, str]:
    """(display name, content type) for a clean name and the binary type detected (None:
    the content is text)."""
    if detected is not None:
        return _named_for(name, BINARY_TYPES[detected]), detected
    extension = _extension(name)
    if extension in TEXT_TYPES:
        return name, TEXT_TYPES[extension]
    return _named_for(name, ("txt",)), "text/plain"


# -- receiving a file -----------------------------------------------------------------------


def _sniff(head: bytes) -> str | None:
    """The allowed binary type the content starts with, None if it can only be text; a
    known type that is not allowed is refused at once."""
    kind = filetype.guess(head[:SNIFF_BYTES]) if head else None
    if kind is None:
        return None
    if kind.mime in BINARY_TYPES:
        return kind.mime
    raise Refused(
        ErrorCode.FILE_TYPE_NOT_ALLOWED, f"its content is {kind.mime}, which is not allowed"
    )


def _read_head(source: BinaryIO) -> bytes:
    head = b""
    while len(head) < SNIFF_BYTES:
        chunk = source.read(CHUNK)
        if not chunk:
            break
        head += chunk
    return head


def receive(source: BinaryIO, target: Path, max_bytes: int) -> tuple[int, str, str | None]:
    """Copies the file to `target` in chunks, hashing, measuring and checking its type as it
    goes: (size, SHA-256, detected binary type or None for text). Runs in a thread."""
    digest = hashlib.sha256()
    size = 0
    chunk = _read_head(source)
    detected = _sniff(chunk)
    text = codecs.getincrementaldecoder("utf-8")() if detected is None else None
    not_text = Refused(
        ErrorCode.FILE_TYPE_NOT_ALLOWED, f"its content is not an allowed type ({ALLOWED})"
    )
    with open(target, "xb") as out:
        while chunk:
            size += len(chunk)
            if size > max_bytes:
                raise Refused(ErrorCode.TOO_LARGE, f"it is larger than {max_bytes} bytes")
            if text is not None:
                if b"\x00" in chunk:
                    raise not_text
                try:
                    text.decode(chunk)
                except UnicodeDecodeError:
                    raise not_text from None
            digest.update(chunk)
            out.write(chunk)
            chunk = source.read(CHUNK)
    if size == 0:
        raise Refused(ErrorCode.REQUIRED, "it is empty")
    if text is not None:
        try:
            text.decode(b"", final=True)
        except UnicodeDecodeError:
            raise not_text from None
    return size, digest.hexdigest(), detected
