"""References: the AI stills searched for, each kept in memory as its features and pHash.

A reference comes from a still with AI evidence (its pixels: local features and pHash) or
from an AI-use log entry that gives only a ``phash`` (no pixels: matched by whole-frame
pHash, which survives scaling, re-encoding and grading but not zooms, crops or
picture-in-picture; the finding says so).

Any still may be a reference, so every shape and mode is met here: 1-pixel crops, 2000 x 1
strips, 16-bit grey, CMYK, palettes, alpha, animations, truncated files. Each either becomes
a reference or raises ``UnusableReference`` saying why; nothing else escapes. Small stills
are enlarged before they are described: ORB drops a 31-pixel border (``features``), so a
still under ``DESCRIBED_SIDE`` pixels is mostly border, and since a cut can show it only
enlarged (frames are analysed at 640 px), describing it enlarged is describing it as it
appears (a 64 x 48 still letterboxed into a 640 x 360 cut is found this way, and not at its
own size). Past ``MAX_ENLARGEMENT`` there is no picture left to enlarge: a line or a dot.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageOps, UnidentifiedImageError
from provscan.extract.phash import phash_gray
from provscan.trace.features import (
    ANALYSIS_SIDE,
    REFERENCE_FEATURES,
    Features,
    GrayImage,
    describe,
    to_analysis_size,
)
from provscan.trace.wording import one_line

MIN_REFERENCE_FEATURES = 24  # a flat or tiny still has too few corners to be found reliably
DESCRIBED_SIDE = 128  # shorter side a smaller still is enlarged to: twice ORB_MIN_SIDE
MAX_ENLARGEMENT = 8  # the strongest zoom the matcher accepts; so at least 16 px a side
_HIGH_DEPTH = frozenset({"I;16", "I;16B", "I;16L", "I;16N"})


@dataclass(frozen=True, slots=True)
class Reference:
    """One picture to look for: its name in the report, its features and its pHash."""

    name: str  # the still's path as the report shows it, or "log entry AI-003"
    phash: str  # 16 hex digits of the whole still (imagehash-compatible)
    features: Features | None = None  # None: a pHash-only reference (a log entry)
    phash_max_distance: int = 10
    entry: str = ""  # the AI-use log entry it came from, for pHash-only references

    @property
    def has_pixels(self) -> bool:
        """Whether local features can confirm it (a still, not a bare log hash)."""
        return self.features is not None


class UnusableReference(ValueError):
    """The still cannot serve as a reference (unreadable, or too flat to be recognised)."""


class NoDecoder(UnusableReference):
    """No decoder of the search takes the file at all (Pillow identifies no picture in it:
    HEIF or JPEG XL without their plugins, a vector SVG), as opposed to a picture whose
    decoding fails part-way."""


def load_reference(path: Path, name: str = "") -> Reference:
    """A reference from a still on disk; UnusableReference when it cannot be one."""
    gray = read_gray(path)
    return reference_from_gray(gray, name or path.as_posix())


def reference_from_gray(gray: GrayImage, name: str) -> Reference:
    """A reference from a grey picture already in memory; UnusableReference when it is too
    small, too thin or too flat to be recognised."""
    if gray.ndim != 2 or gray.size == 0:
        raise UnusableReference(f"not a picture (pixels of shape {gray.shape})")
    small = to_analysis_size(gray, ANALYSIS_SIDE)
    if min(small.shape) * MAX_ENLARGEMENT < DESCRIBED_SIDE:
        height, width = gray.shape
        what = "thin" if max(small.shape) * MAX_ENLARGEMENT >= DESCRIBED_SIDE else "small"
        raise UnusableReference(
            f"{width} x {height} px: too {what} to be recognised (the search needs at least "
            f"{DESCRIBED_SIDE // MAX_ENLARGEMENT} px on the shorter side once the longer is at "
            f"most {ANALYSIS_SIDE})"
        )
    features = describe(_enlarged(small), REFERENCE_FEATURES)
    if features.count < MIN_REFERENCE_FEATURES:
        raise UnusableReference(
            f"only {features.count} distinctive corners (a flat or tiny picture): "
            "it could not be recognised in a video"
        )
    return Reference(name=name, phash=phash_gray(small), features=features)


def _enlarged(small: GrayImage) -> GrayImage:
    """The analysis-size picture enlarged (bicubic, as editors scale) until its shorter side
    is ``DESCRIBED_SIDE`` (unchanged when it already is)."""
    height, width = small.shape
    factor = DESCRIBED_SIDE / min(height, width)
    if factor <= 1.0:
        return small
    size = (round(width * factor), round(height * factor))
    return np.asarray(cv2.resize(small, size, interpolation=cv2.INTER_CUBIC), dtype=np.uint8)


def _draft(image: Image.Image, side: int) -> None:
    """Let libjpeg decode at 1/2, 1/4 or 1/8 scale while the longer side stays >= ``side``
    (draft() keeps both sides at least the box it is given, so the box keeps the aspect)."""
    width, height = image.size
    factor = side / max(width, height, 1)
    if factor < 0.5:
        image.draft("L", (max(1, round(width * factor)), max(1, round(height * factor))))


def read_gray(path: Path, draft_side: int = 2 * ANALYSIS_SIDE) -> GrayImage:
    """The still's grey pixels, upright (EXIF orientation applied, as editing tools show it);
    UnusableReference when it will not decode, whatever the decoder raised (MemoryError
    excepted: that depends on the memory limit, not on the file).

    JPEGs are decoded at reduced size by libjpeg (draft mode) when they are at least twice
    ``draft_side``; Pillow's decompression-bomb guard stays on. An animation gives its first
    frame.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as image:
                if image.format in ("JPEG", "MPO"):
                    _draft(image, draft_side)
                ImageOps.exif_transpose(image, in_place=True)  # (no copy when upright)
                return to_gray(image)
    except MemoryError:
        raise
    except UnidentifiedImageError:
        raise NoDecoder("the search has no decoder for this picture format") from None
    except Exception as exc:  # hostile bytes reach every corner of every decoder
        raise UnusableReference(f"cannot be decoded as a picture ({one_line(exc)})") from None


def to_gray(image: Image.Image) -> GrayImage:
    """8-bit grey levels of a picture in any mode.

    Pillow clips 16-bit grey to 8 bits (a 16-bit still would turn white and look flat), so
    16-bit grey is scaled by 256, as an 8-bit export would; 32-bit integer and float grey
    have no fixed range and are stretched from their own. Transparent pixels are shown on
    black (premultiplied), as an editor shows a still with alpha over an empty track; an
    opaque alpha channel changes nothing.
    """
    if image.mode in _HIGH_DEPTH:
        return np.asarray(np.asarray(image, dtype=np.uint16) >> 8, dtype=np.uint8)
    if image.mode in ("I", "F"):
        return _stretched(np.asarray(image, dtype=np.float64))
    if image.has_transparency_data:
        both = np.asarray(image.convert("LA"), dtype=np.uint16)
        return np.asarray((both[:, :, 0] * both[:, :, 1] + 127) // 255, dtype=np.uint8)
    if image.mode == "L":  # (a draft-decoded JPEG: no conversion, no copy)
        return np.asarray(image, dtype=np.uint8)
    if image.mode not in ("L", "RGB", "1", "P", "CMYK", "YCbCr", "HSV"):
        image = image.convert("RGB")  # e.g. LAB, which has no direct path to L
    return np.asarray(image.convert("L"), dtype=np.uint8)


def _stretched(values: NDArray[np.float64]) -> GrayImage:
    """Values of any range mapped linearly onto 0..255 (non-finite ones as the lowest)."""
    finite = np.isfinite(values)
    if not finite.any():
        return np.zeros(values.shape, np.uint8)
    low, high = float(values[finite].min()), float(values[finite].max())
    span = high - low if high > low else 1.0
    scaled = np.where(finite, (values - low) * (255.0 / span), 0.0)
    return np.asarray(np.clip(np.rint(scaled), 0, 255), dtype=np.uint8)
