"""References: the AI stills searched for, each kept in memory as its features and pHash.

A reference comes from a still with AI evidence (its pixels: local features and pHash) or
from an AI-use log entry that gives only a ``phash`` (no pixels: matched by whole-frame
pHash, which survives scaling, re-encoding and grading but not zooms, crops or
picture-in-picture; the finding says so).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from scanner.extract.phash import phash_gray
from scanner.trace.features import (
    ANALYSIS_SIDE,
    REFERENCE_FEATURES,
    Features,
    GrayImage,
    describe,
    to_analysis_size,
)

MIN_REFERENCE_FEATURES = 24  # a flat or tiny still has too few corners to be found reliably
_DECODE_ERRORS = (OSError, ValueError, SyntaxError, Image.DecompressionBombError, EOFError)


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


def load_reference(path: Path, name: str = "") -> Reference:
    """A reference from a still on disk; UnusableReference when it cannot be one."""
    gray = read_gray(path)
    return reference_from_gray(gray, name or path.as_posix())


def reference_from_gray(gray: GrayImage, name: str) -> Reference:
    """A reference from a grey picture already in memory."""
    small = to_analysis_size(gray, ANALYSIS_SIDE)
    features = describe(small, REFERENCE_FEATURES)
    if features.count < MIN_REFERENCE_FEATURES:
        raise UnusableReference(
            f"only {features.count} distinctive corners (a flat or tiny picture): "
            "it could not be recognised in a video"
        )
    return Reference(name=name, phash=phash_gray(small), features=features)


def _draft(image: Image.Image, side: int) -> None:
    """Let libjpeg decode at 1/2, 1/4 or 1/8 scale while the longer side stays >= ``side``
    (draft() keeps both sides at least the box it is given, so the box keeps the aspect)."""
    width, height = image.size
    factor = side / max(width, height, 1)
    if factor < 0.5:
        image.draft("L", (max(1, round(width * factor)), max(1, round(height * factor))))


def read_gray(path: Path, draft_side: int = 2 * ANALYSIS_SIDE) -> GrayImage:
    """The still's grey pixels, upright (EXIF orientation applied, as editing tools show it).

    JPEGs are decoded at reduced size by libjpeg (draft mode) when they are at least twice
    ``draft_side``; Pillow's decompression-bomb guard stays on.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as image:
                if image.format in ("JPEG", "MPO"):
                    _draft(image, draft_side)
                upright = ImageOps.exif_transpose(image)
                return np.asarray(upright.convert("L"), dtype=np.uint8)
    except _DECODE_ERRORS as exc:
        raise UnusableReference(f"cannot be decoded as a picture ({exc})") from None
