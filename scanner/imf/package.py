"""IMF package documents: the ASSETMAP (ST 429-9), packing lists (PKL) and composition
playlists (CPL, ST 2067-3), parsed into what the IMF stage needs.

Every document is parsed with defusedxml only, after a size cap: an entity declaration (the
billion laughs, an external entity) is refused, never expanded or fetched. Namespaces differ
between the 2013, 2016 and 2020 schemas and between the application plug-ins (IAB, ISXD,
ADM...), so elements are matched by local name. A problem is an :class:`ImfError` with one
line naming the file, the element path and what is wrong.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import BinaryIO
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring
from provscan.timecode import parse_timecode, to_timecode

MAX_XML_BYTES = 32 * 1024 * 1024  # a 10-hour CPL with thousands of resources is a few MiB
MAX_DIGITS = 18  # 10^18 edit units is 10^9 years at 24 fps; longer is hostile (and int()
# refuses over 4300 digits with a ValueError)
MAX_RESOURCES = 100_000  # per composition: the stage maps each one, so a bound on its work
# Positions are exact Fractions: each distinct resource EditRate can multiply their common
# denominator, so many distinct rates make every addition slower (quadratic overall). Real
# compositions use a handful of rates (24000/1001, 48000...); 4096 bits is dozens of them.
MAX_DENOMINATOR_BITS = 4096
MAX_TIMECODE_CHARS = 32  # "HH:MM:SS:FF" is 11; more is hostile
_DROP_RATES = (30, 60)  # SMPTE 12M drop-frame counting exists at these nominal rates only
_TRUE = frozenset({"true", "1"})
_FALSE = frozenset({"false", "0"})


class ImfError(ValueError):
    """A package document that cannot be used: one line naming file, element and problem."""


@dataclass(frozen=True, slots=True)
class AssetMap:
    """ASSETMAP: each asset id (``urn:uuid:...``, lower case) -> its chunk paths, relative to
    the package folder, in chunk order."""

    assets: dict[str, tuple[str, ...]]
    packing_lists: tuple[str, ...] = ()  # ids of assets flagged <PackingList>true


@dataclass(frozen=True, slots=True)
class PackedAsset:
    """One asset as a packing list declares it."""

    size: int | None
    hash: str  # base64 SHA-1 in IMF (HashAlgorithm says otherwise in rare packages)
    type: str  # "application/mxf", "text/xml"...
    original_name: str


@dataclass(frozen=True, slots=True)
class PackingList:
    """PKL: its id and the assets it packs, by id."""

    id: str
    assets: dict[str, PackedAsset]


@dataclass(frozen=True, slots=True)
class Placement:
    """One resource of a sequence: which track file plays, which part of it, and where.

    ``record_in``/``record_out`` are composition edit units from the composition's start
    (a Fraction: an audio resource at 48 kHz need not end on a frame boundary).
    """

    sequence: str  # local name: "MainImageSequence", "MainAudioSequence", "IABSequence"...
    segment: int  # 1-based
    resource: int  # 1-based within its sequence
    track_file_id: str
    edit_rate: Fraction  # the resource's own (48000 for audio), default the composition's
    entry_point: int  # in the resource's edit units
    source_duration: int
    repeat_count: int
    record_in: Fraction
    record_out: Fraction

    def to_composition(self, units: Fraction, composition_rate: Fraction) -> Fraction:
        """Resource edit units -> composition edit units (a length, not a position)."""
        return units * composition_rate / self.edit_rate


@dataclass(frozen=True, slots=True)
class Composition:
    """CPL: identity, rates, start timecode and every track-file placement in play order."""

    id: str
    title: str
    edit_rate: Fraction
    start_timecode: str
    timecode_rate: int
    drop_frame: bool
    resources: tuple[Placement, ...]
    duration: Fraction  # composition edit units

    def seconds(self, units: Fraction) -> float:
        """Composition edit units -> seconds from the composition's start."""
        return float(units / self.edit_rate)

    def timecode(self, units: Fraction) -> str:
        """The composition timecode at ``units`` edit units from its start."""
        return _label(self._frames(units), self.timecode_rate, self.drop_frame, self._start())

    def duration_timecode(self) -> str:
        """The composition's length as a timecode counted from 00:00:00:00."""
        return _label(self._frames(self.duration), self.timecode_rate, self.drop_frame, 0)

    def _frames(self, units: Fraction) -> int:
        # One edit unit is one timecode frame when the rates agree (24000/1001 counts at 24);
        # otherwise convert through real time.
        if round(self.edit_rate) == self.timecode_rate:
            return math.floor(units)
        return math.floor(units / self.edit_rate * self.timecode_rate)

    def _start(self) -> int:
        frames = parse_timecode(self.start_timecode, _tc_rate(self.timecode_rate, self.drop_frame))
        return frames or 0


Document = AssetMap | PackingList | Composition


def read_capped(f: BinaryIO, name: str, limit: int = MAX_XML_BYTES) -> bytes:
    """The bytes of an open package document, refused when over ``limit`` (before parsing)."""
    data = f.read(limit + 1)
    if len(data) > limit:
        raise ImfError(f"{name}: larger than {limit // (1024 * 1024)} MiB, not parsed")
    return data


def parse_document(data: bytes, name: str) -> Document | None:
    """The ASSETMAP, PKL or CPL in ``data`` by its root element; None for other XML (VOLINDEX,
    OPL, sidecars). Raises ImfError when the XML is unsafe or not well-formed."""
    root = parse_xml(data, name)
    parser = _PARSERS.get(_local(root.tag))
    return parser(root, name) if parser else None


def parse_assetmap(data: bytes, name: str) -> AssetMap:
    """An ASSETMAP; ImfError if the document is anything else."""
    return _assetmap(_root(data, name, "AssetMap", "an AssetMap"), name)


def parse_packing_list(data: bytes, name: str) -> PackingList:
    """A packing list; ImfError if the document is anything else."""
    return _packing_list(_root(data, name, "PackingList", "a PackingList"), name)


def parse_composition(data: bytes, name: str) -> Composition:
    """A composition playlist; ImfError if the document is anything else."""
    return _composition(_root(data, name, "CompositionPlaylist", "a CompositionPlaylist"), name)


def _root(data: bytes, name: str, kind: str, what: str) -> Element:
    """The root element, checked to be ``kind`` before anything else is read."""
    root = parse_xml(data, name)
    if _local(root.tag) != kind:
        raise ImfError(f"{name}: not {what} (root element is <{_local(root.tag)}>)")
    return root


def parse_xml(data: bytes, name: str) -> Element:
    """The root element, parsed with defusedxml; any entity declaration is refused."""
    if len(data) > MAX_XML_BYTES:
        raise ImfError(f"{name}: larger than {MAX_XML_BYTES // (1024 * 1024)} MiB, not parsed")
    try:
        # A DOCTYPE alone is harmless (expat never fetches an external DTD); entities are
        # what billion-laughs and XXE attacks need, and no IMF document declares one.
        return fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise ImfError(f"{name}: XML is unsafe ({_unsafe(exc)})") from None
    except ParseError as exc:
        line, column = exc.position  # expat counts columns from 0, editors from 1
        reason = str(exc).split(":")[0]
        raise ImfError(
            f"{name}: is not well-formed XML: line {line}, column {column + 1} ({reason})"
        ) from None
    except (LookupError, ValueError) as exc:  # an unknown encoding declaration, bad bytes
        raise ImfError(f"{name}: is not readable XML ({exc})") from None


def _unsafe(exc: DefusedXmlException) -> str:
    kind = type(exc).__name__
    if kind == "EntitiesForbidden":
        return "entity declarations are refused"
    if kind == "DTDForbidden":
        return "a DOCTYPE is refused"
    if kind == "ExternalReferenceForbidden":
        return "external references are refused"
    return kind


# --- element helpers (local names only) -------------------------------------------------------


def _local(tag: object) -> str:
    """Local name of an element tag (``{namespace}Name`` -> ``Name``); comments give ""."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(parent: Element, name: str) -> list[Element]:
    return [child for child in parent if _local(child.tag) == name]


def _child(parent: Element, name: str) -> Element | None:
    return next((child for child in parent if _local(child.tag) == name), None)


def _text(parent: Element, name: str) -> str | None:
    child = _child(parent, name)
    return None if child is None else (child.text or "").strip()


class _Where:
    """Builds the "file: element path" prefix of an error message."""

    def __init__(self, name: str, path: str = "") -> None:
        self.name, self.path = name, path

    def at(self, step: str) -> _Where:
        return _Where(self.name, f"{self.path} / {step}" if self.path else step)

    def error(self, field: str, problem: str) -> ImfError:
        where = f"{self.path}, {field}" if self.path else field
        return ImfError(f"{self.name}: {where}: {problem}")

    def required(self, parent: Element, field: str) -> str:
        value = _text(parent, field)
        if not value:
            raise self.error(field, "missing" if value is None else "empty")
        return value

    def integer(self, parent: Element, field: str, default: int | None = None) -> int:
        text = _text(parent, field)
        if text is None:
            if default is None:
                raise self.error(field, "missing")
            return default
        if not text.isdigit() or not text.isascii():
            raise self.error(field, f"{_show(text)} is not a non-negative integer")
        if len(text) > MAX_DIGITS:
            raise self.error(field, f"{_show(text)} is too large")
        return int(text)

    def rate(self, parent: Element, field: str, default: Fraction | None = None) -> Fraction:
        text = _text(parent, field)
        if text is None:
            if default is None:
                raise self.error(field, "missing")
            return default
        parts = text.split()
        if len(parts) != 2 or not all(
            p.isdigit() and p.isascii() and len(p) <= MAX_DIGITS for p in parts
        ):
            raise self.error(field, f"{_show(text)} is not a rate")
        num, den = int(parts[0]), int(parts[1])
        if num == 0 or den == 0:
            raise self.error(field, f"{_show(text)} is not a rate")
        return Fraction(num, den)


def _show(text: str) -> str:
    """A value quoted for a message, clipped: hostile files put megabytes in one element."""
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _id(text: str) -> str:
    return text.strip().lower()


# --- ASSETMAP and PKL ----------------------------------------------------------------------


def _assetmap(root: Element, name: str) -> AssetMap:
    where = _Where(name)
    asset_list = _child(root, "AssetList")
    if asset_list is None:
        raise where.error("AssetList", "missing")
    assets: dict[str, tuple[str, ...]] = {}
    packing: list[str] = []
    for n, asset in enumerate(_children(asset_list, "Asset"), 1):
        here = where.at(f"Asset {n}")
        asset_id = _id(here.required(asset, "Id"))
        chunks = _child(asset, "ChunkList")
        paths = (
            [] if chunks is None else [_text(c, "Path") or "" for c in _children(chunks, "Chunk")]
        )
        paths = [p for p in paths if p]
        if not paths:
            raise here.error("ChunkList", "no Chunk with a Path")
        assets[asset_id] = tuple(paths)
        if (_text(asset, "PackingList") or "").lower() in _TRUE:
            packing.append(asset_id)
    return AssetMap(assets, tuple(packing))


def _packing_list(root: Element, name: str) -> PackingList:
    where = _Where(name)
    pkl_id = _id(where.required(root, "Id"))
    asset_list = _child(root, "AssetList")
    if asset_list is None:
        raise where.error("AssetList", "missing")
    assets: dict[str, PackedAsset] = {}
    for n, asset in enumerate(_children(asset_list, "Asset"), 1):
        here = where.at(f"Asset {n}")
        asset_id = _id(here.required(asset, "Id"))
        size = here.integer(asset, "Size") if _text(asset, "Size") is not None else None
        assets[asset_id] = PackedAsset(
            size=size,
            hash=_text(asset, "Hash") or "",
            type=(_text(asset, "Type") or "").lower(),
            original_name=_text(asset, "OriginalFileName") or "",
        )
    return PackingList(pkl_id, assets)


# --- CPL -----------------------------------------------------------------------------------


def _composition(root: Element, name: str) -> Composition:
    where = _Where(name)
    cpl_id = _id(where.required(root, "Id"))
    edit_rate = where.rate(root, "EditRate")
    start, tc_rate, drop = _timecode(root, where, edit_rate)
    segment_list = _child(root, "SegmentList")
    if segment_list is None:
        raise where.error("SegmentList", "missing")
    placements: list[Placement] = []
    offset = Fraction(0)
    for n, segment in enumerate(_children(segment_list, "Segment"), 1):
        placed, length = _segment(segment, where.at(f"Segment {n}"), n, offset, edit_rate)
        placements.extend(placed)
        if len(placements) > MAX_RESOURCES:
            raise where.error("SegmentList", f"more than {MAX_RESOURCES} resources")
        offset += length
    return Composition(
        id=cpl_id,
        title=_text(root, "ContentTitle") or "",
        edit_rate=edit_rate,
        start_timecode=start,
        timecode_rate=tc_rate,
        drop_frame=drop,
        resources=tuple(placements),
        duration=offset,
    )


_PARSERS: dict[str, Callable[[Element, str], Document]] = {
    "AssetMap": _assetmap,
    "PackingList": _packing_list,
    "CompositionPlaylist": _composition,
}


def _timecode(root: Element, where: _Where, edit_rate: Fraction) -> tuple[str, int, bool]:
    """CompositionTimecode: start address, rate and drop flag (00:00:00:00 when absent)."""
    block = _child(root, "CompositionTimecode")
    if block is None:
        return "00:00:00:00", max(1, round(edit_rate)), False
    here = where.at("CompositionTimecode")
    rate = here.integer(block, "TimecodeRate", default=max(1, round(edit_rate)))
    if rate == 0:
        raise here.error("TimecodeRate", "'0' is not a rate")
    flag = (_text(block, "TimecodeDropFrame") or "false").lower()
    if flag not in _TRUE | _FALSE:
        raise here.error("TimecodeDropFrame", f"{_show(flag)} is not a boolean")
    drop = flag in _TRUE and rate in _DROP_RATES
    start = here.required(block, "TimecodeStartAddress")
    # parse_timecode takes any str.isdigit() field to int(): "²" or 5,000 digits raise there
    plain = len(start) <= MAX_TIMECODE_CHARS and start.isascii()
    if not plain or parse_timecode(start, _tc_rate(rate, drop)) is None:
        raise here.error("TimecodeStartAddress", f"{_show(start)} is not a timecode at {rate} fps")
    return start, rate, drop


def _segment(
    segment: Element, where: _Where, number: int, offset: Fraction, edit_rate: Fraction
) -> tuple[list[Placement], Fraction]:
    """A segment's placements and its length in composition edit units.

    ST 2067-3 makes every sequence of a segment equally long; when a CPL breaks that, the
    main image sequence sets the length (what a player follows), else the longest sequence.
    """
    sequence_list = _child(segment, "SequenceList")
    if sequence_list is None:
        raise where.error("SequenceList", "missing")
    placements: list[Placement] = []
    lengths: dict[str, Fraction] = {}
    for element in sequence_list:
        kind = _local(element.tag)
        if not kind.endswith("Sequence"):
            continue
        placed, length = _sequence(element, where.at(kind), kind, number, offset, edit_rate)
        placements.extend(placed)
        lengths[kind] = max(length, lengths.get(kind, Fraction(0)))
    length = lengths.get("MainImageSequence", max(lengths.values(), default=Fraction(0)))
    return placements, length


def _sequence(
    sequence: Element,
    where: _Where,
    kind: str,
    segment: int,
    offset: Fraction,
    edit_rate: Fraction,
) -> tuple[list[Placement], Fraction]:
    """A sequence's resources laid end to end from ``offset``; its length."""
    resource_list = _child(sequence, "ResourceList")
    if resource_list is None:
        raise where.error("ResourceList", "missing")
    placements: list[Placement] = []
    position = offset
    for n, resource in enumerate(_children(resource_list, "Resource"), 1):
        here = where.at(f"Resource {n}")
        rate = here.rate(resource, "EditRate", default=edit_rate)
        entry, duration, repeat = _extent(resource, here)
        length = Fraction(duration * repeat) * edit_rate / rate
        track = _text(resource, "TrackFileId")
        # Marker resources (MarkerSequence) and other non-essence resources take time in
        # the sequence but play no track file.
        if track:
            placements.append(Placement(kind, segment, n, _id(track), rate, entry, duration,
                                        repeat, position, position + length))  # fmt: skip
        elif kind != "MarkerSequence":
            raise here.error("TrackFileId", "missing" if track is None else "empty")
        position += length
        if position.denominator.bit_length() > MAX_DENOMINATOR_BITS:
            raise here.error("EditRate", "too many different edit rates in one composition")
    return placements, position - offset


def _extent(resource: Element, where: _Where) -> tuple[int, int, int]:
    """EntryPoint, SourceDuration and RepeatCount, with ST 2067-3's defaults, checked
    against IntrinsicDuration."""
    entry = where.integer(resource, "EntryPoint", default=0)
    has_intrinsic = _text(resource, "IntrinsicDuration") is not None
    intrinsic = where.integer(resource, "IntrinsicDuration") if has_intrinsic else None
    if _text(resource, "SourceDuration") is None and intrinsic is None:
        raise where.error("IntrinsicDuration", "missing (and no SourceDuration)")
    default = None if intrinsic is None else max(0, intrinsic - entry)
    duration = where.integer(resource, "SourceDuration", default=default)
    repeat = where.integer(resource, "RepeatCount", default=1)
    if repeat == 0:
        raise where.error("RepeatCount", "'0' is not a positive integer")
    if intrinsic is not None and entry + duration > intrinsic:
        raise where.error(
            "SourceDuration",
            f"EntryPoint {entry} + SourceDuration {duration} is past IntrinsicDuration {intrinsic}",
        )
    return entry, duration, repeat


# --- timecode labels -------------------------------------------------------------------------


def _tc_rate(rate: int, drop: bool) -> Fraction:
    """The rate scanner.timecode counts at: 30000/1001 and 60000/1001 mean drop-frame
    there, so a non-drop timecode uses the integer rate."""
    return Fraction(rate * 1000, 1001) if drop else Fraction(rate)


def _label(frames: int, rate: int, drop: bool, start_frames: int) -> str:
    counting = _tc_rate(rate, drop)
    return to_timecode(float(frames / counting), counting, start_frames)
