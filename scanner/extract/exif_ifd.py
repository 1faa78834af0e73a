"""A bounded walk of one TIFF/EXIF structure that keeps every text tag whole.

The structure (TIFF 6.0 section 2, CIPA DC-008): a byte-order mark, a magic number, the
offset of IFD0; each IFD is a count, 12-byte entries (20 in BigTIFF) and the offset of the
next IFD. Pointer tags lead to the Exif IFD, GPS IFD, Interoperability IFD and SubIFDs.

Text is every ASCII (type 2) and UTF-8 (type 129, EXIF 3.0) value, the UNDEFINED tags with
an 8-byte charset code (UserComment, GPSProcessingMethod, GPSAreaInformation), Microsoft's
UCS-2 XP* tags, and any other UNDEFINED/BYTE value that is readable text. Values are read
whole up to :data:`MAX_VALUE`; numbers are never read. Offsets are relative to the TIFF
header (``base``), reads never pass ``end``, and every count is capped, so a hostile
structure (loops, 4-billion counts, offsets past the end) costs bounded time and memory.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import BinaryIO

from provscan.extract.exif_names import (
    CHARSET_PREFIXED,
    GPS,
    INTEROP,
    MAIN,
    NOT_TEXT,
    UCS2_TAGS,
)

MAX_VALUE = 8 * 1024 * 1024  # longest text kept per tag (ComfyUI graphs in WebP Make/Model)
MAX_READ = 64 * 1024 * 1024  # value bytes read per file, all blocks together
MAX_TAGS = 4096  # text tags kept per file
MAX_IFDS = 64  # directories walked per TIFF structure
MAX_ENTRIES = 4096  # entries read per directory
MAX_SUB_IFDS = 16  # SubIFD offsets followed per entry
MAX_PROBLEMS = 16
_MIB = 1024 * 1024

# TIFF 6.0 field types (+ BigTIFF 16-18, EXIF 3.0 UTF-8 129): byte size of one value.
TYPE_SIZES = {
    1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4,
    16: 8, 17: 8, 18: 8, 129: 1,
}  # fmt: skip
_ASCII, _UTF8, _BYTE, _UNDEFINED = 2, 129, 1, 7
_OFFSET_CODES = {3: "H", 4: "I", 13: "I", 16: "Q", 18: "Q"}
# Magic numbers after the byte-order mark: TIFF, BigTIFF, Panasonic RW2, Olympus ORF.
_MAGICS = frozenset({42, 43, 0x55, 0x4F52, 0x5352})
# Pointer tag -> (name of the IFD it points to, tag table used inside it)
_POINTERS = {0x8769: "ExifIFD", 0x8825: "GPS", 0xA005: "InteropIFD", 0x014A: "SubIFD"}
_TABLES = {"GPS": GPS, "InteropIFD": INTEROP}


@dataclass(slots=True)
class ExifText:
    """Text tags gathered from every TIFF structure of a file, with its problems and budget.

    ``tags`` keys are tag names (``UserComment``); a different value of a name already seen
    is kept as ``"<IFD> <name>"`` (``IFD1 Software``), so nothing read is dropped.
    """

    tags: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    read_left: int = MAX_READ

    def keep(self, ifd: str, name: str, text: str) -> None:
        """Record one tag's text unless that exact value is already kept under its name."""
        if len(self.tags) >= MAX_TAGS:
            self.problem(f"more than {MAX_TAGS:,} EXIF text tags; the rest ignored")
            return
        for key in (name, f"{ifd} {name}"):
            if self.tags.get(key, text) == text:
                self.tags[key] = text
                return

    def problem(self, message: str) -> None:
        """Note a problem once (and at most MAX_PROBLEMS of them)."""
        if message not in self.problems and len(self.problems) < MAX_PROBLEMS:
            self.problems.append(message)


def walk_tiff(f: BinaryIO, base: int, end: int, into: ExifText, root: str = "IFD0") -> None:
    """Walk the TIFF structure whose header is at ``base`` in ``f`` (bytes up to ``end``).

    ``root`` names the first IFD: ``IFD0`` normally; a CR3 CMT2 box holds the Exif IFD
    (``ExifIFD``), its CMT4 box the ``GPS`` IFD.
    """
    f.seek(base)
    head = f.read(16)
    order = {b"II": "<", b"MM": ">"}.get(head[:2])
    if order is None or len(head) < 8:
        into.problem("EXIF block does not start with a TIFF header (II or MM)")
        return
    magic = struct.unpack(order + "H", head[2:4])[0]
    if magic not in _MAGICS:
        into.problem(f"EXIF block has an unknown TIFF magic number {magic}")
        return
    big = magic == 43
    if big and len(head) < 16:
        into.problem("BigTIFF header truncated")
        return
    first = struct.unpack(order + "Q", head[8:16])[0] if big else _u32(order, head[4:8])
    _Walker(f, base, end, order, big, into).chain(first, root)


def _u32(order: str, raw: bytes) -> int:
    value: int = struct.unpack(order + "I", raw)[0]
    return value


class _Walker:
    """Visits each IFD at most once (loops end), MAX_IFDS in all, and keeps text tags."""

    def __init__(
        self, f: BinaryIO, base: int, end: int, order: str, big: bool, into: ExifText
    ) -> None:
        self.f, self.base, self.size, self.order, self.big = f, base, end - base, order, big
        self.into = into
        self.seen: set[int] = set()
        self.pending: list[tuple[int, str]] = []
        self.entry_size, self.inline = (20, 8) if big else (12, 4)

    def chain(self, first: int, root: str) -> None:
        """Walk ``root`` and its next-IFD chain, then every IFD a pointer tag led to."""
        self.pending.append((first, root))
        while self.pending:
            offset, name = self.pending.pop(0)
            index = 0
            while offset and self._enter(offset, name):
                ifd = name if index == 0 or name != "IFD0" else f"IFD{index}"
                offset = self._ifd(offset, ifd)
                index += 1
                if name != "IFD0":  # only the main chain links on (IFD1: the thumbnail)
                    break

    def _enter(self, offset: int, name: str) -> bool:
        if offset in self.seen:
            self.into.problem(f"EXIF {name} points back to a directory already read (a loop)")
            return False
        if len(self.seen) >= MAX_IFDS:
            self.into.problem(f"EXIF holds more than {MAX_IFDS} directories; the rest ignored")
            return False
        self.seen.add(offset)
        return True

    def _ifd(self, offset: int, ifd: str) -> int:
        """Read one IFD's entries, keep its text, queue its sub-IFDs; the next IFD's offset."""
        count_size = 8 if self.big else 2
        raw_count = self._read(offset, count_size)
        if len(raw_count) < count_size:
            self.into.problem(f"EXIF {ifd} lies past the end of the EXIF data")
            return 0
        count = struct.unpack(self.order + ("Q" if self.big else "H"), raw_count)[0]
        if count > MAX_ENTRIES:
            self.into.problem(f"EXIF {ifd} declares {count:,} entries; {MAX_ENTRIES} read")
            count = MAX_ENTRIES
        table_size = count * self.entry_size + (8 if self.big else 4)
        table = self._read(offset + count_size, table_size)
        if len(table) < count * self.entry_size:
            self.into.problem(f"EXIF {ifd} is truncated")
        for at in range(0, min(len(table), count * self.entry_size), self.entry_size):
            self._entry(table[at : at + self.entry_size], ifd)
        tail = table[count * self.entry_size :]
        if len(tail) < self.inline:
            return 0
        return int(struct.unpack(self.order + ("Q" if self.big else "I"), tail)[0])

    def _entry(self, entry: bytes, ifd: str) -> None:
        fmt = self.order + ("HHQ" if self.big else "HHI")
        tag, kind, count = struct.unpack(fmt, entry[: len(entry) - self.inline])
        inline = entry[len(entry) - self.inline :]
        if tag in _POINTERS and ifd not in _TABLES:
            self._queue(tag, kind, count, inline, ifd)
            return
        table = _TABLES.get(ifd.rstrip("0123456789"), MAIN)
        if kind not in (_ASCII, _UTF8, _BYTE, _UNDEFINED) or (table is MAIN and tag in NOT_TEXT):
            return  # numbers and embedded structures: not text
        name = table.get(tag) or f"Tag0x{tag:04X}"
        if not self._may_be_text(name, kind, count, inline):
            return
        data = self._value(count, inline, ifd, name)
        text = decode_value(name, kind, data, self.order)
        if text:
            self.into.keep(ifd, name, text)

    def _may_be_text(self, name: str, kind: int, count: int, inline: bytes) -> bool:
        """Whether a value is worth reading whole: text types always; other BYTE/UNDEFINED
        values (a MakerNote, a preview) only when their first bytes read as text."""
        if kind in (_ASCII, _UTF8) or name in CHARSET_PREFIXED or name in UCS2_TAGS:
            return True
        head = inline[:count] if count <= self.inline else self._read(self._offset(inline), 64)
        return bool(_readable(head[: min(count, 64)], cut=True))

    def _queue(self, tag: int, kind: int, count: int, inline: bytes, ifd: str) -> None:
        """Queue the IFDs a pointer tag names (its value is one or more offsets)."""
        code = _OFFSET_CODES.get(kind)
        if code is None or count == 0:
            return
        count = min(count, MAX_SUB_IFDS)
        size = count * struct.calcsize(code)
        raw = inline[:size] if size <= self.inline else self._read(self._offset(inline), size)
        n = len(raw) // struct.calcsize(code)
        offsets = struct.unpack(f"{self.order}{n}{code}", raw[: n * struct.calcsize(code)])
        name = _POINTERS[tag]
        for i, offset in enumerate(offsets):
            label = f"{name}{i}" if name == "SubIFD" and i else name
            self.pending.append((offset, label))

    def _value(self, count: int, inline: bytes, ifd: str, name: str) -> bytes:
        """The value bytes of a byte-sized type, read whole up to MAX_VALUE."""
        if count <= self.inline:
            return inline[:count]
        offset = self._offset(inline)
        wanted = min(count, MAX_VALUE)
        if wanted > self.into.read_left:
            self.into.problem(
                f"EXIF values exceed {MAX_READ // _MIB} MiB; {name} and later skipped"
            )
            return b""
        data = self._read(offset, wanted)
        self.into.read_left -= len(data)
        if len(data) < wanted:
            self.into.problem(f"EXIF {ifd} {name} runs past the end of the EXIF data; cut")
        elif count > MAX_VALUE:
            self.into.problem(
                f"EXIF {ifd} {name} is {count:,} bytes; first {MAX_VALUE // _MIB} MiB kept"
            )
        return data

    def _offset(self, inline: bytes) -> int:
        return int(struct.unpack(self.order + ("Q" if self.big else "I"), inline)[0])

    def _read(self, offset: int, size: int) -> bytes:
        """Up to ``size`` bytes at TIFF offset ``offset``, never past the structure's end."""
        size = min(size, self.size - offset)
        if offset < 0 or size <= 0:
            return b""
        self.f.seek(self.base + offset)
        return self.f.read(size)


def decode_value(name: str, kind: int, data: bytes, order: str = ">") -> str:
    """The text of one tag value, or an empty string when it is not text."""
    if name in UCS2_TAGS and kind in (_BYTE, _UNDEFINED):
        return _clean(data.decode("utf-16-le", "replace"))
    if name in CHARSET_PREFIXED:  # UNDEFINED per the standard; Pillow writes BYTE
        return decode_user_comment(data, order)
    if kind in (_ASCII, _UTF8):
        return _clean(_utf8_or_latin1(data))
    return _readable(data)


def decode_user_comment(raw: bytes, order: str = ">") -> str:
    """Decode UserComment: an 8-byte charset code, then the text (CIPA DC-008 4.6.5).

    UNICODE is UCS-2 in the EXIF block's byte order per the standard; writers disagree
    (piexif, hence A1111, writes big-endian into little-endian blocks), so a byte-order
    mark wins, then the position of the zero bytes of ASCII characters, then ``order``.
    """
    prefix, body = raw[:8], raw[8:]
    if prefix.startswith(b"UNICODE"):
        return _clean(_decode_utf16(body, order))
    if prefix.startswith(b"JIS"):
        return _clean(_decode_jis(body))
    if prefix.startswith(b"ASCII") or prefix == b"\x00" * 8:
        return _clean(_utf8_or_latin1(body))
    return _clean(_utf8_or_latin1(raw))  # no charset code: writers that ignore the standard


def _decode_utf16(body: bytes, order: str) -> str:
    if body[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return body.decode("utf-16", "replace")
    body = body[: len(body) & ~1]
    even_zeros, odd_zeros = body[0::2].count(0), body[1::2].count(0)
    big = order == ">" if even_zeros == odd_zeros else even_zeros > odd_zeros
    return body.decode("utf-16-be" if big else "utf-16-le", "replace")


def _decode_jis(body: bytes) -> str:
    """JIS X 0208: with escape sequences it is ISO-2022-JP; writers also put Shift-JIS here."""
    for codec in ("iso2022_jp", "utf-8", "cp932"):
        try:
            return body.decode(codec)
        except UnicodeDecodeError:
            continue
    return body.decode("latin-1")


def _utf8_or_latin1(data: bytes) -> str:
    """EXIF ASCII is often UTF-8 in practice; bytes that are not UTF-8 are read as Latin-1."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _readable(data: bytes, *, cut: bool = False) -> str:
    """An UNDEFINED/BYTE value as text when it is UTF-8 made of printable characters.

    ``cut``: ``data`` is only the first bytes, so a character split at the end is allowed.
    """
    data = data.rstrip(b"\x00")
    if not data:
        return ""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if not cut or exc.start < len(data) - 3:
            return ""
        text = data[: exc.start].decode("utf-8")
    return _clean(text) if all(c.isprintable() or c in "\t\r\n" for c in text) else ""


def _clean(text: str) -> str:
    """Trailing NULs and padding removed; NULs inside separate strings (TIFF allows several)."""
    return text.rstrip("\x00").rstrip().replace("\x00", "\n")
