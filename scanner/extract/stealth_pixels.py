"""A picture's low bits, read column by column with numpy: what stealth pnginfo writers hide
text in (the format is read by ``provscan.extract.stealth``, which has no numpy)."""

from __future__ import annotations

import warnings

import numpy as np
from numpy.typing import NDArray
from PIL import Image
from provscan.asset import Asset


def low_bits(asset: Asset, max_pixels: int) -> dict[str, tuple[bytes, int]] | None:
    """The picture's low-bit streams (see :func:`streams`), or None when it has more than
    ``max_pixels`` pixels, a mode that carries none, or pixels that will not decode (the
    integrity detector's finding, not this one's)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow's bomb warning: our own cap decides
            with asset.open() as f, Image.open(f) as im:
                if im.width * im.height > max_pixels:
                    return None
                pixels = _pixels(im)
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError):
        return None
    return streams(pixels) if pixels is not None else None


def _pixels(im: Image.Image) -> NDArray[np.uint8] | None:
    """RGBA (or RGB) pixels as an (H, W, C) array; None for modes that cannot carry it."""
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        return np.asarray(im.convert("RGBA"), dtype=np.uint8)
    if im.mode == "RGB":
        return np.asarray(im, dtype=np.uint8)
    return None


def streams(pixels: NDArray[np.uint8]) -> dict[str, tuple[bytes, int]]:
    """An (H, W, 3 or 4) array's low bits in the writers' order (x outer, y inner), packed
    most significant bit first, with their count: "alpha" (one a pixel, when there is an
    alpha channel), then "rgb" (R, G, B of each pixel in turn)."""
    columns = pixels.transpose(1, 0, 2)
    found: dict[str, tuple[bytes, int]] = {}
    if pixels.shape[2] == 4:
        found["alpha"] = _packed(columns[:, :, 3].reshape(-1))
    found["rgb"] = _packed(columns[:, :, :3].reshape(-1))
    return found


def _packed(values: NDArray[np.uint8]) -> tuple[bytes, int]:
    return np.packbits((values & 1).astype(np.uint8)).tobytes(), int(values.size)
