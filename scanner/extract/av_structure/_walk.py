"""Shared machinery of the container walks: defects, budgets, bounded reads."""

from __future__ import annotations

import contextlib
import struct
from collections.abc import Callable
from typing import BinaryIO

MAX_ENTRIES = 10_000  # per level: a hostile file may declare millions of tiny boxes or chunks
MAX_TOTAL = 100_000  # per file: nesting must not multiply the per-level cap (~1.6 MiB of headers)
BMFF_MAX_DEPTH = 32
RIFF_MAX_DEPTH = 8
OGG_MAX_PAGES = 64
EBML_HEADER_CAP = 64 * 1024  # a real EBML header is under 100 bytes

READ_ERRORS = (struct.error, OSError, ValueError, OverflowError)


class Defect(Exception):
    """A structural problem found deep inside a walk; the public wrapper returns its message."""


class Budget:
    """Entries visited across all levels of one file, so nesting cannot multiply the cap."""

    __slots__ = ("left",)

    def __init__(self) -> None:
        self.left = MAX_TOTAL

    def spend(self, what: str) -> None:
        self.left -= 1
        if self.left < 0:
            raise Defect(f"more than {MAX_TOTAL:,} {what} in total")


def guarded(f: BinaryIO, what: str, check: Callable[[], None]) -> str | None:
    """Run a check, turning defects and read errors into a problem string; restore f's position."""
    try:
        start: int | None = f.tell()
    except READ_ERRORS:
        start = None
    try:
        check()
        return None
    except Defect as defect:
        return str(defect)
    except READ_ERRORS as exc:
        return f"{what} could not be read: {exc}"
    finally:
        if start is not None:
            with contextlib.suppress(*READ_ERRORS):  # a dead handle is the caller's to close
                f.seek(start)


def read_at(f: BinaryIO, offset: int, length: int) -> bytes:
    """Up to ``length`` bytes at ``offset`` (fewer at end of file)."""
    f.seek(offset)
    return f.read(max(length, 0))


def fourcc_name(tag: bytes) -> str:
    """A four-character code for messages, with unprintable bytes escaped."""
    return tag.decode("ascii", "backslashreplace").replace("\0", "\\x00")


def is_fourcc(tag: bytes) -> bool:
    """Four printable ASCII characters: what a real box or chunk type looks like."""
    return len(tag) == 4 and all(0x20 <= b <= 0x7E for b in tag)


def check_count(count: int, what: str, where: str) -> None:
    """Refuse to visit more than MAX_ENTRIES entries at one level."""
    if count > MAX_ENTRIES:
        raise Defect(f"more than {MAX_ENTRIES:,} {what} {where}")


def synchsafe(raw: bytes) -> int:
    """A big-endian integer with 7 bits per byte (the top bit of each byte must be clear)."""
    if any(b & 0x80 for b in raw):
        raise Defect(f"ID3v2 size {raw.hex()} is not synchsafe (a byte has its top bit set)")
    value = 0
    for b in raw:
        value = (value << 7) | b
    return value
