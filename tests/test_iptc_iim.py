"""Legacy IPTC IIM: datasets parse within their block, text decodes by the declared
character set, broken blocks are reported, and real files give their fields."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from provscan.asset import Asset
from provscan.extract.iptc_iim import Iim, iptc_iim, iter_resources, parse_records

from fixtures.xmp_images import app13_iim, jpeg_with


def _ds(record: int, dataset: int, value: bytes) -> bytes:
    return bytes([0x1C, record, dataset]) + struct.pack(">H", len(value)) + value


UTF8 = _ds(1, 90, b"\x1b%G")
# (records, field, expected values, problem words or "")
RECORDS = [
    (_ds(2, 110, b"Jo Credit"), "Credit", ["Jo Credit"], ""),
    (_ds(2, 25, b"a") + _ds(2, 25, b"b"), "Keywords", ["a", "b"], ""),
    (UTF8 + _ds(2, 120, "Ünïcode".encode()), "Caption-Abstract", ["Ünïcode"], ""),
    (_ds(2, 120, "café".encode("cp1252")), "Caption-Abstract", ["café"], ""),
    (_ds(2, 80, b"Jo") + b"\x00\x00\x00", "By-line", ["Jo"], ""),
    (bytes([0x1C, 2, 120, 0x80, 0x02, 0x00, 0x03]) + b"ext", "Caption-Abstract", ["ext"], ""),
    (_ds(2, 105, b"H") + bytes([0x1C, 2, 120, 0x00, 0xFF]) + b"short", "Headline", ["H"],
     "runs past"),
    (_ds(2, 105, b"H") + b"garbage!", "Headline", ["H"], "marker missing"),
    (bytes([0x1C, 2, 120, 0x80, 0x09]) + b"\x00" * 9, "Caption-Abstract", [], "over 4 bytes"),
]  # fmt: skip


@pytest.mark.parametrize(("data", "name", "want", "problem"), RECORDS)
def test_records_parse_within_bounds(data: bytes, name: str, want: list[str], problem: str) -> None:
    """Standard and extended datasets, UTF-8 or Latin-1 text, truncation and garbage."""
    into = Iim()
    parse_records(data, into)
    assert into.values(name) == want
    assert (problem in " ".join(into.problems)) if problem else into.problems == []


def test_image_resource_block_walks_padded_names_and_sizes() -> None:
    """Resource names are even-padded Pascal strings and data is even-padded."""
    block = (
        b"8BIM\x04\x25" + b"\x03abc" + struct.pack(">I", 3) + b"xyz\x00"
        + b"8BIM\x04\x04" + b"\x00\x00" + struct.pack(">I", 2) + b"ok"
    )  # fmt: skip
    assert list(iter_resources(block)) == [(0x0425, b"xyz"), (0x0404, b"ok")]


def test_jpeg_app13_segments_are_joined(tmp_path: Path) -> None:
    """An IIM block split across two APP13 segments (Photoshop does) is read whole."""
    segment = app13_iim([(2, 110, "Split Credit"), (2, 120, "caption")])
    header = b"\xff\xed" + b"Photoshop 3.0\x00"
    body = segment[len(header) :]
    first, second = body[:20], body[20:]
    data = jpeg_with((1, 2, 3), header + first, header + second)
    (tmp_path / "a.jpg").write_bytes(data)
    result = iptc_iim(Asset(tmp_path / "a.jpg", "a.jpg"))
    assert result.values("Credit") == ["Split Credit"] and result.utf8
    assert result.source == "JPEG APP13 Photoshop IRB"


def test_file_without_iim_is_empty(tmp_path: Path) -> None:
    """A JPEG with no APP13 gives no fields and no problems."""
    (tmp_path / "a.jpg").write_bytes(jpeg_with((1, 2, 3)))
    result = iptc_iim(Asset(tmp_path / "a.jpg", "a.jpg"))
    assert (result.fields, result.problems) == ({}, [])


CORPUS = [
    ("exiftool/t/images/IPTC.jpg", "Credit", "My Credit"),
    ("exiftool/t/images/ExifTool.tif", "Credit", "Phil Harvey"),
    ("exiftool/t/images/Photoshop.psd", "By-line", "Phil Harvey"),
    ("c2pa-rs/sdk/tests/fixtures/Purple Square.psd", "ObjectName", "Purple Square"),
    ("Pillow/Tests/images/iptc.jpg", "City", "Budapest"),
    ("exiftool/t/images/Nikon.nef", "City", "Kingston"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("rel", "name", "want"), CORPUS)
def test_corpus_iim_fields(corpus: Path, rel: str, name: str, want: str) -> None:
    """JPEG APP13, TIFF tag 33723 and PSD resources in real files give their fields."""
    result = iptc_iim(Asset(corpus / rel, rel))
    assert result.values(name)[0] == want and result.problems == []


def test_png_raw_profile_is_decoded(tmp_path: Path) -> None:
    """ImageMagick's 'Raw profile type iptc' (hex of an IRB) gives the IIM fields."""
    from PIL import Image, PngImagePlugin

    irb = app13_iim([(2, 110, "Made with Google AI")])[len(b"\xff\xedPhotoshop 3.0\x00") :]
    hexed = irb.hex()
    lines = "\n".join(hexed[i : i + 72] for i in range(0, len(hexed), 72))
    info = PngImagePlugin.PngInfo()
    info.add_text("Raw profile type iptc", f"\nIPTC profile\n{len(irb):8d}\n{lines}\n", zip=True)
    Image.new("RGB", (4, 4)).save(tmp_path / "a.png", pnginfo=info)
    result = iptc_iim(Asset(tmp_path / "a.png", "a.png"))
    assert result.values("Credit") == ["Made with Google AI"] and result.problems == []
