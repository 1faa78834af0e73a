"""AIFF / AIFC (big-endian IFF): chunk sizes and the COMM chunk."""

from __future__ import annotations

import struct
from typing import BinaryIO

from provscan.extract.av_structure._walk import Defect, check_count, fourcc_name, guarded, read_at


def aiff_problem(f: BinaryIO, size: int) -> str | None:
    """AIFF/AIFC (big-endian IFF): the FORM fits the file, every chunk fits, and COMM exists."""
    return guarded(f, "AIFF file", lambda: _aiff(f, size))


def _aiff(f: BinaryIO, size: int) -> None:
    """Check the FORM header against the file size, then the chunks and COMM."""
    head = read_at(f, 0, 12)
    if len(head) < 12:
        raise Defect(f"AIFF FORM header is cut off ({len(head)} of 12 bytes)")
    magic, declared, form = struct.unpack(">4sI4s", head)
    if magic != b"FORM" or form not in (b"AIFF", b"AIFC"):
        raise Defect("no AIFF header (file does not start with FORM....AIFF or AIFC)")
    if declared + 8 > size + 1:  # one byte short is a missing final pad byte: harmless
        raise Defect(
            f"AIFF FORM declares {declared:,} bytes after its 8-byte header "
            f"({declared + 8:,} in all) but the file has {size:,} (truncated)"
        )
    # As for RIFF: chunks start inside the declared FORM and must fit in the file.
    if b"COMM" not in _aiff_chunks(f, min(declared + 8, size), size):
        raise Defect("AIFF has no COMM (common) chunk: channel count and sample format unknown")


def _aiff_chunks(f: BinaryIO, stop: int, size: int) -> set[bytes]:
    """Ids of the chunks starting before stop, each checked to fit in the file."""
    pos, count, seen = 12, 0, set()
    while pos < stop:
        count += 1
        check_count(count, "AIFF chunks", "in the FORM")
        chunk = read_at(f, pos, min(8, size - pos))
        if len(chunk) < 8:
            if len(chunk) == size - pos and not chunk.strip(b"\0"):
                break  # zero padding before the end
            raise Defect(f"AIFF chunk header at offset {pos} is cut off (truncated)")
        chunk_id, chunk_size = struct.unpack(">4sI", chunk)
        if pos + 8 + chunk_size > size:
            raise Defect(
                f"AIFF chunk '{fourcc_name(chunk_id)}' at offset {pos} declares "
                f"{chunk_size:,} bytes "
                f"but only {size - pos - 8:,} remain in the file (truncated)"
            )
        seen.add(chunk_id)
        pos += 8 + chunk_size + (chunk_size & 1)  # chunks are padded to an even length
    return seen
