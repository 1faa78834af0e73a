"""Samsung's SEF trailer: the named blocks Galaxy phones append after a JPEG's end (or a
video's last box), read from the file's tail.

Layout, as ExifTool's Image::ExifTool::Samsung (ProcessSamsung) documents it, all integers
little-endian: the file ends with ``u32 length`` + ``"SEFT"``; the ``length`` bytes before
those eight are the directory: ``"SEFH"``, ``u32 version``, ``u32 count``, then ``count``
entries of 12 bytes (``u16`` unused, ``u16 type``, ``u32`` offset of the block counted back
from the directory's start, ``u32 size``). Each block starts with ``u16`` unused, ``u16
type``, ``u32 name length``, the name (``Image_UTC_Data``, ``PhotoEditor_Re_Edit_Data``,
``PEg_Info``, ``MotionPhoto_Data``...), then its data.

Only names and the data of small blocks are kept: a motion photo's video block can be
megabytes, and what provenance needs (the editor's JSON records) is a few kilobytes.
"""

from __future__ import annotations

import struct
from typing import NamedTuple

from provscan.asset import Asset

MAX_DIRECTORY = 0x10000  # ExifTool's bound on the directory's length
MAX_BLOCKS = 256
MAX_BLOCK_DATA = 256 * 1024  # larger blocks (motion-photo video, depth maps) keep no data
_NAME_MAX = 256
# What Galaxy phones write and ExifTool finds the trailer in: JPEG stills (and MPO, their
# JPEG with extra pictures), HEIF stills, MP4 videos.
SEF_FORMATS = frozenset({"jpeg", "mpo", "heif", "mp4", "mov"})


# A NamedTuple: used as a frozen dataclass would be, and a tenth of its cost to define.
class SefBlock(NamedTuple):
    """One named block: its type code, name, size, and data when small enough to keep."""

    type: int
    name: str
    size: int
    data: bytes | None


# A NamedTuple: used as a frozen dataclass would be, and a tenth of its cost to define.
class SefTrailer(NamedTuple):
    """The trailer's blocks (empty when the file has none or it cannot be walked)."""

    blocks: tuple[SefBlock, ...] = ()

    def data(self, name: str) -> bytes | None:
        """The kept data of the first block named ``name``."""
        return next((b.data for b in self.blocks if b.name == name), None)


def sef_trailer(asset: Asset) -> SefTrailer:
    """The file's Samsung trailer (cached view)."""
    return asset.view("samsung_sef", _read)


def _read(asset: Asset) -> SefTrailer:
    if asset.format not in SEF_FORMATS:  # one tail read saved on every other file (frames)
        return SefTrailer()
    tail = asset.tail(8)
    if len(tail) < 8 or tail[4:] != b"SEFT":
        return SefTrailer()
    (length,) = struct.unpack("<I", tail[:4])
    dir_pos = asset.size - 8 - length
    if not 12 <= length < MAX_DIRECTORY or dir_pos < 0:
        return SefTrailer()
    directory = asset.read_at(dir_pos, length)
    if len(directory) < 12 or directory[:4] != b"SEFH":
        return SefTrailer()
    (count,) = struct.unpack_from("<I", directory, 8)
    if 12 + 12 * count > len(directory):
        return SefTrailer()
    entries = (struct.unpack_from("<HHII", directory, 12 + 12 * i)
               for i in range(min(count, MAX_BLOCKS)))  # fmt: skip
    blocks = (_block(asset, dir_pos, *entry[1:]) for entry in entries)
    return SefTrailer(tuple(b for b in blocks if b is not None))


def _block(asset: Asset, dir_pos: int, kind: int, back: int, size: int) -> SefBlock | None:
    """One block, or None when its entry points outside the file or its header is broken."""
    start = dir_pos - back
    if back > dir_pos or size < 8 or size > back:
        return None
    head = asset.read_at(start, 8 + _NAME_MAX)
    if len(head) < 8:
        return None
    (name_length,) = struct.unpack_from("<I", head, 4)
    if name_length > min(_NAME_MAX, size - 8):
        return None
    name = head[8 : 8 + name_length].decode("ascii", "replace")
    data_size = size - 8 - name_length
    data = None
    if data_size <= MAX_BLOCK_DATA:
        data = asset.read_at(start + 8 + name_length, data_size)
    return SefBlock(kind, name, data_size, data)
