"""Legacy IPTC IIM records ("IPTC-NAA"), read from where writers keep them, bounded.

IIM (IPTC Information Interchange Model 4.2) predates XMP and still carries credit lines,
captions and keywords in many files. Photoshop stores it as image resource 0x0404 of an
Image Resource Block: in JPEG APP13 "Photoshop 3.0" segments (split across several
segments when long), in a PSD's image resources section, and in TIFF tag 34377; TIFF
tag 33723 holds the records directly. ImageMagick (and exiftool) keep it in PNG as a
"Raw profile type iptc" text chunk: a header line, the length, then hex digits.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass, field

from provscan.asset import Asset
from provscan.extract.containers import StructureError
from provscan.extract.jpeg import APP13, jpeg_walk
from provscan.extract.pngtext import png_text
from provscan.extract.xmp_locate import tiff_tag_bytes
from provscan.sniff import JPEG_FORMATS

MAX_IRB = 4 * 1024 * 1024  # Photoshop resources: thumbnails included, a few hundred KiB
MAX_DATASETS = 10_000
_APP13 = b"Photoshop 3.0\x00"
_IRB_SIGNATURES = (b"8BIM", b"PHUT", b"AgHg", b"DCSR", b"MeSa")  # exiftool Photoshop.pm
_IPTC_RESOURCE = 0x0404
_PNG_PROFILE = "Raw profile type iptc"
_UTF8_ESCAPE = b"\x1b%G"  # record 1:90 CodedCharacterSet value for UTF-8 (IIM 4.2, 1:90)

# (record, dataset) -> name, from IIM 4.2 chapter 6 (record 2, the application record);
# names as exiftool prints them, so a reviewer can search for them. Every other text
# dataset of record 2 is kept too, as ``IPTC_ApplicationRecord_<n>`` (exiftool's name):
# FotoStation and others write custom fields at 2:200-219.
DATASETS: dict[tuple[int, int], str] = {
    (2, 3): "ObjectTypeReference",
    (2, 4): "ObjectAttributeReference",
    (2, 5): "ObjectName",
    (2, 7): "EditStatus",
    (2, 8): "EditorialUpdate",
    (2, 10): "Urgency",
    (2, 12): "SubjectReference",
    (2, 15): "Category",
    (2, 20): "SupplementalCategories",
    (2, 22): "FixtureIdentifier",
    (2, 25): "Keywords",
    (2, 26): "ContentLocationCode",
    (2, 27): "ContentLocationName",
    (2, 30): "ReleaseDate",
    (2, 35): "ReleaseTime",
    (2, 37): "ExpirationDate",
    (2, 38): "ExpirationTime",
    (2, 40): "SpecialInstructions",
    (2, 42): "ActionAdvised",
    (2, 45): "ReferenceService",
    (2, 47): "ReferenceDate",
    (2, 50): "ReferenceNumber",
    (2, 55): "DateCreated",
    (2, 60): "TimeCreated",
    (2, 62): "DigitalCreationDate",
    (2, 63): "DigitalCreationTime",
    (2, 65): "OriginatingProgram",
    (2, 70): "ProgramVersion",
    (2, 75): "ObjectCycle",
    (2, 80): "By-line",
    (2, 85): "By-lineTitle",
    (2, 90): "City",
    (2, 92): "Sub-location",
    (2, 95): "Province-State",
    (2, 100): "Country-PrimaryLocationCode",
    (2, 101): "Country-PrimaryLocationName",
    (2, 103): "OriginalTransmissionReference",
    (2, 105): "Headline",
    (2, 110): "Credit",
    (2, 115): "Source",
    (2, 116): "CopyrightNotice",
    (2, 118): "Contact",
    (2, 120): "Caption-Abstract",
    (2, 121): "LocalCaption",
    (2, 122): "Writer-Editor",
    (2, 130): "ImageType",
    (2, 131): "ImageOrientation",
    (2, 135): "LanguageIdentifier",
    (2, 184): "JobID",
    (2, 185): "MasterDocumentID",
    (2, 186): "ShortDocumentID",
    (2, 187): "UniqueDocumentID",
    (2, 188): "OwnerID",
    (2, 221): "Prefs",
    (2, 225): "ClassifyState",
    (2, 228): "SimilarityIndex",
    (2, 230): "DocumentNotes",
    (2, 231): "DocumentHistory",
    (2, 232): "ExifCameraInfo",
    (2, 255): "CatalogSets",
}
# Record 2 datasets that are binary by definition: record version, rasterized caption,
# preview file format/version/data, audio numbers.
_BINARY_DATASETS = frozenset({0, 125, 150, 151, 152, 153, 154})


@dataclass(slots=True)
class Iim:
    """IIM fields by name (repeatable ones keep every value), where they came from, problems."""

    fields: dict[str, list[str]] = field(default_factory=dict)
    source: str = ""
    utf8: bool = False
    problems: list[str] = field(default_factory=list)

    def values(self, name: str) -> list[str]:
        """Every value of a dataset by name (``Credit``, ``Keywords`` ...)."""
        return self.fields.get(name, [])


def iptc_iim(asset: Asset) -> Iim:
    """The asset's IIM records (cached view); empty when the file has none."""
    return asset.view("iptc_iim", _read)


def _read(asset: Asset) -> Iim:
    result = Iim()
    try:
        source, data, is_irb = _locate(asset, result.problems)
    except (OSError, struct.error, StructureError) as exc:
        result.problems.append(f"IPTC IIM could not be located: {exc}")
        return result
    if data and is_irb:
        data = next((d for rid, d in iter_resources(data) if rid == _IPTC_RESOURCE), b"")
    if data:
        result.source = source
        parse_records(data, result)
    return result


def _locate(asset: Asset, problems: list[str]) -> tuple[str, bytes, bool]:
    """(source, bytes, whether they are an Image Resource Block) for the asset's format."""
    if asset.format in JPEG_FORMATS:
        return "JPEG APP13 Photoshop IRB", _jpeg_irb(asset, problems), True
    if asset.format == "psd":
        return "PSD image resources", psd_irb(asset), True
    if asset.format == "png":
        data = _png_raw_profile(png_text(asset).text.get(_PNG_PROFILE, ""), problems)
        return f"PNG {_PNG_PROFILE!r} text", data, data.startswith(_IRB_SIGNATURES)
    if asset.format == "tiff":
        raw = tiff_tag_bytes(asset, 33723)  # IPTC-NAA: the records themselves
        if raw:
            return "TIFF tag 33723", raw, False
        return "TIFF tag 34377 Photoshop IRB", tiff_tag_bytes(asset, 34377) or b"", True
    return "", b"", False


def _jpeg_irb(asset: Asset, problems: list[str]) -> bytes:
    """APP13 payloads joined: Photoshop continues one block across consecutive segments."""
    parts: list[bytes] = []
    size = 0
    # After a break we keep what came before it; the integrity detector reports the break.
    for data in jpeg_walk(asset).payloads(APP13):
        if data.startswith(_APP13) and size <= MAX_IRB:
            parts.append(data[len(_APP13) :])
            size += len(data)
    return b"".join(parts)[:MAX_IRB]


def _png_raw_profile(text: str, problems: list[str]) -> bytes:
    """Decode ImageMagick's raw profile: "\\n<name>\\n<length>\\n<hex lines>"."""
    lines = text.strip().split("\n", 2)
    if len(lines) < 3:
        return b""
    digits = "".join(lines[2].split())[: 2 * MAX_IRB]
    try:
        return bytes.fromhex(digits)
    except ValueError:
        problems.append(f"PNG {_PNG_PROFILE!r} is not hexadecimal")
        return b""


def psd_irb(asset: Asset) -> bytes:
    """The image resources section: after the 26-byte header and the colour mode data."""
    mode_len = struct.unpack(">I", asset.read_at(26, 4))[0]
    start = 30 + mode_len
    length = struct.unpack(">I", asset.read_at(start, 4))[0]
    return asset.read_at(start + 4, min(length, MAX_IRB))


def iter_resources(block: bytes) -> Iterator[tuple[int, bytes]]:
    """(resource id, data) of an Image Resource Block; stops at the first malformed entry."""
    pos = 0
    while pos + 12 <= len(block) and block[pos : pos + 4] in _IRB_SIGNATURES:
        rid, name_len = struct.unpack(">HB", block[pos + 4 : pos + 7])
        pos += 7 + name_len + ((name_len + 1) & 1)  # Pascal name padded to an even size
        if pos + 4 > len(block):
            return
        size = struct.unpack(">I", block[pos : pos + 4])[0]
        pos += 4
        yield rid, block[pos : pos + size]
        pos += size + (size & 1)


def parse_records(data: bytes, into: Iim) -> None:
    """Parse IIM datasets (tag marker 0x1C, record, dataset, length) into ``into``."""
    raw: list[tuple[int, int, bytes]] = []
    pos = 0
    while pos + 5 <= len(data) and len(raw) < MAX_DATASETS:
        if data[pos] != 0x1C:
            if pos < len(data) and any(data[pos:]):  # trailing NUL padding is normal
                into.problems.append(f"IPTC IIM record marker missing at byte {pos}; stopped")
            break
        record, dataset, length = data[pos + 1], data[pos + 2], _u16(data, pos + 3)
        pos += 5
        if length & 0x8000:  # extended dataset: the low bits count the length bytes
            count = length & 0x7FFF
            if count > 4:
                into.problems.append("IPTC IIM extended length over 4 bytes; stopped")
                break
            length, pos = int.from_bytes(data[pos : pos + count], "big"), pos + count
        if pos + length > len(data):
            into.problems.append(f"IPTC IIM dataset {record}:{dataset} runs past its block")
            break
        raw.append((record, dataset, data[pos : pos + length]))
        pos += length
    into.utf8 = any(r == 1 and d == 90 and v.startswith(_UTF8_ESCAPE) for r, d, v in raw)
    for record, dataset, value in raw:
        if record != 2 or dataset in _BINARY_DATASETS:
            continue
        text = _text(value, into.utf8)
        name = DATASETS.get((record, dataset), f"IPTC_ApplicationRecord_{dataset}")
        if text and ((record, dataset) in DATASETS or text.isprintable()):
            into.fields.setdefault(name, []).append(text)


def _u16(data: bytes, pos: int) -> int:
    return int.from_bytes(data[pos : pos + 2], "big")


def _text(value: bytes, utf8: bool) -> str:
    """IIM text: UTF-8 when 1:90 says so; otherwise UTF-8 if valid, else Latin-1 (cp1252)."""
    value = value.rstrip(b"\x00")
    if not utf8:
        try:
            return value.decode("utf-8").strip()
        except UnicodeDecodeError:
            return value.decode("cp1252", "replace").strip()
    return value.decode("utf-8", "replace").strip()
