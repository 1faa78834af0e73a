"""Bounded, read-only structural checks for video and audio containers.

The integrity detector uses these to decide that a file is unreadable (the QC gate then fails
closed). Each check returns a plain-words description of the first structural defect it finds,
or None when the headers are consistent with each other and with the file size.

They read box, chunk, page and frame headers only and seek past media payloads; they cap how
many entries they visit (10,000 per level, 100,000 per file, so header reads stay under a few
MiB) and how deep they descend; and they never raise on hostile bytes: read errors become a
problem string too. They are not decoders: a file that passes may still hold corrupt media, but
a file that fails cannot be parsed the way its own headers say it should be.
"""

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

_READ_ERRORS = (struct.error, OSError, ValueError, OverflowError)


class _Defect(Exception):
    """A structural problem found deep inside a walk; the public wrapper returns its message."""


class _Budget:
    """Entries visited across all levels of one file, so nesting cannot multiply the cap."""

    __slots__ = ("left",)

    def __init__(self) -> None:
        self.left = MAX_TOTAL

    def spend(self, what: str) -> None:
        self.left -= 1
        if self.left < 0:
            raise _Defect(f"more than {MAX_TOTAL:,} {what} in total")


def _guarded(f: BinaryIO, what: str, check: Callable[[], None]) -> str | None:
    """Run a check, turning defects and read errors into a problem string; restore f's position."""
    try:
        start: int | None = f.tell()
    except _READ_ERRORS:
        start = None
    try:
        check()
        return None
    except _Defect as defect:
        return str(defect)
    except _READ_ERRORS as exc:
        return f"{what} could not be read: {exc}"
    finally:
        if start is not None:
            with contextlib.suppress(*_READ_ERRORS):  # a dead handle is the caller's to close
                f.seek(start)


def _read_at(f: BinaryIO, offset: int, length: int) -> bytes:
    """Up to ``length`` bytes at ``offset`` (fewer at end of file)."""
    f.seek(offset)
    return f.read(max(length, 0))


def _name(tag: bytes) -> str:
    """A four-character code for messages, with unprintable bytes escaped."""
    return tag.decode("ascii", "backslashreplace").replace("\0", "\\x00")


def _is_fourcc(tag: bytes) -> bool:
    """Four printable ASCII characters: what a real box or chunk type looks like."""
    return len(tag) == 4 and all(0x20 <= b <= 0x7E for b in tag)


def _check_count(count: int, what: str, where: str) -> None:
    """Refuse to visit more than MAX_ENTRIES entries at one level."""
    if count > MAX_ENTRIES:
        raise _Defect(f"more than {MAX_ENTRIES:,} {what} {where}")


# --- ISO BMFF ------------------------------------------------------------------------------

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
    return _guarded(f, "ISO BMFF file", lambda: _bmff(f, size))


def _bmff(f: BinaryIO, size: int) -> None:
    """Walk the whole file, then require a movie header where one is due."""
    top: list[bytes] = []
    _bmff_level(f, 0, size, (), _Budget(), top)
    if not top:
        raise _Defect("no ISO BMFF boxes (empty file)")
    if b"moov" in top or b"moof" in top or top[0] in _DASH_FIRST:
        return
    if b"meta" in top:
        return  # HEIF/AVIF still images keep their items in a top-level 'meta', not a 'moov'
    raise _Defect("no movie header (moov): the file has no 'moov' or 'moof' box")


def _bmff_level(
    f: BinaryIO, start: int, end: int, path: tuple[bytes, ...], budget: _Budget, top: list[bytes]
) -> None:
    """Walk the boxes in [start, end); descend into container boxes up to BMFF_MAX_DEPTH."""
    where = f"inside '{_name(path[-1])}'" if path else "at the top level"
    pos, count = start, 0
    while pos < end:
        count += 1
        if count > MAX_ENTRIES and not path:
            return  # a long fragmented stream (moof+mdat pairs): the rest stays unchecked
        _check_count(count, "ISO BMFF boxes", where)
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
    f: BinaryIO, payload: int, end: int, path: tuple[bytes, ...], budget: _Budget, top: list[bytes]
) -> None:
    """Enter a container box's children, refusing nesting beyond BMFF_MAX_DEPTH."""
    if len(path) > BMFF_MAX_DEPTH:
        chain = " inside ".join(_name(k) for k in reversed(path[-3:]))
        raise _Defect(f"ISO BMFF boxes nested deeper than {BMFF_MAX_DEPTH} levels ({chain} ...)")
    if path[-1] == b"meta":
        payload = _meta_children(f, payload, end)
    _bmff_level(f, payload, end, path, budget, top)


def _bmff_box(f: BinaryIO, pos: int, end: int, where: str) -> tuple[bytes, int, int] | None:
    """(type, header length, box size) of the box at pos, or None for trailing zero padding."""
    head = _read_at(f, pos, min(16, end - pos))
    if len(head) < 8:
        if len(head) == end - pos and not head.strip(b"\0"):
            return None  # QuickTime ends 'udta' with a 32-bit zero; some muxers pad with zeros
        raise _Defect(f"ISO BMFF box header at offset {pos} is cut off {where} (truncated)")
    size32, kind = struct.unpack(">I4s", head[:8])
    header_len = 8
    if size32 == 1:  # 64-bit largesize follows the type
        if len(head) < 16:
            raise _Defect(f"ISO BMFF box '{_name(kind)}' at offset {pos}: 64-bit size is cut off")
        size32, header_len = struct.unpack(">Q", head[8:16])[0], 16
    box_size = end - pos if size32 == 0 else size32  # size 0: the box runs to the end
    if box_size < header_len:
        raise _Defect(
            f"ISO BMFF box '{_name(kind)}' at offset {pos} declares {box_size} bytes, "
            f"less than its own {header_len}-byte header"
        )
    if pos + box_size > end:
        raise _Defect(
            f"ISO BMFF box '{_name(kind)}' at offset {pos} declares {box_size:,} bytes but only "
            f"{end - pos:,} remain {where}"
            + (" (truncated)" if where == "at the top level" else "")
        )
    return kind, header_len, box_size


def _meta_children(f: BinaryIO, payload: int, end: int) -> int:
    """Where a 'meta' box's children start: ISO 'meta' is a full box (4 bytes version/flags),
    QuickTime 'meta' is a plain container whose first child header follows at once."""
    head = _read_at(f, payload, 8)
    if len(head) == 8:
        first_size = int.from_bytes(head[:4], "big")
        if 8 <= first_size <= end - payload and _is_fourcc(head[4:8]):
            return payload  # QuickTime: the next bytes already look like a box header
    return min(payload + 4, end)


# --- RIFF ----------------------------------------------------------------------------------

_RIFF_UNKNOWN = 0xFFFFFFFF  # streamed writers and RF64/BW64 leave this; the real size is elsewhere
_RIFF_SKIP_LISTS = frozenset({b"movi", b"rec "})  # AVI media payload: thousands of frame chunks
_IN_FILE = "in the file"


class _RiffWalk:
    """State shared by one RIFF walk: big chunk sizes from ds64 and the entry budget."""

    __slots__ = ("big_sizes", "budget", "f", "open_ended")

    def __init__(self, f: BinaryIO, open_ended: bool) -> None:
        self.f = f
        self.big_sizes: dict[bytes, int] = {}
        self.open_ended = open_ended  # 0xFFFFFFFF sizes mean "to the end of the parent"
        self.budget = _Budget()


def riff_problem(f: BinaryIO, size: int) -> str | None:
    """RIFF/RF64/BW64 (WAV, AVI, WebP): the declared size fits the file, every chunk fits its
    parent, and LIST nesting is bounded."""
    return _guarded(f, "RIFF file", lambda: _riff(f, size))


def _riff(f: BinaryIO, size: int) -> None:
    """Check the RIFF header against the file size, then walk the chunks."""
    head = _read_at(f, 0, 12)
    if len(head) < 12:
        raise _Defect(f"RIFF header is cut off ({len(head)} of 12 bytes)")
    magic, declared, _form = struct.unpack("<4sI4s", head)
    if magic not in (b"RIFF", b"RF64", b"BW64"):
        raise _Defect("no RIFF header (file does not start with 'RIFF', 'RF64' or 'BW64')")
    stop = size
    if magic == b"RIFF" and declared != _RIFF_UNKNOWN:
        _riff_declared_size(declared, size)
        stop = min(declared + 8, size)
    walk = _RiffWalk(f, open_ended=declared == _RIFF_UNKNOWN)
    if magic != b"RIFF":
        _read_ds64(walk)
    # Top-level chunks start inside the declared RIFF and must fit in the file: data after the
    # declared end (an appended ID3v1 tag, say) is not walked, but a chunk straddling a stale,
    # too-small RIFF size is accepted because its bytes are all there and readers use them.
    _riff_level(walk, 12, stop, size, 0, _IN_FILE)


def _riff_declared_size(declared: int, size: int) -> None:
    """The RIFF header's size must not promise more bytes than the file has (truncation)."""
    if declared < 4:
        raise _Defect(f"RIFF header declares {declared} bytes, too few for the form type")
    # One byte over is a missing final pad byte; declared == size is a known writer bug that
    # counts the 8-byte header itself (Sound Grinder Pro): the content is complete in both cases.
    if declared + 8 > size + 1 and declared != size:
        raise _Defect(
            f"RIFF header declares {declared:,} bytes after its 8-byte header "
            f"({declared + 8:,} in all) but the file has {size:,} (truncated)"
        )


def _read_ds64(walk: _RiffWalk) -> None:
    """RF64/BW64 keep 64-bit sizes for 'data' (and a table of other chunks) in 'ds64'."""
    head = _read_at(walk.f, 12, 8 + 28)
    if len(head) < 36 or head[:4] != b"ds64":
        walk.open_ended = True  # no usable ds64: accept 0xFFFFFFFF sizes as "to the end"
        return
    _riff_size, data_size, _samples, table_len = struct.unpack("<QQQI", head[8:36])
    walk.big_sizes[b"data"] = data_size
    table = _read_at(walk.f, 48, 12 * min(table_len, MAX_ENTRIES))
    for i in range(0, len(table) - 11, 12):
        chunk_id, chunk_size = struct.unpack("<4sQ", table[i : i + 12])
        walk.big_sizes[chunk_id] = chunk_size


def _riff_level(walk: _RiffWalk, start: int, stop: int, limit: int, depth: int, where: str) -> None:
    """Walk chunks starting in [start, stop) that must end by limit; descend into LISTs."""
    pos, count = start, 0
    while pos < stop:
        count += 1
        _check_count(count, "RIFF chunks", where)
        walk.budget.spend("RIFF chunks")
        chunk = _riff_chunk(walk, pos, limit, where)
        if chunk is None:
            return
        chunk_id, chunk_size = chunk
        if chunk_id == b"LIST":
            _riff_list(walk, pos, chunk_size, depth)
        pos += 8 + chunk_size + (chunk_size & 1)  # chunks are padded to an even length


def _riff_chunk(walk: _RiffWalk, pos: int, limit: int, where: str) -> tuple[bytes, int] | None:
    """(id, size) of the chunk at pos, or None for trailing zero padding."""
    head = _read_at(walk.f, pos, min(8, limit - pos))
    if len(head) < 8:
        if len(head) == limit - pos and not head.strip(b"\0"):
            return None  # a few zero bytes of padding before the end
        raise _Defect(f"RIFF chunk header at offset {pos} is cut off {where} (truncated)")
    chunk_id, chunk_size = struct.unpack("<4sI", head)
    if chunk_size == _RIFF_UNKNOWN:
        fallback = limit - pos - 8 if walk.open_ended else chunk_size
        chunk_size = walk.big_sizes.get(chunk_id, fallback)
    if pos + 8 + chunk_size > limit:
        raise _Defect(
            f"RIFF chunk '{_name(chunk_id)}' at offset {pos} declares {chunk_size:,} bytes but "
            f"only {limit - pos - 8:,} remain {where}"
            + (" (truncated)" if where == _IN_FILE else "")
        )
    return chunk_id, chunk_size


def _riff_list(walk: _RiffWalk, pos: int, chunk_size: int, depth: int) -> None:
    """Enter a LIST chunk (4-byte list type, then sub-chunks) unless it holds media payload."""
    if chunk_size < 4:
        raise _Defect(f"RIFF LIST chunk at offset {pos} is too small to hold its list type")
    list_type = _read_at(walk.f, pos + 8, 4)
    if list_type in _RIFF_SKIP_LISTS:
        return
    if depth + 1 > RIFF_MAX_DEPTH:
        raise _Defect(f"RIFF LIST chunks nested deeper than {RIFF_MAX_DEPTH} levels")
    where = f"inside LIST '{_name(list_type)}' at offset {pos}"
    end = pos + 8 + chunk_size
    _riff_level(walk, pos + 12, end, end, depth + 1, where)


# --- ID3v2 ---------------------------------------------------------------------------------


def id3_problem(head: bytes) -> str | None:
    """ID3v2.2/2.3/2.4 tag at the start of ``head``: sizes are synchsafe and frames fit the tag,
    have valid ids and room for their flag fields. None when head does not start with 'ID3'."""
    if not head.startswith(b"ID3"):
        return None
    try:
        _id3(head)
        return None
    except _Defect as defect:
        return str(defect)
    except _READ_ERRORS as exc:
        return f"ID3v2 tag could not be read: {exc}"


def _synchsafe(raw: bytes) -> int:
    """A big-endian integer with 7 bits per byte (the top bit of each byte must be clear)."""
    if any(b & 0x80 for b in raw):
        raise _Defect(f"ID3v2 size {raw.hex()} is not synchsafe (a byte has its top bit set)")
    value = 0
    for b in raw:
        value = (value << 7) | b
    return value


def _id3(head: bytes) -> None:
    """Check the tag header, then walk the frames head holds."""
    if len(head) < 10:
        raise _Defect(f"ID3v2 header is cut off ({len(head)} of 10 bytes)")
    major, flags = head[3], head[5]
    if major not in (2, 3, 4):
        raise _Defect(f"unknown ID3v2 version 2.{major}")
    tag_size = _synchsafe(head[6:10])
    body = head[10 : 10 + tag_size]
    partial = len(body) < tag_size  # head holds only part of the tag: check what it holds
    if major == 2 and flags & 0x40:
        return  # v2.2 'compression' has no defined scheme: readers skip such a tag whole
    if flags & 0x80 and major < 4:
        body = body.replace(b"\xff\x00", b"\xff")  # v2.2/2.3 unsynchronise the whole tag body
    tag_end = tag_size if partial else len(body)  # frames may run past head, not past the tag
    start = _id3_extended_header(body, major, flags)
    try:
        _id3_frames(body, start, major, tag_end, synchsafe_sizes=major == 4)
    except _Defect:
        if major != 4:
            raise
        try:  # iTunes and others wrote v2.4 frame sizes as plain integers; readers accept both
            _id3_frames(body, start, major, tag_end, synchsafe_sizes=False)
        except _Defect:
            pass
        else:
            return
        raise


def _id3_extended_header(body: bytes, major: int, flags: int) -> int:
    """Offset in body where frames start, past the extended header if the tag has one."""
    if major == 2 or not flags & 0x40:
        return 0
    if len(body) < 4:
        raise _Defect("ID3v2 extended header is cut off")
    if major == 3:
        ext_len = 4 + int.from_bytes(body[:4], "big")  # v2.3: size excludes its own 4 bytes
    else:
        ext_len = _synchsafe(body[:4])  # v2.4: synchsafe and includes itself
        if ext_len < 6:
            raise _Defect(f"ID3v2.4 extended header declares {ext_len} bytes (minimum 6)")
    if ext_len > len(body):
        raise _Defect(f"ID3v2 extended header declares {ext_len:,} bytes, more than the tag")
    return ext_len


def _id3_frames(body: bytes, pos: int, major: int, tag_end: int, synchsafe_sizes: bool) -> None:
    """Walk frames in body until padding or its end; each frame must end by tag_end (which is
    beyond body when head holds only part of the tag)."""
    partial = tag_end > len(body)
    id_len, header_len = (3, 6) if major == 2 else (4, 10)
    count = 0
    while pos < len(body) and body[pos] != 0:  # a zero byte where an id should be: padding
        count += 1
        _check_count(count, "ID3v2 frames", "in the tag")
        if len(body) - pos < header_len:
            if partial:
                return  # head ends inside this header; the rest of the tag is not ours to see
            raise _Defect(f"ID3v2 frame header at tag offset {pos + 10} is cut off by the tag end")
        frame_id = body[pos : pos + id_len]
        if not all(0x30 <= b <= 0x39 or 0x41 <= b <= 0x5A for b in frame_id):
            raise _Defect(
                f"ID3v2 frame id {frame_id!r} at tag offset {pos + 10} is not A-Z/0-9 "
                "(garbage before the padding)"
            )
        raw_size = body[pos + id_len : pos + header_len - (0 if major == 2 else 2)]
        frame_size = _synchsafe(raw_size) if synchsafe_sizes else int.from_bytes(raw_size, "big")
        if pos + header_len + frame_size > tag_end:
            raise _Defect(
                f"ID3v2 frame {_name(frame_id)} at tag offset {pos + 10} declares "
                f"{frame_size:,} bytes, running past the end of the tag"
            )
        if major > 2:
            _id3_frame_flags(frame_id, body[pos + 8 : pos + 10], frame_size, major)
        pos += header_len + frame_size


def _id3_frame_flags(frame_id: bytes, flags: bytes, frame_size: int, major: int) -> None:
    """Format flags add fields before the frame data; the frame must have room for them."""
    fmt = flags[1]
    if major == 3:  # 0x80 compressed (+4 decompressed size), 0x40 encrypted, 0x20 grouped (+1)
        needed = 4 * bool(fmt & 0x80) + bool(fmt & 0x40) + bool(fmt & 0x20)
    else:  # 0x01 data length indicator (+4), 0x04 encrypted, 0x40 grouped (+1)
        needed = 4 * bool(fmt & 0x01) + bool(fmt & 0x04) + bool(fmt & 0x40)
    if frame_size < needed:
        raise _Defect(
            f"ID3v2.{major} frame {_name(frame_id)} has format flags 0x{fmt:02x} needing "
            f"{needed} bytes of extra fields but is only {frame_size} bytes long"
        )


# --- FLAC ----------------------------------------------------------------------------------


def flac_problem(f: BinaryIO, size: int) -> str | None:
    """FLAC: 'fLaC' (after an optional ID3v2 tag), a 34-byte STREAMINFO first, and metadata
    blocks that fit in the file up to the last-block flag."""
    return _guarded(f, "FLAC file", lambda: _flac(f, size))


def _skip_id3(f: BinaryIO, size: int) -> int:
    """Offset just past a leading ID3v2 tag (some taggers put one before 'fLaC'), else 0."""
    head = _read_at(f, 0, 10)
    if len(head) < 10 or not head.startswith(b"ID3"):
        return 0
    end = 10 + _synchsafe(head[6:10]) + (10 if head[3] == 4 and head[5] & 0x10 else 0)
    if end > size:
        raise _Defect(f"leading ID3v2 tag declares {end:,} bytes, more than the file")
    return end


def _flac(f: BinaryIO, size: int) -> None:
    """Walk the metadata blocks up to the one flagged last."""
    start = _skip_id3(f, size)
    if _read_at(f, start, 4) != b"fLaC":
        raise _Defect(f"no 'fLaC' signature at offset {start}")
    pos = start + 4
    for index in range(MAX_ENTRIES):
        head = _read_at(f, pos, 4)
        if len(head) < 4:
            raise _Defect(f"FLAC metadata block header at offset {pos} is cut off (truncated)")
        last, block_type, length = head[0] & 0x80, head[0] & 0x7F, int.from_bytes(head[1:], "big")
        if index == 0 and (block_type != 0 or length != 34):
            raise _Defect(
                f"first FLAC metadata block is type {block_type} with {length} bytes, "
                "not a 34-byte STREAMINFO"
            )
        if block_type == 127:
            raise _Defect(f"FLAC metadata block at offset {pos} has the invalid type 127")
        if pos + 4 + length > size:
            raise _Defect(
                f"FLAC metadata block (type {block_type}) at offset {pos} declares {length:,} "
                f"bytes but only {max(size - pos - 4, 0):,} remain (truncated)"
            )
        pos += 4 + length
        if last:
            return
    raise _Defect(f"more than {MAX_ENTRIES:,} FLAC metadata blocks")


# --- Ogg -----------------------------------------------------------------------------------


def ogg_problem(f: BinaryIO, size: int) -> str | None:
    """Ogg (Vorbis, Opus, Ogg FLAC): the first 64 pages have a valid header and fit the file."""
    return _guarded(f, "Ogg file", lambda: _ogg(f, size))


def _ogg(f: BinaryIO, size: int) -> None:
    """Walk the first OGG_MAX_PAGES pages (or all, if fewer)."""
    if size <= 0:
        raise _Defect("no Ogg page (empty file)")
    pos = 0
    for page in range(OGG_MAX_PAGES):
        if pos >= size:
            return
        pos = _ogg_page(f, pos, size, page)


def _ogg_page(f: BinaryIO, pos: int, size: int, page: int) -> int:
    """Offset of the page after the valid page at pos."""
    head = _read_at(f, pos, 27)
    if len(head) < 27:
        raise _Defect(f"Ogg page {page} header at offset {pos} is cut off (truncated)")
    if head[:4] != b"OggS":
        raise _Defect(f"no Ogg capture pattern 'OggS' at offset {pos} (page {page})")
    if head[4] != 0:
        raise _Defect(f"Ogg page {page} at offset {pos} has unknown version {head[4]}")
    segments = head[26]
    table = _read_at(f, pos + 27, segments)
    if len(table) < segments:
        raise _Defect(f"Ogg page {page} segment table at offset {pos} is cut off (truncated)")
    page_len = 27 + segments + sum(table)
    if pos + page_len > size:
        raise _Defect(
            f"Ogg page {page} at offset {pos} declares {page_len:,} bytes but the file ends "
            f"{size - pos:,} bytes later (truncated)"
        )
    return pos + page_len


# --- EBML (Matroska / WebM) ----------------------------------------------------------------

_EBML_ID = 0x1A45DFA3
_SEGMENT_ID = 0x18538067
_VOID_ID = 0xEC
_DOCTYPE_ID = 0x4282


def ebml_problem(f: BinaryIO, size: int) -> str | None:
    """Matroska/WebM: an EBML header that fits and names DocType 'matroska' or 'webm', followed by
    a Segment whose declared size (unless unknown) fits in the file."""
    return _guarded(f, "Matroska/WebM file", lambda: _ebml(f, size))


def _vint(buf: bytes, pos: int, base: int, *, keep_marker: bool) -> tuple[int, int, bool]:
    """(value, length, all-ones) of the EBML variable-length integer at buf[pos] (file offset
    base + pos). IDs keep their length-marker bit; sizes drop it; all data bits set in a size
    means "unknown size"."""
    if pos >= len(buf):
        raise _Defect(f"EBML element at offset {base + pos} is cut off (truncated)")
    if buf[pos] == 0:
        raise _Defect(f"invalid EBML variable-length integer at offset {base + pos}")
    length = 9 - buf[pos].bit_length()
    if pos + length > len(buf):
        raise _Defect(f"EBML element at offset {base + pos} is cut off (truncated)")
    value = int.from_bytes(buf[pos : pos + length], "big")
    data = value & ((1 << (7 * length)) - 1)
    return (value if keep_marker else data), length, data == (1 << (7 * length)) - 1


def _ebml_element(buf: bytes, pos: int, base: int = 0) -> tuple[int, int, int, bool]:
    """(id, data offset in buf, data size, unknown size) of the element at buf[pos]."""
    element_id, id_len, _ = _vint(buf, pos, base, keep_marker=True)
    if id_len > 4:
        raise _Defect(f"EBML element id at offset {base + pos} is longer than 4 bytes")
    data_size, size_len, unknown = _vint(buf, pos + id_len, base, keep_marker=False)
    return element_id, pos + id_len + size_len, data_size, unknown


def _ebml(f: BinaryIO, size: int) -> None:
    """Check the EBML header and its DocType, then the Segment after it."""
    buf = _read_at(f, 0, min(size, EBML_HEADER_CAP))
    if buf[:4] != _EBML_ID.to_bytes(4, "big"):
        raise _Defect("no EBML header (file does not start with 1A 45 DF A3)")
    _, data, header_size, unknown = _ebml_element(buf, 0)
    header_end = data + header_size
    if unknown:
        raise _Defect("EBML header has an unknown size (only a Segment or Cluster may)")
    if header_end > size:
        raise _Defect(
            f"EBML header declares {header_size:,} bytes but the file has {size:,} (truncated)"
        )
    if header_end > len(buf):
        raise _Defect(f"EBML header declares {header_size:,} bytes (implausibly large)")
    doctype = _ebml_doctype(buf[:header_end], data)
    if doctype not in ("matroska", "webm"):
        raise _Defect(f"EBML DocType is {doctype!r}, not 'matroska' or 'webm'")
    _ebml_segment(f, header_end, size)


def _ebml_doctype(header: bytes, pos: int) -> str | None:
    """The DocType string among the EBML header's children (None when absent)."""
    doctype = None
    for _ in range(MAX_ENTRIES):
        if pos >= len(header):
            return doctype
        element_id, data, data_size, unknown = _ebml_element(header, pos)
        if unknown or data + data_size > len(header):
            raise _Defect(f"EBML header element at offset {pos} runs past the end of the header")
        if element_id == _DOCTYPE_ID:
            doctype = header[data : data + data_size].rstrip(b"\0").decode("latin-1")
        pos = data + data_size
    raise _Defect(f"more than {MAX_ENTRIES:,} elements in the EBML header")


def _ebml_segment(f: BinaryIO, pos: int, size: int) -> None:
    """After the header (and any Void elements) a Segment must follow and fit in the file."""
    for _ in range(MAX_ENTRIES):
        head = _read_at(f, pos, 12)  # 4-byte id + up to 8-byte size
        if not head:
            raise _Defect(f"no Segment after the EBML header (file ends at offset {pos})")
        element_id, data, data_size, unknown = _ebml_element(head, 0, pos)
        end = pos + data + data_size
        if element_id == _SEGMENT_ID:
            if not unknown and end > size:
                raise _Defect(
                    f"Matroska Segment at offset {pos} declares {data_size:,} bytes but the file "
                    f"ends {size - pos - data:,} bytes after its header (truncated)"
                )
            return
        if element_id != _VOID_ID or unknown:
            raise _Defect(f"EBML header is followed by element 0x{element_id:X}, not a Segment")
        pos = end
    raise _Defect(f"more than {MAX_ENTRIES:,} Void elements before the Segment")


# --- AIFF ----------------------------------------------------------------------------------


def aiff_problem(f: BinaryIO, size: int) -> str | None:
    """AIFF/AIFC (big-endian IFF): the FORM fits the file, every chunk fits, and COMM exists."""
    return _guarded(f, "AIFF file", lambda: _aiff(f, size))


def _aiff(f: BinaryIO, size: int) -> None:
    """Check the FORM header against the file size, then the chunks and COMM."""
    head = _read_at(f, 0, 12)
    if len(head) < 12:
        raise _Defect(f"AIFF FORM header is cut off ({len(head)} of 12 bytes)")
    magic, declared, form = struct.unpack(">4sI4s", head)
    if magic != b"FORM" or form not in (b"AIFF", b"AIFC"):
        raise _Defect("no AIFF header (file does not start with FORM....AIFF or AIFC)")
    if declared + 8 > size + 1:  # one byte short is a missing final pad byte: harmless
        raise _Defect(
            f"AIFF FORM declares {declared:,} bytes after its 8-byte header "
            f"({declared + 8:,} in all) but the file has {size:,} (truncated)"
        )
    # As for RIFF: chunks start inside the declared FORM and must fit in the file.
    if b"COMM" not in _aiff_chunks(f, min(declared + 8, size), size):
        raise _Defect("AIFF has no COMM (common) chunk: channel count and sample format unknown")


def _aiff_chunks(f: BinaryIO, stop: int, size: int) -> set[bytes]:
    """Ids of the chunks starting before stop, each checked to fit in the file."""
    pos, count, seen = 12, 0, set()
    while pos < stop:
        count += 1
        _check_count(count, "AIFF chunks", "in the FORM")
        chunk = _read_at(f, pos, min(8, size - pos))
        if len(chunk) < 8:
            if len(chunk) == size - pos and not chunk.strip(b"\0"):
                break  # zero padding before the end
            raise _Defect(f"AIFF chunk header at offset {pos} is cut off (truncated)")
        chunk_id, chunk_size = struct.unpack(">4sI", chunk)
        if pos + 8 + chunk_size > size:
            raise _Defect(
                f"AIFF chunk '{_name(chunk_id)}' at offset {pos} declares {chunk_size:,} bytes "
                f"but only {size - pos - 8:,} remain in the file (truncated)"
            )
        seen.add(chunk_id)
        pos += 8 + chunk_size + (chunk_size & 1)  # chunks are padded to an even length
    return seen
