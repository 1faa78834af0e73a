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

import json
import re
import subprocess
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from scanner.asset import Asset
from scanner.extract.exif import exif
from scanner.extract.iptc_iim import iptc_iim
from scanner.extract.media_tags import media_tags
from scanner.extract.pngtext import png_text
from scanner.extract.xmp import xmp

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
NOT_RELEVANT: list[tuple[str, str, str, str]] = []


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


def irrelevance(group: str, where: str, tag: str, value: object) -> str:
    """Why a field is not compared, or an empty string when it must match."""
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


def normal(text: str) -> str:
    """A value as compared: outer whitespace and NULs do not count."""
    return text.strip(" \t\r\n\x00")


def compare(asset: Asset, record: dict[str, object], tally: Tally) -> None:
    """Tally every compared field of one file against provscan's views of it."""
    views: dict[str, set[str]] = {}
    for group, where, tag, value in fields(record):
        reason = irrelevance(group, where, tag, value)
        if reason:
            tally.not_relevant[reason] += 1
            continue
        if group not in views:
            views[group] = {normal(v) for v in VIEWS[group](asset)}
        tally.compared += 1
        items = value if isinstance(value, list) else [value]
        wanted = [normal(str(v)) for v in items]
        if all(w in views[group] or not w for w in wanted) or normal(
            ", ".join(str(v) for v in items)
        ) in views[group]:
            tally.matched += 1
        else:
            tally.missing.append((asset.rel, f"{group}:{where}:{tag}", str(value)[:200]))
