"""Bounded readers of DPX (SMPTE ST 268) and Kodak Cineon headers: fixed offsets only.

DPX: a 768-byte file header (magic ``SDPX``, or ``XPDS`` for little-endian files; image
offset, version, file size, user data size, image file name, creation time, creator,
project, copyright), the 640-byte image header (orientation, elements, pixels per line,
lines, each element's descriptor and bit depth), the orientation header (source file name
and time, input device name and serial number), the film header (film maker and type,
frame position, frame rate, frame id, slate), the television header (SMPTE time code and
user bits, frame rate) and the user data (a 32-byte user identification and the data).
Undefined fields are all ones (integers, floats) or start with NUL or 0xFF (strings).

Cineon 4.5: magic ``80 2A 5F D7`` (big- or little-endian), file information (image offset,
file size, version, file name, creation date and time), image information (channels,
pixels per line, lines) and the origination information at byte 1024 (source file name,
date, time, input device, its model and serial number).
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass

from provscan.asset import Asset

DPX_MAGICS = {b"SDPX": ">", b"XPDS": "<"}
CINEON_MAGICS = {b"\x80\x2a\x5f\xd7": ">", b"\xd7\x5f\x2a\x80": "<"}
MAX_USER_TEXT = 64 * 1024  # user data kept as text (the field allows ~1 MB)
_UNDEFINED = 0xFFFFFFFF


@dataclass(frozen=True, slots=True)
class FrameHeader:
    """The fields of one DPX or Cineon header that say what the frame is and who made it.

    ``fields``: (header, name, text) for every defined text field, in file order (what the
    text carriers and ``inspect`` show); the numbers a sequence compares are kept apart."""

    format: str  # "dpx" or "cineon"
    endian: str = ">"
    version: str = ""
    width: int = 0
    height: int = 0
    bits: int = 0
    elements: int = 0
    file_size: int = 0  # as the header declares it
    image_offset: int = 0
    timecode: str = ""
    frame_rate: float = 0.0
    fields: tuple[tuple[str, str, str], ...] = ()
    problem: str = ""

    def get(self, name: str) -> str:
        """The text of the field ``name``, or ""."""
        return next((text for _, key, text in self.fields if key == name), "")


def frame_header(asset: Asset) -> FrameHeader:
    """The DPX or Cineon header of the asset (cached view)."""
    return asset.view("frame_header", _read)


def _read(asset: Asset) -> FrameHeader:
    head = asset.head(2048 + 32)
    magic = head[:4]
    try:
        if magic in DPX_MAGICS:
            return _dpx(asset, head, DPX_MAGICS[magic])
        if magic in CINEON_MAGICS:
            return _cineon(head, CINEON_MAGICS[magic])
    except (struct.error, ValueError) as exc:
        return FrameHeader("dpx" if magic in DPX_MAGICS else "cineon",
                           problem=f"header cut short or malformed: {exc}")  # fmt: skip
    return FrameHeader("unknown", problem="neither a DPX nor a Cineon header")


def _text(raw: bytes) -> str:
    """A fixed-size string field: up to its first NUL; undefined (NUL or 0xFF) is ""."""
    if not raw or raw[0] in (0, 0xFF):
        return ""
    text = raw.split(b"\x00", 1)[0].decode("latin-1")
    return "".join(ch for ch in text if ch.isprintable()).strip()


def _u32(data: bytes, at: int, endian: str) -> int:
    value: int = struct.unpack_from(f"{endian}I", data, at)[0]
    return 0 if value == _UNDEFINED else value


def _f32(data: bytes, at: int, endian: str) -> float:
    value: float = struct.unpack_from(f"{endian}f", data, at)[0]
    return value if math.isfinite(value) and value > 0 else 0.0


# (header, field name, offset, size) of the DPX text fields (SMPTE ST 268, tables 1-5).
_DPX_TEXT = (
    ("file", "image filename", 36, 100), ("file", "creation time", 136, 24),
    ("file", "creator", 160, 100), ("file", "project", 260, 200),
    ("file", "copyright", 460, 200),
    ("image", "description", 820, 32),
    ("orientation", "source filename", 1432, 100), ("orientation", "source time", 1532, 24),
    ("orientation", "input device", 1556, 32), ("orientation", "input serial", 1588, 32),
    ("film", "film manufacturer", 1664, 2), ("film", "film type", 1666, 2),
    ("film", "format", 1680, 32), ("film", "frame id", 1732, 32),
    ("film", "slate", 1764, 100),
)  # fmt: skip


def _dpx(asset: Asset, head: bytes, endian: str) -> FrameHeader:
    if len(head) < 768:
        raise ValueError(f"{len(head)} bytes, the file header needs 768")
    image_offset = _u32(head, 4, endian)
    generic = _u32(head, 24, endian)
    industry = _u32(head, 28, endian)
    fields = [(h, name, _text(head[at : at + size])) for h, name, at, size in _DPX_TEXT
              if at + size <= len(head) and (at < 1408 or generic + industry >= 2048)]  # fmt: skip
    fields = [f for f in fields if f[2]]
    fields.extend(_user_data(asset, head, endian))
    width = _u32(head, 772, endian) if len(head) >= 780 else 0
    height = _u32(head, 776, endian) if len(head) >= 780 else 0
    timecode, rate = "", 0.0
    if len(head) >= 2048 and generic + industry >= 2048:
        timecode = _bcd_timecode(_u32(head, 1920, endian))
        rate = _f32(head, 1940, endian) or _f32(head, 1724, endian)
    return FrameHeader(
        "dpx", endian,
        version=_text(head[8:16]),
        width=width, height=height,
        bits=head[803] if len(head) > 803 else 0,
        elements=struct.unpack_from(f"{endian}H", head, 770)[0] if len(head) >= 772 else 0,
        file_size=_u32(head, 16, endian), image_offset=image_offset,
        timecode=timecode, frame_rate=rate, fields=tuple(fields),
    )  # fmt: skip


def _user_data(asset: Asset, head: bytes, endian: str) -> list[tuple[str, str, str]]:
    """The user identification and the user data's printable text, when declared."""
    size = _u32(head, 32, endian)
    if size < 32 or asset.size < 2048 + 32:
        return []
    data = asset.read_at(2048, min(size, MAX_USER_TEXT, asset.size - 2048))
    found = [("user", "user identification", _text(data[:32]))]
    body = data[32:].split(b"\x00", 1)[0]
    text = body.decode("utf-8", "replace")
    if text and sum(ch.isprintable() or ch in "\r\n\t" for ch in text) >= 0.9 * len(text):
        found.append(("user", "user data", text.strip()))
    return [f for f in found if f[2]]


def _bcd_timecode(bits: int) -> str:
    """HH:MM:SS:FF from a BCD SMPTE time code (hours in the top byte); "" when undefined."""
    if bits == 0:
        return ""
    digits = f"{bits:08x}"
    if not digits.isdigit():
        return ""
    return f"{digits[0:2]}:{digits[2:4]}:{digits[4:6]}:{digits[6:8]}"


# (header, field name, offset, size) of the Cineon text fields (Cineon 4.5 file format).
_CINEON_TEXT = (
    ("file", "image filename", 32, 100), ("file", "creation date", 132, 12),
    ("file", "creation time", 144, 12),
    ("origination", "source filename", 1032, 100), ("origination", "source date", 1132, 12),
    ("origination", "source time", 1144, 12), ("origination", "input device", 1156, 64),
    ("origination", "input device model", 1220, 32),
    ("origination", "input serial", 1252, 32),
)  # fmt: skip


def _cineon(head: bytes, endian: str) -> FrameHeader:
    if len(head) < 712:
        raise ValueError(f"{len(head)} bytes, the image information needs 712")
    fields = [(h, name, _text(head[at : at + size])) for h, name, at, size in _CINEON_TEXT
              if at + size <= len(head)]  # fmt: skip
    return FrameHeader(
        "cineon", endian,
        version=_text(head[24:32]),
        width=_u32(head, 200, endian), height=_u32(head, 204, endian),
        bits=head[198], elements=head[193],
        file_size=_u32(head, 20, endian), image_offset=_u32(head, 4, endian),
        fields=tuple(f for f in fields if f[2]),
    )  # fmt: skip


def frame_problems(asset: Asset) -> list[str]:
    """Why a DPX or Cineon frame cannot be read as one: a broken header, a file shorter
    than the size its header declares, image data said to start past the end."""
    header = frame_header(asset)
    name = "DPX" if header.format == "dpx" else "Cineon"
    if header.problem:
        return [f"{name} header is broken: {header.problem}"]
    if header.file_size and header.file_size > asset.size:
        return [f"{name} is truncated: its header declares {header.file_size:,} bytes, the "
                f"file has {asset.size:,}"]  # fmt: skip
    if header.image_offset and header.image_offset >= asset.size:
        return [f"{name} image data would start at byte {header.image_offset:,}, past the end "
                f"of the {asset.size:,}-byte file"]  # fmt: skip
    return []
