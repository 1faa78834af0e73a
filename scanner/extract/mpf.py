"""MPO (Multi-Picture Format, CIPA DC-007): a JPEG whose APP2 ``MPF`` segment lists more
pictures stored after the first one's end (a stereo pair of a 3D camera, a phone's depth
map or gain map, a camera's large preview).

The APP2 payload is ``MPF\\0`` followed by a TIFF structure: a byte-order mark, then the
MP Index IFD with MPFVersion (0xB000, "0100"), NumberOfImages (0xB001) and MPEntry
(0xB002): 16 bytes per picture, its attribute (flags and MP type code), size, offset and
two dependent-picture numbers. Offsets count from the byte-order mark; the first picture,
which starts the file, has offset 0. The first picture is an ordinary JPEG, which is what
every JPEG reader of provscan reads; the others are only listed (inspect) and checked to lie
inside the file.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from provscan.asset import Asset
from provscan.sniff import ReadAt, mpf_segment

MAX_PICTURES = 1024  # a hostile count is not believed past this
_TAG_VERSION, _TAG_COUNT, _TAG_ENTRIES = 0xB000, 0xB001, 0xB002
ENTRY_SIZE = 16

# CIPA DC-007 table 3: the MP type code (the low 24 bits of the attribute).
MP_TYPES = {
    0x030000: "baseline MP primary image",
    0x010001: "large thumbnail (VGA)",
    0x010002: "large thumbnail (full HD)",
    0x020001: "multi-frame panorama",
    0x020002: "multi-frame disparity (stereo)",
    0x020003: "multi-frame multi-angle",
    0x000000: "undefined",
}


@dataclass(frozen=True, slots=True)
class Picture:
    """One picture an MP Index lists: its number (1 = the file's own first picture), type,
    where it lies in the file and whether it can be found there."""

    number: int
    type: str
    offset: int  # from the start of the file
    size: int
    representative: bool
    problem: str = ""  # why the picture cannot be found where the index says, or ""


@dataclass(frozen=True, slots=True)
class MpIndex:
    """The MP Index IFD: the version and every listed picture, or why it cannot be read."""

    version: str
    declared: int  # NumberOfImages
    pictures: tuple[Picture, ...]
    error: str = ""


def mp_index(asset: Asset) -> MpIndex | None:
    """The asset's MP Index (cached view); None when it has no MPF segment."""
    return asset.view("mp_index", _index)


def _index(asset: Asset) -> MpIndex | None:
    try:
        found = mpf_segment(asset.read_at)
    except OSError:
        return None
    if found is None:
        return None
    start, payload = found
    try:
        return parse_index(payload, start, asset.size, asset.read_at)
    except OSError as exc:
        return MpIndex("", 0, (), f"the pictures cannot be read: {exc.strerror or exc}")


def parse_index(payload: bytes, start: int, file_size: int, read_at: ReadAt) -> MpIndex:
    """The MP Index of an MPF payload (after the signature) that begins at file offset
    ``start``; each listed picture is checked to lie in the file and start with a JPEG SOI.
    Hostile bytes give an index whose ``error`` says what is wrong, never an exception
    (only ``read_at``'s own OSError passes)."""
    try:
        return _parse(payload, start, file_size, read_at)
    except (struct.error, ValueError) as exc:
        return MpIndex("", 0, (), f"the MP Index cannot be read: {exc}")


def _parse(payload: bytes, start: int, file_size: int, read_at: ReadAt) -> MpIndex:
    order = {b"II": "<", b"MM": ">"}.get(payload[:2])
    if order is None or struct.unpack(order + "H", payload[2:4])[0] != 42:
        raise ValueError("no TIFF header after the MPF signature")
    ifd = struct.unpack(order + "I", payload[4:8])[0]
    count = struct.unpack(order + "H", payload[ifd : ifd + 2])[0]
    tags: dict[int, bytes] = {}
    for n in range(min(count, 64)):
        entry = payload[ifd + 2 + 12 * n : ifd + 14 + 12 * n]
        tag, _type, values, inline = struct.unpack(order + "HHI4s", entry)
        if tag == _TAG_ENTRIES:
            at = struct.unpack(order + "I", inline)[0]
            tags[tag] = payload[at : at + min(values, ENTRY_SIZE * MAX_PICTURES)]
        else:
            tags[tag] = inline
    version = tags.get(_TAG_VERSION, b"").decode("latin-1").strip("\x00")
    declared = struct.unpack(order + "I", tags[_TAG_COUNT])[0] if _TAG_COUNT in tags else 0
    raw = tags.get(_TAG_ENTRIES, b"")
    entries = [raw[i : i + ENTRY_SIZE] for i in range(0, len(raw) - ENTRY_SIZE + 1, ENTRY_SIZE)]
    pictures = tuple(_picture(n, e, order, start, file_size, read_at)
                     for n, e in enumerate(entries[:MAX_PICTURES], 1))  # fmt: skip
    error = "" if len(entries) == declared else (
        f"NumberOfImages is {declared} but the MP Entry lists {len(entries)}")  # fmt: skip
    return MpIndex(version, declared, pictures, error)


def _picture(
    number: int, entry: bytes, order: str, start: int, file_size: int, read_at: ReadAt
) -> Picture:
    attribute, size, offset, _dep1, _dep2 = struct.unpack(order + "IIIHH", entry)
    kind = MP_TYPES.get(attribute & 0xFFFFFF, f"type 0x{attribute & 0xFFFFFF:06X}")
    at = 0 if number == 1 else start + offset  # the first picture is the file's start
    problem = ""
    if at + size > file_size:
        problem = f"runs past the end of the file ({at + size:,} > {file_size:,} bytes)"
    elif read_at(at, 2) != b"\xff\xd8":
        problem = "no JPEG start-of-image marker where the index puts it"
    return Picture(number, kind, at, size, bool(attribute & 0x20000000), problem)
