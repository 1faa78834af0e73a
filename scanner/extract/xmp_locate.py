"""Where XMP packets sit in each container (XMP spec part 3), read with bounded reads.

A container with a defined place for XMP is read exactly there; when its structure is
broken, or for layouts we do not walk, the packet is looked for by its markers in the
first 2 MiB and the last 1 MiB of the file, where writers put it.
"""

from __future__ import annotations

import hashlib
import re
import struct
from collections.abc import Callable
from typing import BinaryIO, NamedTuple

from provscan.asset import Asset
from provscan.extract.containers import StructureError, iso_boxes, iter_riff_chunks
from provscan.extract.jpeg import APP1, jpeg_walk
from provscan.extract.pngtext import png_text
from provscan.model import MediaKind
from provscan.sniff import JPEG_FORMATS, id3_end

MAX_PACKET = 16 * 1024 * 1024
SCAN_HEAD = 2 * 1024 * 1024
SCAN_TAIL = 1024 * 1024
MAX_TIFF_ENTRIES = 4096
MAX_GUIDS = 4

_ROOT_RE = re.compile(rb"<([A-Za-z_][\w.-]*):x[am]pmeta[\s>]|<([A-Za-z_][\w.-]*):RDF[\s>]")
_PACKET_RE = re.compile(rb"<([A-Za-z_][\w.-]*):x[am]pmeta[\s>].*?</\1:x[am]pmeta\s*>", re.DOTALL)
_RDF_RE = re.compile(rb"<([A-Za-z_][\w.-]*):RDF[\s>].*?</\1:RDF\s*>", re.DOTALL)
_FIRST_ELEMENT = re.compile(rb"<[A-Za-z_]")  # skips <?xpacket?>, <!DOCTYPE>, comments
_JPEG_XMP = b"http://ns.adobe.com/xap/1.0/\x00"
_JPEG_EXT_XMP = b"http://ns.adobe.com/xmp/extension/\x00"
_HAS_EXTENDED = re.compile(rb"HasExtendedXMP(?:\s*=\s*[\"']|>)\s*([0-9A-Fa-f]{32})")
_BMFF_XMP_UUID = bytes.fromhex("be7acfcb97a942e89c71999491e3afac")  # XMP spec part 3, MP4
_BMFF = frozenset({"mp4", "mov", "m4a", "heif", "avif", "cr3"})
_MOVIE_BMFF = frozenset({"mp4", "mov", "m4a"})
MEDIA_HEAD = 256 * 1024
_RIFF_BULK = frozenset({b"VP8 ", b"VP8L", b"ANMF", b"ALPH", b"data", b"movi", b"idx1", b"LIST"})


# A NamedTuple: used as a frozen dataclass would be, and a tenth of its cost to define.
class Packet(NamedTuple):
    """One raw XMP packet and a short description of where it was found."""

    source: str
    data: bytes


def embedded_packets(asset: Asset, problems: list[str], notes: list[str]) -> list[Packet]:
    """Every XMP packet embedded in the asset; problems and container notes are appended."""
    locate = _LOCATORS.get(asset.format)
    if locate is None:
        return _scan(asset)
    try:
        return locate(asset, problems, notes)
    except (StructureError, OSError, struct.error) as exc:
        notes.append(f"{asset.format.upper()} structure is broken ({exc}); searched the bytes")
        return _scan(asset)


# Formats with no XMP embedding, whose headers their own readers read whole (frames of a
# 2,000-frame reel must not cost a 3 MiB byte search each).
NO_XMP_FORMATS = frozenset({"exr", "dpx", "cineon", "arriraw", "r3d", "srt", "webvtt", "scc",
                            "ebu-stl"})  # fmt: skip


def _none(asset: Asset, problems: list[str], notes: list[str]) -> list[Packet]:
    """No packet: the format defines no place for XMP."""
    return []


def _jpeg(asset: Asset, problems: list[str], notes: list[str]) -> list[Packet]:
    """Standard XMP in APP1, plus ExtendedXMP chunks reassembled by GUID and offset."""
    standard: list[Packet] = []
    chunks: dict[bytes, dict[int, bytes]] = {}
    totals: dict[bytes, int] = {}
    kept = 0
    walk = jpeg_walk(asset)
    for data in walk.payloads(APP1):
        if data.startswith(_JPEG_XMP):
            standard.append(Packet("JPEG APP1 XMP", data[len(_JPEG_XMP) :]))
        elif data.startswith(_JPEG_EXT_XMP) and kept <= MAX_PACKET:
            body = data[len(_JPEG_EXT_XMP) :]
            if len(body) < 40:  # GUID, full length, offset: a chunk has no less
                problems.append("an ExtendedXMP segment is too short to hold a chunk")
                continue
            guid, (total, offset) = body[:32], struct.unpack(">II", body[32:40])
            chunks.setdefault(guid, {})[offset] = body[40:]
            totals[guid], kept = total, kept + len(body)
    if walk.error:
        notes.append(f"JPEG structure is broken ({walk.error}); searched the bytes for XMP")
        seen = {strip_wrapper(p.data) for p in standard}
        standard += [p for p in _scan(asset) if strip_wrapper(p.data) not in seen]
    wanted = {m.group(1).upper() for p in standard for m in _HAS_EXTENDED.finditer(p.data)}
    return standard + _extended(chunks, totals, wanted, problems, notes)


def _extended(
    chunks: dict[bytes, dict[int, bytes]],
    totals: dict[bytes, int],
    wanted: set[bytes],
    problems: list[str],
    notes: list[str],
) -> list[Packet]:
    """Reassemble ExtendedXMP (XMP spec part 3, 1.1.3.1): the GUID is the MD5 of the whole.

    Coverage is checked before allocating, so a chunk claiming a 16 MiB whole costs nothing.
    """
    out: list[Packet] = []
    if len(chunks) > MAX_GUIDS:  # a real file has one extension; a hostile one thousands
        problems.append(f"{len(chunks):,} ExtendedXMP GUIDs; only the first {MAX_GUIDS} read")
    for guid, parts in list(chunks.items())[:MAX_GUIDS]:
        label, total = guid.decode("latin-1"), totals[guid]
        if wanted and guid.upper() not in wanted:
            notes.append(f"ExtendedXMP {label} is not the one the main packet names; ignored")
        elif total > MAX_PACKET:
            problems.append(f"ExtendedXMP {label} declares {total:,} bytes (over 16 MiB)")
        elif (covered := _covered(parts, total)) < total:
            problems.append(f"ExtendedXMP {label} is incomplete ({covered:,} of {total:,} bytes)")
        else:
            whole = bytearray(total)
            for offset, data in parts.items():
                whole[offset : offset + len(data)] = data[: max(0, total - offset)]
            if hashlib.md5(whole, usedforsecurity=False).hexdigest().upper() != label.upper():
                notes.append(f"ExtendedXMP {label}: GUID is not the MD5 of its content")
            out.append(Packet("JPEG ExtendedXMP", bytes(whole)))
    return out


def _covered(parts: dict[int, bytes], total: int) -> int:
    """Bytes of [0, total) the chunks cover; overlapping chunks count once."""
    covered = reached = 0
    for offset in sorted(parts):
        end = min(total, offset + len(parts[offset]))
        covered += max(0, end - max(offset, reached))
        reached = max(reached, end)
    return covered


def _png(asset: Asset, problems: list[str], notes: list[str]) -> list[Packet]:
    text = png_text(asset).text.get("XML:com.adobe.xmp")
    return [Packet("PNG iTXt XML:com.adobe.xmp", text.encode("utf-8"))] if text else []


def _riff(asset: Asset, problems: list[str], notes: list[str]) -> list[Packet]:
    """WebP keeps XMP in an 'XMP ' chunk; WAV and AVI in '_PMX' (XMP spec part 3)."""
    with asset.open() as f:
        chunks = [c for c in iter_riff_chunks(f, skip=_RIFF_BULK) if c.tag in (b"XMP ", b"_PMX")]
    found = [Packet(f"RIFF {c.tag.decode().strip()} chunk", c.data) for c in chunks if c.data]
    return found  # the walk reached every chunk: XMP has no other place in RIFF


def _tiff(asset: Asset, problems: list[str], notes: list[str]) -> list[Packet]:
    data = tiff_tag_bytes(asset, 700)  # TIFF tag 700 XMLPacket (XMP spec part 3)
    return [Packet("TIFF tag 700", data)] if data else []


def _xmp_file(asset: Asset, problems: list[str], notes: list[str]) -> list[Packet]:
    """A sidecar is one packet whose root is x:xmpmeta or rdf:RDF; other XML embeds packets."""
    data = asset.read_at(0, MAX_PACKET + 1)
    first = _FIRST_ELEMENT.search(data)
    if first is None or _ROOT_RE.match(data, first.start()):
        return [Packet("XMP file", data)]
    notes.append("the file is XML with embedded XMP packets, not an XMP sidecar")
    return [Packet("embedded packet", m.group(0)) for m in _PACKET_RE.finditer(data)]


def _bmff(asset: Asset, problems: list[str], notes: list[str]) -> list[Packet]:
    """Top-level 'uuid' XMP box (MP4) and moov/udta/XMP_ (QuickTime); else the byte scan.

    HEIF keeps XMP as a 'mime' item located through 'iloc'; the byte scan finds it.
    """
    found: list[Packet] = []
    with asset.open() as f:
        for box, start, end in iso_boxes(f, 0, asset.size):
            if box == b"uuid" and _read(f, start, 16) == _BMFF_XMP_UUID:
                found.append(Packet("BMFF uuid XMP box", _read(f, start + 16, end - start - 16)))
            elif box == b"moov":
                udta = [(s, e) for sub, s, e in iso_boxes(f, start, end) if sub == b"udta"]
                for s2, e2 in udta:
                    atoms = [(s, e) for tag, s, e in iso_boxes(f, s2, e2) if tag == b"XMP_"]
                    found += [Packet("QuickTime XMP_ atom", _read(f, s, e - s)) for s, e in atoms]
    # A walked MP4/MOV has no other XMP place; HEIF keeps XMP as an item only iloc finds.
    return found if asset.format in _MOVIE_BMFF else found or _scan(asset)


def _read(f: BinaryIO, offset: int, size: int) -> bytes:
    f.seek(offset)
    return f.read(min(size, MAX_PACKET + 1))


def tiff_tag_bytes(asset: Asset, tag: int, limit: int = MAX_PACKET + 1) -> bytes | None:
    """The value bytes of one IFD0 tag of a TIFF (or BigTIFF) file (at most ``limit`` of
    them), or None."""
    head = asset.head(16)
    order = {b"II": "<", b"MM": ">"}.get(head[:2])
    if order is None or len(head) < 16:
        return None
    big = struct.unpack(order + "H", head[2:4])[0] == 43
    ifd = struct.unpack(order + ("Q" if big else "I"), head[8:16] if big else head[4:8])[0]
    count_fmt, entry_fmt = ("Q", "HHQ8s") if big else ("H", "HHI4s")
    count_size, entry_size = (8, 20) if big else (2, 12)
    raw_count = asset.read_at(ifd, count_size).ljust(count_size, b"\0")
    count = struct.unpack(order + count_fmt, raw_count)[0]
    table = asset.read_at(ifd + count_size, min(count, MAX_TIFF_ENTRIES) * entry_size)
    for i in range(0, len(table) - entry_size + 1, entry_size):
        number, kind, n, inline = struct.unpack(order + entry_fmt, table[i : i + entry_size])
        if number == tag:
            size = n * {1: 1, 2: 1, 7: 1, 4: 4, 16: 8}.get(kind, 1)
            if size <= len(inline):
                return bytes(inline[:size])
            offset: int = struct.unpack(order + ("Q" if big else "I"), inline)[0]
            return asset.read_at(offset, min(size, limit))
    return None


def _scan(asset: Asset) -> list[Packet]:
    """Find packets by their markers in the head and tail of a file of unknown layout.

    Audio and video keep their tags in a header (an MP3's ID3v2 tag, where XMP sits in a
    PRIV frame; Ogg/FLAC/Matroska/MXF header metadata), so only that is searched: reading
    3 MiB of every clip was most of a video scan's I/O.
    """
    if asset.kind in (MediaKind.VIDEO, MediaKind.AUDIO):
        return _packets(
            [asset.read_at(0, min(max(id3_end(asset.head(10)), MEDIA_HEAD), MAX_PACKET))]
        )
    regions = [asset.read_at(0, SCAN_HEAD)]
    if asset.size > SCAN_HEAD:
        regions.append(asset.tail(min(SCAN_TAIL, asset.size - SCAN_HEAD)))
    return _packets(regions)


def _packets(regions: list[bytes]) -> list[Packet]:
    found: list[Packet] = []
    for region in regions:
        if b"xmpmeta" not in region and b"xapmeta" not in region and b":RDF" not in region:
            continue
        matches = list(_PACKET_RE.finditer(region)) or list(_RDF_RE.finditer(region))
        found.extend(
            Packet("embedded packet", _with_inherited_namespaces(region, m)) for m in matches
        )
    return found


_XMLNS = re.compile(rb"""\sxmlns:([A-Za-z_][\w.-]*)\s*=\s*("[^"]*"|'[^']*')""")
_USED_PREFIX = re.compile(
    rb"</?([A-Za-z_][\w.-]*):[A-Za-z_]|\s([A-Za-z_][\w.-]*):[A-Za-z_][\w.-]*\s*="
)
_PREDECLARED = frozenset({b"xml", b"xmlns"})
_NAME_END = re.compile(rb"[\s/>]")  # where a start tag's name ends


def _with_inherited_namespaces(region: bytes, match: re.Match[bytes]) -> bytes:
    """The packet, with the namespace declarations it uses but leaves to its host document.

    An RDF block inside another XML document (an SVG's ``<metadata>``) may use prefixes one
    of its ancestors declares: Inkscape declares ``rdf``, ``dc`` and ``cc`` on the ``<svg>``
    element. Cut out alone, such a block is not well-formed XML ("unbound prefix"), so the
    nearest declaration before it in the document is copied onto its root element. A packet
    that declares every prefix it uses (any XMP writer's) is returned as it is."""
    packet = match.group(0)
    declared = {m.group(1) for m in _XMLNS.finditer(packet)}
    used = {a or b for a, b in _USED_PREFIX.findall(packet)}
    missing = used - declared - _PREDECLARED
    if not missing:
        return packet
    inherited = {m.group(1): m.group(2) for m in _XMLNS.finditer(region, 0, match.start())}
    extra = b"".join(
        b" xmlns:" + p + b"=" + inherited[p] for p in sorted(missing) if p in inherited
    )
    name_end = _NAME_END.search(packet, 1)
    if not extra or name_end is None:
        return packet
    return packet[: name_end.start()] + extra + packet[name_end.start() :]


def root_start(text: bytes) -> int:
    """Offset of the xmpmeta (or rdf:RDF) start tag, or -1: what comes before is prolog."""
    match = _ROOT_RE.search(text)
    return match.start() if match else -1


def strip_wrapper(packet: bytes) -> bytes:
    """Drop bytes around the xmpmeta/RDF element (padding, xpacket PIs, trailing NULs)."""
    match = _PACKET_RE.search(packet) or _RDF_RE.search(packet)
    return match.group(0) if match else packet.strip(b"\x00 \r\n\t")


Locator = Callable[[Asset, list[str], list[str]], list[Packet]]
_LOCATORS: dict[str, Locator] = {
    **{fmt: _jpeg for fmt in JPEG_FORMATS},
    "png": _png,
    "webp": _riff,
    "wav": _riff,
    "avi": _riff,
    "tiff": _tiff,
    "xmp": _xmp_file,
    **{fmt: _bmff for fmt in _BMFF},
    **{fmt: _none for fmt in NO_XMP_FORMATS},
}
