"""Ogg (Vorbis, Opus, FLAC): page capture patterns and page sizes."""

from __future__ import annotations

from typing import BinaryIO

from provscan.extract.av_structure._walk import OGG_MAX_PAGES, Defect, guarded, read_at


def ogg_problem(f: BinaryIO, size: int) -> str | None:
    """Ogg (Vorbis, Opus, Ogg FLAC): the first 64 pages have a valid header and fit the file."""
    return guarded(f, "Ogg file", lambda: _ogg(f, size))


def _ogg(f: BinaryIO, size: int) -> None:
    """Walk the first OGG_MAX_PAGES pages (or all, if fewer)."""
    if size <= 0:
        raise Defect("no Ogg page (empty file)")
    pos = 0
    for page in range(OGG_MAX_PAGES):
        if pos >= size:
            return
        pos = _ogg_page(f, pos, size, page)


def _ogg_page(f: BinaryIO, pos: int, size: int, page: int) -> int:
    """Offset of the page after the valid page at pos."""
    head = read_at(f, pos, 27)
    if len(head) < 27:
        raise Defect(f"Ogg page {page} header at offset {pos} is cut off (truncated)")
    if head[:4] != b"OggS":
        raise Defect(f"no Ogg capture pattern 'OggS' at offset {pos} (page {page})")
    if head[4] != 0:
        raise Defect(f"Ogg page {page} at offset {pos} has unknown version {head[4]}")
    segments = head[26]
    table = read_at(f, pos + 27, segments)
    if len(table) < segments:
        raise Defect(f"Ogg page {page} segment table at offset {pos} is cut off (truncated)")
    page_len = 27 + segments + sum(table)
    if pos + page_len > size:
        raise Defect(
            f"Ogg page {page} at offset {pos} declares {page_len:,} bytes but the file ends "
            f"{size - pos:,} bytes later (truncated)"
        )
    return pos + page_len
