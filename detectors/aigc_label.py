"""China's implicit AI-content label (GB 45438-2025), in XMP and in video/audio tags. (AIG001)

Since 1 September 2025 Chinese generative services (Kling, Hailuo, Jimeng/Doubao, Qwen,
Hunyuan ...) must embed an implicit label in the files they export. The standard fixes its
fields: ``Label`` (1 = AI-generated content, 2 = possibly AI-generated, 3 = suspected AI),
``ContentProducer`` and ``ProduceID`` (the generating service's code and its content id),
``ContentPropagator``/``PropagateID`` (platforms that passed it on) and two reserved codes.
Images carry it as the XMP property ``TC260:AIGC`` (namespace
``http://www.tc260.org.cn/ns/AIGC/1.0/``) holding that JSON; audio and video writers put the
same JSON under a tag named ``AIGC``. Writers also place it elsewhere: a PNG text chunk keyed
``AIGC``, or an ``{"AIGC": {...}}`` object in EXIF text (some services add their own
``ServiceProvider``/``ServiceUser`` keys). So every text field of every carrier is read: a
field named ``AIGC``, or a JSON value that is (or wraps, under ``AIGC``) an object holding
the standard's ``Label`` with one of its producer or propagator fields. One label is one
finding.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from provscan.asset import Asset
from provscan.detectors.generator_media import bare_key
from provscan.detectors.generator_parsers import clip, load_json, text_of
from provscan.detectors.text_fields import text_fields
from provscan.model import (
    Confidence,
    Evidence,
    Gating,
    Line,
    MediaKind,
    Rule,
    Section,
    Severity,
    Signal,
)

NAME = "aigc_label"
KINDS = frozenset({MediaKind.IMAGE, MediaKind.VIDEO, MediaKind.AUDIO, MediaKind.SIDECAR})
LABEL = Rule(
    "AIG001",
    "aigc-implicit-label",
    Severity.ERROR,
    "The file carries China's GB 45438-2025 implicit AI-content label.",
    Signal.AI_GENERATED,
    Gating.MARK_LABEL,
)
RULES: tuple[Rule, ...] = (LABEL,)

XMP_KEY = "TC260:AIGC"
# Label value -> (meaning, confidence): 1 is a declaration; 2 and 3 are the service's doubt.
_MEANINGS = {
    "1": ("AI-generated content", Confidence.HIGH),
    "2": ("possibly AI-generated content", Confidence.LOW),
    "3": ("suspected AI-generated content", Confidence.LOW),
}
_FIELDS = ("ContentProducer", "ProduceID", "ContentPropagator", "PropagateID",
           "ServiceProvider", "ServiceUser")  # fmt: skip
_WRAPPER = "aigc"  # {"AIGC": {...}}: the label object under the standard's own name
_PREFILTER = ("label", "aigc")  # a value naming neither cannot hold a label (lower-cased)


# A NamedTuple: used as a frozen dataclass would be, and a tenth of its cost to define.
class AigcLabel(NamedTuple):
    """A parsed label: its value and the producer/propagator codes it names."""

    label: str
    fields: dict[str, str]


def parse_label(text: str, *, named: bool = True) -> AigcLabel | None:
    """The label in a GB 45438 JSON value, or None when the text is not one.

    ``named``: the field itself is the label's (``TC260:AIGC``, a tag ``AIGC``), so a
    ``Label`` alone suffices; in any other field the object must also name a producer,
    propagator or service, so an unrelated JSON with a "label" key is not taken for one.
    """
    data = load_json(text)
    if not isinstance(data, dict):
        return None
    keys = {str(k).lower(): v for k, v in data.items()}
    if isinstance(keys.get(_WRAPPER), dict):
        keys = {str(k).lower(): v for k, v in keys[_WRAPPER].items()}
        named = True
    label = text_of(keys.get("label")).strip()
    fields = {name: clip(text_of(keys.get(name.lower()))) for name in _FIELDS}
    fields = {k: v for k, v in fields.items() if v}
    if not label or not (named or fields):
        return None
    return AigcLabel(label, fields)


def detect(asset: Asset) -> Iterator[Evidence]:
    """One AIG001 per distinct label found in XMP or media tags."""
    seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
    for where, text, named in _candidates(asset):
        found = parse_label(text, named=named)
        if found is None:
            continue
        identity = (found.label, tuple(sorted(found.fields.items())))
        if identity not in seen:  # the same label in XMP and in EXIF is one finding
            seen.add(identity)
            yield _evidence(where, found)


def describe(asset: Asset) -> Iterator[Section]:
    """An "AI-content label" section with the label's fields."""
    lines = []
    for ev in detect(asset):
        lines.append(Line("label", ev.message))
        lines.extend(Line(k, str(v), 1) for k, v in ev.details.items())
    if lines:
        yield Section("AI-content label (GB 45438)", tuple(lines))


def _candidates(asset: Asset) -> Iterator[tuple[str, str, bool]]:
    """Each text field that may hold a label: where it is, its text, whether it is named
    as the label's own field."""
    for field in text_fields(asset):
        named = bare_key(field.key) == _WRAPPER
        value = field.value
        if named or ("{" in value and any(word in value.lower() for word in _PREFILTER)):
            yield field.where, value, named


def _evidence(where: str, found: AigcLabel) -> Evidence:
    meaning, confidence = _MEANINGS.get(found.label, ("an unknown label value", Confidence.LOW))
    producer = found.fields.get("ContentProducer", "")
    service = found.fields.get("ServiceProvider", "")
    by = f", producer {producer}" if producer else f", service {service}" if service else ""
    return Evidence(
        LABEL.code,
        f"{where}: Label={found.label} ({meaning}{by})",
        key=where,
        value=found.label,
        confidence=confidence,
        details={"label": found.label, "meaning": meaning, **found.fields},
    )
