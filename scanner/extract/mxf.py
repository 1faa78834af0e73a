"""A bounded, read-only MXF (SMPTE ST 377-1) KLV reader for the Identification sets.

Every MXF writer appends an Identification set (company, product, version, platform) to the
header metadata each time it creates or modifies the file, so these sets are the file's own
record of which tools touched it. The reader finds the header partition pack (after an
optional run-in of under 64 KiB), walks the KLV triplets of its header metadata, and, when
that partition is open or incomplete or holds no Identification, the footer partition's
header metadata as well. It never reads essence: only partition packs, the random index
pack's last entry and the header metadata byte ranges the partition packs declare.

Hostile or broken bytes never raise; the first structural error becomes ``MxfInfo.problem``
and whatever was read before it is still returned.
"""

from __future__ import annotations

import struct
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

RUN_IN_LIMIT = 65_536  # ST 377-1: a run-in before the header partition is shorter than 64 KiB
MAX_READ = 64 * 1024 * 1024  # total bytes one call may read, whatever the file declares
MAX_KLVS = 100_000  # a hostile file may declare endless zero-length KLVs
MAX_PACK = 65_536  # real partition packs are ~100 bytes; this bounds the essence batch

_UL_PREFIX = bytes.fromhex("060e2b34")
_PARTITION_PREFIX = bytes.fromhex("060e2b34020501010d01020101")  # + kind, status, 00
_PRIMER_KEY = bytes.fromhex("060e2b34020501010d01020101050100")
_RIP_KEY = bytes.fromhex("060e2b34020501010d01020101110100")
_IDENTIFICATION_KEY = bytes.fromhex("060e2b34025301010d01010101013000")
_FILL_HEAD = bytes.fromhex("060e2b34010101")  # + version byte, which writers disagree on
_FILL_TAIL = bytes.fromhex("0301021001000000")

_HEADER, _BODY, _FOOTER = 2, 3, 4
_KIND_NAMES = {_HEADER: "header", _BODY: "body", _FOOTER: "footer"}
_CLOSED_COMPLETE = 4
_STATUS_NAMES = {
    1: "open-incomplete",
    2: "closed-incomplete",
    3: "open-complete",
    _CLOSED_COMPLETE: "closed-complete",
}
# MajorVersion .. BodySID (64 bytes), the operational pattern UL, the batch count and item size
_PACK_FIELDS = struct.Struct(">HHIQQQQQIQI16sII")
_KLV_HEAD = 16 + 9  # key plus the longest BER length MXF allows (0x88 + 8 bytes)
_RIP_TAIL = 12 + 4  # last entry (BodySID, ByteOffset) + the pack's overall length


@dataclass(frozen=True, slots=True)
class Identification:
    """One Identification set: the application that created or modified the file."""

    company: str = ""  # local tag 0x3C01 CompanyName (UTF-16BE)
    product: str = ""  # 0x3C02 ProductName
    version: str = ""  # 0x3C04 VersionString
    product_version: str = ""  # 0x3C03 ProductVersion: 5 UInt16 -> "maj.min.patch.build.release"
    toolkit_version: str = ""  # 0x3C07 ToolkitVersion (same struct)
    platform: str = ""  # 0x3C08 Platform
    modified: str = ""  # 0x3C06 ModificationDate (ISO 8601 'YYYY-MM-DDTHH:MM:SS.mmm')
    product_uid: str = ""  # 0x3C05 ProductUID (UUID string)


@dataclass(frozen=True, slots=True)
class MxfInfo:
    """What read_mxf found: header partition facts, Identification sets and any problem."""

    operational_pattern: str = ""  # UL hex of the partition pack's operational pattern
    partition_status: str = ""  # header partition: "open-incomplete" ... "closed-complete"
    identifications: tuple[Identification, ...] = ()  # in file order, same values once
    essence_containers: tuple[str, ...] = ()  # ULs from the partition pack batch, hex
    problem: str = ""  # plain-words structural problem, "" when fine


class _MxfError(ValueError):
    """A structural defect; the message is the plain-words problem string."""


@dataclass(frozen=True, slots=True)
class _Pack:
    """The parts of a partition pack this reader uses; offsets are file offsets."""

    offset: int
    kind: int
    status: int
    end: int  # first byte after the pack, where its header metadata starts
    footer: int  # FooterPartition, relative to the header partition (0 = unknown)
    header_bytes: int
    operational_pattern: bytes
    essence_containers: tuple[bytes, ...]


class _Reader:
    """Positioned reads clipped at the file size and charged against one byte budget."""

    __slots__ = ("_f", "_left", "klvs", "size")

    def __init__(self, f: BinaryIO, size: int) -> None:
        self._f = f
        self.size = max(size, 0)
        self._left = MAX_READ
        self.klvs = 0

    def read(self, offset: int, length: int) -> bytes:
        """Up to ``length`` bytes at ``offset``; shorter at end of file."""
        length = max(0, min(length, self.size - offset))
        if length == 0 or offset < 0:
            return b""
        if length > self._left:
            raise _MxfError(f"MXF metadata exceeds this reader's {MAX_READ}-byte read cap")
        self._left -= length
        self._f.seek(offset)
        return self._f.read(length)

    def count_klv(self) -> None:
        """Charge one KLV against the cap so zero-length floods end."""
        self.klvs += 1
        if self.klvs > MAX_KLVS:
            raise _MxfError(f"MXF file has more than {MAX_KLVS} KLV items in its metadata")


def read_mxf(f: BinaryIO, size: int) -> MxfInfo:
    """Identification sets and header partition facts of the MXF file ``f`` of ``size`` bytes."""
    reader = _Reader(f, size)
    try:
        header = _find_header(reader)
    except _MxfError as exc:
        return MxfInfo(problem=str(exc))
    found: dict[Identification, None] = {}  # an insertion-ordered set: same values once
    problem = ""
    try:
        _collect(reader, header, found)
        if header.status != _CLOSED_COMPLETE or not found:
            footer = _find_footer(reader, header)
            if footer is not None:
                _collect(reader, footer, found)
    except _MxfError as exc:
        problem = str(exc)
    return MxfInfo(
        operational_pattern=header.operational_pattern.hex(),
        partition_status=_STATUS_NAMES[header.status],
        identifications=tuple(found),
        essence_containers=tuple(ul.hex() for ul in header.essence_containers),
        problem=problem,
    )


def _find_header(reader: _Reader) -> _Pack:
    """The header partition pack, searched for past any run-in."""
    # The key may start at any offset below 64 KiB, so read its 16 bytes past that point too.
    head = reader.read(0, RUN_IN_LIMIT + 15)
    start = head.find(_PARTITION_PREFIX)
    if start < 0 or start >= RUN_IN_LIMIT:
        raise _MxfError("no MXF partition pack in the first 64 KiB")
    pack = _read_pack(reader, start)
    if pack.kind != _HEADER:
        kind = _KIND_NAMES.get(pack.kind, f"kind 0x{pack.kind:02x}")
        raise _MxfError(f"the first MXF partition pack (offset {start}) is a {kind} partition")
    return pack


def _read_pack(reader: _Reader, offset: int) -> _Pack:
    """Parse the partition pack whose key starts at ``offset``."""
    key, length, value_at = _klv_head(reader, offset)
    if key[:13] != _PARTITION_PREFIX:
        raise _MxfError(f"MXF partition pack expected at offset {offset} but not found")
    kind, status = key[13], key[14]
    if kind not in _KIND_NAMES or status not in _STATUS_NAMES:
        raise _MxfError(f"MXF partition pack at offset {offset} has an unknown key {key.hex()}")
    if not _PACK_FIELDS.size <= length <= MAX_PACK:
        raise _MxfError(f"MXF partition pack at offset {offset} has an impossible length {length}")
    value = reader.read(value_at, length)
    if len(value) < length:
        raise _MxfError(f"MXF KLV at offset {offset} runs past the end of the file")
    fields = _PACK_FIELDS.unpack_from(value)
    footer, header_bytes, pattern, count, item = fields[5], fields[6], fields[11], *fields[12:]
    batch = value[_PACK_FIELDS.size :]
    # An empty batch may declare any item size; a non-empty one must hold 16-byte ULs.
    if count and (item != 16 or count * 16 > len(batch)):
        raise _MxfError(f"MXF partition pack at offset {offset} has a malformed essence batch")
    containers = tuple(batch[i * 16 : i * 16 + 16] for i in range(count))
    end = value_at + length
    return _Pack(offset, kind, status, end, footer, header_bytes, pattern, containers)


def _klv_head(reader: _Reader, offset: int) -> tuple[bytes, int, int]:
    """Key, value length and value offset of the file KLV at ``offset``."""
    head = reader.read(offset, _KLV_HEAD)
    if len(head) < 17:
        raise _MxfError(f"MXF KLV at offset {offset} runs past the end of the file")
    length, value_at = _ber(head, 16, offset)
    if value_at > len(head):
        raise _MxfError(f"MXF KLV at offset {offset} runs past the end of the file")
    return head[:16], length, offset + value_at


def _ber(data: bytes, pos: int, base: int) -> tuple[int, int]:
    """A BER length at ``data[pos]`` and the position after it; ``base`` names the KLV."""
    first = data[pos]
    if first < 0x80:
        return first, pos + 1
    width = first & 0x7F
    # 0x80 is BER's indefinite form, which MXF forbids; more than 8 bytes cannot be a UInt64.
    if width == 0 or width > 8:
        raise _MxfError(f"MXF KLV at offset {base} has an invalid BER length byte 0x{first:02x}")
    return int.from_bytes(data[pos + 1 : pos + 1 + width], "big"), pos + 1 + width


def _find_footer(reader: _Reader, header: _Pack) -> _Pack | None:
    """The footer partition pack, or None when the file has none we can locate."""
    relative = header.footer or _rip_footer(reader, header.offset)
    if not relative:
        return None
    offset = header.offset + relative  # partition offsets count from the header partition
    # A header-only capture (photon's *.mxf.hdr) legitimately ends before its footer.
    if offset >= reader.size:
        return None
    if offset <= header.offset:
        raise _MxfError(f"MXF footer partition offset {relative} points back into the header")
    pack = _read_pack(reader, offset)
    if pack.kind != _FOOTER:
        raise _MxfError(f"MXF footer partition offset {relative} points at a non-footer partition")
    return pack


def _rip_footer(reader: _Reader, base: int) -> int:
    """The footer's offset from the random index pack's last entry, or 0 without a RIP."""
    # Open headers often say FooterPartition=0 (unknown); the RIP at the end still knows it.
    tail = reader.read(reader.size - _RIP_TAIL, _RIP_TAIL)
    if len(tail) < _RIP_TAIL:
        return 0
    rip_length = int.from_bytes(tail[12:], "big")
    rip_at = reader.size - rip_length
    if rip_length < 16 + 1 + _RIP_TAIL or rip_at < base:
        return 0
    if reader.read(rip_at, 16) != _RIP_KEY:
        return 0
    return int.from_bytes(tail[4:12], "big")


def _collect(reader: _Reader, pack: _Pack, found: dict[Identification, None]) -> None:
    """Add the Identification sets of ``pack``'s header metadata to ``found``, in order."""
    if pack.header_bytes == 0:
        return
    # bmx/libMXF, FFmpeg and Avid count HeaderByteCount from the primer pack, not counting
    # the KAG fill between partition pack and primer; ST 377-1's wording counts from the
    # partition pack. Walk to the farther end and accept a clean stop at the nearer one.
    primer_at = _skip_fill(reader, pack.end)
    data = reader.read(primer_at, pack.header_bytes)
    literal_end = pack.header_bytes - (primer_at - pack.end)
    first = True
    for offset, key, value in _walk(reader, data, primer_at, pack.header_bytes, literal_end):
        if first and key != _PRIMER_KEY:
            raise _MxfError(f"MXF header metadata at offset {primer_at} lacks its primer pack")
        first = False
        # Byte 7 is the registry version, which is not part of the set's identity.
        if key[:7] == _IDENTIFICATION_KEY[:7] and key[8:] == _IDENTIFICATION_KEY[8:]:
            found[_identification(value, offset)] = None


def _skip_fill(reader: _Reader, offset: int) -> int:
    """The offset of the first KLV at or after ``offset`` that is not fill."""
    while True:
        reader.count_klv()
        key, length, value_at = _klv_head(reader, offset)
        if not _is_fill(key):
            return offset
        if value_at + length > reader.size:
            raise _MxfError(f"MXF KLV at offset {offset} runs past the end of the file")
        offset = value_at + length


def _walk(
    reader: _Reader, data: bytes, base: int, declared: int, literal_end: int
) -> Iterator[tuple[int, bytes, bytes]]:
    """(file offset, key, value) of the non-fill KLVs in ``data``, read from offset ``base``.

    A generator, so sets decoded before a defect are kept when the defect raises.
    """
    edge = "the file" if len(data) < declared else "the header metadata"
    pos = 0
    while pos < len(data):
        reader.count_klv()
        if pos == literal_end and _metadata_over(data, pos):
            return  # a writer that counted HeaderByteCount from the partition pack ends here
        key, value_at, end = _klv_in(data, pos, base + pos, edge)
        if not _is_fill(key):
            yield base + pos, key, data[value_at:end]
        pos = end  # every KLV is at least 17 bytes, so the walk always advances
    if pos < min(declared, literal_end):
        raise _MxfError(
            f"MXF header metadata at offset {base} declares {declared} bytes "
            "but the file ends first"
        )


def _metadata_over(data: bytes, pos: int) -> bool:
    """Whether the bytes at ``pos`` cannot continue header metadata."""
    try:
        key = _klv_in(data, pos, pos, "the data")[0]
    except _MxfError:
        return True
    # Essence and fill are 01 keys; partition, primer, index and RIP packs share 0d01020101.
    return not _is_fill(key) and (key[4] == 0x01 or key[8:13] == _PARTITION_PREFIX[8:13])


def _klv_in(data: bytes, pos: int, offset: int, edge: str) -> tuple[bytes, int, int]:
    """Key, value start and end of the KLV at ``data[pos]`` (file ``offset``)."""
    if len(data) - pos < 17:
        raise _MxfError(f"MXF KLV at offset {offset} runs past the end of {edge}")
    key = data[pos : pos + 16]
    if key[:4] != _UL_PREFIX:
        raise _MxfError(f"MXF KLV at offset {offset} does not start with a SMPTE UL key")
    length, value_at = _ber(data, pos + 16, offset)
    if value_at + length > len(data):
        raise _MxfError(f"MXF KLV at offset {offset} runs past the end of {edge}")
    return key, value_at, value_at + length


def _is_fill(key: bytes) -> bool:
    """KLV fill items pad to the KAG; writers use version byte 01 or 02 in their key."""
    return key[:7] == _FILL_HEAD and key[8:] == _FILL_TAIL


def _identification(value: bytes, offset: int) -> Identification:
    """Decode one Identification local set (2-byte tags, 2-byte lengths)."""
    items: dict[int, bytes] = {}
    pos = 0
    while pos < len(value):
        if len(value) - pos < 4:
            raise _MxfError(f"MXF Identification set at offset {offset} ends inside an item")
        tag, length = struct.unpack_from(">HH", value, pos)
        if pos + 4 + length > len(value):
            raise _MxfError(f"MXF Identification set at offset {offset} has an item past its end")
        items.setdefault(tag, value[pos + 4 : pos + 4 + length])
        pos += 4 + length
    return Identification(
        company=_text(items.get(0x3C01, b"")),
        product=_text(items.get(0x3C02, b"")),
        version=_text(items.get(0x3C04, b"")),
        product_version=_version(items.get(0x3C03, b"")),
        toolkit_version=_version(items.get(0x3C07, b"")),
        platform=_text(items.get(0x3C08, b"")),
        modified=_timestamp(items.get(0x3C06, b"")),
        product_uid=_uuid(items.get(0x3C05, b"")),
    )


def _text(raw: bytes) -> str:
    """A UTF-16BE string, ended at its first NUL (writers pad or terminate with NULs)."""
    return raw.decode("utf-16-be", errors="replace").split("\x00", 1)[0]


def _version(raw: bytes) -> str:
    """ProductVersion / ToolkitVersion: five UInt16 joined by dots, "" if not 10 bytes."""
    if len(raw) != 10:
        return ""
    return ".".join(str(part) for part in struct.unpack(">5H", raw))


def _uuid(raw: bytes) -> str:
    """ProductUID as a canonical UUID string, "" if not 16 bytes."""
    return str(uuid.UUID(bytes=raw)) if len(raw) == 16 else ""


def _timestamp(raw: bytes) -> str:
    """An MXF Timestamp as 'YYYY-MM-DDTHH:MM:SS.mmm'; "" when unknown (zero) or impossible."""
    if len(raw) != 8:
        return ""
    year, month, day, hour, minute, second, quarter_ms = struct.unpack(">H6B", raw)
    # The last byte counts 4 ms units, so 0-249 are the only real values.
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60):
        return ""
    if second > 60 or quarter_ms > 249:
        return ""
    return (
        f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}"
        f".{quarter_ms * 4:03d}"
    )
