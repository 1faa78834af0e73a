"""Bounded walkers over JPEG segments, PNG chunks and RIFF chunks; they read headers only.

Each walker seeks past pixel data (IDAT, SOS, 'movi'), caps how many entries and how many
bytes it returns, and stops at the first structural error instead of guessing.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import BinaryIO, NamedTuple

MAX_ENTRIES = 10_000  # a hostile file may declare millions of zero-length chunks
MAX_PAYLOAD = 32 * 1024 * 1024  # metadata payloads above this are skipped, not read


# A NamedTuple: used as a frozen dataclass would be, and a tenth of its cost to define.
class Chunk(NamedTuple):
    """One container entry: its tag, file offset of the payload, declared size and payload.

    ``data`` is empty when the payload was skipped (pixel data, or larger than the cap).
    """

    tag: bytes
    offset: int
    size: int
    data: bytes


class StructureError(ValueError):
    """The container's structure is broken (truncated, sizes out of range)."""


def iter_jpeg_segments(f: BinaryIO, *, want: frozenset[int] | None = None) -> Iterator[Chunk]:
    """JPEG marker segments up to the first SOS; tag is the marker byte (0xE1 = APP1)."""
    f.seek(0)
    if f.read(2) != b"\xff\xd8":
        raise StructureError("not a JPEG (no SOI marker)")
    for _ in range(MAX_ENTRIES):
        header = f.read(2)
        while header[:1] == b"\xff" and header[1:2] == b"\xff":  # fill bytes
            header = header[1:] + f.read(1)
        if len(header) < 2 or header[0] != 0xFF:
            raise StructureError("JPEG marker expected but not found (truncated or corrupt)")
        marker = header[1]
        if marker == 0xDA or marker == 0xD9:  # start of scan / end of image: metadata is over
            return
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            continue
        raw = f.read(2)
        if len(raw) < 2:
            raise StructureError("JPEG segment length truncated")
        length = struct.unpack(">H", raw)[0] - 2
        if length < 0:
            raise StructureError(f"JPEG segment 0x{marker:02X} has an impossible length")
        offset = f.tell()
        if want is None or marker in want:
            data = f.read(length)
            if len(data) < length:
                raise StructureError(f"JPEG segment 0x{marker:02X} truncated")
            yield Chunk(bytes([marker]), offset, length, data)
        else:
            f.seek(offset + length)
    raise StructureError("too many JPEG segments")


def iter_png_chunks(
    f: BinaryIO, *, skip: frozenset[bytes] = frozenset({b"IDAT"})
) -> Iterator[Chunk]:
    """PNG chunks in order, payloads of ``skip`` types (pixel data) and oversized ones not read."""
    f.seek(0)
    if f.read(8) != b"\x89PNG\r\n\x1a\n":
        raise StructureError("not a PNG (bad signature)")
    for _ in range(MAX_ENTRIES):
        header = f.read(8)
        if len(header) == 0:
            raise StructureError("PNG ends without an IEND chunk (truncated)")
        if len(header) < 8:
            raise StructureError("PNG chunk header truncated")
        length, tag = struct.unpack(">I4s", header)
        offset = f.tell()
        if length > 0x7FFFFFFF:
            raise StructureError(f"PNG chunk {tag!r} declares an impossible length")
        if tag in skip or length > MAX_PAYLOAD:
            f.seek(offset + length + 4)
            yield Chunk(tag, offset, length, b"")
        else:
            data = f.read(length)
            if len(data) < length:
                raise StructureError(f"PNG chunk {tag.decode('latin-1')!r} truncated")
            f.seek(4, 1)  # CRC: not checked, a bad CRC does not hide metadata
            yield Chunk(tag, offset, length, data)
        if tag == b"IEND":
            return
    raise StructureError("too many PNG chunks")


def iter_riff_chunks(f: BinaryIO, *, skip: frozenset[bytes] = frozenset()) -> Iterator[Chunk]:
    """Top-level RIFF chunks (WebP, WAV, AVI); LIST chunks are yielded whole unless skipped."""
    f.seek(0)
    header = f.read(12)
    if len(header) < 12 or header[:4] not in (b"RIFF", b"RF64", b"BW64"):
        raise StructureError("not a RIFF file")
    f.seek(0, 2)
    end = f.tell()
    pos = 12
    for _ in range(MAX_ENTRIES):
        if pos + 8 > end:
            return
        f.seek(pos)
        tag, length = struct.unpack("<4sI", f.read(8))
        if pos + 8 + length > end:
            raise StructureError(
                f"RIFF chunk {tag.decode('latin-1')!r} runs past the end of the file"
            )
        if tag in skip or length > MAX_PAYLOAD:
            yield Chunk(tag, pos + 8, length, b"")
        else:
            yield Chunk(tag, pos + 8, length, f.read(length))
        pos += 8 + length + (length & 1)
    raise StructureError("too many RIFF chunks")


def iso_boxes(
    f: BinaryIO, pos: int, end: int, *, limit: int = MAX_ENTRIES
) -> list[tuple[bytes, int, int]]:
    """(type, payload start, payload end) of the ISO BMFF boxes between ``pos`` and ``end``
    (ISO/IEC 14496-12 4.2: 32-bit size, 64-bit ``largesize`` when it is 1, to the end of
    the parent when it is 0), at most ``limit`` of them; a box running past its parent is
    a StructureError."""
    out: list[tuple[bytes, int, int]] = []
    while pos + 8 <= end and len(out) < limit:
        f.seek(pos)
        header = f.read(16)
        if len(header) < 8:
            break
        size, kind = struct.unpack(">I4s", header[:8])
        start = pos + 8
        if size == 1 and len(header) == 16:
            size, start = struct.unpack(">Q", header[8:16])[0], pos + 16
        elif size == 0:
            size = end - pos
        if size < start - pos or pos + size > end:
            raise StructureError(f"box {kind.decode('latin-1')!r} at {pos} runs past its parent")
        out.append((kind, start, pos + size))
        pos += size
    return out
