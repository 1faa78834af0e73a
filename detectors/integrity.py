"""Integrity: can the file be read as the media its bytes claim to be? (SCN001)

Checks are structural and cheap: the container's own walk (segments, chunks, boxes)
must reach its end without running past the file, and Pillow must accept the header of
formats it knows. A file that fails is reported as unreadable, so the gate fails closed.
"""

from __future__ import annotations

import struct
import sys
import warnings
from collections.abc import Iterator

from PIL import Image, UnidentifiedImageError

from scanner.asset import Asset
from scanner.extract.apng import apng_problem
from scanner.extract.containers import StructureError, iter_riff_chunks
from scanner.extract.jpeg import frame_problem, jpeg_walk
from scanner.extract.pngtext import png_text
from scanner.extract.psd import psd_header_problem
from scanner.extract.tiff import check_tiff
from scanner.model import Evidence, Line, MediaKind, Rule, Section
from scanner.scanrules import UNREADABLE

NAME = "integrity"
KINDS = frozenset(MediaKind)
RULES: tuple[Rule, ...] = ()  # raises the scanner's own SCN001, defined in scanner.scanrules

# JPEG is absent: its own walk checks the frame header (Pillow would walk the segments again)
_PILLOW_FORMATS = frozenset({"png", "gif", "tiff", "webp", "bmp", "psd"})
_BMFF_FORMATS = frozenset({"mp4", "mov", "m4a", "heif", "avif", "cr3"})
MAX_BOXES = 10_000


def detect(asset: Asset) -> Iterator[Evidence]:
    """Yield one SCN001 evidence per structural problem found (usually none)."""
    for problem in iter_problems(asset):
        yield Evidence(UNREADABLE.code, problem, key="structure", value=asset.format)


def describe(asset: Asset) -> Iterator[Section]:
    """A section listing structural problems, when there are any."""
    problems = list(iter_problems(asset))
    if problems:
        yield Section("Integrity", tuple(Line("problem", p) for p in problems))


def iter_problems(asset: Asset) -> Iterator[str]:
    """Plain-words reasons the file cannot be read as what it is; empty when it can."""
    return iter(asset.view("integrity", _problems))


def _problems(asset: Asset) -> list[str]:
    if asset.size == 0:
        return ["the file is empty (0 bytes)"]
    checks = {
        "jpeg": _jpeg, "png": _png, "webp": _riff, "wav": _riff, "avi": _riff, "tiff": _tiff,
        "psd": _psd,
    }  # fmt: skip
    problems: list[str] = []
    check = checks.get(asset.format) or (_bmff if asset.format in _BMFF_FORMATS else None)
    if check is not None:
        problems.extend(check(asset))
    if asset.format in _PILLOW_FORMATS and not problems:
        problems.extend(_pillow_header(asset))
    return problems


def _jpeg(asset: Asset) -> list[str]:
    """Segments, frame header and end marker: what Pillow's header parse would check, once."""
    walk = jpeg_walk(asset)
    if walk.error:
        return [f"JPEG structure is broken: {walk.error}"]
    frame = frame_problem(walk, 2 * (Image.MAX_IMAGE_PIXELS or 0) or sys.maxsize)
    if frame:
        return [frame]
    if b"\xff\xd9" not in asset.tail(4096):
        return ["JPEG is truncated: no end-of-image marker at the end of the file"]
    return []


def _png(asset: Asset) -> list[str]:
    text = png_text(asset)
    if text.structure_error:
        return [f"PNG structure is broken: {text.structure_error}"]
    animation = apng_problem(text.chunks, text.actl)
    return [f"PNG animation is broken: {animation}"] if animation else []


def _riff(asset: Asset) -> list[str]:
    try:
        with asset.open() as f:
            for _ in iter_riff_chunks(f, skip=frozenset({b"data", b"movi", b"LIST", b"VP8 "})):
                pass
    except StructureError as exc:
        return [f"RIFF structure is broken: {exc}"]
    return []


def _tiff(asset: Asset) -> list[str]:
    with asset.open() as f:
        problem = check_tiff(f, asset.size)
    return [problem] if problem else []


def _psd(asset: Asset) -> list[str]:
    problem = psd_header_problem(asset.head(26))
    return [problem] if problem else []


def _bmff(asset: Asset) -> list[str]:
    """Walk top-level ISO BMFF boxes: every declared size must fit inside the file."""
    pos, count = 0, 0
    with asset.open() as f:
        while pos < asset.size:
            count += 1
            if count > MAX_BOXES:
                return ["ISO BMFF file has too many top-level boxes"]
            f.seek(pos)
            header = f.read(16)
            if len(header) < 8:
                return ["ISO BMFF box header truncated at the end of the file"]
            size, box = struct.unpack(">I4s", header[:8])
            if size == 1:
                size = struct.unpack(">Q", header[8:16])[0] if len(header) == 16 else 0
            elif size == 0:
                size = asset.size - pos  # box runs to the end of the file
            if size < 8 or pos + size > asset.size:
                name = box.decode("latin-1", "replace")
                return [f"ISO BMFF box {name!r} at offset {pos} runs past the end (truncated)"]
            pos += size
    return []


def _pillow_header(asset: Asset) -> list[str]:
    """Let Pillow parse the header only (no pixel decode); its decompression-bomb guard stays on."""
    try:
        with warnings.catch_warnings():
            # Above 89 Mpx Pillow only warns (real 100 Mpx cameras exist); above twice that it
            # refuses, and that refusal is what we report. Its other warnings (odd TIFF tags)
            # are about metadata the EXIF reader judges, not about readability.
            warnings.simplefilter("ignore")
            with asset.open() as f, Image.open(f):
                pass
    except Image.DecompressionBombError as exc:
        return [f"image declares a huge size (decompression-bomb guard): {exc}"]
    except UnidentifiedImageError:
        return [f"Pillow cannot identify this {asset.format.upper()} image (corrupt header)"]
    except (OSError, ValueError, SyntaxError, struct.error, EOFError) as exc:
        return [f"image header is corrupt: {type(exc).__name__}: {exc}"]
    return []
