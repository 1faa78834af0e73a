"""FLAC: the stream marker and metadata blocks, after an optional ID3v2 tag."""

from __future__ import annotations

from typing import BinaryIO

from provscan.extract.av_structure._walk import MAX_ENTRIES, Defect, guarded, read_at, synchsafe


def flac_problem(f: BinaryIO, size: int) -> str | None:
    """FLAC: 'fLaC' (after an optional ID3v2 tag), a 34-byte STREAMINFO first, and metadata
    blocks that fit in the file up to the last-block flag."""
    return guarded(f, "FLAC file", lambda: _flac(f, size))


def _skip_id3(f: BinaryIO, size: int) -> int:
    """Offset just past a leading ID3v2 tag (some taggers put one before 'fLaC'), else 0."""
    head = read_at(f, 0, 10)
    if len(head) < 10 or not head.startswith(b"ID3"):
        return 0
    end = 10 + synchsafe(head[6:10]) + (10 if head[3] == 4 and head[5] & 0x10 else 0)
    if end > size:
        raise Defect(f"leading ID3v2 tag declares {end:,} bytes, more than the file")
    return end


def _flac(f: BinaryIO, size: int) -> None:
    """Walk the metadata blocks up to the one flagged last."""
    start = _skip_id3(f, size)
    if read_at(f, start, 4) != b"fLaC":
        raise Defect(f"no 'fLaC' signature at offset {start}")
    pos = start + 4
    for index in range(MAX_ENTRIES):
        head = read_at(f, pos, 4)
        if len(head) < 4:
            raise Defect(f"FLAC metadata block header at offset {pos} is cut off (truncated)")
        last, block_type, length = head[0] & 0x80, head[0] & 0x7F, int.from_bytes(head[1:], "big")
        if index == 0 and (block_type != 0 or length != 34):
            raise Defect(
                f"first FLAC metadata block is type {block_type} with {length} bytes, "
                "not a 34-byte STREAMINFO"
            )
        if block_type == 127:
            raise Defect(f"FLAC metadata block at offset {pos} has the invalid type 127")
        if pos + 4 + length > size:
            raise Defect(
                f"FLAC metadata block (type {block_type}) at offset {pos} declares {length:,} "
                f"bytes but only {max(size - pos - 4, 0):,} remain (truncated)"
            )
        pos += 4 + length
        if last:
            return
    raise Defect(f"more than {MAX_ENTRIES:,} FLAC metadata blocks")
