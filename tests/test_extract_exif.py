"""EXIF extraction: UserComment charsets and length, every text type and IFD, hostile
directories, and each container (JPEG, PNG eXIf and raw profile, WebP with and without the
``Exif\\0\\0`` prefix, HEIF, JPEG XL, CR3, NEF, PSD) on built files and corpus files."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image
from provscan import cli
from provscan.asset import Asset
from provscan.extract.exif import decode_user_comment, exif
from provscan.extract.exif_ifd import ExifText
from typer.testing import CliRunner


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


def _tiff(entries: list[tuple[int, int, int, bytes]], order: str = ">", sub: bytes = b"") -> bytes:
    """A TIFF header and one IFD (values after it); ``sub`` is appended as is.

    An entry whose value is ``b"@SUB"`` gets the offset where ``sub`` starts.
    """
    mark = b"MM\x00*" if order == ">" else b"II*\x00"
    data_at = 8 + 2 + 12 * len(entries) + 4
    blob = b"".join(v + b"\x00" * (len(v) & 1) for _, _, _, v in entries if len(v) > 4)
    sub_at = data_at + len(blob)
    ifd, at = struct.pack(order + "H", len(entries)), data_at
    for tag, kind, count, value in entries:
        if value == b"@SUB":
            inline = struct.pack(order + "I", sub_at)
        elif len(value) <= 4:
            inline = value.ljust(4, b"\x00")
        else:
            inline = struct.pack(order + "I", at)
            at += len(value) + (len(value) & 1)
        ifd += struct.pack(order + "HHI", tag, kind, count) + inline
    return mark + struct.pack(order + "I", 8) + ifd + b"\x00" * 4 + blob + sub


def _ifd(entries: list[tuple[int, int, int, bytes]], order: str, at: int) -> bytes:
    """One IFD placed at TIFF offset ``at`` (values follow it), no next IFD."""
    data_at = at + 2 + 12 * len(entries) + 4
    ifd, blob = struct.pack(order + "H", len(entries)), b""
    for tag, kind, count, value in entries:
        inline = (
            value.ljust(4, b"\x00")
            if len(value) <= 4
            else struct.pack(order + "I", data_at + len(blob))
        )
        blob += value if len(value) > 4 else b""
        ifd += struct.pack(order + "HHI", tag, kind, count) + inline
    return ifd + b"\x00" * 4 + blob


def _exif_of(tmp_path: Path, name: str, data: bytes) -> dict[str, str]:
    (tmp_path / name).write_bytes(data)
    return exif(Asset(tmp_path / name, name)).tags


def _jpeg_with(tiff: bytes) -> bytes:
    body = b"Exif\x00\x00" + tiff
    return b"\xff\xd8" + b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body + b"\xff\xd9"


PARAMETERS = ("a teacher at a blackboard, " * 90) + "Steps: 9, Seed: 21, CFG scale: 1.0"


@pytest.mark.parametrize("order", [">", "<"])
def test_long_unicode_user_comment_is_read_whole(tmp_path: Path, order: str) -> None:
    """A 2,400+ byte UNICODE UserComment (A1111's layout) is read whole in both byte orders."""
    comment = b"UNICODE\x00" + PARAMETERS.encode("utf-16-be")
    exif_ifd = [(0x9286, 7, len(comment), comment)]
    ifd0_size = 2 + 12 + 4
    tiff = _tiff([(0x8769, 4, 1, b"@SUB")], order, _ifd(exif_ifd, order, 8 + ifd0_size))
    assert len(comment) > 2408
    assert _exif_of(tmp_path, "a.jpg", _jpeg_with(tiff))["UserComment"] == PARAMETERS


def test_every_text_type_is_decoded(tmp_path: Path) -> None:
    """ASCII, EXIF 3.0 UTF-8, UCS-2 XP tags, readable UNDEFINED and unknown tags are kept."""
    xp = "Stable Diffusion ✓".encode("utf-16-le") + b"\x00\x00"
    utf8 = "Künstler — KI".encode()
    tiff = _tiff(
        [
            (0x010E, 2, 12, b"first\x00second"[:12]),
            (0x013B, 129, len(utf8), utf8),
            (0x9C9C, 1, len(xp), xp),
            (0x1234, 2, 9, b"freeform\x00"),
            (0xABCD, 7, 8, b"\x01\x02\x03\x04\x05\x06\x07\x08"),  # binary: not text
        ],
        "<",
    )
    tags = _exif_of(tmp_path, "a.jpg", _jpeg_with(tiff))
    assert tags == {
        "ImageDescription": "first\nsecond",
        "Artist": "Künstler — KI",
        "XPComment": "Stable Diffusion ✓",
        "Tag0x1234": "freeform",
    }


def test_gps_text_decodes_by_the_gps_table(tmp_path: Path) -> None:
    """GPSProcessingMethod (GPS tag 0x1B) decodes from its charset code."""
    order = "<"
    method = b"ASCII\x00\x00\x00fused"
    ifd0 = _tiff([(0x0131, 2, 6, b"Cam 1\x00"), (0x8825, 4, 1, b"@SUB")], order)
    tiff = ifd0 + _ifd([(0x001B, 7, len(method), method)], order, len(ifd0))
    tags = _exif_of(tmp_path, "a.jpg", _jpeg_with(tiff))
    assert tags["Software"] == "Cam 1" and tags["GPSProcessingMethod"] == "fused"


def test_a_second_value_keeps_its_directory_name() -> None:
    """The same tag with another value in another IFD is kept as ``<IFD> <name>``."""
    found = ExifText()
    found.keep("IFD0", "Software", "Camera 1.0")
    found.keep("IFD1", "Software", "Camera 1.0")
    found.keep("IFD1", "Software", "Editor 2")
    assert found.tags == {"Software": "Camera 1.0", "IFD1 Software": "Editor 2"}


def test_directory_loop_and_huge_counts_end_quickly(tmp_path: Path) -> None:
    """An IFD pointing to itself and a 4-billion count give problems, not a hang."""
    order = ">"
    entries = [(0x8769, 4, 1, struct.pack(">I", 8)), (0x010E, 2, 0xFFFFFFFF, b"\x00\x00\x00\x40")]
    tiff = _tiff(entries, order)
    (tmp_path / "a.jpg").write_bytes(_jpeg_with(tiff))
    found = exif(Asset(tmp_path / "a.jpg", "a.jpg"))
    assert any("loop" in p for p in found.problems)
    assert any("runs past the end" in p for p in found.problems)


def _png_chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


@pytest.mark.parametrize("layout", ["eXIf", "raw profile"])
def test_png_exif_chunk_and_raw_profile(tmp_path: Path, layout: str) -> None:
    """PNG eXIf and ImageMagick's hex 'Raw profile type exif' text both give EXIF text."""
    tiff = _tiff([(0x0131, 2, 8, b"Tool 2\x00\x00")], ">")
    if layout == "eXIf":
        chunk = _png_chunk(b"eXIf", tiff)
    else:
        body = b"Exif\x00\x00" + tiff
        text = f"\nexif\n{len(body):8d}\n{body.hex()}\n".encode()
        chunk = _png_chunk(b"tEXt", b"Raw profile type exif\x00" + text)
    ihdr = _png_chunk(b"IHDR", bytes.fromhex("00000001000000010800000000"))
    png = b"\x89PNG\r\n\x1a\n" + ihdr + chunk + _png_chunk(b"IEND", b"")
    assert _exif_of(tmp_path, "a.png", png)["Software"] == "Tool 2"


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def test_heif_exif_item_through_iinf_and_iloc(tmp_path: Path) -> None:
    """A HEIF Exif item found through meta/iinf and meta/iloc gives its text."""
    item = struct.pack(">I", 6) + b"Exif\x00\x00" + _tiff([(0x010F, 2, 6, b"Maker\x00")], "<")
    infe = _box(b"infe", b"\x02\x00\x00\x00" + struct.pack(">HH", 7, 0) + b"Exif" + b"\x00")
    iinf = _box(b"iinf", b"\x00\x00\x00\x00" + struct.pack(">H", 1) + infe)
    ftyp = _box(b"ftyp", b"heic\x00\x00\x00\x00mif1heic")

    def iloc(offset: int) -> bytes:  # version 0, 4-byte offsets and lengths, no base
        body = b"\x00\x00\x00\x00" + bytes([0x44, 0x00]) + struct.pack(">H", 1)
        body += struct.pack(">HHH", 7, 0, 1) + struct.pack(">II", offset, len(item))
        return _box(b"iloc", body)

    meta_size = len(_box(b"meta", b"\x00" * 4 + _box(b"hdlr", b"\x00" * 24) + iinf + iloc(0)))
    meta = _box(
        b"meta", b"\x00" * 4 + _box(b"hdlr", b"\x00" * 24) + iinf + iloc(len(ftyp) + meta_size + 8)
    )
    data = ftyp + meta + _box(b"mdat", item)
    assert _exif_of(tmp_path, "a.heic", data)["Make"] == "Maker"


def test_jpeg_xl_exif_box(tmp_path: Path) -> None:
    """The JPEG XL container's Exif box (offset, then TIFF) gives its text."""
    signature = bytes.fromhex("0000000c4a584c200d0a870a")
    exif_box = _box(b"Exif", struct.pack(">I", 0) + _tiff([(0x0131, 2, 5, b"jxl!\x00")], ">"))
    data = signature + _box(b"ftyp", b"jxl \x00\x00\x00\x00jxl ") + exif_box
    assert _exif_of(tmp_path, "a.jxl", data)["Software"] == "jxl!"


@pytest.mark.parametrize(
    ("rel", "tag", "value"),
    [
        ("exiftool/t/images/CanonRaw.cr3", "Model", "Canon EOS M50"),  # CMT1 box
        ("exifr/test/fixtures/heic-iphone7.heic", "Software", "13.1.2"),  # HEIF Exif item
        ("exiftool/t/images/Nikon.nef", "Software", "Nikon Capture Editor 4.3.1 W"),
        ("exiftool/t/images/Photoshop.psd", "Artist", "Phil Harvey"),  # resource 0x0422
    ],
)
def test_corpus_exif_in_other_containers(corpus: Path, rel: str, tag: str, value: str) -> None:
    """Corpus CR3, HEIC, NEF and PSD files give their EXIF text."""
    path = corpus / rel
    assert exif(Asset(path, path.name)).get(tag) == value


def test_sdnext_user_comment_is_read_whole(corpus: Path) -> None:
    """The SD.Next reference JPEG's big-endian UNICODE UserComment is read to its end."""
    path = corpus / "sdnext/models/Reference/Tongyi-MAI--Z-Image-Turbo.jpg"
    comment = exif(Asset(path, path.name)).get("UserComment")
    assert comment.startswith("School teacher with chalk")
    assert comment.endswith("Operations: txt2img, Model: Z-Image-Turbo")


def test_inspect_shows_parameters_from_user_comment(corpus: Path) -> None:
    """``provscan inspect`` on that JPEG reports the generation parameters (GEN001)."""
    path = corpus / "sdnext/models/Reference/Tongyi-MAI--Z-Image-Turbo.jpg"
    result = CliRunner().invoke(cli.app, ["inspect", str(path)])
    assert "GEN001" in result.output
    assert result.output.startswith("AI-generated")
