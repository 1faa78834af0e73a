"""Integrity: can the file be read as the media its bytes claim to be? (SCN001)

Checks are structural and cheap: the container's own walk (segments, chunks, boxes)
must reach its end without running past the file, and Pillow must accept the header of
formats it knows. A file that fails is reported as unreadable, so the gate fails closed.
"""

from __future__ import annotations

import re
import struct
import sys
import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING

from provscan.asset import Asset
from provscan.extract.apng import apng_problem
from provscan.extract.jpeg import frame_problem, jpeg_walk
from provscan.extract.pngtext import png_text
from provscan.extract.psd import psd_header_problem
from provscan.extract.tiff import check_tiff
from provscan.model import Evidence, Line, MediaKind, Rule, Section
from provscan.rules.scan import UNREADABLE
from provscan.sniff import FFMPEG_ONLY

# The readers of one family of formats (containers, EXR, DPX, MXF, MPO) load with the first
# file of that family (start-up: inspecting a photo needs none of them).
if TYPE_CHECKING:
    from provscan.extract.mpf import MpIndex

NAME = "integrity"
KINDS = frozenset(MediaKind)
RULES: tuple[Rule, ...] = ()  # raises the scanner's own SCN001, defined in scanner.rules.scan

_PILLOW_DEFAULT_PIXELS = 1024 * 1024 * 1024 // 4 // 3  # PIL.Image.MAX_IMAGE_PIXELS as shipped
# JPEG is absent: its own walk checks the frame header (Pillow would walk the segments again)
_PILLOW_FORMATS = frozenset({"png", "gif", "tiff", "webp", "bmp", "psd"})


def detect(asset: Asset) -> Iterator[Evidence]:
    """Yield one SCN001 evidence per structural problem found (usually none)."""
    for problem in iter_problems(asset):
        yield Evidence(UNREADABLE.code, problem, key="structure", value=asset.format)


def describe(asset: Asset) -> Iterator[Section]:
    """A section listing structural problems, when there are any; for an MPO, the pictures
    its MP Index lists."""
    problems = list(iter_problems(asset))
    if problems:
        yield Section("Integrity", tuple(Line("problem", p) for p in problems))
    if asset.format == "mpo":
        from provscan.extract.mpf import mp_index

        index = mp_index(asset)
        if index is not None:
            yield Section("Multi-picture (MPO)", tuple(_mpo_lines(index)))


def _mpo_lines(index: MpIndex) -> Iterator[Line]:
    """The MP Index in words: version, count, then each picture (the first is the one read)."""
    if index.version:
        yield Line("MPF version", index.version)
    yield Line("pictures", f"{len(index.pictures)} (the first is the one scanned)")
    for picture in index.pictures:
        where = f"{picture.type}, {picture.size:,} bytes at offset {picture.offset:,}"
        if picture.representative:
            where += ", representative"
        if picture.problem:
            where += f": {picture.problem}"
        yield Line(f"picture {picture.number}", where, depth=1)
    if index.error:
        yield Line("problem", index.error)


def iter_problems(asset: Asset) -> Iterator[str]:
    """Plain-words reasons the file cannot be read as what it is; empty when it can."""
    return iter(asset.view("integrity", _problems))


def _problems(asset: Asset) -> list[str]:
    if asset.size == 0:
        return ["the file is empty (0 bytes)"]
    checks = {
        "jpeg": _jpeg, "mpo": _jpeg, "png": _png, "tiff": _tiff, "psd": _psd, "mp3": _id3,
        "mxf": _mxf, "exr": _exr, "dpx": _dpx, "cineon": _dpx, "raf": _raf, "dv": _dv,
        "j2k": _j2k, "hdr": _radiance,
    }  # fmt: skip
    problems: list[str] = []
    check = checks.get(asset.format)
    if check is not None:
        problems.extend(check(asset))
    else:
        problems.extend(_container(asset))
    if asset.format in FFMPEG_ONLY and not problems:
        problems.extend(_ffmpeg(asset))
    if asset.format in _PILLOW_FORMATS and not problems:
        problems.extend(_pillow_header(asset))
    return problems


def _jpeg(asset: Asset) -> list[str]:
    """Segments, frame header and end marker: what Pillow's header parse would check, once."""
    walk = jpeg_walk(asset)
    if walk.error:
        return [f"JPEG structure is broken: {walk.error}"]
    frame = frame_problem(walk, 2 * (_pillow_pixel_limit() or 0) or sys.maxsize)
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


def _tiff(asset: Asset) -> list[str]:
    with asset.open() as f:
        problem = check_tiff(f, asset.size)
    return [problem] if problem else []


# A Fujifilm RAF header's sections (ExifTool's FujiFilm.pm, LibRaw): at byte 84, the JPEG
# preview's offset and length, then the raw header's, then the raw data's (big-endian).
_RAF_SECTIONS = (("JPEG preview", 84), ("raw header", 92), ("raw data", 100))


def _raf(asset: Asset) -> list[str]:
    """A RAF whose header is cut short, or whose sections lie past the end of the file (a
    file not fully written or cut)."""
    head = asset.head(108)
    if len(head) < 108:
        return [f"Fujifilm RAF header is truncated ({len(head)} of 108 bytes)"]
    for name, at in _RAF_SECTIONS:
        offset, length = struct.unpack_from(">II", head, at)
        if offset + length > asset.size:
            return [f"Fujifilm RAF {name} ({length:,} bytes at offset {offset:,}) lies past "
                    f"the end of the file ({asset.size:,} bytes)"]  # fmt: skip
    return []


def _ffmpeg(asset: Asset) -> list[str]:
    """A stream only FFmpeg reads (see FFMPEG_ONLY): unreadable when its demuxer cannot open
    it, since nothing else has read it."""
    from provscan.extract.avinfo import av_info

    error = av_info(asset).error
    return [f"FFmpeg cannot read this {asset.format.upper()} stream: {error}"] if error else []


def _j2k(asset: Asset) -> list[str]:
    """A JPEG 2000 codestream (ISO/IEC 15444-1 A.3) ends with its EOC marker; one that does
    not is cut (a frame not fully written)."""
    if asset.tail(2) != b"\xff\xd9":
        return ["JPEG 2000 codestream is truncated: no end-of-codestream (EOC) marker at the end"]
    return []


# A Radiance header: "#?" program line, variable lines, a blank line, then the resolution
# string ("-Y 512 +X 768" and its seven siblings), as the format's specification places them.
_RADIANCE_SIZE = re.compile(rb"\n\n[-+][XY] +\d+ +[-+][XY] +\d+\r?\n")


def _radiance(asset: Asset) -> list[str]:
    """A Radiance picture whose header never reaches its resolution string (cut or not one)."""
    if _RADIANCE_SIZE.search(asset.head()) is None:
        return ["Radiance header is incomplete: no resolution line after its header"]
    return []


_DIF_SEQUENCE = 150 * 80  # a DV stream is whole DIF sequences of 150 80-byte blocks (IEC 61834)


def _dv(asset: Asset) -> list[str]:
    """A DV stream cut inside a DIF sequence (a capture not fully written): every DV
    variant (DV25, DVCPRO50, DVCPRO HD) is made of whole sequences."""
    if asset.size % _DIF_SEQUENCE:
        whole = f"a whole number of DIF sequences ({_DIF_SEQUENCE:,} bytes each)"
        return [f"DV stream is cut: {asset.size:,} bytes is not {whole}; its last frame is short"]
    return []


def _psd(asset: Asset) -> list[str]:
    problem = psd_header_problem(asset.head(26))
    return [problem] if problem else []


def _container(asset: Asset) -> list[str]:
    """A container walk from provscan.extract.av_structure (boxes, chunks, pages, elements),
    for the formats it knows (video, audio and the RIFF/BMFF images: WebP, HEIF, AVIF, CR3)."""
    from provscan.extract.av_structure.checks import CHECKS

    check = CHECKS.get(asset.format)
    if check is None:
        return []
    with asset.open() as f:
        problem = check(f, asset.size)
    return [problem] if problem else []


def _id3(asset: Asset) -> list[str]:
    from provscan.extract.av_structure.checks import id3_problem

    problem = id3_problem(asset.head())
    return [problem] if problem else []


def _mxf(asset: Asset) -> list[str]:
    from provscan.extract.media_tags import mxf_info

    problem = mxf_info(asset).problem
    return [f"MXF structure is broken: {problem}"] if problem else []


def _exr(asset: Asset) -> list[str]:
    from provscan.extract.exr import exr_problems

    return exr_problems(asset)


def _dpx(asset: Asset) -> list[str]:
    """A DPX or Cineon frame's header against the file."""
    from provscan.extract.dpx import frame_problems

    return frame_problems(asset)


def _pillow_pixel_limit() -> int | None:
    """Pillow's decompression-bomb limit: the one set on a loaded Pillow (a library caller may
    change it), else its default; Pillow itself is not imported for a JPEG (start-up)."""
    image = sys.modules.get("PIL.Image")
    if image is None:
        return _PILLOW_DEFAULT_PIXELS
    limit = getattr(image, "MAX_IMAGE_PIXELS", _PILLOW_DEFAULT_PIXELS)
    return int(limit) if limit else None


def _pillow_header(asset: Asset) -> list[str]:
    """Let Pillow parse the header only (no pixel decode); its decompression-bomb guard stays on."""
    from PIL import Image, UnidentifiedImageError  # loaded for the formats that need it

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
