"""ISO BMFF (MP4, MOV, M4A, HEIF): boxes fit their parents, nesting is bounded."""

from __future__ import annotations

import struct
from typing import BinaryIO

from provscan.extract.av_structure._walk import (
    BMFF_MAX_DEPTH,
    MAX_ENTRIES,
    Budget,
    Defect,
    check_count,
    fourcc_name,
    guarded,
    is_fourcc,
    read_at,
)

_BMFF_CONTAINERS = frozenset(
    {
        b"moov", b"trak", b"mdia", b"minf", b"stbl", b"udta", b"edts", b"dinf",
        b"mvex", b"moof", b"traf", b"meta", b"ilst", b"sinf", b"schi",
    }
)  # fmt: skip
_DASH_FIRST = frozenset({b"styp", b"sidx", b"moof"})  # a media segment carries no moov


def bmff_problem(f: BinaryIO, size: int) -> str | None:
    """ISO BMFF (MP4/MOV/M4A/HEIF): boxes fit in the file and their parents, nesting is bounded,
    and a movie header exists unless the file is a DASH/CMAF segment or a HEIF image."""
    return guarded(f, "ISO BMFF file", lambda: _bmff(f, size))


def jp2_problem(f: BinaryIO, size: int) -> str | None:
    """JPEG 2000 files (ISO/IEC 15444-1 Annex I, and Part 2's JPX): the same box syntax as
    ISO BMFF; the boxes fit in the file, and a JP2 (brand 'jp2 ') has the contiguous
    codestream box ('jp2c') it requires (a JPX may hold its codestream in fragments)."""
    return guarded(f, "JPEG 2000 file", lambda: _jp2(f, size))


def _jp2(f: BinaryIO, size: int) -> None:
    top: list[bytes] = []
    _bmff_level(f, 0, size, (), Budget(), top)
    f.seek(20)  # after the 12-byte signature box: the file type box's brand
    if f.read(4) == b"jp2 " and b"jp2c" not in top:
        raise Defect("no codestream box (jp2c): the picture is missing")


def _bmff(f: BinaryIO, size: int) -> None:
    """Walk the whole file, then require a movie header where one is due."""
    top: list[bytes] = []
    _bmff_level(f, 0, size, (), Budget(), top)
    if not top:
        raise Defect("no ISO BMFF boxes (empty file)")
    if b"moov" in top or b"moof" in top or top[0] in _DASH_FIRST:
        return
    if b"meta" in top:
        return  # HEIF/AVIF still images keep their items in a top-level 'meta', not a 'moov'
    raise Defect("no movie header (moov): the file has no 'moov' or 'moof' box")


def _bmff_level(
    f: BinaryIO, start: int, end: int, path: tuple[bytes, ...], budget: Budget, top: list[bytes]
) -> None:
    """Walk the boxes in [start, end); descend into container boxes up to BMFF_MAX_DEPTH."""
    where = f"inside '{fourcc_name(path[-1])}'" if path else "at the top level"
    pos, count = start, 0
    while pos < end:
        count += 1
        if count > MAX_ENTRIES and not path:
            return  # a long fragmented stream (moof+mdat pairs): the rest stays unchecked
        check_count(count, "ISO BMFF boxes", where)
        budget.spend("ISO BMFF boxes")
        box = _bmff_box(f, pos, end, where)
        if box is None:
            return
        kind, header_len, box_size = box
        if not path:
            top.append(kind)
        if kind in _BMFF_CONTAINERS:
            _bmff_descend(f, pos + header_len, pos + box_size, (*path, kind), budget, top)
        pos += box_size


def _bmff_descend(
    f: BinaryIO, payload: int, end: int, path: tuple[bytes, ...], budget: Budget, top: list[bytes]
) -> None:
    """Enter a container box's children, refusing nesting beyond BMFF_MAX_DEPTH."""
    if len(path) > BMFF_MAX_DEPTH:
        chain = " inside ".join(fourcc_name(k) for k in reversed(path[-3:]))
        raise Defect(f"ISO BMFF boxes nested deeper than {BMFF_MAX_DEPTH} levels ({chain} ...)")
    if path[-1] == b"meta":
        payload = _meta_children(f, payload, end)
    _bmff_level(f, payload, end, path, budget, top)


def _bmff_box(f: BinaryIO, pos: int, end: int, where: str) -> tuple[bytes, int, int] | None:
    """(type, header length, box size) of the box at pos, or None for trailing zero padding."""
    head = read_at(f, pos, min(16, end - pos))
    if len(head) < 8:
        if len(head) == end - pos and not head.strip(b"\0"):
            return None  # QuickTime ends 'udta' with a 32-bit zero; some muxers pad with zeros
        raise Defect(f"ISO BMFF box header at offset {pos} is cut off {where} (truncated)")
    size32, kind = struct.unpack(">I4s", head[:8])
    header_len = 8
    if size32 == 1:  # 64-bit largesize follows the type
        if len(head) < 16:
            raise Defect(
                f"ISO BMFF box '{fourcc_name(kind)}' at offset {pos}: 64-bit size is cut off"
            )
        size32, header_len = struct.unpack(">Q", head[8:16])[0], 16
    box_size = end - pos if size32 == 0 else size32  # size 0: the box runs to the end
    if box_size < header_len:
        raise Defect(
            f"ISO BMFF box '{fourcc_name(kind)}' at offset {pos} declares {box_size} bytes, "
            f"less than its own {header_len}-byte header"
        )
    if pos + box_size > end:
        raise Defect(
            f"ISO BMFF box '{fourcc_name(kind)}' at offset {pos} declares {box_size:,} bytes "
            "but only "
            f"{end - pos:,} remain {where}"
            + (" (truncated)" if where == "at the top level" else "")
        )
    return kind, header_len, box_size


def _meta_children(f: BinaryIO, payload: int, end: int) -> int:
    """Where a 'meta' box's children start: ISO 'meta' is a full box (4 bytes version/flags),
    QuickTime 'meta' is a plain container whose first child header follows at once."""
    head = read_at(f, payload, 8)
    if len(head) == 8:
        first_size = int.from_bytes(head[:4], "big")
        if 8 <= first_size <= end - payload and is_fourcc(head[4:8]):
            return payload  # QuickTime: the next bytes already look like a box header
    return min(payload + 4, end)
