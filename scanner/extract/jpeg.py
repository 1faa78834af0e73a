"""One walk of a JPEG's marker segments per file, shared by every detector (a cached view).

Integrity, the C2PA probe, XMP and IPTC each need different APPn segments; walking the
file once and keeping the metadata payloads costs one pass instead of four.
"""

from __future__ import annotations

import struct
from typing import NamedTuple

from provscan.asset import Asset
from provscan.extract.containers import Chunk, StructureError, iter_jpeg_segments
from provscan.sniff import JPEG_FORMATS

APP1, APP11, APP13, COM = b"\xe1", b"\xeb", b"\xed", b"\xfe"
# XMP/EXIF, JUMBF (C2PA), Photoshop IRB (IPTC), comments (COM: generators and services
# write text there too), and the frame headers (a few bytes each)
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}  # not DHT, JPG, DAC
_KEPT = frozenset({0xE1, 0xEB, 0xED, 0xFE}) | _SOF
MAX_KEPT = 64 * 1024 * 1024  # payload bytes kept per file; a hostile file may hold 10,000 APPn


# A NamedTuple: used as a frozen dataclass would be, and a tenth of its cost to define.
class JpegWalk(NamedTuple):
    """Segments before the first scan (payloads kept for APP1/11/13) and why the walk stopped.

    ``error`` is empty when the walk reached the start of scan; otherwise ``segments``
    holds what came before the break.
    """

    segments: tuple[Chunk, ...]
    error: str

    def payloads(self, marker: bytes) -> list[bytes]:
        """Payloads of every segment with this marker byte, in file order."""
        return [seg.data for seg in self.segments if seg.tag == marker]


def jpeg_walk(asset: Asset) -> JpegWalk:
    """The asset's JPEG segment walk (cached view); empty for files that are not JPEG."""
    return asset.view("jpeg_walk", _walk)


def _walk(asset: Asset) -> JpegWalk:
    segments: list[Chunk] = []
    kept = 0
    try:
        with asset.open() as f:
            for seg in iter_jpeg_segments(f, want=_KEPT):
                if kept + seg.size > MAX_KEPT:
                    seg = Chunk(seg.tag, seg.offset, seg.size, b"")
                kept += len(seg.data)
                segments.append(seg)
    except StructureError as exc:
        return JpegWalk(tuple(segments), str(exc) or "JPEG structure is broken")
    return JpegWalk(tuple(segments), "")


def frame_problem(walk: JpegWalk, max_pixels: int) -> str:
    """What is impossible about the frame header (SOFn, ITU T.81 B.2.2), or an empty string.

    ``max_pixels`` is the size above which the image is refused as a decompression bomb.
    """
    frames = [seg for seg in walk.segments if seg.tag[0] in _SOF]
    if not frames:
        return "JPEG has no frame header (SOF) before its image data"
    data = frames[0].data
    if len(data) < 6:
        return f"JPEG frame header is {len(data)} bytes, too short"
    precision, height, width, components = struct.unpack(">BHHB", data[:6])
    if width == 0 or components == 0:
        return f"JPEG frame header declares width {width} with {components} components"
    if len(data) != 6 + 3 * components:
        return f"JPEG frame header length does not fit its {components} components"
    if not 2 <= precision <= 16:  # 8 or 12 (DCT), 2-16 (lossless)
        return f"JPEG frame header declares {precision}-bit samples"
    if width * height > max_pixels:
        return f"image declares a huge size ({width}x{height}; decompression-bomb guard)"
    return ""


def comments(asset: Asset) -> list[str]:
    """The text of every JPEG COM segment (ITU T.81 B.2.4.5), decoded as UTF-8 (Latin-1
    where it is not), in file order; empty for files that are not JPEG."""
    out: list[str] = []
    if asset.format not in JPEG_FORMATS:
        return out
    for data in jpeg_walk(asset).payloads(COM):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
        text = text.rstrip("\x00").strip()
        if text:
            out.append(text)
    return out
