"""EXIF extraction: UserComment charsets, WebP EXIF chunks with and without the
``Exif\\0\\0`` prefix, and the corpus WebP files that use each layout."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import pytest
from PIL import Image

from scanner.asset import Asset
from scanner.extract.exif import decode_user_comment, exif


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (b"UNICODE\x00" + "Steps: 1 é".encode("utf-16-be"), "Steps: 1 é"),
        (b"UNICODE\x00" + "Steps: 1 é".encode("utf-16-le"), "Steps: 1 é"),
        (b"ASCII\x00\x00\x00Steps: 1", "Steps: 1"),
        (b"\x00" * 8 + b"Steps: 1\x00\x00", "Steps: 1"),
        (b"Steps: 1", "Steps: 1"),
    ],
)
def test_user_comment_charsets(raw: bytes, text: str) -> None:
    """UserComment decodes per its 8-byte charset id, UTF-16 in either byte order."""
    assert decode_user_comment(raw) == text


def _webp(prefix: bytes) -> bytes:
    """A WebP whose EXIF chunk starts with ``prefix`` then the TIFF header."""
    exif = Image.Exif()
    exif[0x0131] = "Software X"
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, "WEBP", lossless=True, exif=exif)
    data = buf.getvalue()
    start = data.index(b"EXIF")
    size = struct.unpack("<I", data[start + 4 : start + 8])[0]
    body = prefix + data[start + 8 : start + 8 + size]
    chunk = b"EXIF" + struct.pack("<I", len(body)) + body + b"\x00" * (len(body) & 1)
    riff = data[12:start] + chunk + data[start + 8 + size + (size & 1) :]
    return b"RIFF" + struct.pack("<I", len(riff) + 4) + b"WEBP" + riff


@pytest.mark.parametrize("prefix", [b"", b"Exif\x00\x00"])
def test_webp_exif_with_and_without_prefix(tmp_path: Path, prefix: bytes) -> None:
    """Both WebP EXIF layouts (spec TIFF-first, and JPEG-style prefix) are read."""
    (tmp_path / "a.webp").write_bytes(_webp(prefix))
    assert exif(Asset(tmp_path / "a.webp", "a.webp")).get("Software") == "Software X"


def test_truncated_webp_gives_no_tags(tmp_path: Path) -> None:
    """A WebP cut inside its chunks reads as no EXIF, without raising."""
    (tmp_path / "a.webp").write_bytes(_webp(b"")[:40])
    assert exif(Asset(tmp_path / "a.webp", "a.webp")).tags == {}


@pytest.mark.parametrize(
    ("rel", "tag", "value"),
    [
        ("Pillow/Tests/images/flower.webp", "Make", "Canon"),  # Exif\0\0 prefix
        ("Pillow/Tests/images/flower2.webp", "Software", "Adobe Photoshop CS6 (Macintosh)"),
        ("exiftool/t/images/RIFF.webp", "Artist", "me"),
    ],
)
def test_corpus_webp_exif(corpus: Path, rel: str, tag: str, value: str) -> None:
    """Corpus WebP files of both layouts give their EXIF text."""
    path = corpus / rel
    assert exif(Asset(path, path.name)).get(tag) == value
