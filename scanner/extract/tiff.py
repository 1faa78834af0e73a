"""A structural check of TIFF (and TIFF-based raw) files: walk IFDs, validate every entry.

Fuzzed TIFFs crash decoders through impossible entries: unknown field types, values
whose declared size runs past the end of the file, strips outside the file, IFD chains
that loop. Those are visible in the directory alone, so we find them without decoding
(as exiftool does) and report the first problem in words.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import BinaryIO

# TIFF 6.0 field types (+ BigTIFF 16-18): type -> byte size of one value.
TYPE_SIZES = {
    1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4,
    16: 8, 17: 8, 18: 8,
}  # fmt: skip
MAX_IFDS = 64  # multi-page TIFFs rarely exceed a few dozen pages; fuzzers chain thousands
MAX_ENTRIES = 4096
_OFFSET_TAGS = {273: 279, 324: 325}  # StripOffsets -> StripByteCounts, TileOffsets -> Counts
_SUB_IFD_TAGS = (330, 34665, 34853, 40965)  # SubIFDs, Exif, GPS, Interop
# ImageWidth, ImageLength, BitsPerSample, Compression, SamplesPerPixel: enough to know how
# many bytes an uncompressed image needs.
_GEOMETRY_TAGS = (256, 257, 258, 259, 277)
_UNCOMPRESSED = 1
_WANTED_TAGS = frozenset({*_OFFSET_TAGS, *_OFFSET_TAGS.values(), *_SUB_IFD_TAGS, *_GEOMETRY_TAGS})


class TiffProblem(ValueError):
    """The TIFF directory structure is impossible."""


def check_tiff(f: BinaryIO, size: int) -> str:
    """The first structural problem of a TIFF file in words, or an empty string."""
    try:
        _check(f, size)
    except TiffProblem as exc:
        return str(exc)
    except struct.error:
        return "TIFF directory truncated"
    return ""


def _check(f: BinaryIO, size: int) -> None:
    f.seek(0)
    head = f.read(16)
    order = {b"II": "<", b"MM": ">"}.get(head[:2])
    if order is None:
        raise TiffProblem("not a TIFF (bad byte-order mark)")
    big = struct.unpack(order + "H", head[2:4])[0] == 43
    first = struct.unpack(order + ("Q" if big else "I"), head[8:16] if big else head[4:8])[0]
    walker = _Walker(f, size, order, big)
    walker.walk_chain(first, "IFD0")


class _Walker:
    """Walks IFD chains and sub-IFDs once each, validating entries as it goes."""

    def __init__(self, f: BinaryIO, size: int, order: str, big: bool) -> None:
        self.f, self.size, self.order, self.big = f, size, order, big
        self.seen: set[int] = set()

    def walk_chain(self, offset: int, name: str) -> None:
        """Follow an IFD chain from ``offset`` (next-IFD links), checking each IFD."""
        index = 0
        while offset:
            if offset in self.seen:
                raise TiffProblem(f"TIFF {name} chain loops back to offset {offset}")
            if len(self.seen) >= MAX_IFDS:
                raise TiffProblem(f"TIFF has more than {MAX_IFDS} directories")
            self.seen.add(offset)
            offset = self._walk_ifd(offset, f"{name}" if index == 0 else f"{name}+{index}")
            index += 1

    def _walk_ifd(self, offset: int, name: str) -> int:
        count_fmt, entry_size = ("Q", 20) if self.big else ("H", 12)
        count_size = 8 if self.big else 2
        if offset + count_size > self.size:
            raise TiffProblem(f"TIFF {name} starts past the end of the file")
        self.f.seek(offset)
        count = struct.unpack(self.order + count_fmt, self.f.read(count_size))[0]
        if count > MAX_ENTRIES:
            raise TiffProblem(f"TIFF {name} declares {count} entries")
        raw = self.f.read(count * entry_size + (8 if self.big else 4))
        if len(raw) < count * entry_size:
            raise TiffProblem(f"TIFF {name} is truncated")
        entries = dict(self._entries(raw, count, entry_size, name))
        self._check_data_ranges(entries, name)
        for tag in _SUB_IFD_TAGS:
            for sub in entries.get(tag, ()):
                self.walk_chain(sub, f"{name}/{tag}")
        tail = raw[count * entry_size :]
        return struct.unpack(self.order + ("Q" if self.big else "I"), tail)[0] if tail else 0

    def _entries(
        self, raw: bytes, count: int, entry_size: int, name: str
    ) -> Iterator[tuple[int, list[int]]]:
        head_fmt = self.order + ("HHQ" if self.big else "HHI")
        inline = 8 if self.big else 4
        for i in range(count):
            entry = raw[i * entry_size : (i + 1) * entry_size]
            tag, ftype, n = struct.unpack(head_fmt, entry[: struct.calcsize(head_fmt)])
            if ftype not in TYPE_SIZES:
                raise TiffProblem(f"TIFF {name} entry {i} (tag {tag}) has unknown type {ftype}")
            length = n * TYPE_SIZES[ftype]
            value = entry[entry_size - inline :]
            if length > inline:
                where = struct.unpack(self.order + ("Q" if self.big else "I"), value)[0]
                if where + length > self.size:
                    raise TiffProblem(
                        f"TIFF {name} tag {tag} declares {length} bytes at offset {where}, "
                        f"past the end of the file ({self.size} bytes)"
                    )
            if (
                tag in _OFFSET_TAGS
                or tag in _OFFSET_TAGS.values()
                or tag in _SUB_IFD_TAGS
                or tag in _GEOMETRY_TAGS
            ):
                yield tag, self._integers(ftype, n, value, length)

    def _integers(self, ftype: int, n: int, inline_value: bytes, length: int) -> list[int]:
        codes = {3: "H", 4: "I", 13: "I", 16: "Q", 17: "q", 18: "Q", 8: "h", 9: "i"}
        code = codes.get(ftype)
        if code is None or n > 1_000_000:
            return []
        if length <= len(inline_value):
            data = inline_value[:length]
        else:
            where = struct.unpack(self.order + ("Q" if self.big else "I"), inline_value)[0]
            self.f.seek(where)
            data = self.f.read(length)
        return list(struct.unpack(f"{self.order}{n}{code}", data))

    def _check_data_ranges(self, entries: dict[int, list[int]], name: str) -> None:
        for offsets_tag, counts_tag in _OFFSET_TAGS.items():
            offsets, counts = entries.get(offsets_tag, []), entries.get(counts_tag, [])
            for start, length in zip(offsets, counts, strict=False):
                if start + length > self.size:
                    raise TiffProblem(
                        f"TIFF {name} image data at offset {start} ({length} bytes) "
                        "lies past the end of the file"
                    )
        self._check_uncompressed_size(entries, name)

    def _check_uncompressed_size(self, entries: dict[int, list[int]], name: str) -> None:
        """Uncompressed strips must hold every row the header declares (TIFF 6.0, p. 39)."""
        compression = entries.get(259, [_UNCOMPRESSED])
        width, height = entries.get(256, [0]), entries.get(257, [0])
        counts = entries.get(279, [])
        if compression[:1] != [_UNCOMPRESSED] or not counts or not width[:1] or not height[:1]:
            return
        bits = entries.get(258) or [1]
        if len(bits) == 1:  # one value may stand for every sample
            bits = bits * (entries.get(277) or [1])[0]
        needed = (width[0] * sum(bits) + 7) // 8 * height[0]
        if sum(counts) < needed:
            raise TiffProblem(
                f"TIFF {name} uncompressed image data holds {sum(counts)} bytes; "
                f"its {width[0]}x{height[0]} header needs {needed}"
            )
