"""Camera originals recognised from their bytes, and described where the format is documented.

- RED R3D: blocks of ``size:uint32 type[4]``; the first is ``RED1`` or ``RED2``. In a RED2
  header, byte 0x40 counts 24-byte "rdi" records (the first holds width and height at
  0x4C/0x50); after them a directory: ``uint16`` length, then entries ``len:uint16
  tag:uint16 value`` whose tag's top four bits give the value's type (1: string). Tags as
  ExifTool's Red module documents them: 0x1001 start timecode, 0x1006 serial number, 0x1019
  camera type, 0x101A reel, 0x1025 firmware, 0x1056 original file name, 0x1071 model,
  0x107C camera operator.
- ARRIRAW (.ari): the ``ARRI`` signature and the byte-order mark 0x12345678.
- QuickTime-wrapped camera codecs, by the sample entry of their video track (``stsd``):
  Blackmagic RAW (``brxq``, ``brst``, ``brvn``, ``brs2``, ``brxh``, ``brhq``, ``brlq``), Apple
  ProRes RAW (``aprn``, ``aprh``).

What is recognised but not read here (ARRIRAW's image header, BRAW's and ProRes RAW's frame
metadata) is said to be so; nothing is guessed.
"""

from __future__ import annotations

import struct
from typing import NamedTuple

from provscan.asset import Asset

R3D_TAGS = {
    0x1001: "start timecode", 0x1006: "serial number", 0x1019: "camera type",
    0x101A: "reel", 0x1025: "firmware", 0x1056: "original file name", 0x1071: "model",
    0x107C: "camera operator",
}  # fmt: skip
BRAW_CODECS = frozenset({b"brxq", b"brst", b"brvn", b"brs2", b"brxh", b"brhq", b"brlq"})
PRORES_RAW_CODECS = frozenset({b"aprn", b"aprh"})
ARRI_SIGNATURES = (b"ARRI\x12\x34\x56\x78", b"ARRI\x78\x56\x34\x12")
MAX_MOOV = 16 * 1024 * 1024
MAX_BOXES = 10_000


# Camera raw stills recognised from their own signatures (scanner.sniff), not read deeply.
RAW_STILLS = {"raf": "Fujifilm RAF", "crw": "Canon CRW", "x3f": "Sigma X3F", "mrw": "Minolta MRW"}


# A NamedTuple: used as a frozen dataclass would be, and a tenth of its cost to define.
class CameraFile(NamedTuple):
    """What a camera original is and what its header says: ``fields`` (name, text)."""

    system: str  # "RED R3D", "ARRIRAW", "Blackmagic RAW", "Apple ProRes RAW", ""
    fields: tuple[tuple[str, str], ...] = ()
    deep: bool = False  # whether its own header was read (not only recognised)
    problem: str = ""

    def get(self, name: str) -> str:
        """The text of field ``name``, or ""."""
        return next((text for key, text in self.fields if key == name), "")


NONE = CameraFile("")


def is_r3d(head: bytes) -> bool:
    """Whether ``head`` starts a RED R3D file."""
    return len(head) >= 8 and head[4:8] in (b"RED1", b"RED2") and head[:2] == b"\x00\x00"


def is_arriraw(head: bytes) -> bool:
    """Whether ``head`` starts an ARRIRAW frame."""
    return head[:8] in ARRI_SIGNATURES


def camera_file(asset: Asset) -> CameraFile:
    """The camera original the asset is, if any (cached view)."""
    return asset.view("camera_file", _read)


def _read(asset: Asset) -> CameraFile:
    head = asset.head()
    try:
        if is_r3d(head):
            return _r3d(head)
        if is_arriraw(head):
            return CameraFile("ARRIRAW", (("format", "ARRIRAW frame"),))
        if asset.format in RAW_STILLS:
            return CameraFile(RAW_STILLS[asset.format], (("format", asset.format.upper()),))
        if asset.format == "mov":  # BRAW and ProRes RAW are QuickTime movies
            return _quicktime(asset)
    except (struct.error, ValueError, OSError) as exc:
        return CameraFile("", problem=f"camera header unreadable: {exc}")
    return NONE


def _r3d(head: bytes) -> CameraFile:
    version = head[4:8].decode("ascii")
    fields: list[tuple[str, str]] = [("redcode", version)]
    if version == "RED1" or len(head) < 0x44:
        return CameraFile("RED R3D", tuple(fields), deep=False)
    records = head[0x40]
    width, height = struct.unpack_from(">II", head, 0x4C)
    if width and height:
        fields.append(("frame size", f"{width}x{height}"))
    pos = 0x44 + records * 0x18
    length = struct.unpack_from(">H", head, pos)[0]
    end = min(pos + 2 + length, len(head))
    pos += 2
    while pos + 4 <= end:
        size, tag = struct.unpack_from(">HH", head, pos)
        if size < 4 or pos + size > end:
            break
        if tag in R3D_TAGS and tag >> 12 == 1:
            text = head[pos + 4 : pos + size].split(b"\x00", 1)[0].decode("latin-1").strip()
            if text:
                fields.append((R3D_TAGS[tag], text))
        pos += size
    return CameraFile("RED R3D", tuple(fields), deep=len(fields) > 2)


def _quicktime(asset: Asset) -> CameraFile:
    """BRAW or ProRes RAW from the sample entries of the movie box."""
    for fourcc in _sample_entries(asset):
        if fourcc in BRAW_CODECS:
            return CameraFile("Blackmagic RAW", (("codec", fourcc.decode("ascii")),))
        if fourcc in PRORES_RAW_CODECS:
            return CameraFile("Apple ProRes RAW", (("codec", fourcc.decode("ascii")),))
    return NONE


def _sample_entries(asset: Asset) -> list[bytes]:
    """The FourCC of every sample entry in the file's ``moov`` box (bounded read)."""
    pos = 0
    for _ in range(MAX_BOXES):
        header = asset.read_at(pos, 16)
        if len(header) < 8:
            return []
        size, box = struct.unpack(">I4s", header[:8])
        if size == 1 and len(header) >= 16:
            size = struct.unpack(">Q", header[8:16])[0]
        elif size == 0:
            size = asset.size - pos
        if box == b"moov":
            return _entries_in(asset.read_at(pos, min(size, MAX_MOOV)))
        if size < 8:
            return []
        pos += size
    return []


def _entries_in(moov: bytes) -> list[bytes]:
    found: list[bytes] = []
    at = moov.find(b"stsd")
    while at >= 0 and len(found) < 64:
        entry = moov[at + 12 : at + 20]  # version/flags, count, then size + format
        if len(entry) == 8:
            found.append(entry[4:8])
        at = moov.find(b"stsd", at + 4)
    return found
