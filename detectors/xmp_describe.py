"""Human description of a file's XMP, its rights fields and its legacy IPTC IIM block.

What a reviewer reads in ``provscan inspect``: where the packets came from, the source
type in words, the AI and tool fields, History events, credit and captions, the C2PA
pointer, then rights (xmpRights, PLUS) and the IIM fields.
"""

from __future__ import annotations

from collections.abc import Iterator

from provscan.detectors import xmp_vocab as vocab
from provscan.detectors.source_types import classify
from provscan.extract.iptc_iim import Iim
from provscan.extract.xmp import Xmp
from provscan.model import Line, Section

# (label, key) rows shown when present, in this order (IPTC Photo Metadata field names).
_PROVENANCE_ROWS = (
    ("AI system used", vocab.AI_SYSTEM),
    ("AI system version", vocab.AI_VERSION),
    ("AI prompt", vocab.AI_PROMPT),
    ("AI prompt writer", vocab.AI_PROMPT_WRITER),
    ("creator tool", "xmp:CreatorTool"),
    ("software (tiff)", "tiff:Software"),
    ("credit", "photoshop:Credit"),
    ("source", "photoshop:Source"),
    ("creator", "dc:creator"),
    ("title", "dc:title"),
    ("description", "dc:description"),
    ("headline", "photoshop:Headline"),
    ("keywords", "dc:subject"),
    ("C2PA manifest pointer", vocab.PROVENANCE),
    ("document id", "xmpMM:DocumentID"),
    ("instance id", "xmpMM:InstanceID"),
)
_RIGHTS_ROWS = (
    ("copyright", "dc:rights"),
    ("copyrighted (Marked)", "xmpRights:Marked"),
    ("web statement", "xmpRights:WebStatement"),
    ("usage terms", "xmpRights:UsageTerms"),
    ("owner", "xmpRights:Owner"),
    ("copyright status (PLUS)", "plus:CopyrightStatus"),
    ("licensor URL (PLUS)", "plus:Licensor/plus:LicensorURL"),
    ("other constraints (PLUS)", vocab.OTHER_CONSTRAINTS),
)
_HISTORY = "xmpMM:History/stEvt:"
_MAX_VALUE = 300


def sections(data: Xmp, iim: Iim) -> Iterator[Section]:
    """The XMP section (always), then rights and IIM sections when there is anything."""
    yield Section("XMP", tuple(_xmp_lines(data)))
    rights = list(_rights_lines(data))
    if rights:
        yield Section("Rights (XMP)", tuple(rights))
    if iim.fields or iim.problems:
        yield Section("IPTC IIM (legacy)", tuple(_iim_lines(iim)))


def _xmp_lines(data: Xmp) -> Iterator[Line]:
    if not data.sources and not data.problems:
        yield Line("no XMP found")
        return
    yield Line("packets", ", ".join(data.sources) or "(none parsed)")
    yield from (Line("problem", p) for p in data.problems)
    yield from (Line("note", n) for n in data.notes)
    for key in (k for k in data.props if vocab.is_dst_key(k)):
        for value, source in data.items(key):
            term, _, words = classify(value)
            yield Line("digital source type", f"{term}: {words}{_from(source)}")
    yield from _rows(data, _PROVENANCE_ROWS)
    yield from _history(data)


def _rows(data: Xmp, rows: tuple[tuple[str, str], ...]) -> Iterator[Line]:
    for label, key in rows:
        shown = _joined(data, key)
        if shown:
            yield Line(label, shown)


def _joined(data: Xmp, key: str) -> str:
    """Distinct values of a property in order, the sidecar ones marked, clipped."""
    parts: list[str] = []
    for value, source in data.items(key):
        text = value.strip() + _from(source)
        if value.strip() and text not in parts:
            parts.append(text)
    joined = "; ".join(parts)
    return joined if len(joined) <= _MAX_VALUE else joined[: _MAX_VALUE - 1] + "…"


def _from(source: str) -> str:
    return f" (from {source})" if source.startswith("sidecar") else ""


def _history(data: Xmp) -> Iterator[Line]:
    """History events; fields pair up by position only when every event has them all."""
    actions = data.values(_HISTORY + "action")
    agents = data.values(_HISTORY + "softwareAgent")
    when = data.values(_HISTORY + "when")
    if not actions and not agents:
        return
    yield Line("history", f"{max(len(actions), len(agents))} event(s)")
    if len(actions) == len(agents) == len(when):
        for action, agent, at in zip(actions, agents, when, strict=True):
            yield Line(action or "(event)", f"{agent} at {at}".strip(), 1)
    else:
        yield Line("actions", ", ".join(dict.fromkeys(actions)), 1)
        yield Line("software agents", ", ".join(dict.fromkeys(agents)), 1)


def _rights_lines(data: Xmp) -> Iterator[Line]:
    yield from _rows(data, _RIGHTS_ROWS)
    for value, source in data.items(vocab.DATA_MINING):
        yield Line("data mining (PLUS)", f"{vocab.dmi_words(value)} ({value}){_from(source)}")


def _iim_lines(iim: Iim) -> Iterator[Line]:
    yield Line("block", iim.source + (", UTF-8" if iim.utf8 else ""))
    yield from (Line("problem", p) for p in iim.problems)
    for name, values in iim.fields.items():
        shown = "; ".join(dict.fromkeys(v for v in values if v))
        if shown:
            yield Line(name, shown if len(shown) <= _MAX_VALUE else shown[:_MAX_VALUE] + "…")
