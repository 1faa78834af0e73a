"""Generation records: the prompts and settings generators write into their files.

Every text field of a file is read (:mod:`provscan.detectors.text_fields`: PNG text, EXIF, XMP,
IPTC, JPEG comments, video and audio tags) and each is given to
:mod:`provscan.detectors.generator_recognise`: the tools' own layouts first (for the details a
reviewer reads), then the structural test of :mod:`provscan.detectors.generation_record`, so that a
tool whose layout we have never seen is still recognised. ComfyUI graphs are judged by what
they do (:mod:`provscan.detectors.comfy_graph`). Only when no field holds a record are text hidden
in pixel LSBs (stealth pnginfo) and generator names in PNG tool and free-text fields
looked at. One fact is reported once: a file with full parameters does not also get the
weaker "generator named" findings.
"""

from __future__ import annotations

from collections.abc import Iterator

from provscan.asset import Asset
from provscan.detectors import comfy_graph
from provscan.detectors import generator_recognise as rec
from provscan.detectors.generation_record import read_fields
from provscan.detectors.generator_parsers import (
    Generation,
    clip,
    load_json,
    parse_novelai,
    parse_parameters,
)
from provscan.detectors.known_tools import match_tool
from provscan.detectors.text_fields import TextField, text_fields
from provscan.extract.pngtext import png_text
from provscan.extract.stealth import stealth_info
from provscan.model import Confidence, Evidence, Line, MediaKind, Rule, Section, Severity, Signal

NAME = "generator"
KINDS = frozenset({MediaKind.IMAGE, MediaKind.VIDEO, MediaKind.AUDIO})

_E, _W, _I, _GEN = Severity.ERROR, Severity.WARNING, Severity.INFO, Signal.AI_GENERATED
RULES: tuple[Rule, ...] = (
    Rule(
        "GEN001",
        "a1111-parameters",
        _E,
        "AUTOMATIC1111-style generation parameters "
        "(A1111, Forge, SD.Next and other writers of its infotext).",
        _GEN,
    ),
    Rule(
        "GEN002",
        "comfyui-graph",
        _E,
        "A ComfyUI graph that generates (a sampler or a generative model loader).",
        _GEN,
    ),
    Rule("GEN003", "invokeai-metadata", _E, "InvokeAI generation metadata.", _GEN),
    Rule("GEN004", "novelai-metadata", _E, "NovelAI generation metadata.", _GEN),
    Rule("GEN005", "stealth-pnginfo", _E, "Generation text hidden in pixel LSBs.", _GEN),
    Rule("GEN006", "fooocus-parameters", _E, "Fooocus generation parameters.", _GEN),
    Rule("GEN007", "swarmui-parameters", _E, "SwarmUI generation parameters.", _GEN),
    Rule("GEN008", "drawthings-metadata", _E, "Draw Things generation metadata.", _GEN),
    Rule(
        "GEN009", "generator-named-in-tool-field", _E, "A PNG tool field names a generator.", _GEN
    ),
    Rule(
        "GEN010",
        "generator-named-in-free-text",
        _W,
        "A PNG free-text field names a generator (a hint, not proof).",
        Signal.AI_HINT,
    ),
    Rule(
        "GEN011",
        "generation-record",
        _E,
        "Generation parameters recognised by their "
        "structure: a prompt with sampling settings, or generative model files, from any "
        "tool.",
        _GEN,
    ),
    Rule(
        "GEN012",
        "generative-edit-record",
        _E,
        "A record of a generative edit: a ComfyUI "
        "graph that encodes a picture for image-to-image or inpainting, or upscales it "
        "with a model.",
        Signal.AI_EDITED,
    ),
    Rule(
        "GEN013",
        "processing-graph",
        _I,
        "A ComfyUI graph that only loads, resizes or re-encodes pictures: no generative step.",
        Signal.NONE,
    ),
)

# Rule per record format (the tool that wrote a record is named in the finding).
_RULE_OF_FORMAT = {
    rec.A1111: "GEN001",
    rec.COMFY: "GEN002",
    rec.INVOKE: "GEN003",
    rec.FOOOCUS: "GEN006",
    rec.SWARM: "GEN007",
    rec.DRAWTHINGS: "GEN008",
    rec.STRUCTURE: "GEN011",
}
_COMFY_KIND_RULE = {comfy_graph.EDITED: "GEN012", comfy_graph.PROCESSING: "GEN013"}
_PNG_TOOL_KEYS = ("Software", "Source")  # PNG spec: software used, device used to create
_PNG_FREE_KEYS = ("Description", "Comment", "Title", "Author", "Disclaimer")
# Fields whose value is, by their format's definition, the software that wrote the file
# (EXR ``software``, DPX ``creator`` too):
# a generator named there names the writer of a record that does not name itself.
_TOOL_FIELDS = frozenset(
    {"Software", "CreatorTool", "xmp:CreatorTool", "encoder", "©too", "TSSE", "ISFT",
     "ProcessingSoftware", "Make", "Source", "software", "creator"}
)  # fmt: skip
_EXCERPT = 60
UNKNOWN = "unknown generator"
# A record whose layout is one tool's, though the record names no writer: that layout
# names the tool family (other tools write A1111's infotext too).
_FORMAT_WRITER = {rec.A1111: "AUTOMATIC1111-compatible (its infotext format)"}


def detect(asset: Asset) -> Iterator[Evidence]:
    """Yield one evidence per generator fact found (usually none)."""
    yield from asset.view("generator", _collect)


def describe(asset: Asset) -> Iterator[Section]:
    """A "Generator metadata" section listing each finding's tool and parameters."""
    found = asset.view("generator", _collect)
    lines: list[Line] = []
    for ev in found:
        lines.append(Line(ev.rule, ev.message))
        lines.extend(Line(k, str(v), 1) for k, v in ev.details.items())
    if lines:
        yield Section("Generator metadata", tuple(lines))


def _collect(asset: Asset) -> list[Evidence]:
    fields = text_fields(asset)
    found: dict[str, Evidence] = {}
    novelai = parse_novelai(png_text(asset).text) if asset.format == "png" else None
    if novelai is not None:
        found["GEN004"] = _evidence("GEN004", "PNG text Software", novelai, "")
    for field in fields:
        recognised = rec.recognise(field.key, field.value)
        if recognised is not None:
            rule = _rule(recognised)
            writer = _writer(fields) or _FORMAT_WRITER.get(recognised.format, "")
            evidence = _evidence(rule, field.where, recognised.gen, writer)
            if rule not in found or evidence.confidence.rank > found[rule].confidence.rank:
                found[rule] = evidence
    if not _records(found):
        found.update(_field_set(fields))
    _one_fact_once(found)
    if not _records(found) and asset.format in STEALTH_FORMATS:
        found.update(_stealth(asset))
    if not _records(found):
        found.update(_named(asset))
    return list(found.values())


def _field_set(fields: tuple[TextField, ...]) -> dict[str, Evidence]:
    """GEN011 for a record spread over the fields of one carrier (one field per setting)."""
    carriers = dict.fromkeys(f.carrier for f in fields)
    for carrier in carriers:
        pairs = [(f.key, f.value) for f in fields if f.carrier == carrier and len(f.value) < 65536]
        gen = read_fields(pairs)
        if gen is not None:
            return {"GEN011": _evidence("GEN011", f"{carrier} fields", gen, _writer(fields))}
    return {}


def _rule(recognised: rec.Recognised) -> str:
    kind = recognised.gen.extra.get("kind", "")
    if recognised.format == rec.COMFY and kind in _COMFY_KIND_RULE:
        return _COMFY_KIND_RULE[kind]
    return _RULE_OF_FORMAT[recognised.format]


def _records(found: dict[str, Evidence]) -> bool:
    return any(rule != "GEN013" for rule in found)


def _one_fact_once(found: dict[str, Evidence]) -> None:
    """A structural record is not reported beside a tool's own record of the same file
    (NovelAI's Comment JSON, a copy of the parameters in another field)."""
    if "GEN011" in found and len([r for r in found if r not in ("GEN011", "GEN013")]):
        del found["GEN011"]


def _writer(fields: tuple[TextField, ...]) -> str:
    """``tool (field)`` for the first known generator named in a tool field, or ""."""
    for field in fields:
        if field.key.rsplit(":", 1)[-1] in _TOOL_FIELDS or field.key in _TOOL_FIELDS:
            match = match_tool(field.value)
            if match is not None:
                return f"{match.tool.name} ({field.where})"
    return ""


STEALTH_FORMATS = frozenset({"png", "webp"})  # lossless carriers; JPEG destroys LSBs


def _stealth(asset: Asset) -> dict[str, Evidence]:
    """GEN005 from pixel LSBs; the hidden text is parsed as A1111 infotext or NovelAI JSON."""
    if asset.format not in STEALTH_FORMATS:
        return {}
    hidden = stealth_info(asset)
    if hidden is None:
        return {}
    data = load_json(hidden.text)
    chunks = (
        {k: v if isinstance(v, str) else "" for k, v in data.items()}
        if isinstance(data, dict)
        else {}
    )
    gen = parse_novelai(chunks) or parse_parameters(hidden.text) or Generation("")
    ev = _evidence("GEN005", f"pixel LSBs ({hidden.mode}, {hidden.signature})", gen, "")
    if hidden.problem:
        details = {**ev.details, "problem": hidden.problem}
        ev = Evidence(ev.rule, ev.message, ev.key, ev.value, ev.confidence, details)
    return {"GEN005": ev}


def _evidence(rule: str, where: str, gen: Generation, writer: str) -> Evidence:
    """One finding's evidence: which tool (and which field named it), the prompt, the facts."""
    tool, named_by = _tool_of(gen, where, writer)
    has_params = bool(gen.prompt or gen.seed or gen.steps)
    if rule == "GEN002" and gen.extra.get("graph") == "workflow":
        confidence = Confidence.LOW  # the UI document alone: the graph may never have run
    elif has_params or rule in ("GEN012", "GEN013"):
        confidence = Confidence.HIGH
    else:
        confidence = Confidence.MEDIUM
    short = " ".join(gen.prompt.split())  # one line: prompts carry newlines and weights
    excerpt = f': "{clip(short, _EXCERPT)}"' if short else ""
    what = {"GEN012": "generative edit", "GEN013": "processing graph (no generative step)"}
    message = f"{tool} {what.get(rule, 'generation metadata')} in {where}{excerpt}"
    details = {**gen.details(), "tool": tool}
    if named_by:
        details["tool named by"] = named_by
    return Evidence(
        rule,
        message,
        key=where,
        value=clip(gen.prompt or gen.model),
        confidence=confidence,
        details=details,
    )


def _tool_of(gen: Generation, where: str, writer: str) -> tuple[str, str]:
    """The tool's name and the field that named it: the record's own tool key, its
    format (a tool's own layout), or a tool field of the file; else "unknown generator"."""
    if gen.tool:
        return gen.tool, where
    named = match_tool(gen.model) if gen.model else None
    if named is not None:
        return named.tool.name, f"the model named in {where}"
    if writer:
        name, _, field = writer.partition(" (")
        return name, field.rstrip(")")
    return UNKNOWN, ""


def _named(asset: Asset) -> dict[str, Evidence]:
    """GEN009 / GEN010: a known generator named in PNG tool fields or free-text fields."""
    text = png_text(asset).text
    found: dict[str, Evidence] = {}
    for rule, keys in (("GEN009", _PNG_TOOL_KEYS), ("GEN010", _PNG_FREE_KEYS)):
        for key in keys:
            match = match_tool(text.get(key, ""))
            if match is None or rule in found:
                continue
            confidence = Confidence.LOW if rule == "GEN010" else _cap(match.tool.confidence)
            where = "tool field" if rule == "GEN009" else "free text"
            found[rule] = Evidence(
                rule,
                f"PNG {key} {where} names {match.tool.name} ({match.tool.vendor})",
                key=key,
                value=clip(text[key]),
                confidence=confidence,
                details={
                    "tool": match.tool.name,
                    "vendor": match.tool.vendor,
                    "matched": match.matched,
                },
            )
    return found


def _cap(confidence: Confidence) -> Confidence:
    """A bare tool name is at most MEDIUM: it says which tool saved, not what it made."""
    return Confidence.MEDIUM if confidence.rank > Confidence.MEDIUM.rank else confidence
