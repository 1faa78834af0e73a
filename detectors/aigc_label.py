"""China's implicit AI-content label (GB 45438-2025), in XMP and in video/audio tags. (AIG001)

Since 1 September 2025 Chinese generative services (Kling, Hailuo, Jimeng/Doubao, Qwen,
Hunyuan ...) must embed an implicit label in the files they export. The standard fixes its
fields: ``Label`` (1 = AI-generated content, 2 = possibly AI-generated, 3 = suspected AI),
``ContentProducer`` and ``ProduceID`` (the generating service's code and its content id),
``ContentPropagator``/``PropagateID`` (platforms that passed it on) and two reserved codes.
Images carry it as the XMP property ``TC260:AIGC`` (namespace
``http://www.tc260.org.cn/ns/AIGC/1.0/``) holding that JSON; audio and video writers put the
same JSON under a tag named ``AIGC``. Both places are read here, so one label is one finding.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from provscan.asset import Asset
from provscan.detectors.generator_media import bare_key
from provscan.detectors.generator_parsers import clip, load_json, text_of
from provscan.extract.media_tags import media_tags
from provscan.extract.xmp import xmp
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
_FIELDS = ("ContentProducer", "ProduceID", "ContentPropagator", "PropagateID")


@dataclass(frozen=True, slots=True)
class AigcLabel:
    """A parsed label: its value and the producer/propagator codes it names."""

    label: str
    fields: dict[str, str]


def parse_label(text: str) -> AigcLabel | None:
    """The label in a GB 45438 JSON value, or None when the text is not one."""
    data = load_json(text)
    if not isinstance(data, dict):
        return None
    keys = {str(k).lower(): v for k, v in data.items()}
    label = text_of(keys.get("label")).strip()
    if not label:
        return None
    fields = {name: clip(text_of(keys.get(name.lower()))) for name in _FIELDS}
    return AigcLabel(label, {k: v for k, v in fields.items() if v})


def detect(asset: Asset) -> Iterator[Evidence]:
    """One AIG001 per distinct label found in XMP or media tags."""
    for where, text in _candidates(asset):
        found = parse_label(text)
        if found is not None:
            yield _evidence(where, found)


def describe(asset: Asset) -> Iterator[Section]:
    """An "AI-content label" section with the label's fields."""
    lines = []
    for ev in detect(asset):
        lines.append(Line("label", ev.message))
        lines.extend(Line(k, str(v), 1) for k, v in ev.details.items())
    if lines:
        yield Section("AI-content label (GB 45438)", tuple(lines))


def _candidates(asset: Asset) -> Iterator[tuple[str, str]]:
    for value in xmp(asset).values(XMP_KEY)[:4]:
        yield f"XMP {XMP_KEY}", value
    if asset.kind in (MediaKind.VIDEO, MediaKind.AUDIO):
        for tag in media_tags(asset).tags:
            if bare_key(tag.key) == "aigc":
                yield f"{tag.source} tag {tag.key}", tag.value


def _evidence(where: str, found: AigcLabel) -> Evidence:
    meaning, confidence = _MEANINGS.get(found.label, ("an unknown label value", Confidence.LOW))
    producer = found.fields.get("ContentProducer", "")
    by = f", producer {producer}" if producer else ""
    return Evidence(
        LABEL.code,
        f"{where}: Label={found.label} ({meaning}{by})",
        key=where,
        value=found.label,
        confidence=confidence,
        details={"label": found.label, "meaning": meaning, **found.fields},
    )
