"""Where EXIF sits in box-structured images: HEIF/AVIF items, CR3's CMT boxes, JPEG XL's box.

- HEIF/AVIF (ISO/IEC 23008-12 annex A): an item of type ``Exif`` listed in ``meta/iinf``
  and located by ``meta/iloc`` (file extents, or ``idat``); its data is a 32-bit offset to
  the TIFF header, then (usually ``Exif\\0\\0`` and) the TIFF structure.
- CR3 (Canon): ``moov/uuid`` 85c0b687-820f-11e0-8111-f4ce462b6a48 holds ``CMT1`` (a TIFF
  with IFD0), ``CMT2`` (the Exif IFD), ``CMT3`` (MakerNote) and ``CMT4`` (the GPS IFD).
- JPEG XL container (ISO/IEC 18181-2): an ``Exif`` box, a 32-bit offset then the TIFF
  structure; a Brotli-compressed ``brob`` box holding Exif is reported, not read.
Every read is bounded: box counts, item counts, extents and payload sizes are capped.
"""

from __future__ import annotations

import struct
from typing import BinaryIO, NamedTuple

from provscan.extract.containers import StructureError, iso_boxes

MAX_BOXES = 4096
MAX_ITEMS = 4096
MAX_EXTENTS = 64
MAX_ITEM = 16 * 1024 * 1024
_CR3_UUID = bytes.fromhex("85c0b687820f11e08111f4ce462b6a48")
_CR3_ROOTS = {b"CMT1": "IFD0", b"CMT2": "ExifIFD", b"CMT4": "GPS"}


class BoxError(StructureError):
    """The box structure is broken where the EXIF was looked for."""


# A NamedTuple: used as a frozen dataclass would be, and a tenth of its cost to define.
class Block(NamedTuple):
    """One TIFF structure to walk: its bytes, where the TIFF header starts, the first IFD."""

    data: bytes
    start: int
    root: str = "IFD0"
    source: str = ""


def boxes(f: BinaryIO, pos: int, end: int) -> list[tuple[bytes, int, int]]:
    """(type, payload start, payload end) of the boxes between ``pos`` and ``end``."""
    return iso_boxes(f, pos, end, limit=MAX_BOXES)


def _read(f: BinaryIO, start: int, end: int) -> bytes:
    f.seek(start)
    return f.read(max(0, min(end - start, MAX_ITEM)))


def tiff_after_offset(payload: bytes, source: str, root: str = "IFD0") -> Block | None:
    """A HEIF/JXL Exif payload: 32-bit offset to the TIFF header, then the structure."""
    if len(payload) < 4:
        return None
    start = 4 + struct.unpack(">I", payload[:4])[0]
    if payload[start : start + 2] not in (b"II", b"MM"):  # writers that got the offset wrong
        found = [payload.find(m, 4, 64) for m in (b"II*\x00", b"MM\x00*")]
        start = min((at for at in found if at >= 0), default=-1)
    return Block(payload, start, root, source) if start >= 0 else None


def heif_blocks(f: BinaryIO, size: int, problems: list[str]) -> list[Block]:
    """The Exif items of a HEIF/AVIF file's primary ``meta`` box."""
    meta = next(((s, e) for kind, s, e in boxes(f, 0, size) if kind == b"meta"), None)
    if meta is None:
        return []
    children = {kind: (s, e) for kind, s, e in boxes(f, meta[0] + 4, meta[1])}
    if b"iinf" not in children or b"iloc" not in children:
        return []
    exif_ids = _exif_items(_read(f, *children[b"iinf"]))
    if not exif_ids:
        return []
    idat = children.get(b"idat")
    out = []
    for item, extents in _locations(_read(f, *children[b"iloc"])).items():
        if item not in exif_ids:
            continue
        payload = b""
        for method, offset, length in extents:
            if method == 1 and idat is not None:
                offset += idat[0]
            elif method != 0:
                problems.append(f"HEIF Exif item {item} uses construction method {method}")
                break
            f.seek(offset)
            payload += f.read(min(length, MAX_ITEM - len(payload)))
        block = tiff_after_offset(payload, f"HEIF Exif item {item}")
        if block is not None:
            out.append(block)
    return out


def _exif_items(iinf: bytes) -> set[int]:
    """Item ids whose ``infe`` (version 2 or 3) declares item type ``Exif``."""
    if len(iinf) < 6:
        return set()
    pos = 6 if iinf[0] == 0 else 8
    found: set[int] = set()
    for _ in range(MAX_ITEMS):
        if pos + 8 > len(iinf):
            break
        size, kind = struct.unpack(">I4s", iinf[pos : pos + 8])
        if size < 8:
            break
        body = iinf[pos + 8 : pos + size]
        if kind == b"infe" and len(body) >= 12 and body[0] in (2, 3):
            if body[0] == 2:
                item, item_type = struct.unpack(">H", body[4:6])[0], body[8:12]
            else:
                item, item_type = struct.unpack(">I", body[4:8])[0], body[10:14]
            if item_type == b"Exif":
                found.add(item)
        pos += size
    return found


def _locations(iloc: bytes) -> dict[int, list[tuple[int, int, int]]]:
    """item id -> [(construction method, offset, length)] from an ``iloc`` box payload."""
    reader = _Fields(iloc)
    version = reader.take(1)
    reader.take(3)  # flags
    sizes = reader.take(1)
    offset_size, length_size = sizes >> 4, sizes & 15
    more = reader.take(1)
    base_size, index_size = more >> 4, (more & 15) if version >= 1 else 0
    count = reader.take(2 if version < 2 else 4)
    out: dict[int, list[tuple[int, int, int]]] = {}
    for _ in range(min(count, MAX_ITEMS)):
        item = reader.take(2 if version < 2 else 4)
        method = reader.take(2) & 15 if version >= 1 else 0
        reader.take(2)  # data reference index
        base = reader.take(base_size)
        extents = []
        for _ in range(min(reader.take(2), MAX_EXTENTS)):
            reader.take(index_size)
            offset, length = reader.take(offset_size), reader.take(length_size)
            extents.append((method, base + offset, length))
        out[item] = extents
    return out


class _Fields:
    """Big-endian unsigned fields of 0-8 bytes read in turn; a read past the end is an error."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def take(self, size: int) -> int:
        if self.pos + size > len(self.data):
            raise BoxError("iloc box truncated")
        value = int.from_bytes(self.data[self.pos : self.pos + size], "big")
        self.pos += size
        return value


def cr3_blocks(f: BinaryIO, size: int) -> list[Block]:
    """CR3's CMT1/CMT2/CMT4 TIFF structures, each with the IFD it holds."""
    out = []
    for kind, start, end in boxes(f, 0, size):
        if kind != b"moov":
            continue
        for sub, s, e in boxes(f, start, end):
            f.seek(s)
            if sub != b"uuid" or f.read(16) != _CR3_UUID:
                continue
            for cmt, cs, ce in boxes(f, s + 16, e):
                if cmt in _CR3_ROOTS:
                    out.append(Block(_read(f, cs, ce), 0, _CR3_ROOTS[cmt], cmt.decode()))
    return out


def jxl_blocks(f: BinaryIO, size: int, problems: list[str]) -> list[Block]:
    """The ``Exif`` boxes of a JPEG XL container (a bare codestream has none)."""
    f.seek(0)
    if f.read(12) != b"\x00\x00\x00\x0cJXL \r\n\x87\n":
        return []
    out = []
    for kind, start, end in boxes(f, 0, size):
        if kind == b"Exif":
            block = tiff_after_offset(_read(f, start, end), "JPEG XL Exif box")
            if block is not None:
                out.append(block)
        elif kind == b"brob" and _read(f, start, min(end, start + 4)) == b"Exif":
            problems.append("JPEG XL Exif box is Brotli-compressed (brob); not read")
    return out
