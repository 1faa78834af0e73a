"""Stealth pnginfo: generation text hidden in the low bits of pixels.

Format of the stable-diffusion-webui-stealth-pnginfo extension (also written by NovelAI):
bits are read column by column (x outer, y inner), from the alpha channel's LSB (one bit
per pixel) or from the R, G, B LSBs (three bits per pixel). The stream is a 15-byte
signature, a 32-bit big-endian payload length in bits, then the payload (UTF-8 text, or
gzip when the signature ends in ``comp``). Only the first bits matter, so decoding is
bounded: images above a pixel cap are refused and the payload length is capped.

This module needs neither numpy nor Pillow: the first pixels of column 0 (a PNG's, inflated
from a prefix of its data) or the WebP chunk list reject almost every picture, and only one
that may carry a signature has its pixels read (``stealth_pixels``, numpy). Each worker of a
scan with a PNG in it loaded numpy for the check: about a tenth of a second of CPU each.
"""

from __future__ import annotations

import gzip
import struct
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import BinaryIO

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
    # Imported here: numpy and Pillow's decoders only for the rare picture that may carry text
    from provscan.extract.stealth_pixels import low_bits

    streams = low_bits(asset, MAX_PIXELS)
    return decode_streams(streams) if streams is not None else None


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


def _column_matches(column: Sequence[bytes]) -> bool:
    """Whether column-0 LSBs agree with some signature for as many bits as the column holds."""
    rgb = _pack_bits([value & 1 for pixel in column[: _SIG_BITS // 3] for value in pixel[:3]])
    if any(sig.startswith(rgb) for sig in _RGB_SIGNATURES):
        return True
    if any(len(pixel) != 4 for pixel in column):
        return False
    alpha = _pack_bits([pixel[3] & 1 for pixel in column])
    return any(sig.startswith(alpha) for sig in _ALPHA_SIGNATURES)


def _pack_bits(bits: Sequence[int]) -> bytes:
    """Bits (0 or 1), most significant first, as bytes; the last byte padded with zeros."""
    out = bytearray()
    for start in range(0, len(bits), 8):
        byte = 0
        for bit in bits[start : start + 8]:
            byte = byte << 1 | bit
        out.append(byte << (8 - min(8, len(bits) - start)) & 0xFF)
    return bytes(out)


def _png_first_column(asset: Asset, rows: int) -> list[bytes] | None:
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
    lines = [raw[row * stride : row * stride + 1 + channels] for row in range(rows)]
    return _unfilter_first(lines)


def _inflate_prefix(chunks: Iterator[Chunk], data: BinaryIO, want: int) -> bytes:
    inflater, out = zlib.decompressobj(), bytearray()
    for chunk in chunks:
        if chunk.tag == b"IEND" or len(out) >= want:
            break
        if chunk.tag == b"IDAT":
            data.seek(chunk.offset)
            out += inflater.decompress(data.read(chunk.size), want - len(out))
    return bytes(out)


def _unfilter_first(lines: Sequence[bytes]) -> list[bytes] | None:
    """Undo PNG filters (spec 9.2) on each row's first pixel, where left and upper-left are 0
    (each line: its filter type, then its first pixel's bytes)."""
    out: list[bytes] = []
    above = bytes(len(lines[0]) - 1) if lines else b""
    for line in lines:
        kind = line[0]
        if kind > 4:
            return None
        # None/Sub add 0; Up and Paeth add the pixel above; Average adds half of it.
        share = 0 if kind < 2 else 2 if kind == 3 else 1  # of the pixel above
        above = bytes((value + (add // share if share else 0)) % 256
                      for value, add in zip(line[1:], above, strict=True))  # fmt: skip
        out.append(above)
    return out


LowBits = Mapping[str, tuple[bytes, int]]  # mode ("alpha", "rgb") -> packed bits, how many


def decode_streams(streams: LowBits) -> Stealth | None:
    """The stealth text in a picture's low-bit streams (see stealth_pixels.low_bits): alpha
    is tried before RGB, as the extension's reader does."""
    if "alpha" in streams:
        found = _decode_stream(*streams["alpha"], _ALPHA_SIGNATURES, "alpha")
        if found is not None:
            return found
    return _decode_stream(*streams["rgb"], _RGB_SIGNATURES, "rgb") if "rgb" in streams else None


def _decode_stream(packed: bytes, bits: int, table: dict[bytes, bool], mode: str) -> Stealth | None:
    if bits < _SIG_BITS + _LEN_BITS:
        return None
    signature = packed[: _SIG_BITS // 8]
    if signature not in table:
        return None
    name = signature.decode("ascii")
    start = _SIG_BITS + _LEN_BITS
    length = int.from_bytes(packed[_SIG_BITS // 8 : start // 8], "big")
    if length > MAX_PAYLOAD_BITS or start + length > bits:
        return Stealth(mode, name, "", f"declared payload of {length} bits is out of range")
    payload = bytearray(packed[start // 8 : start // 8 + (length + 7) // 8])
    if length % 8:  # the bits after the payload are not part of it
        payload[-1] &= 0xFF << (8 - length % 8) & 0xFF
    if not table[signature]:
        return Stealth(mode, name, bytes(payload).decode("utf-8", "replace"))
    text, problem = _gunzip(bytes(payload))
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


def encode_stream(text: str, *, compressed: bool, mode: str = "alpha") -> bytes:
    """The bytes a writer embeds, bit by bit, for ``text`` (signature, length, payload); for
    fixtures."""
    body = text.encode("utf-8")
    body = gzip.compress(body, mtime=0) if compressed else body
    names = _ALPHA_SIGNATURES if mode == "alpha" else _RGB_SIGNATURES
    signature = next(sig for sig, comp in names.items() if comp == compressed)
    return signature + (len(body) * 8).to_bytes(4, "big") + body
