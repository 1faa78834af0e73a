"""RIFF / RF64 / BW64 (WAV, AVI, WebP): declared sizes, chunks and LIST nesting."""

from __future__ import annotations

import struct
from typing import BinaryIO

from provscan.extract.av_structure._walk import (
    MAX_ENTRIES,
    RIFF_MAX_DEPTH,
    Budget,
    Defect,
    check_count,
    fourcc_name,
    guarded,
    read_at,
)

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
        self.budget = Budget()


def riff_problem(f: BinaryIO, size: int) -> str | None:
    """RIFF/RF64/BW64 (WAV, AVI, WebP): the declared size fits the file, every chunk fits its
    parent, and LIST nesting is bounded."""
    return guarded(f, "RIFF file", lambda: _riff(f, size))


def _riff(f: BinaryIO, size: int) -> None:
    """Check the RIFF header against the file size, then walk the chunks."""
    head = read_at(f, 0, 12)
    if len(head) < 12:
        raise Defect(f"RIFF header is cut off ({len(head)} of 12 bytes)")
    magic, declared, _form = struct.unpack("<4sI4s", head)
    if magic not in (b"RIFF", b"RF64", b"BW64"):
        raise Defect("no RIFF header (file does not start with 'RIFF', 'RF64' or 'BW64')")
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
        raise Defect(f"RIFF header declares {declared} bytes, too few for the form type")
    # One byte over is a missing final pad byte; declared == size is a known writer bug that
    # counts the 8-byte header itself (Sound Grinder Pro): the content is complete in both cases.
    if declared + 8 > size + 1 and declared != size:
        raise Defect(
            f"RIFF header declares {declared:,} bytes after its 8-byte header "
            f"({declared + 8:,} in all) but the file has {size:,} (truncated)"
        )


def _read_ds64(walk: _RiffWalk) -> None:
    """RF64/BW64 keep 64-bit sizes for 'data' (and a table of other chunks) in 'ds64'."""
    head = read_at(walk.f, 12, 8 + 28)
    if len(head) < 36 or head[:4] != b"ds64":
        walk.open_ended = True  # no usable ds64: accept 0xFFFFFFFF sizes as "to the end"
        return
    _riff_size, data_size, _samples, table_len = struct.unpack("<QQQI", head[8:36])
    walk.big_sizes[b"data"] = data_size
    table = read_at(walk.f, 48, 12 * min(table_len, MAX_ENTRIES))
    for i in range(0, len(table) - 11, 12):
        chunk_id, chunk_size = struct.unpack("<4sQ", table[i : i + 12])
        walk.big_sizes[chunk_id] = chunk_size


def _riff_level(walk: _RiffWalk, start: int, stop: int, limit: int, depth: int, where: str) -> None:
    """Walk chunks starting in [start, stop) that must end by limit; descend into LISTs."""
    pos, count = start, 0
    while pos < stop:
        count += 1
        check_count(count, "RIFF chunks", where)
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
    head = read_at(walk.f, pos, min(8, limit - pos))
    if len(head) < 8:
        if len(head) == limit - pos and not head.strip(b"\0"):
            return None  # a few zero bytes of padding before the end
        raise Defect(f"RIFF chunk header at offset {pos} is cut off {where} (truncated)")
    chunk_id, chunk_size = struct.unpack("<4sI", head)
    if chunk_size == _RIFF_UNKNOWN:
        fallback = limit - pos - 8 if walk.open_ended else chunk_size
        chunk_size = walk.big_sizes.get(chunk_id, fallback)
    if pos + 8 + chunk_size > limit:
        raise Defect(
            f"RIFF chunk '{fourcc_name(chunk_id)}' at offset {pos} declares {chunk_size:,} "
            "bytes but "
            f"only {limit - pos - 8:,} remain {where}"
            + (" (truncated)" if where == _IN_FILE else "")
        )
    return chunk_id, chunk_size


def _riff_list(walk: _RiffWalk, pos: int, chunk_size: int, depth: int) -> None:
    """Enter a LIST chunk (4-byte list type, then sub-chunks) unless it holds media payload."""
    if chunk_size < 4:
        raise Defect(f"RIFF LIST chunk at offset {pos} is too small to hold its list type")
    list_type = read_at(walk.f, pos + 8, 4)
    if list_type in _RIFF_SKIP_LISTS:
        return
    if depth + 1 > RIFF_MAX_DEPTH:
        raise Defect(f"RIFF LIST chunks nested deeper than {RIFF_MAX_DEPTH} levels")
    where = f"inside LIST '{fourcc_name(list_type)}' at offset {pos}"
    end = pos + 8 + chunk_size
    _riff_level(walk, pos + 12, end, end, depth + 1, where)
