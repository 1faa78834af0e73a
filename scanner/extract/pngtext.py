"""PNG text chunks (tEXt, zTXt, iTXt) read by walking chunks, never by decoding pixels.

Pillow's ``im.text`` decodes the whole image to reach chunks after IDAT (300x slower);
this walk seeks past IDAT. Compressed text is inflated with a hard output cap, so a
zTXt decompression bomb costs a bounded amount of memory and is reported, not obeyed.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

from scanner.asset import Asset
from scanner.extract.containers import StructureError, iter_png_chunks

MAX_TEXT = 8 * 1024 * 1024  # inflated size cap per chunk


@dataclass(slots=True)
class PngText:
    """Text chunks by keyword (first wins), other metadata chunks seen, and problems met."""

    text: dict[str, str] = field(default_factory=dict)
    chunks: list[bytes] = field(default_factory=list)  # every chunk type, in order
    exif: bytes = b""  # eXIf payload
    actl: bytes = b""  # APNG animation control payload
    problems: list[str] = field(default_factory=list)
    structure_error: str = ""  # why the chunk walk stopped early (truncated, corrupt)
    text_after_idat: bool = False


def png_text(asset: Asset) -> PngText:
    """All PNG text chunks of the asset (cached view); empty for non-PNG files."""
    return asset.view("png_text", _read_png_text)


def _read_png_text(asset: Asset) -> PngText:
    result = PngText()
    if asset.format != "png":
        return result
    seen_idat = False
    try:
        with asset.open() as f:
            for chunk in iter_png_chunks(f):
                result.chunks.append(chunk.tag)
                seen_idat = seen_idat or chunk.tag == b"IDAT"
                if chunk.tag == b"eXIf":
                    result.exif = chunk.data
                elif chunk.tag == b"acTL":
                    result.actl = chunk.data
                decoded = _decode_text(chunk.tag, chunk.data, result.problems)
                if decoded is not None:
                    key, value = decoded
                    result.text.setdefault(key, value)
                    result.text_after_idat = result.text_after_idat or seen_idat
    except StructureError as exc:
        result.structure_error = str(exc)
    return result


def _decode_text(tag: bytes, data: bytes, problems: list[str]) -> tuple[str, str] | None:
    """Decode one tEXt/zTXt/iTXt payload into (keyword, text), or None for other chunks."""
    if tag not in (b"tEXt", b"zTXt", b"iTXt") or b"\x00" not in data:
        return None
    raw_key, rest = data.split(b"\x00", 1)
    key = raw_key.decode("latin-1")
    if tag == b"tEXt":
        return key, rest.decode("latin-1")
    if tag == b"zTXt":
        return key, _inflate(rest[1:], key, problems).decode("latin-1")
    # iTXt: compression flag, method, language\0, translated keyword\0, text (UTF-8)
    if len(rest) < 2:
        return None
    compressed, body = rest[0] == 1, rest[2:]
    parts = body.split(b"\x00", 2)
    if len(parts) < 3:
        return None
    text = _inflate(parts[2], key, problems) if compressed else parts[2]
    return key, text.decode("utf-8", "replace")


def _inflate(data: bytes, key: str, problems: list[str]) -> bytes:
    """Inflate at most MAX_TEXT bytes; record a problem when the stream wants more or is bad."""
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, MAX_TEXT)
    except zlib.error as exc:
        problems.append(f"text chunk {key!r} is not valid zlib data ({exc})")
        return b""
    if inflater.unconsumed_tail:
        problems.append(
            f"text chunk {key!r} inflates past {MAX_TEXT // (1024 * 1024)} MiB "
            "(decompression bomb); truncated"
        )
    return out
