"""The intact head of a damaged file, closed so the C2PA SDK can read its manifest.

A file cut short (an interrupted copy, a half-written download) often keeps its whole
C2PA manifest: JPEG puts it in APP11 segments and PNG in a ``caBX`` chunk, both before the
pixel data that a truncation cuts. c2pa-rs refuses such a file outright ("Could not parse
input JPEG"), so the AI claim that is in its bytes would go unreported. Here the complete
structures before the damage are copied into memory and closed the way the format ends
(JPEG: the EOI marker; PNG: the complete chunks, then IEND), never touching the file. The
SDK then reads the manifest; its hashes cannot match (the content is gone), which the
report says, beside the damage itself.
"""

from __future__ import annotations

import struct

from provscan.asset import Asset
from provscan.sniff import JPEG_FORMATS

MAX_SALVAGE = 256 * 1024 * 1024  # larger damaged files are not copied into memory
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_IEND = struct.pack(">I", 0) + b"IEND" + struct.pack(">I", 0xAE426082)


def salvaged(asset: Asset) -> bytes | None:
    """A readable copy of the damaged asset's intact head, or None for other formats."""
    if asset.size > MAX_SALVAGE or asset.format not in JPEG_FORMATS | {"png"}:
        return None
    with asset.open() as f:
        data = f.read(MAX_SALVAGE)
    return _jpeg(data) if asset.format in JPEG_FORMATS else _png(data)


def _jpeg(data: bytes) -> bytes | None:
    """The bytes as they are, ended with EOI: the SDK walks segments to the first scan and
    needs the file to end like a JPEG; what follows SOS is entropy-coded data it skips."""
    if not data.startswith(b"\xff\xd8") or data.endswith(b"\xff\xd9"):
        return None
    return data + b"\xff\xd9"


def _png(data: bytes) -> bytes | None:
    """The signature and every complete chunk, then IEND."""
    if not data.startswith(_PNG_SIGNATURE):
        return None
    pos = len(_PNG_SIGNATURE)
    while pos + 12 <= len(data):
        length, tag = struct.unpack_from(">I4s", data, pos)
        if tag == b"IEND":
            return None  # nothing was cut: the damage is elsewhere, copying would not help
        if length > 0x7FFFFFFF or pos + 12 + length > len(data):
            break
        pos += 12 + length
    return data[:pos] + _PNG_IEND
