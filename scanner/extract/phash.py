"""Perceptual hash (64-bit DCT pHash), bit-compatible with ``imagehash.phash``.

Productions record ``str(imagehash.phash(Image.open(path)))`` in their AI-use log; this module
computes the same 16-hex-digit value without imagehash or scipy, so a re-encoded, resized or
lightly edited deliverable can be matched by Hamming distance.

The algorithm is imagehash 4.3's ``phash(image, hash_size=8, highfreq_factor=4)``:

1. ``image.convert("L")`` (Pillow's ITU-R 601 luma; alpha is dropped, not composited),
2. ``resize((32, 32), Image.Resampling.LANCZOS)``,
3. 2-D DCT-II as ``scipy.fftpack.dct`` computes it (axis 0, then axis 1, unnormalised:
   ``y[k] = 2 * sum(x[n] * cos(pi * k * (2n + 1) / 64))``), done here with a cosine matrix,
4. the top-left 8x8 coefficients, each compared with their median (``> median`` is 1),
5. bits packed row-major, most significant first, as 16 lowercase hex digits
   (imagehash's ``_binary_array_to_hex``).

Degenerate pictures (a flat frame, a pure gradient, a mirror-symmetric pattern) have many
coefficients that are zero in exact arithmetic. scipy's FFT returns exact zeros for most of
them while a matrix product leaves ~1e-13 of rounding noise, and a noise sign decides a bit
when such zeros straddle the median; coefficients below ``_ZERO`` are therefore snapped to 0.
That reproduces imagehash on flat frames, one-axis gradients and symmetric shapes; only where
scipy itself returns rounding noise instead of zero (seen on pictures a pixel or two wide)
can a bit still differ. Real photographs and video frames are unaffected.

``phash_of`` hashes the file as stored, like ``imagehash.phash(Image.open(path))``: the EXIF
orientation is *not* applied (a JPEG rotated by its Orientation tag hashes as its stored
pixels, as imagehash does) and an animated file hashes its first frame; it decodes in full,
so it equals imagehash. ``phash_draft_of`` decodes JPEGs in Pillow's draft mode
(``draft("L", (256, 256))``: libjpeg's DCT scaling to 1/2-1/8, luma only),
about 3-6x faster: a 1080p JPEG takes ~2-7 ms instead of ~14-20 ms, a 12 MP one ~23 ms
instead of ~100 ms. The price is drift from the full-decode (imagehash) value, measured on
334 JPEGs (the corpus's, q90 re-encodes and 3x upscales of its images, synthetic 1080p):
identical for 82%, at most 2 bits for 93%, 99th percentile ~11 bits, worst 24 bits on a
flat-background icon whose many near-zero coefficients straddle the median (pictures that are
fragile anyway: a q90 re-encode alone moves that icon's imagehash by 8 bits). Photographs
whose coefficients crowd the median drift 4-8 bits. PNG, WebP, GIF, TIFF... are decoded in
full and match imagehash exactly.
"""

from __future__ import annotations

import re
import struct
import warnings
import zlib

import numpy as np
from numpy.typing import NDArray
from PIL import Image
from provscan.asset import Asset
from provscan.model import MediaKind

PHASH_BITS = 64
_HASH_SIDE = 8  # imagehash hash_size
_IMG_SIDE = 32  # hash_size * highfreq_factor (4)
_ZERO = 1e-6  # |coefficient| below this is rounding noise (coefficients reach ~1e6)
_HEX16 = re.compile(r"[0-9a-fA-F]{16}")

# JPEG draft: libjpeg scales the DCT by 1/2, 1/4 or 1/8 while keeping both sides >= this
# (1/4 for 1080p, 1/8 from 2048 px up). 256 rather than 64 costs ~1 ms more on a 1080p
# file and cuts the mean drift from the full decode from 1.3 to 0.8 bits (module docstring).
_DRAFT_SIDE = 256

# Sniffed format -> Pillow plugin allowed to open it. Only still-image decoders: Pillow's
# EPS plugin would run Ghostscript, and anything outside this map is not hashed at all.
_PILLOW_FORMATS: dict[str, tuple[str, ...]] = {
    "jpeg": ("JPEG",),  # its factory also opens MPO (multi-picture) files
    "mpo": ("MPO", "JPEG"),  # Pillow reads the first picture
    "png": ("PNG",),
    "gif": ("GIF",),
    "webp": ("WEBP",),
    "tiff": ("TIFF",),
    "bmp": ("BMP",),
    "psd": ("PSD",),
    "avif": ("AVIF",),
}

# What a malformed file makes Pillow's decoders raise (UnidentifiedImageError is an OSError).
_DECODE_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    ValueError,
    SyntaxError,
    EOFError,
    struct.error,
    zlib.error,
    IndexError,
    KeyError,
    TypeError,
    ZeroDivisionError,
    OverflowError,
    MemoryError,
    Image.DecompressionBombError,
)


def _dct_rows() -> NDArray[np.float64]:
    """The first 8 rows of scipy's unnormalised 32-point DCT-II matrix."""
    k = np.arange(_HASH_SIDE, dtype=np.float64)[:, None]
    n = np.arange(_IMG_SIDE, dtype=np.float64)[None, :]
    return 2.0 * np.cos(np.pi * k * (2.0 * n + 1.0) / (2.0 * _IMG_SIDE))


_DCT = _dct_rows()


def phash_image(image: Image.Image) -> str:
    """The 64-bit pHash of a Pillow image as 16 lowercase hex digits (``str(imagehash.phash)``).

    Raises what Pillow raises for an image it cannot convert to greyscale or decode.
    """
    small = image.convert("L").resize((_IMG_SIDE, _IMG_SIDE), Image.Resampling.LANCZOS)
    pixels = np.asarray(small, dtype=np.float64)
    low = (_DCT @ pixels) @ _DCT.T  # DCT along axis 0, then axis 1; keep 8x8
    low[np.abs(low) < _ZERO] = 0.0
    bits = (low > np.median(low)).ravel()
    value = 0
    for bit in bits:
        value = (value << 1) | int(bit)
    return f"{value:016x}"


def phash_gray(pixels: NDArray[np.generic]) -> str:
    """The pHash of a 2-D grey array (a video frame), equal to ``phash_image`` of that picture.

    uint8 values are grey levels. Other integers are clipped to 0..255 (as Pillow converts
    "I" to "L"). Floats are on the 0..255 scale and go through Pillow as a mode "F" image, so
    they are truncated and clipped exactly as ``Image.fromarray(a.astype(float32)).convert("L")``
    does. Raises ValueError for an empty, non-2-D, boolean or complex array.
    """
    array = np.asarray(pixels)
    if array.ndim != 2 or array.size == 0:
        raise ValueError(f"expected a non-empty 2-D grey array, got shape {array.shape}")
    if array.dtype == np.uint8:
        image = Image.fromarray(np.ascontiguousarray(array))
    elif np.issubdtype(array.dtype, np.integer):
        image = Image.fromarray(np.clip(array, 0, 255).astype(np.uint8))
    elif np.issubdtype(array.dtype, np.floating):
        image = Image.fromarray(np.ascontiguousarray(array, dtype=np.float32))
    else:
        raise ValueError(f"unsupported pixel type {array.dtype}")
    return phash_image(image)


def is_phash(text: str) -> bool:
    """True when ``text`` is exactly 16 hex digits (either case), as imagehash writes a pHash."""
    return isinstance(text, str) and _HEX16.fullmatch(text) is not None


def hamming(a: str, b: str) -> int:
    """Number of differing bits between two 16-hex-digit hashes; ValueError if one is malformed."""
    for value in (a, b):
        if not is_phash(value):
            raise ValueError(f"{str(value)[:40]!r} is not a 64-bit hash (16 hex digits)")
    return (int(a, 16) ^ int(b, 16)).bit_count()


def phash_of(asset: Asset) -> str | None:
    """The asset's pHash exactly as imagehash computes it (full decode; cached view).

    This is what AI-use log entries are matched against: the drift of draft decoding
    (4-8 bits on some photographs) would eat most of a typical 8-bit match distance.
    """
    return asset.view("phash", lambda a: _compute(a, draft=False))


def phash_draft_of(asset: Asset) -> str | None:
    """A faster pHash (JPEG draft decoding, 3-6x faster), for searches that rank candidates."""
    return asset.view("phash_draft", lambda a: _compute(a, draft=True))


def _compute(asset: Asset, *, draft: bool) -> str | None:
    if asset.kind != MediaKind.IMAGE:
        return None
    Image.init()  # loads every plugin once; a Pillow built without one (AVIF) must not KeyError
    formats = [name for name in _PILLOW_FORMATS.get(asset.format, ()) if name in Image.OPEN]
    if not formats:
        return None
    try:
        with warnings.catch_warnings():
            # Pillow's warnings (bomb warning, odd EXIF) are not findings; the bomb *error*
            # (more than twice Image.MAX_IMAGE_PIXELS) still stops the decode.
            warnings.simplefilter("ignore")
            with asset.open() as f, Image.open(f, formats=formats) as im:
                if draft and im.format in ("JPEG", "MPO"):
                    im.draft("L", (_DRAFT_SIDE, _DRAFT_SIDE))
                im.load()  # first frame only: Image.open stays on frame 0
                return phash_image(im)
    except _DECODE_ERRORS:
        return None
