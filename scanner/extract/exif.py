"""EXIF tags through exifread (JPEG, TIFF and raw, WebP, HEIF, PNG eXIf), decoded to text.

exifread reads only the EXIF structures, never pixels. ``details=True`` is needed: without
it exifread drops UserComment, where Automatic1111 and Forge write their parameters.
UserComment is decoded here from its 8-byte charset prefix (ASCII / UNICODE / JIS).
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field
from typing import IO, Any, BinaryIO, cast

import exifread

from scanner.asset import Asset
from scanner.extract.containers import StructureError, iter_riff_chunks
from scanner.extract.pngtext import png_text
from scanner.sniff import JPEG_FORMATS

logging.getLogger("exifread").setLevel(logging.CRITICAL)  # it logs "no EXIF" for every PNG

_EXIF_FORMATS = JPEG_FORMATS | {"tiff", "webp", "heif", "avif", "png", "cr3", "jxl"}
MAX_VALUE = 1024 * 1024  # longest text kept per tag (a ComfyUI workflow can be large)
# exifread reads one value per read() call and trusts declared counts: a MakerNote declaring
# 4 billion values in a 1 KiB file loops for hours reading past the end (found by fuzzing).
# The most any corpus file needs is 125,000 reads (a fuzzed TIFF; real cameras < 45,000).
MAX_READS = 300_000

# Tags worth keeping, by exifread's "IFD Name" key; others are camera settings we don't judge.
_WANTED = (
    "Software",
    "Make",
    "Model",
    "UserComment",
    "ImageDescription",
    "Artist",
    "Copyright",
    "DateTimeOriginal",
    "DateTime",
    "HostComputer",
    "LensModel",
    "BodySerialNumber",
    "XPComment",
    "XPKeywords",
    "XPSubject",
)


@dataclass(slots=True)
class Exif:
    """EXIF text values by short tag name (``Software``, ``Make``...), and problems met."""

    tags: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def get(self, name: str) -> str:
        """A tag's text, or an empty string."""
        return self.tags.get(name, "")


def exif(asset: Asset) -> Exif:
    """The asset's EXIF (cached view); empty for formats without EXIF."""
    return asset.view("exif", _read_exif)


def _read_exif(asset: Asset) -> Exif:
    result = Exif()
    if asset.format not in _EXIF_FORMATS:
        return result
    try:
        raw = _process(asset)
    except Exception as exc:  # exifread raises bare errors of many types on corrupt input
        result.problems.append(f"EXIF could not be read ({type(exc).__name__}: {exc})")
        return result
    for key, tag in raw.items():
        name = key.split(" ", 1)[-1]
        if name in _WANTED and name not in result.tags:
            text = decode_tag(name, tag)
            if text:
                result.tags[name] = text[:MAX_VALUE]
    return result


def _process(asset: Asset) -> dict[str, Any]:
    if asset.format == "png":  # exifread's PNG path re-walks chunks; reuse ours
        payload = png_text(asset).exif
        if not payload:
            return {}
        stream: Any = io.BytesIO(payload)
    elif asset.format == "webp":  # exifread 3.5 misreads spec WebP EXIF; see _webp_exif
        payload = _webp_exif(asset)
        if not payload:
            return {}
        stream = io.BytesIO(payload)
    else:
        stream = asset.open()
    with stream:
        found: dict[str, Any] = exifread.process_file(
            # exifread only calls read, seek and tell on its handle
            cast(BinaryIO, _ReadBudget(stream)),
            details=True,
            extract_thumbnail=False,
            strict=False,
        )
        return found


class ExifReadBudgetError(Exception):
    """exifread asked for more reads than any real EXIF block needs (a hostile count)."""


class _ReadBudget:
    """The file as exifread sees it: read/seek/tell, with at most MAX_READS read() calls."""

    def __init__(self, f: IO[bytes]) -> None:
        self._f = f
        self._left = MAX_READS

    def read(self, size: int = -1) -> bytes:
        self._left -= 1
        if self._left < 0:
            raise ExifReadBudgetError(f"gave up after {MAX_READS:,} reads (impossible counts)")
        return self._f.read(size)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._f.seek(offset, whence)

    def tell(self) -> int:
        return self._f.tell()


def _webp_exif(asset: Asset) -> bytes:
    """The TIFF bytes of a WebP 'EXIF' chunk, with or without an ``Exif\\0\\0`` prefix.

    The WebP container spec (and Pillow, piexif, so A1111) put the TIFF header first;
    exifread 3.5 always skips 6 bytes, reading nothing. Some writers add the JPEG-style
    prefix (corpus Pillow flower.webp), so both are accepted.
    """
    try:
        with asset.open() as f:
            for chunk in iter_riff_chunks(f, skip=frozenset({b"VP8 ", b"VP8L", b"ANMF"})):
                if chunk.tag == b"EXIF":
                    data = chunk.data
                    return data[6:] if data.startswith(b"Exif\x00\x00") else data
    except StructureError:
        return b""
    return b""


def decode_tag(name: str, tag: Any) -> str:
    """Text of one exifread tag; UserComment and XP* tags get their proper decoding."""
    values = getattr(tag, "values", None)
    if name == "UserComment" and isinstance(values, list):
        return decode_user_comment(bytes(v & 0xFF for v in values if isinstance(v, int)))
    if name.startswith("XP") and isinstance(values, list):
        raw = bytes(v & 0xFF for v in values if isinstance(v, int))
        return raw.decode("utf-16-le", "replace").rstrip("\x00")
    if isinstance(values, str):
        return values.strip("\x00 ").strip()
    return str(getattr(tag, "printable", "")).strip()


def decode_user_comment(raw: bytes) -> str:
    """Decode EXIF UserComment: an 8-byte charset id, then the text (CIPA DC-008 4.6.5)."""
    prefix, body = raw[:8], raw[8:]
    if prefix.startswith(b"UNICODE"):
        return _decode_utf16(body).rstrip("\x00").strip()
    if prefix.startswith(b"ASCII") or prefix.startswith(b"\x00" * 8) or prefix.startswith(b"JIS"):
        return body.decode("utf-8", "replace").rstrip("\x00").strip()
    return raw.decode("utf-8", "replace").rstrip("\x00").strip()


def _decode_utf16(body: bytes) -> str:
    """UTF-16 of either byte order: writers disagree (piexif writes big-endian)."""
    if body[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return body.decode("utf-16", "replace")
    even_zeros = body[0::2].count(0)
    odd_zeros = body[1::2].count(0)
    return body.decode("utf-16-be" if even_zeros >= odd_zeros else "utf-16-le", "replace")
