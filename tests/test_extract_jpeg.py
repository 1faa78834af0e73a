"""The shared JPEG walk: one pass per file, and frame headers checked against ITU T.81."""

from __future__ import annotations

import io
import struct
from pathlib import Path

from PIL import Image
from provscan.asset import Asset
from provscan.extract.jpeg import APP1, frame_problem, jpeg_walk

BIG = 10**12
EMPTY_EXIF = b"Exif\x00\x00II*\x00\x08\x00\x00\x00\x00\x00"  # little-endian TIFF, no entries


def _jpeg(tmp_path: Path, data: bytes) -> Asset:
    path = tmp_path / "a.jpg"
    path.write_bytes(data)
    return Asset(path, path.name)


def _encoded(size: tuple[int, int] = (16, 8)) -> bytearray:
    buf = io.BytesIO()
    Image.new("RGB", size, (9, 9, 9)).save(
        buf, "JPEG", exif=b"Exif\x00\x00II*\x00\x08\x00\x00\x00\x00\x00"
    )
    return bytearray(buf.getvalue())


def _sof_at(data: bytes) -> int:
    return data.index(b"\xff\xc0") + 4  # payload after marker and length


def test_walk_keeps_app1_and_frame(tmp_path: Path) -> None:
    """The walk keeps APP1 payloads and the frame header, and stops cleanly at the scan."""
    walk = jpeg_walk(_jpeg(tmp_path, bytes(_encoded())))
    assert walk.error == "" and walk.payloads(APP1)[0].startswith(b"Exif")
    assert frame_problem(walk, BIG) == ""


def test_walk_is_cached_per_asset(tmp_path: Path) -> None:
    """A second request for the walk returns the same object (the file is walked once)."""
    asset = _jpeg(tmp_path, bytes(_encoded()))
    assert jpeg_walk(asset) is jpeg_walk(asset)


def test_broken_walk_keeps_segments_before_the_break(tmp_path: Path) -> None:
    """A truncated file reports why the walk stopped and keeps what it read before."""
    data = _encoded()
    cut = data.index(b"\xff\xdb") + 10  # inside the quantisation table
    walk = jpeg_walk(_jpeg(tmp_path, bytes(data[:cut])))
    assert "truncated" in walk.error and walk.payloads(APP1)


def test_zero_width_frame(tmp_path: Path) -> None:
    """A frame header with width 0 is impossible."""
    data = _encoded()
    at = _sof_at(data)
    data[at + 3 : at + 5] = struct.pack(">H", 0)
    assert "width 0" in frame_problem(jpeg_walk(_jpeg(tmp_path, bytes(data))), BIG)


def test_huge_frame_is_a_bomb(tmp_path: Path) -> None:
    """A frame larger than the pixel limit is refused as a decompression bomb."""
    walk = jpeg_walk(_jpeg(tmp_path, bytes(_encoded((16, 8)))))
    assert "huge size (16x8" in frame_problem(walk, 100)


def test_missing_frame_header(tmp_path: Path) -> None:
    """Segments that reach the end-of-image marker with no SOF are reported."""
    walk = jpeg_walk(_jpeg(tmp_path, b"\xff\xd8\xff\xfe\x00\x04hi\xff\xd9"))
    assert "no frame header" in frame_problem(walk, BIG)
