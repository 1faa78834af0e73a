"""Container walkers and PNG text: bounded, and broken structure is an error, not a hang."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from provscan.asset import Asset
from provscan.extract.containers import (
    StructureError,
    iter_jpeg_segments,
    iter_png_chunks,
    iter_riff_chunks,
)
from provscan.extract.pngtext import MAX_TEXT, png_text

from tests.builders import jpeg_bytes, png_bytes


def _chunk(tag: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(tag + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)


def _png_with(*chunks: bytes, after_idat: bytes = b"") -> bytes:
    base = png_bytes()
    iend = base.rindex(b"IEND") - 4
    idat = base.index(b"IDAT") - 4
    return base[:idat] + b"".join(chunks) + base[idat:iend] + after_idat + base[iend:]


def _asset(tmp_path: Path, name: str, data: bytes) -> Asset:
    path = tmp_path / name
    path.write_bytes(data)
    return Asset(path, name)


def test_jpeg_segments_stop_at_scan() -> None:
    """The JPEG walk yields APPn segments before SOS and never reads entropy-coded data."""
    data = jpeg_bytes(exif=b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x00")
    tags = [c.tag[0] for c in iter_jpeg_segments(io.BytesIO(data))]
    assert 0xE1 in tags and 0xDA not in tags


def test_jpeg_truncated_segment_raises() -> None:
    """A segment whose declared length runs past the end is a StructureError."""
    data = jpeg_bytes(exif=b"Exif\x00\x00" + b"x" * 200)
    cut = data.index(b"Exif") + 50
    with pytest.raises(StructureError):
        list(iter_jpeg_segments(io.BytesIO(data[:cut])))


def test_png_chunks_skip_idat_payload() -> None:
    """IDAT payloads are skipped (empty data) while metadata chunks are read."""
    data = _png_with(_chunk(b"tEXt", b"Software\x00Test"))
    chunks = {c.tag: c.data for c in iter_png_chunks(io.BytesIO(data))}
    assert chunks[b"IDAT"] == b"" and chunks[b"tEXt"] == b"Software\x00Test"


def test_png_without_iend_is_truncated() -> None:
    """A PNG cut before IEND is reported as truncated."""
    data = png_bytes()
    with pytest.raises(StructureError, match="truncated"):
        list(iter_png_chunks(io.BytesIO(data[: data.index(b"IEND") - 4])))


def test_riff_chunk_past_end_raises() -> None:
    """A RIFF chunk that declares more bytes than the file holds is a StructureError."""
    data = b"RIFF" + struct.pack("<I", 100) + b"WAVE" + b"fmt " + struct.pack("<I", 1000) + b"x" * 8
    with pytest.raises(StructureError, match="past the end"):
        list(iter_riff_chunks(io.BytesIO(data)))


def test_riff_many_empty_chunks_bounded() -> None:
    """A RIFF bomb of zero-length chunks stops at the entry cap instead of running on."""
    body = (b"JUNK" + struct.pack("<I", 0)) * 20_000
    data = b"RIFF" + struct.pack("<I", len(body) + 4) + b"WAVE" + body
    with pytest.raises(StructureError, match="too many"):
        list(iter_riff_chunks(io.BytesIO(data)))


def test_png_text_all_three_kinds_and_after_idat(tmp_path: Path) -> None:
    """tEXt, zTXt and iTXt are decoded, including chunks written after IDAT."""
    data = _png_with(
        _chunk(b"tEXt", b"parameters\x00a cat"),
        _chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(b"zipped")),
        after_idat=_chunk(b"iTXt", b"Title\x00\x00\x00en\x00Titel\x00unicode \xc3\xa9"),
    )
    text = png_text(_asset(tmp_path, "a.png", data))
    assert text.text == {"parameters": "a cat", "Comment": "zipped", "Title": "unicode é"}
    assert text.text_after_idat


def test_png_text_bomb_is_capped(tmp_path: Path) -> None:
    """A zTXt that inflates past the cap is truncated and recorded as a problem."""
    bomb = zlib.compress(b"A" * (MAX_TEXT + 1024), 9)
    data = _png_with(_chunk(b"zTXt", b"Comment\x00\x00" + bomb))
    text = png_text(_asset(tmp_path, "bomb.png", data))
    assert len(text.text["Comment"]) == MAX_TEXT
    assert any("decompression bomb" in p for p in text.problems)
