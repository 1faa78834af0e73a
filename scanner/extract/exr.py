"""A bounded, read-only reader of OpenEXR headers, from the documented file layout.

OpenEXR "File Layout" (openexr.com, "The OpenEXR File Layout"): the magic number
``76 2f 31 01``, a 4-byte version field (version 2 in its low byte; flag bits: 0x200
single-part tiled, 0x400 long names, 0x800 deep data, 0x1000 multi-part), then one header
per part: attributes ``name\\0 type\\0 size:int32 value[size]`` ended by an empty name; a
multi-part file ends its list of headers with one more empty name. Then the offset tables
(one uint64 per chunk and part) and the chunks.

Why our own reader rather than the ``openexr`` binding: every attribute arrives, custom
ones included, whatever its type (the binding drops types it does not know into opaque
values and raises on some broken headers); it reads only the header bytes (the binding
maps the whole file and starts its thread pool); and it loads nothing (measured in
bench/studio.py: the binding's import alone costs more than a thousand headers). The
binding is still what fixtures/make.py writes custom attributes with, so both agree.

Hostile bytes never raise: the first structural error becomes ``ExrHeader.problem`` and
what was read before it is kept. A header is at most ``MAX_HEADER`` bytes.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from provscan.asset import Asset

MAGIC = b"\x76\x2f\x31\x01"
MAX_HEADER = 16 * 1024 * 1024  # cryptomatte manifests run to megabytes; previews to 100s of KiB
MAX_ATTRIBUTES = 4096  # per part
MAX_PARTS = 1024
MAX_TEXT = 1 << 20  # one string value kept (longer is clipped, and said)
_TILED, _LONG_NAMES, _DEEP, _MULTIPART = 0x200, 0x400, 0x800, 0x1000

# Scan lines per chunk of each compression (OpenEXR "Technical Introduction", compression).
COMPRESSIONS = {
    0: ("NONE", 1), 1: ("RLE", 1), 2: ("ZIPS", 1), 3: ("ZIP", 16), 4: ("PIZ", 32),
    5: ("PXR24", 16), 6: ("B44", 32), 7: ("B44A", 32), 8: ("DWAA", 32), 9: ("DWAB", 256),
    10: ("HTJ2K256", 256), 11: ("HTJ2K32", 32),
}  # fmt: skip
TEXT_TYPES = frozenset({"string", "stringvector", "text"})


@dataclass(frozen=True, slots=True)
class Attribute:
    """One header attribute: its name, type name and value in words (text as written,
    numbers and vectors formatted, opaque types as ``<type N bytes>``)."""

    name: str
    type: str
    value: str


@dataclass(frozen=True, slots=True)
class Part:
    """One part's header."""

    attributes: tuple[Attribute, ...]

    def get(self, name: str) -> str:
        """The value of the attribute ``name`` (exact), or ""."""
        return next((a.value for a in self.attributes if a.name == name), "")


@dataclass(frozen=True, slots=True)
class ExrHeader:
    """What the headers of one EXR file say, and what stopped the reading, if anything."""

    version: int = 0
    flags: int = 0
    parts: tuple[Part, ...] = ()
    problem: str = ""  # the header itself is broken or cut short
    truncated: str = ""  # the header is whole but the chunks it announces are not all there
    header_end: int = 0

    @property
    def multipart(self) -> bool:
        """Whether the file declares several parts."""
        return bool(self.flags & _MULTIPART)

    @property
    def first(self) -> Part:
        """The first part's header (an empty one when none was read)."""
        return self.parts[0] if self.parts else Part(())

    @property
    def size(self) -> tuple[int, int] | None:
        """Width and height of the first part's data window."""
        return _window(self.first.get("dataWindow"))


@dataclass(slots=True)
class _Cursor:
    data: bytes
    pos: int = 0
    long_names: bool = False
    notes: list[str] = field(default_factory=list)

    def cstring(self) -> str:
        end = self.data.find(b"\x00", self.pos, self.pos + (256 if self.long_names else 32) + 1)
        if end < 0:
            raise ValueError(f"attribute name or type at byte {self.pos} is not terminated")
        text = self.data[self.pos : end].decode("latin-1")
        self.pos = end + 1
        return text


def exr_header(asset: Asset) -> ExrHeader:
    """The EXR headers of the asset (cached view)."""
    return asset.view("exr_header", _read)


def _read(asset: Asset) -> ExrHeader:
    data = asset.head()
    if len(data) < 8 or data[:4] != MAGIC:
        return ExrHeader(problem="not an OpenEXR file (magic number missing)")
    header = _parse(data)
    if header.problem and len(data) < asset.size:  # a long header: read it whole, bounded
        header = _parse(asset.read_at(0, min(asset.size, MAX_HEADER)))
    if header.problem or not header.parts:
        return header
    truncated = _chunks_missing(asset, header)
    return replace(header, truncated=truncated)


def _parse(data: bytes) -> ExrHeader:
    """The headers in ``data`` (the file's first bytes)."""
    version_field = struct.unpack_from("<I", data, 4)[0]
    version, flags = version_field & 0xFF, version_field & ~0xFF
    cursor = _Cursor(data, 8, bool(flags & _LONG_NAMES))
    parts: list[Part] = []
    problem = ""
    try:
        while len(parts) < MAX_PARTS:
            parts.append(_part(cursor))
            if not flags & _MULTIPART or _peek_end(cursor):
                break
    except (ValueError, struct.error, IndexError) as exc:
        problem = str(exc) or type(exc).__name__
    if flags & _MULTIPART and not problem:
        cursor.pos += 1  # the empty header that ends the list
    return ExrHeader(version, flags, tuple(parts), problem, header_end=cursor.pos)


def _peek_end(cursor: _Cursor) -> bool:
    return cursor.pos >= len(cursor.data) or cursor.data[cursor.pos] == 0


def _part(cursor: _Cursor) -> Part:
    attributes: list[Attribute] = []
    for _ in range(MAX_ATTRIBUTES):
        if cursor.pos >= len(cursor.data):
            raise ValueError(f"header cut short at byte {cursor.pos}")
        if cursor.data[cursor.pos] == 0:
            cursor.pos += 1
            return Part(tuple(attributes))
        name = cursor.cstring()
        kind = cursor.cstring()
        size = struct.unpack_from("<i", cursor.data, cursor.pos)[0]
        cursor.pos += 4
        if size < 0 or cursor.pos + size > len(cursor.data):
            raise ValueError(f"attribute {name!r} ({kind}) declares {size} bytes past the data")
        raw = cursor.data[cursor.pos : cursor.pos + size]
        cursor.pos += size
        attributes.append(Attribute(name, kind, _value(kind, raw)))
    raise ValueError(f"more than {MAX_ATTRIBUTES} attributes in one header")


def _value(kind: str, raw: bytes) -> str:
    """An attribute's value in words."""
    reader = _READERS.get(kind)
    if reader is not None:
        try:
            return reader(raw)
        except (struct.error, ValueError, IndexError):
            return f"<{kind} {len(raw)} bytes, malformed>"
    return f"<{kind} {len(raw)} bytes>"


def _string(raw: bytes) -> str:
    text = raw[:MAX_TEXT].decode("utf-8", "replace")
    return text if len(raw) <= MAX_TEXT else text + " ..."


def _stringvector(raw: bytes) -> str:
    items: list[str] = []
    pos = 0
    while pos + 4 <= len(raw) and len(items) < 4096:
        size = struct.unpack_from("<i", raw, pos)[0]
        if size < 0 or pos + 4 + size > len(raw):
            raise ValueError("string vector item past its attribute")
        items.append(raw[pos + 4 : pos + 4 + size].decode("utf-8", "replace"))
        pos += 4 + size
    return "\n".join(items)


def _box2i(raw: bytes) -> str:
    return "({}, {}) - ({}, {})".format(*struct.unpack("<4i", raw[:16]))


def _compression(raw: bytes) -> str:
    return COMPRESSIONS.get(raw[0], (f"compression {raw[0]}", 0))[0]


def _chlist(raw: bytes) -> str:
    names: list[str] = []
    pos = 0
    while pos < len(raw) and raw[pos] != 0 and len(names) < 4096:
        end = raw.index(b"\x00", pos)
        names.append(raw[pos:end].decode("latin-1"))
        pos = end + 1 + 16  # pixel type, pLinear + 3 reserved, x and y sampling
    return ",".join(names)


def _timecode(raw: bytes) -> str:
    """SMPTE 12M time and flags (BCD in the low bits: frame, second, minute, hour)."""
    bits = struct.unpack("<I", raw[:4])[0]
    frame = (bits & 0x0F) + 10 * ((bits >> 4) & 0x03)
    second = ((bits >> 8) & 0x0F) + 10 * ((bits >> 12) & 0x07)
    minute = ((bits >> 16) & 0x0F) + 10 * ((bits >> 20) & 0x07)
    hour = ((bits >> 24) & 0x0F) + 10 * ((bits >> 28) & 0x03)
    drop = ";" if bits & 0x40 else ":"
    return f"{hour:02d}:{minute:02d}:{second:02d}{drop}{frame:02d}"


def _rational(raw: bytes) -> str:
    numerator, denominator = struct.unpack("<iI", raw[:8])
    if denominator in (0, 1):
        return str(numerator)
    return f"{numerator}/{denominator}"


def _number(fmt: str) -> Callable[[bytes], str]:
    def read(raw: bytes) -> str:
        values = struct.unpack(fmt, raw[: struct.calcsize(fmt)])
        return ", ".join(_fmt_number(v) for v in values)

    return read


def _fmt_number(value: float) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _tiledesc(raw: bytes) -> str:
    width, height, mode = struct.unpack("<IIB", raw[:9])
    return f"{width}x{height} tiles, level mode {mode & 0x0F}"


_READERS: dict[str, Callable[[bytes], str]] = {
    "string": _string,
    "text": _string,
    "stringvector": _stringvector,
    "box2i": _box2i,
    "compression": _compression,
    "chlist": _chlist,
    "timecode": _timecode,
    "rational": _rational,
    "int": _number("<i"),
    "float": _number("<f"),
    "double": _number("<d"),
    "v2i": _number("<2i"),
    "v2f": _number("<2f"),
    "v3f": _number("<3f"),
    "lineOrder": lambda raw: ("INCREASING_Y", "DECREASING_Y", "RANDOM_Y")[raw[0]],
    "tiledesc": _tiledesc,
}


def _window(text: str) -> tuple[int, int] | None:
    """Width and height of a box2i written by :func:`_box2i`."""
    try:
        numbers = [int(n) for n in text.replace("(", " ").replace(")", " ").replace("-", " -")
                   .replace(",", " ").split() if n.lstrip("-").isdigit()]  # fmt: skip
    except ValueError:
        return None
    if len(numbers) != 4:
        return None
    x0, y0, x1, y1 = numbers
    if x1 < x0 or y1 < y0:
        return None
    return x1 - x0 + 1, y1 - y0 + 1


def _chunks_missing(asset: Asset, header: ExrHeader) -> str:
    """Why the chunks the header announces are not all in the file (cut short, or a writer
    that never filled its offset table), or "" when they are, or cannot be told cheaply.

    Single-part scan-line files only (their chunk count follows from the data window and
    the compression), and multi-part files declaring ``chunkCount``; tiled levels are not
    counted here."""
    counts = [_chunk_count(part, header) for part in header.parts]
    if not counts or any(c is None for c in counts):
        return ""
    total = sum(c for c in counts if c is not None)
    if total <= 0 or total > 1_000_000:
        return ""
    table = asset.read_at(header.header_end, total * 8)
    if len(table) < total * 8:
        return f"the file ends inside its offset table ({asset.size:,} bytes)"
    offsets = struct.unpack(f"<{total}Q", table)
    if 0 in offsets:
        return f"{offsets.count(0)} of {total} chunks were never written (offset 0)"
    beyond = sum(1 for offset in offsets if offset >= asset.size)
    if beyond:
        return f"{beyond} of {total} chunks lie past the end of the file ({asset.size:,} bytes)"
    return ""


def _chunk_count(part: Part, header: ExrHeader) -> int | None:
    declared = part.get("chunkCount")
    if declared.lstrip("-").isdigit():
        return int(declared)
    if header.multipart or header.flags & (_TILED | _DEEP) or "tile" in part.get("type"):
        return None
    size = _window(part.get("dataWindow"))
    lines = next((n for name, n in COMPRESSIONS.values() if name == part.get("compression")), 0)
    if size is None or not lines:
        return None
    return -(-size[1] // lines)


def exr_problems(asset: Asset) -> list[str]:
    """Why the EXR cannot be read as one: a broken header, or chunks missing (cut short)."""
    header = exr_header(asset)
    if header.problem:
        return [f"OpenEXR header is broken: {header.problem}"]
    if header.truncated:
        return [f"OpenEXR is truncated: {header.truncated}"]
    return []


def text_attributes(header: ExrHeader) -> list[tuple[str, str]]:
    """(name, text) of every string and string-vector attribute of every part; a later
    part's attributes are named ``part N: name`` (its own ``name`` when it has one)."""
    found: list[tuple[str, str]] = []
    for index, part in enumerate(header.parts):
        label = "" if index == 0 else f"{part.get('name') or f'part {index}'}: "
        found.extend((label + a.name, a.value) for a in part.attributes if a.type in TEXT_TYPES)
    return found
