"""exiftool as a differential peer: every text value it reads must reach provscan's views.

``exiftool -r -ext '*' -j -G0:1 -a -u -b -n -api struct=0`` over a folder, then, per file
and per field in the compared groups, a decision: matched (the value, whole, is a value of
the provscan view for that group), not relevant (with the reason, from :data:`NOT_RELEVANT`
and the generic rules of :func:`irrelevance`), or missing. The flags:

- ``-j`` JSON, one object per file; ``-G0:1`` keys ``Family0:Family1:Tag`` so a field's
  group (EXIF, XMP...) and its place (IFD0, ExifIFD, XMP-dc...) are both known;
- ``-a`` duplicates too (IFD0 and IFD1 may both hold Software), ``-u`` unknown tags too;
- ``-b`` whole values: without it exiftool prints long or binary ones as "(Binary data
  N bytes...)"; with it binary comes as ``base64:``, which marks it as binary;
- ``-n`` no print conversion: enumerations stay numbers rather than words exiftool made
  up, and text comes as read (UserComment is still decoded from its charset code);
- ``-api struct=0`` XMP structures flattened to one field per leaf, as provscan does;
- ``-r -ext '*'`` every file, whatever its extension.
"""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from provscan.asset import Asset
from provscan.extract.exif import exif
from provscan.extract.iptc_iim import iptc_iim
from provscan.extract.media_tags import media_tags
from provscan.extract.pngtext import png_text
from provscan.extract.xmp import xmp

FLAGS = ("-r", "-ext", "*", "-j", "-G0:1", "-a", "-u", "-b", "-n", "-api", "struct=0")
GROUPS = ("EXIF", "XMP", "IPTC", "PNG", "QuickTime", "ID3", "Vorbis", "RIFF")

View = Callable[[Asset], list[str]]


def _exif_values(asset: Asset) -> list[str]:
    return list(exif(asset).tags.values())


def _xmp_values(asset: Asset) -> list[str]:
    return [v for values in xmp(asset).props.values() for v in values]


def _iptc_values(asset: Asset) -> list[str]:
    return [v for values in iptc_iim(asset).fields.values() for v in values]


def _png_values(asset: Asset) -> list[str]:
    return list(png_text(asset).text.values())


def _media_values(asset: Asset) -> list[str]:
    return [t.value for t in media_tags(asset).tags]


VIEWS: dict[str, View] = {
    "EXIF": _exif_values,
    "XMP": _xmp_values,
    "IPTC": _iptc_values,
    "PNG": _png_values,
    "QuickTime": _media_values,
    "ID3": _media_values,
    "Vorbis": _media_values,
    "RIFF": _media_values,
}

# (group, family-1 group or "*", tag pattern) -> why the field is not compared.
NOT_RELEVANT: list[tuple[str, str, str, str]] = [
    ("EXIF", "*", "ThumbnailImage|PreviewImage|JpgFromRaw|OtherImage",
     "embedded image data (exiftool's test files hold a placeholder string there)"),
    ("EXIF", "GPS", "GPSTimeStamp", "time exiftool computes from three rationals"),
    ("EXIF", "*", "RawDataUniqueID|.*Digest", "binary digest exiftool prints as hex"),
    ("XMP", "XMP-rdf", "About", "rdf:about attribute: the URI the description is about"),
    ("XMP", "XMP-photomech", "TimeCreated", "time exiftool rewrites from HHMMSS+HHMM"),
    ("XMP", "XMP-plus", ".*(Status|Required|Constraints|Disclosure|AsDelivered|Reuse)",
     "PLUS vocabulary URI that exiftool shortens to its code"),
    ("IPTC", "*", "CodedCharacterSet", "character-set escape sequence (IIM 1:90)"),
    ("IPTC", "IPTC2", ".*",
     "IIM in a JPEG trailer after the image data (AFCP, FotoStation); provscan reads the "
     "metadata segments before the image data"),
    ("PNG", "*", "ModifyDate", "date exiftool decodes from the binary tIME chunk"),
    ("PNG", "*", "ProfileName", "name of the ICC colour profile (iCCP chunk)"),
    ("RIFF", "*", "DateTimeOriginal", "date exiftool joins from bext OriginationDate/Time"),
    ("RIFF", "*", "BWF_UMID", "binary UMID exiftool prints as hex"),
    ("RIFF", "*", "SMPTEOffset|ListType", "binary fields of the smpl and LIST chunks"),
    ("ID3", "*", "Genre", "genre number exiftool prints raw under -n"),
    ("ID3", "*", "RelativeVolumeAdjustment", "levels exiftool computes from the RVA frame"),
    ("ID3", "*", "Picture", "embedded image data (a placeholder string in exiftool's tests)"),
    ("ID3", "*", "PictureFormat|PictureMIMEType", "image format of an embedded picture"),
    ("QuickTime", "*", "CoverArt", "embedded image data (a placeholder in exiftool's tests)"),
    ("QuickTime", "*", "TrackNumber|DiskNumber", "number pair exiftool prints as 'N of M'"),
    ("QuickTime", "UserData", "StartTimecode", "timecode exiftool reads from the tmcd track"),
    ("RIFF", "*", "StreamType|VideoCodec|AudioCodec", "stream type and codec 4CC (strh)"),
    ("RIFF", "*", "LabeledText", "ltxt numbers (cue, length, purpose 4CC, language codes)"),
]  # fmt: skip
# QuickTime tags live in ItemList (ilst), Keys (mdta) and UserData (udta); exiftool's other
# QuickTime groups are the container's structure decoded from binary boxes (brands,
# handler types, track and media headers, codec ids, their creation times).
QUICKTIME_TAGS = frozenset({"ItemList", "Keys", "UserData"})
# Formats whose EXIF/IPTC/XMP provscan does not read, and why.
FORMATS_NOT_READ = {
    "pdf": "PDF document: provscan reads no image metadata inside PDF pages",
    "xml": "an XML document (IMF CPL/PKL, FCPXML, TTML, RegXML) exiftool reads as XMP; "
    "its elements are not XMP properties",
    "ttml": "an XML document (IMF CPL/PKL, FCPXML, TTML, RegXML) exiftool reads as XMP; "
    "its elements are not XMP properties",
    "unknown": "a format provscan does not scan as an image (Fuji RAF, Panasonic RW2): "
    "sniffed as unknown",
    "zip": "a ZIP archive (Capture One's EIP packs a raw file and its settings in one): "
    "provscan does not look inside archives, and SCN004 says so",
}
# Single fields, by file and field, with the reason found in the bytes.
FIELDS_NOT_RELEVANT = {
    ("Pillow/Tests/images/multiple_exif.jpg", "EXIF:IFD0:ImageDescription"): (
        "exiftool joins two APP1 Exif segments into one value ('firstsecond'); provscan "
        "reads each segment ('first', 'second')"
    ),
    ("exiftool/t/images/XMP2.xmp", "XMP:XMP-dc:Subject"): (
        "one item is an rdf:nodeID reference (plain RDF, resolved by exiftool, not XMP)"
    ),
}


@dataclass(slots=True)
class Tally:
    """Counts of the comparison, and each miss with its file, field and value."""

    compared: int = 0
    matched: int = 0
    not_relevant: Counter[str] = field(default_factory=Counter)
    missing: list[tuple[str, str, str]] = field(default_factory=list)


def run_exiftool(exiftool: str, folder: Path) -> list[dict[str, object]]:
    """exiftool's JSON for every file under ``folder``."""
    proc = subprocess.run(
        [exiftool, *FLAGS, str(folder)], capture_output=True, check=False, timeout=600
    )
    found: list[dict[str, object]] = json.loads(proc.stdout or b"[]")
    return found


def split_key(key: str) -> tuple[str, str, str]:
    """``Family0:Family1:Tag`` (or ``Family0:Tag`` when both families agree) -> parts."""
    parts = key.split(":")
    if len(parts) == 1:  # SourceFile
        return "", "", key
    if len(parts) == 2:
        return parts[0], parts[0], parts[1]
    return parts[0], parts[1], parts[-1]


def fields(record: dict[str, object]) -> Iterator[tuple[str, str, str, object]]:
    """(group, family-1 group, tag, value) of each field in the compared groups."""
    for key, value in record.items():
        group, where, tag = split_key(key)
        if group in GROUPS:
            yield group, where, tag, value


# One number or several separated by spaces (-n prints arrays so); "undef" is exiftool's
# word for a zero-denominator rational.
_NUMBER = re.compile(
    r"(?:[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|undef|inf|-inf|nan)"
    r"(?:\s+(?:[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|undef|inf|-inf|nan))*"
)


def irrelevance(asset: Asset, group: str, where: str, tag: str, value: object) -> str:
    """Why a field is not compared, or an empty string when it must match."""
    if group in ("EXIF", "IPTC", "XMP") and asset.format in FORMATS_NOT_READ:
        return FORMATS_NOT_READ[asset.format]
    if group == "QuickTime" and where not in QUICKTIME_TAGS:
        return "QuickTime container structure (not a tag)"
    known = FIELDS_NOT_RELEVANT.get((asset.rel, f"{group}:{where}:{tag}"))
    if known:
        return known
    for g, w, pattern, reason in NOT_RELEVANT:
        if g == group and w in ("*", where) and re.fullmatch(pattern, tag):
            return reason
    items = value if isinstance(value, list) else [value]
    if all(isinstance(v, int | float | bool) for v in items):
        return "number"
    if any(isinstance(v, str) and v.startswith("base64:") for v in items):
        return "binary"
    if all(isinstance(v, str) and _NUMBER.fullmatch(v.strip()) for v in items):
        return "number"
    if all(isinstance(v, str) and not v.strip("".join(map(chr, range(32)))) for v in items):
        return "control characters, not text"
    return ""


_ISO_DATE = re.compile(r"(\d{4})-(\d\d)(?:-(\d\d))?(?:[T ](.*))?")


def normal(text: str) -> str:
    """A value as compared: outer whitespace and NULs do not count."""
    return text.strip(" \t\r\n\x00")


_IIM_DATE = re.compile(r"(\d{4})(\d\d)(\d\d)")
_IIM_TIME = re.compile(r"(\d\d)(\d\d)(\d\d)(?:([-+]\d\d)(\d\d))?")
_TZ = re.compile(r"(.*[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?[-+]\d\d)(\d\d)")
_CUE = re.compile(r"\d+ (.*)", re.DOTALL)
_ID3_USER = re.compile(r"\((.*?)\) (.*)", re.DOTALL)


def forms(value: str) -> set[str]:
    """A provscan value and the forms exiftool prints it in (dates, times)."""
    out = {value, exif_form(value)}
    out.update(normal(part) for part in value.split(" / "))  # mutagen joins multiple values
    if (m := _TZ.fullmatch(value)) is not None:  # +0700 -> +07:00
        out.add(exif_form(f"{m.group(1)}:{m.group(2)}"))
    if (m := _IIM_DATE.fullmatch(value)) is not None:
        out.add(":".join(m.groups()))
    if (m := _IIM_TIME.fullmatch(value)) is not None:
        hh, mm, ss, tzh, tzm = m.groups()
        out.add(f"{hh}:{mm}:{ss}" + (f"{tzh}:{tzm}" if tzh else ""))
    return out


def exiftool_forms(tag: str, value: str) -> set[str]:
    """An exiftool value, and the value alone where exiftool adds a label: ID3 TXXX/WXXX
    print as ``(description) value``, RIFF cue labels and notes as ``<cue id> text``; and
    UTF-8 that exiftool decoded as Latin-1 (RIFF INFO)."""
    out = {value}
    if (m := _CUE.fullmatch(value)) is not None and tag.startswith("CuePoint"):
        out.add(normal(m.group(1)))
    if (m := _ID3_USER.fullmatch(value)) is not None:
        out.add(normal(m.group(2)))
    with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
        out.add(normal(value.encode("latin-1").decode("utf-8")))
    return out


def exif_form(value: str) -> str:
    """An ISO 8601 date as exiftool prints XMP and DNG dates (``2024:04:09 00:59:12``)."""
    match = _ISO_DATE.fullmatch(value)
    if match is None:
        return value
    year, month, day, time = match.groups()
    date = f"{year}:{month}:{day}" if day else f"{year}:{month}"
    return date if time is None else f"{date} {time}"


def compare(asset: Asset, record: dict[str, object], tally: Tally) -> None:
    """Tally every compared field of one file against provscan's views of it."""
    views: dict[str, set[str]] = {}
    for group, where, tag, value in fields(record):
        reason = irrelevance(asset, group, where, tag, value)
        if reason:
            tally.not_relevant[reason] += 1
            continue
        if group not in views:
            views[group] = {f for v in VIEWS[group](asset) for f in forms(normal(v))}
        tally.compared += 1
        items = value if isinstance(value, list) else [value]
        wanted = [normal(str(v)) for v in items]
        found = views[group]
        if (
            all(not w or exiftool_forms(tag, w) & found for w in wanted)
            or normal(", ".join(str(v) for v in items)) in found
        ):
            tally.matched += 1
        else:
            tally.missing.append((asset.rel, f"{group}:{where}:{tag}", str(value)[:200]))
