"""EXIF signals: a generator in Software, a generator named in free text, camera identity.

Generation parameters in UserComment / ImageDescription and ComfyUI's JSON in WebP
Make/Model belong to :mod:`provscan.detectors.generator` (one fact, one finding), so this family
skips those values. Camera Make/Model is reported for information only: unsigned EXIF is
trivially written by anyone and is not capture provenance.
"""

from __future__ import annotations

from collections.abc import Iterator

from provscan.asset import Asset
from provscan.detectors.generator_parsers import clip
from provscan.detectors.generator_recognise import recognise
from provscan.detectors.known_tools import match_tool, mention_tool
from provscan.extract.exif import exif
from provscan.model import Confidence, Evidence, Line, MediaKind, Rule, Section, Severity, Signal

NAME = "exif"
KINDS = frozenset({MediaKind.IMAGE})

RULES: tuple[Rule, ...] = (
    Rule(
        "EXF001",
        "exif-generative-software",
        Severity.ERROR,
        "EXIF Software names a generative-AI tool.",
        Signal.AI_GENERATED,
    ),
    Rule(
        "EXF002",
        "exif-generator-in-free-text",
        Severity.WARNING,
        "An EXIF free-text field names a generative-AI tool (a hint, not proof).",
        Signal.AI_HINT,
    ),
    Rule(
        "EXF003",
        "exif-camera-identity",
        Severity.INFO,
        "EXIF names a camera make/model (unsigned: not capture provenance).",
        Signal.NONE,
    ),
)

# Tool fields: Software and ProcessingSoftware ("name and version of the software used"),
# and the device fields Make/Model (CIPA DC-008 "manufacturer/model of the recording
# equipment"): an image-generation service named as the camera made the file (some services
# and their API wrappers write their name there).
_TOOL_TAGS = ("Software", "ProcessingSoftware", "Make", "Model")
# Free text: anyone types anything here; a generator's name is a hint only.
_FREE_TAGS = ("ImageDescription", "UserComment", "Artist", "XPComment", "XPSubject", "XPKeywords")
# ComfyUI SaveAnimatedWEBP writes JSON into Make ("workflow:") and Model ("prompt:").
_COMFY_PREFIXES = ("workflow:", "prompt:")


def detect(asset: Asset) -> Iterator[Evidence]:
    """Yield EXF001/EXF002 for generator names and EXF003 for camera identity."""
    tags = exif(asset).tags
    yield from _tool(tags)
    yield from _free_text(tags)
    camera = camera_identity(tags)
    if camera:
        yield Evidence(
            "EXF003",
            f"camera make/model: {camera}",
            key="Make/Model",
            value=clip(camera),
            confidence=Confidence.HIGH,
            details={"make": clip(tags.get("Make", "")), "model": clip(tags.get("Model", ""))},
        )


def describe(asset: Asset) -> Iterator[Section]:
    """An "EXIF" section with the text tags read (long values clipped) and problems."""
    found = exif(asset)
    lines = [Line(name, clip(" ".join(value.split()))) for name, value in found.tags.items()]
    lines.extend(Line("problem", p) for p in found.problems)
    if lines:
        yield Section("EXIF", tuple(lines))


def camera_identity(tags: dict[str, str]) -> str:
    """``Make Model`` when both look like a device name (not ComfyUI JSON), else empty."""
    parts = [tags.get("Make", "").strip(), tags.get("Model", "").strip()]
    if any(p.startswith(_COMFY_PREFIXES) or "{" in p for p in parts):
        return ""
    make, model = parts
    # Many vendors repeat the make in Model ("Canon" + "Canon EOS R5"); say it once.
    if make and model.lower().startswith(make.lower()):
        return model
    return " ".join(p for p in parts if p)


def _tool(tags: dict[str, str]) -> Iterator[Evidence]:
    for tag in _TOOL_TAGS:
        value = tags.get(tag, "")
        if _is_record(tag, value):
            continue  # a graph or record saved into the field: the generator family's
        match = match_tool(value)
        if match is None:
            continue
        yield Evidence(
            "EXF001",
            f"EXIF {tag} names {match.tool.name} ({match.tool.vendor})",
            key=tag,
            value=clip(tags[tag]),
            confidence=_cap(match.tool.confidence),
            details={
                "tool": match.tool.name,
                "vendor": match.tool.vendor,
                "matched": match.matched,
            },
        )


def _free_text(tags: dict[str, str]) -> Iterator[Evidence]:
    """One EXF002 at most: the first free-text tag naming a generator."""
    for tag in _FREE_TAGS:
        value = tags.get(tag, "")
        if not value or _is_record(tag, value):
            continue
        match = mention_tool(value)
        if match is not None:
            yield Evidence(
                "EXF002",
                f"EXIF {tag} mentions {match.tool.name}: {clip(' '.join(value.split()), 80)}",
                key=tag,
                value=clip(value),
                confidence=Confidence.LOW,
                details={"tool": match.tool.name, "vendor": match.tool.vendor},
            )
            return


def _cap(confidence: Confidence) -> Confidence:
    """A bare tool name is at most MEDIUM: it says which tool saved, not what it made."""
    return Confidence.MEDIUM if confidence.rank > Confidence.MEDIUM.rank else confidence


def _is_record(tag: str, value: str) -> bool:
    """Whether the value is a generation record or graph (one fact, one finding: the
    generator family reports it, with its details)."""
    stripped = value.lstrip()
    if stripped.lower().startswith(_COMFY_PREFIXES) or stripped.startswith(("{", "[")):
        return True
    return recognise(tag, value) is not None
