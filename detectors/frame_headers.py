"""Frame headers of film and VFX deliveries: OpenEXR, DPX and Cineon. (FRM001-FRM004)

The headers' writing-software fields (EXR ``software`` and the renderer, writer and
application attributes hosts add; DPX ``creator``; the input device of DPX and Cineon) are
read like EXIF Software or a container's encoder tag: a generative tool named there flags
the frame, with the same vocabulary (:mod:`provscan.detectors.known_tools`, one name per tool
from :mod:`provscan.detectors.tool_identity`). Free text (EXR ``comments``, ``owner`` and every
custom string; DPX project, copyright, slate and user data) naming a generator is a hint.
Generation records in any of these fields (a ComfyUI graph in ``comments``) belong to the
generator family, which reads them through :mod:`provscan.detectors.text_fields`; statements
("Made with ...") to the statement family: one fact, one finding.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from provscan.asset import Asset
from provscan.detectors.generator_parsers import clip
from provscan.detectors.generator_recognise import recognise
from provscan.detectors.known_tools import ToolMatch, match_tool, mention_tool
from provscan.detectors.tool_identity import display
from provscan.model import Confidence, Evidence, Line, MediaKind, Rule, Section, Severity, Signal

NAME = "frame"
KINDS = frozenset({MediaKind.IMAGE})
FORMATS = frozenset({"exr", "dpx", "cineon"})

TOOL = Rule("FRM001", "frame-generative-software", Severity.ERROR,
            "A frame header's writing-software field (EXR software or renderer, DPX creator, "
            "input device) names a generative-AI tool.", Signal.AI_GENERATED)  # fmt: skip
FREE_TEXT = Rule("FRM002", "frame-generator-in-free-text", Severity.WARNING,
                 "A frame header's free text (EXR comments, owner or a custom attribute; DPX "
                 "project, copyright, slate, user data) names a generative-AI tool (a hint, "
                 "not proof).", Signal.AI_HINT)  # fmt: skip
WRITER = Rule("FRM003", "frame-writing-software", Severity.INFO,
              "The frame header names the software that wrote it.")  # fmt: skip
DEVICE = Rule("FRM004", "frame-device-identity", Severity.INFO,
              "The frame header names the camera, scanner or telecine it came from (unsigned: "
              "not capture provenance).")  # fmt: skip
LAYOUT = Rule("FRM005", "frame-layout", Severity.INFO,
              "What the frame header says the picture is (size, channels, compression, bit "
              "depth) and its time code: what a sequence's frames are compared by.")  # fmt: skip
RULES: tuple[Rule, ...] = (TOOL, FREE_TEXT, WRITER, DEVICE, LAYOUT)

# The last component of an attribute name ("nuke/version", "spi:renderer") that makes it a
# field naming the software that wrote or rendered the frame.
_TOOL_NAMES = frozenset({
    "software", "writer", "creator", "creatortool", "application", "renderer", "rendererinfo",
    "package", "generator", "encoder", "host", "hostapp", "tool", "input device",
})  # fmt: skip
_DEVICE_NAMES = ("cameraMake", "cameraModel", "cameraSerialNumber", "cameraLabel", "reelName",
                 "input device", "input serial", "input device model")  # fmt: skip
MAX_WRITERS = 4
# The EXR and DPX readers load with the first frame of their format (start-up: a photo's
# analysis never needs them).


def header_fields(asset: Asset) -> list[tuple[str, str]]:
    """(field, text) of every text field of the frame's header, in file order."""
    if asset.format == "exr":
        from provscan.extract.exr import exr_header, text_attributes

        return text_attributes(exr_header(asset))
    if asset.format in ("dpx", "cineon"):
        from provscan.extract.dpx import frame_header

        return [(name, text) for _, name, text in frame_header(asset).fields]
    return []


def carrier(asset: Asset) -> str:
    """How findings name the header: ``EXR``, ``DPX`` or ``Cineon``."""
    return {"exr": "EXR", "dpx": "DPX", "cineon": "Cineon"}.get(asset.format, asset.format)


def is_tool_field(name: str) -> bool:
    """Whether the field names the software (or device) that wrote the frame."""
    last = name.replace(":", "/").rsplit("/", 1)[-1].strip().lower()
    return last in _TOOL_NAMES or "software" in last


def detect(asset: Asset) -> Iterator[Evidence]:
    """FRM001-FRM004 from the frame's header (nothing for other formats)."""
    if asset.format not in FORMATS:
        return
    raw = header_fields(asset)
    fields = _fields(raw)
    where = carrier(asset)
    yield from _tools(fields, where)
    yield from _free_text(fields, where)
    yield from _writers(fields, where)
    yield from _device(raw, where)
    layout = frame_layout(asset)
    if layout is not None:
        yield layout


def frame_layout(asset: Asset) -> Evidence | None:
    """FRM005: the picture's layout in words (the evidence's value, what frames of one
    sequence must share) and its time code and rate (details)."""
    details: dict[str, object] = {}
    if asset.format == "exr":
        from provscan.extract.exr import exr_header

        header = exr_header(asset)
        part = header.first
        size = header.size
        if size is None:
            return None
        kind = part.get("type") or ("multi-part" if header.multipart else "scanline")
        layout = f"{size[0]}x{size[1]} {part.get('compression')} {part.get('channels')} {kind}"
        if header.multipart:
            layout += f" ({len(header.parts)} parts)"
        details = {"timecode": part.get("timeCode"), "frame_rate": part.get("framesPerSecond")}
    else:
        from provscan.extract.dpx import frame_header

        frame = frame_header(asset)
        if frame.problem or not frame.width:
            return None
        layout = f"{frame.width}x{frame.height} {frame.bits}-bit {frame.elements} element(s)"
        rate = f"{frame.frame_rate:g}" if frame.frame_rate else ""
        details = {"timecode": frame.timecode, "frame_rate": rate}
    details = {k: v for k, v in details.items() if v}
    return Evidence(LAYOUT.code, f"{carrier(asset)} frame: {layout}", key="layout",
                    value=layout, details=details)  # fmt: skip


def describe(asset: Asset) -> Iterator[Section]:
    """The header in words: every attribute of every part (EXR), every defined field (DPX,
    Cineon), and the numbers a sequence compares."""
    if asset.format == "exr":
        from provscan.extract.exr import exr_header

        header = exr_header(asset)
        for index, part in enumerate(header.parts):
            title = "OpenEXR header" + (f" (part {index})" if header.multipart else "")
            lines = [Line(f"{a.name} ({a.type})", clip(" ".join(a.value.split()), 120))
                     for a in part.attributes]  # fmt: skip
            yield Section(title, tuple(lines))
        if header.problem or header.truncated:
            problem = header.problem or header.truncated
            yield Section("OpenEXR problems", (Line("problem", problem),))
    elif asset.format in ("dpx", "cineon"):
        from provscan.extract.dpx import frame_header

        frame = frame_header(asset)
        lines = [Line(f"{part} {name}", clip(text, 120)) for part, name, text in frame.fields]
        lines += [Line("version", frame.version), Line("size", f"{frame.width}x{frame.height}"),
                  Line("bit depth", str(frame.bits))]  # fmt: skip
        if frame.timecode:
            lines.append(Line("timecode", frame.timecode))
        if frame.frame_rate:
            lines.append(Line("frame rate", f"{frame.frame_rate:g}"))
        if frame.problem:
            lines.append(Line("problem", frame.problem))
        yield Section(f"{carrier(asset)} header", tuple(lines))


# A NamedTuple: used as a frozen dataclass would be, and a tenth of its cost to define.
class _Field(NamedTuple):
    """One header text field and what it is: a tool field, a record, a generator named."""

    name: str
    value: str
    tool_field: bool
    record: bool
    match: ToolMatch | None


def _fields(fields: list[tuple[str, str]]) -> list[_Field]:
    found = []
    for name, value in fields:
        record = value.lstrip()[:1] in "{[" or recognise(name, value) is not None
        tool_field = is_tool_field(name)
        # a tool field names its tool; free text only counts an unmistakable mention
        match = None if record else match_tool(value) if tool_field else mention_tool(value)
        found.append(_Field(name, value, tool_field, record, match))
    return found


def _tools(fields: list[_Field], where: str) -> Iterator[Evidence]:
    for field in fields:
        match = field.match
        if field.tool_field and match is not None:
            confidence = min(match.tool.confidence, Confidence.MEDIUM, key=lambda c: c.rank)
            yield Evidence(TOOL.code, f"{where} {field.name} names {match.tool.name} "
                           f"({match.tool.vendor}): {clip(' '.join(field.value.split()), 80)}",
                           key=f"{where} {field.name}", value=clip(field.value),
                           confidence=confidence,
                           details={"tool": match.tool.name, "vendor": match.tool.vendor,
                                    "matched": match.matched, "field": field.name})  # fmt: skip


def _free_text(fields: list[_Field], where: str) -> Iterator[Evidence]:
    """One FRM002 at most: the first free-text field naming a generator."""
    for field in fields:
        match = field.match
        if not field.tool_field and match is not None:
            yield Evidence(FREE_TEXT.code, f"{where} {field.name} mentions {match.tool.name}: "
                           f"{clip(' '.join(field.value.split()), 80)}",
                           key=f"{where} {field.name}", value=clip(field.value),
                           confidence=Confidence.LOW,
                           details={"tool": match.tool.name, "vendor": match.tool.vendor,
                                    "field": field.name})  # fmt: skip
            return


def _writers(fields: list[_Field], where: str) -> Iterator[Evidence]:
    seen: set[str] = set()
    for field in fields:
        text = " ".join(field.value.split())
        if not text or not field.tool_field or "device" in field.name or field.record:
            continue
        if field.match is not None or text.lower() in seen or len(seen) >= MAX_WRITERS:
            continue
        seen.add(text.lower())
        tool = display(text)
        yield Evidence(WRITER.code, f"writing software {clip(tool, 80)} ({where} {field.name})",
                       key=f"{where} {field.name}", value=clip(text),
                       details={"tool": tool, "field": field.name})  # fmt: skip


def _device(fields: list[tuple[str, str]], where: str) -> Iterator[Evidence]:
    values = dict(fields)
    parts = [values[n].strip() for n in _DEVICE_NAMES if values.get(n, "").strip()]
    if parts and not any(match_tool(p) for p in parts):
        text = ", ".join(dict.fromkeys(parts))
        yield Evidence(DEVICE.code, f"{where} header names its device: {clip(text, 100)}",
                       key=f"{where} device", value=clip(text))  # fmt: skip
