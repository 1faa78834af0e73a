"""EXIF text tags from every container that carries EXIF, read whole by our own IFD walk.

Where the TIFF structure sits: JPEG APP1 ``Exif\\0\\0`` segments; TIFF and TIFF-based raw
files (DNG, NEF, CR2, ARW, ORF, RW2, PEF) are the structure; WebP ``EXIF`` chunks (with
or without the ``Exif\\0\\0`` prefix); PNG ``eXIf`` and ImageMagick's legacy ``Raw profile
type exif``/``APP1`` hex text; the HEIF/AVIF Exif item, CR3's CMT boxes and the JPEG XL
``Exif`` box (:mod:`provscan.extract.exif_boxes`); Photoshop's image resource 0x0422 in
PSD. :mod:`provscan.extract.exif_ifd` walks each structure.

Why our own walk, not a library: exifread 3.5.1 returned no value for a 2,408-byte
UNICODE UserComment in a big-endian block (A1111 JPEGs), trusted declared counts (a
4-billion-value MakerNote read for hours) and kept only the tags asked for; Pillow's
``getexif()`` reads EXIF only by opening the image (and decodes PNG pixels to reach
``eXIf``). The walk reads headers only, keeps every text tag, and bounds every count.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass, field

from provscan.asset import Asset
from provscan.extract.containers import StructureError, iter_jpeg_segments, iter_riff_chunks
from provscan.extract.exif_boxes import (
    Block,
    BoxError,
    cr3_blocks,
    heif_blocks,
    jxl_blocks,
)
from provscan.extract.exif_ifd import MAX_VALUE, ExifText, decode_user_comment, walk_tiff
from provscan.extract.iptc_iim import iter_resources, psd_irb
from provscan.extract.jpeg import APP1, jpeg_walk
from provscan.extract.pngtext import png_text
from provscan.extract.xmp_locate import tiff_tag_bytes
from provscan.sniff import JPEG_FORMATS

__all__ = ["MAX_VALUE", "Exif", "decode_user_comment", "exif"]

_EXIF_FORMATS = JPEG_FORMATS | {"tiff", "webp", "heif", "avif", "png", "cr3", "jxl", "psd", "raf"}
_PSD_EXIF = 0x0422  # Photoshop image resource "EXIF data 1": a TIFF structure
MAX_BLOCKS = 8  # EXIF structures read per file (a JPEG may repeat its APP1 Exif)
_PREFIXES = (b"Exif\x00\x00", b"Exif\x00\xff")  # the second: some old cameras' padding
# ImageMagick (and exiftool) keep EXIF in PNG text as hex: "\nexif\n   1234\n4578..."
_PNG_PROFILES = ("Raw profile type exif", "Raw profile type APP1")


@dataclass(slots=True)
class Exif:
    """EXIF text values by tag name (``Software``, ``Make``, ``Tag0x1234``...), and problems."""

    tags: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def get(self, name: str) -> str:
        """A tag's text, or an empty string."""
        return self.tags.get(name, "")


def exif(asset: Asset) -> Exif:
    """The asset's EXIF (cached view); empty for formats without EXIF."""
    return asset.view("exif", _read_exif)


def _read_exif(asset: Asset) -> Exif:
    if asset.format not in _EXIF_FORMATS:
        return Exif()
    found = ExifText()
    try:
        if asset.format == "tiff":
            with asset.open() as f:
                walk_tiff(f, 0, asset.size, found)
        blocks = _rw2_blocks(asset) if asset.format == "tiff" else _blocks(asset, found.problems)
        for block in blocks[:MAX_BLOCKS]:
            walk_tiff(io.BytesIO(block.data), block.start, len(block.data), found, block.root)
    except (OSError, StructureError, BoxError, struct.error) as exc:
        found.problem(f"EXIF could not be read ({exc})")
    return Exif(found.tags, found.problems)


def _blocks(asset: Asset, problems: list[str]) -> list[Block]:
    """Every TIFF structure holding EXIF in a non-TIFF container."""
    if asset.format in JPEG_FORMATS:
        return [_prefixed(p, "JPEG APP1") for p in jpeg_walk(asset).payloads(APP1) if _is_exif(p)]
    if asset.format == "png":
        return _png_blocks(asset)
    if asset.format == "webp":
        return _webp_blocks(asset)
    if asset.format == "psd":
        irb = psd_irb(asset)
        return [
            _prefixed(data, "PSD resource") for rid, data in iter_resources(irb) if rid == _PSD_EXIF
        ]
    if asset.format == "raf":
        return _raf_blocks(asset)
    with asset.open() as f:
        if asset.format in ("heif", "avif"):
            return heif_blocks(f, asset.size, problems)
        if asset.format == "cr3":
            return cr3_blocks(f, asset.size)
        return jxl_blocks(f, asset.size, problems)


_RAF_PREVIEW = struct.Struct(">II")  # at offset 84: the JPEG preview's offset and length
_PREVIEW_HEAD = 256 * 1024  # a raw's JPEG preview: its APP segments come first, pixels unread


def _raf_blocks(asset: Asset) -> list[Block]:
    """A Fujifilm RAF's EXIF: in the JPEG preview its header points to (the layout ExifTool's
    FujiFilm module and LibRaw read: offset and length as big-endian words at byte 84)."""
    offset, length = _RAF_PREVIEW.unpack(asset.read_at(84, 8).ljust(8, b"\0"))
    if not offset or offset >= asset.size:
        return []
    return _preview_blocks(asset.read_at(offset, min(length, _PREVIEW_HEAD)), "RAF")


_RW2_MAGIC = b"IIU\x00"
_JPG_FROM_RAW = 0x002E  # Panasonic RW2 IFD0 tag: a JPEG preview, with the camera's EXIF


def _rw2_blocks(asset: Asset) -> list[Block]:
    """A Panasonic/Leica RW2's EXIF beyond its own IFD0 (Software, the Exif IFD): in the JPEG
    preview its JpgFromRaw tag holds (ExifTool's PanasonicRaw table)."""
    if not asset.head(4).startswith(_RW2_MAGIC):
        return []
    preview = tiff_tag_bytes(asset, _JPG_FROM_RAW, limit=_PREVIEW_HEAD)
    return _preview_blocks(preview, "RW2") if preview else []


def _preview_blocks(jpeg: bytes, raw: str) -> list[Block]:
    """The EXIF APP1 segments of a raw file's embedded JPEG preview."""
    segments = iter_jpeg_segments(io.BytesIO(jpeg), want=frozenset({APP1[0]}))
    payloads = [seg.data for seg in segments if seg.tag == APP1]
    return [_prefixed(p, f"{raw} JPEG preview APP1") for p in payloads if _is_exif(p)]


def _is_exif(payload: bytes) -> bool:
    return payload.startswith(_PREFIXES)


def _prefixed(payload: bytes, source: str) -> Block:
    """A block that may start with the JPEG-style ``Exif\\0\\0`` before its TIFF header."""
    return Block(payload, 6 if _is_exif(payload) else 0, "IFD0", source)


def _png_blocks(asset: Asset) -> list[Block]:
    """The ``eXIf`` chunk (PNG 1.5 / PNG 3rd edition), else ImageMagick's hex profile."""
    text = png_text(asset)
    out = [_prefixed(text.exif, "PNG eXIf")] if text.exif else []
    for key in _PNG_PROFILES:
        data = _hex_profile(text.text.get(key, ""))
        if data:
            out.append(_prefixed(data, f"PNG {key}"))
    return out


def _hex_profile(text: str) -> bytes:
    """ImageMagick's raw profile: name line, decimal length line, then hex digits."""
    lines = text.strip().split("\n", 2)
    if len(lines) < 3:
        return b""
    try:
        return bytes.fromhex("".join(lines[2].split()))
    except ValueError:
        return b""


def _webp_blocks(asset: Asset) -> list[Block]:
    """The WebP ``EXIF`` chunk: TIFF first per the container spec; some writers (corpus
    Pillow flower.webp) add the JPEG-style ``Exif\\0\\0`` prefix, so both are accepted."""
    try:
        with asset.open() as f:
            for chunk in iter_riff_chunks(f, skip=frozenset({b"VP8 ", b"VP8L", b"ANMF"})):
                if chunk.tag == b"EXIF" and chunk.data:
                    return [_prefixed(chunk.data, "WebP EXIF chunk")]
    except StructureError:
        return []
    return []
