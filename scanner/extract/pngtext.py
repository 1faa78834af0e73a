"""PNG text chunks (tEXt, zTXt, iTXt) read by walking chunks, never by decoding pixels.

Pillow's ``im.text`` decodes the whole image to reach chunks after IDAT (300x slower);
this walk seeks past IDAT. Compressed text is inflated with a hard output cap, so a
zTXt decompression bomb costs a bounded amount of memory and is reported, not obeyed.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

from provscan.asset import Asset
from provscan.extract.containers import StructureError, iter_png_chunks

MAX_TEXT = 8 * 1024 * 1024  # inflated size cap per chunk
# ... and for all chunks of a file together: each zTXt bomb under a new keyword was kept, so
# a 320 KB PNG of 40 such chunks held 320 MiB of text (a 25 MB one would hold 25 GiB).
MAX_TEXT_TOTAL = 32 * 1024 * 1024
_MIB = 1024 * 1024


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
    budget = _Budget()
    try:
        with asset.open() as f:
            for chunk in iter_png_chunks(f):
                result.chunks.append(chunk.tag)
                seen_idat = seen_idat or chunk.tag == b"IDAT"
                if chunk.tag == b"eXIf":
                    result.exif = chunk.data
                elif chunk.tag == b"acTL":
                    result.actl = chunk.data
                decoded = _decode_text(chunk.tag, chunk.data, result.problems, budget)
                if decoded is not None:
                    key, value = decoded
                    result.text.setdefault(key, value)
                    result.text_after_idat = result.text_after_idat or seen_idat
    except StructureError as exc:
        result.structure_error = str(exc)
    return result


@dataclass(slots=True)
class _Budget:
    """Inflated bytes a file's text chunks may still produce, all chunks together."""

    left: int = MAX_TEXT_TOTAL
    spent_noted: bool = False


def _decode_text(
    tag: bytes, data: bytes, problems: list[str], budget: _Budget
) -> tuple[str, str] | None:
    """Decode one tEXt/zTXt/iTXt payload into (keyword, text), or None for other chunks.

    ComfyUI's SaveAnimatedPNG writes its graphs into private ``comf`` chunks after the image
    data, laid out as tEXt ("keyword\\0text", Latin-1); they are read the same way."""
    if tag not in (b"tEXt", b"zTXt", b"iTXt", b"comf") or b"\x00" not in data:
        return None
    raw_key, rest = data.split(b"\x00", 1)
    key = raw_key.decode("latin-1")
    if tag in (b"tEXt", b"comf"):
        return key, rest.decode("latin-1")
    if tag == b"zTXt":
        return key, _inflate(rest[1:], key, problems, budget).decode("latin-1")
    # iTXt: compression flag, method, language\0, translated keyword\0, text (UTF-8)
    if len(rest) < 2:
        return None
    compressed, body = rest[0] == 1, rest[2:]
    parts = body.split(b"\x00", 2)
    if len(parts) < 3:
        return None
    text = _inflate(parts[2], key, problems, budget) if compressed else parts[2]
    return key, text.decode("utf-8", "replace")


def _inflate(data: bytes, key: str, problems: list[str], budget: _Budget) -> bytes:
    """Inflate at most MAX_TEXT bytes (less when the file's budget is nearly spent); record a
    problem when the stream wants more or is bad."""
    limit = min(MAX_TEXT, budget.left)
    if limit <= 0:
        _note_spent(key, problems, budget)
        return b""
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, limit)
    except zlib.error as exc:
        problems.append(f"text chunk {key!r} is not valid zlib data ({exc})")
        return b""
    budget.left -= len(out)
    if inflater.unconsumed_tail and limit < MAX_TEXT:
        _note_spent(key, problems, budget)
    elif inflater.unconsumed_tail:
        problems.append(
            f"text chunk {key!r} inflates past {MAX_TEXT // _MIB} MiB "
            "(decompression bomb); truncated"
        )
    return out


def _note_spent(key: str, problems: list[str], budget: _Budget) -> None:
    """Say once that the file's text budget ran out, naming the first chunk it cut."""
    if not budget.spent_noted:
        budget.spent_noted = True
        problems.append(
            f"text chunk {key!r} and later ones cut: all text chunks together inflate past "
            f"{MAX_TEXT_TOTAL // _MIB} MiB (decompression bombs)"
        )
