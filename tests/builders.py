"""Small media made in memory for tests (Pillow only, deterministic)."""

from __future__ import annotations

import io

from PIL import Image


def jpeg_bytes(size: tuple[int, int] = (16, 16), **save: object) -> bytes:
    """A tiny valid JPEG; ``save`` passes Pillow options such as ``exif=`` or ``xmp=``."""
    buf = io.BytesIO()
    Image.new("RGB", size, (120, 80, 40)).save(buf, "JPEG", quality=80, **save)
    return buf.getvalue()


def png_bytes(size: tuple[int, int] = (16, 16), mode: str = "RGB") -> bytes:
    """A tiny valid PNG."""
    buf = io.BytesIO()
    Image.new(mode, size).save(buf, "PNG")
    return buf.getvalue()
