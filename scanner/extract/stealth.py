"""Stealth pnginfo: generation text hidden in the low bits of pixels, decoded with numpy.

Format of the stable-diffusion-webui-stealth-pnginfo extension (also written by NovelAI):
bits are read column by column (x outer, y inner), from the alpha channel's LSB (one bit
per pixel) or from the R, G, B LSBs (three bits per pixel). The stream is a 15-byte
signature, a 32-bit big-endian payload length in bits, then the payload (UTF-8 text, or
gzip when the signature ends in ``comp``). Only the first bits matter, so decoding is
bounded: images above a pixel cap are refused and the payload length is capped.
"""

from __future__ import annotations

import gzip
import struct
import warnings
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
from numpy.typing import NDArray
from PIL import Image
from provscan.asset import Asset
from provscan.extract.containers import Chunk, StructureError, iter_png_chunks, iter_riff_chunks

# Signatures from the extension's read_info_from_image_stealth (and sd-parsers' reader).
_ALPHA_SIGNATURES = {b"stealth_pnginfo": False, b"stealth_pngcomp": True}
_RGB_SIGNATURES = {b"stealth_rgbinfo": False, b"stealth_rgbcomp": True}
_SIG_BITS = 15 * 8
_LEN_BITS = 32
_PROBE_ROWS = 8  # 8 alpha bits, 24 RGB bits: enough to reject a PNG without "stealth_"
MAX_PIXELS = 25_000_000  # above this we do not decode pixels just to look for hidden text
MAX_PAYLOAD_BITS = 8 * 1024 * 1024 * 8  # 8 MiB of hidden payload at most
MAX_TEXT = 8 * 1024 * 1024  # inflated size cap (a gzip bomb in the alpha channel)
_FORMATS = frozenset({"png", "webp"})  # lossless carriers; JPEG destroys LSBs


@dataclass(frozen=True, slots=True)
class Stealth:
    """Hidden text found in pixel LSBs: which channel mode, compressed or not, the text."""

    mode: str  # "alpha" or "rgb"
    signature: str
    text: str
    problem: str = ""  # set when a signature was found but the payload could not be read


def stealth_info(asset: Asset) -> Stealth | None:
    """The asset's stealth pnginfo (cached view), or None when there is none or it was not read."""
    return asset.view("stealth", _read_stealth)


def _read_stealth(asset: Asset) -> Stealth | None:
    if asset.format not in _FORMATS:
        return None
    if asset.format == "png" and not _png_may_carry(asset):
        return None  # column 0 has no signature: no need to decode every pixel
    if asset.format == "webp" and not _webp_may_carry(asset):
        return None  # lossy pixels, no alpha plane: no low bit survives the encoder
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow's bomb warning: our own cap decides
            with asset.open() as f, Image.open(f) as im:
                if im.width * im.height > MAX_PIXELS:
                    return None
                pixels = _pixels(im)
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError):
        return None  # unreadable pixels are the integrity detector's finding, not ours
    return decode_pixels(pixels) if pixels is not None else None


def _png_may_carry(asset: Asset) -> bool:
    """False when the first pixels of column 0 prove there is no signature; True if unsure.

    With PNG filters, the first pixel of a row depends only on the first pixel of the row
    above (its left and upper-left neighbours are zero), so the signature bits come from
    inflating a prefix of the image. Every signature starts "stealth_", so 8 rows (one
    alpha byte, three RGB bytes) reject almost every PNG; only a match reads all 120 rows.
    """
    for rows in (_PROBE_ROWS, _SIG_BITS):
        try:
            column = _png_first_column(asset, rows)
        except (OSError, StructureError, zlib.error):
            return True  # let the full decoder (and its error handling) decide
        if column is None:
            return True
        if not _column_matches(column):
            return False
    return True


# WebP chunks (Google's WebP container specification): VP8L is a lossless bitstream, ALPH a
# lossless alpha plane beside a lossy VP8 one, ANMF an animation frame (either kind).
_WEBP_PIXELS = frozenset({b"VP8 ", b"VP8L", b"ALPH", b"ANMF"})


def _webp_may_carry(asset: Asset) -> bool:
    """False when the WebP's only pixels are lossy VP8 without an alpha plane: the encoder
    rounds every low bit away, so no stealth text can be in them. True if unsure."""
    try:
        with asset.open() as f:
            tags = {c.tag for c in iter_riff_chunks(f, skip=_WEBP_PIXELS) if c.tag in _WEBP_PIXELS}
    except (OSError, StructureError, struct.error):
        return True  # let the full decoder (and its error handling) decide
    return tags != {b"VP8 "}


def _column_matches(column: NDArray[np.uint8]) -> bool:
    """Whether column-0 LSBs agree with some signature for as many bits as the column holds."""
    rgb = np.packbits((column[: _SIG_BITS // 3, :3] & 1).astype(np.uint8).reshape(-1)).tobytes()
    if any(sig.startswith(rgb) for sig in _RGB_SIGNATURES):
        return True
    if column.shape[1] != 4:
        return False
    alpha = np.packbits((column[:, 3] & 1).astype(np.uint8)).tobytes()
    return any(sig.startswith(alpha) for sig in _ALPHA_SIGNATURES)


def _png_first_column(asset: Asset, rows: int) -> NDArray[np.uint8] | None:
    """Unfiltered first pixel of the first ``rows`` rows of an 8-bit RGB(A) non-interlaced PNG."""
    with asset.open() as f, asset.open() as data:
        chunks = iter_png_chunks(f)
        ihdr = next(chunks).data
        if len(ihdr) < 13:
            return None
        width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", ihdr[:13])
        channels = {2: 3, 6: 4}.get(colour)
        if channels is None or depth != 8 or interlace or height < rows:
            return None
        stride = 1 + width * channels
        raw = _inflate_prefix(chunks, data, rows * stride)
    if len(raw) < rows * stride:
        return None
    lines = np.frombuffer(raw, dtype=np.uint8)[: rows * stride].reshape(rows, stride)
    return _unfilter_first(lines[:, 0], lines[:, 1 : 1 + channels])


def _inflate_prefix(chunks: Iterator[Chunk], data: BinaryIO, want: int) -> bytes:
    inflater, out = zlib.decompressobj(), bytearray()
    for chunk in chunks:
        if chunk.tag == b"IEND" or len(out) >= want:
            break
        if chunk.tag == b"IDAT":
            data.seek(chunk.offset)
            out += inflater.decompress(data.read(chunk.size), want - len(out))
    return bytes(out)


def _unfilter_first(
    filters: NDArray[np.uint8], pixels: NDArray[np.uint8]
) -> NDArray[np.uint8] | None:
    """Undo PNG filters (spec 9.2) on each row's first pixel, where left and upper-left are 0."""
    out = np.zeros_like(pixels)
    above = np.zeros(pixels.shape[1], dtype=np.int32)
    for row, kind in enumerate(filters.tolist()):
        if kind > 4:
            return None
        # None/Sub add 0; Up and Paeth add the pixel above; Average adds half of it.
        add = above // 2 if kind == 3 else above if kind in (2, 4) else 0
        above = (pixels[row].astype(np.int32) + add) % 256
        out[row] = above
    return out


def _pixels(im: Image.Image) -> NDArray[np.uint8] | None:
    """RGBA (or RGB) pixels as an (H, W, C) array; None for modes that cannot carry it."""
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        return np.asarray(im.convert("RGBA"), dtype=np.uint8)
    if im.mode == "RGB":
        return np.asarray(im, dtype=np.uint8)
    return None


def decode_pixels(pixels: NDArray[np.uint8]) -> Stealth | None:
    """Decode stealth text from an (H, W, 3 or 4) array; alpha is tried before RGB."""
    columns = pixels.transpose(1, 0, 2)  # column-major order, as the writer walks x then y
    if pixels.shape[2] == 4:
        alpha = (columns[:, :, 3].reshape(-1) & 1).astype(np.uint8)
        found = _decode_stream(alpha, _ALPHA_SIGNATURES, "alpha")
        if found is not None:
            return found
    rgb = (columns[:, :, :3].reshape(-1) & 1).astype(np.uint8)
    return _decode_stream(rgb, _RGB_SIGNATURES, "rgb")


def _decode_stream(bits: NDArray[np.uint8], table: dict[bytes, bool], mode: str) -> Stealth | None:
    if bits.size < _SIG_BITS + _LEN_BITS:
        return None
    signature = np.packbits(bits[:_SIG_BITS]).tobytes()
    if signature not in table:
        return None
    name = signature.decode("ascii")
    length = int.from_bytes(np.packbits(bits[_SIG_BITS : _SIG_BITS + _LEN_BITS]).tobytes(), "big")
    start = _SIG_BITS + _LEN_BITS
    if length > MAX_PAYLOAD_BITS or start + length > bits.size:
        return Stealth(mode, name, "", f"declared payload of {length} bits is out of range")
    payload = np.packbits(bits[start : start + length]).tobytes()
    if not table[signature]:
        return Stealth(mode, name, payload.decode("utf-8", "replace"))
    text, problem = _gunzip(payload)
    return Stealth(mode, name, text, problem)


def _gunzip(payload: bytes) -> tuple[str, str]:
    """Inflate a gzip payload to at most MAX_TEXT bytes; a problem string when it is bad."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)  # 16+: expect a gzip header
    try:
        out = inflater.decompress(payload, MAX_TEXT)
    except zlib.error as exc:
        return "", f"hidden payload is not valid gzip ({exc})"
    problem = ""
    if inflater.unconsumed_tail:
        problem = "hidden payload inflates past the cap (decompression bomb); truncated"
    elif not inflater.eof:
        problem = "hidden gzip payload is truncated"
    return out.decode("utf-8", "replace"), problem


def encode_bits(text: str, *, compressed: bool, mode: str = "alpha") -> NDArray[np.uint8]:
    """The bit stream a writer embeds for ``text`` (signature, length, payload); for fixtures."""
    body = text.encode("utf-8")
    body = gzip.compress(body, mtime=0) if compressed else body
    names = _ALPHA_SIGNATURES if mode == "alpha" else _RGB_SIGNATURES
    signature = next(sig for sig, comp in names.items() if comp == compressed)
    header = signature + (len(body) * 8).to_bytes(4, "big")
    return np.unpackbits(np.frombuffer(header + body, dtype=np.uint8))
