"""Generator metadata: the parameters Stable Diffusion front-ends and NovelAI write into files.

Sources, cheapest first: PNG text chunks, EXIF UserComment / Make / Model (JPEG, WebP),
the XMP packet (Draw Things), and only when none of those held parameters, text hidden
in pixel LSBs (stealth pnginfo). One fact is reported once: a file with full parameters
does not also get the weaker "generator named" findings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from detectors.generator_graphs import (
    parse_comfy_prompt,
    parse_comfy_workflow,
    parse_drawthings,
    parse_dream,
    parse_invokeai_graph,
    parse_invokeai_metadata,
    parse_sd_metadata,
)
from detectors.generator_media import media_generations
from detectors.generator_parsers import Generation, clip, load_json, parse_novelai, parse_parameters
from detectors.known_tools import match_tool
from scanner.asset import Asset
from scanner.extract.exif import exif
from scanner.extract.media_tags import media_tags
from scanner.extract.pngtext import png_text
from scanner.extract.xmp import xmp
from scanner.model import Confidence, Evidence, Line, MediaKind, Rule, Section, Severity, Signal
from scanner.sniff import JPEG_FORMATS

NAME = "generator"
KINDS = frozenset({MediaKind.IMAGE, MediaKind.VIDEO, MediaKind.AUDIO})

_E, _W, _GEN = Severity.ERROR, Severity.WARNING, Signal.AI_GENERATED
RULES: tuple[Rule, ...] = (
    Rule("GEN001", "a1111-parameters", _E, "AUTOMATIC1111/Forge generation parameters.", _GEN),
    Rule("GEN002", "comfyui-graph", _E, "ComfyUI prompt/workflow graph.", _GEN),
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
)

# Rule per tool for parameter findings (the tool names the parsers return).
_RULE_OF_TOOL = {
    "AUTOMATIC1111": "GEN001",
    "Forge": "GEN001",
    "ComfyUI": "GEN002",
    "InvokeAI": "GEN003",
    "NovelAI": "GEN004",
    "Fooocus": "GEN006",
    "SwarmUI": "GEN007",
    "Draw Things": "GEN008",
}
# PNG text keywords (PNG spec 11.3.4.2 plus each tool's own) and which parser reads them;
# earlier rows win when one tool writes several (InvokeAI 3 writes metadata and graph).
_PNG_PARSERS: tuple[tuple[str, Callable[[str], Generation | None]], ...] = (
    ("sui_image_params", parse_parameters),  # some SwarmUI builds use the key itself
    ("parameters", parse_parameters),
    ("prompt", parse_comfy_prompt),
    ("workflow", parse_comfy_workflow),
    ("invokeai_metadata", parse_invokeai_metadata),
    ("sd-metadata", parse_sd_metadata),
    ("invokeai_graph", parse_invokeai_graph),
    ("Dream", parse_dream),
)
_PNG_TOOL_KEYS = ("Software", "Source")  # PNG spec: software used, device used to create
_PNG_FREE_KEYS = ("Description", "Comment", "Title", "Author", "Disclaimer")
_COMFY_EXIF = {"Model": "prompt:", "Make": "workflow:"}  # ComfyUI SaveAnimatedWEBP tags
_EXCERPT = 60


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
    found: dict[str, Evidence] = {}
    for key, gen in _iter_generations(asset):
        rule = _RULE_OF_TOOL.get(gen.tool, "GEN001")
        found.setdefault(rule, _evidence(rule, key, gen))
    if not found and asset.format in ("png", "webp"):
        found.update(_stealth(asset))
    if not found:
        found.update(_named(asset))
    return list(found.values())


def _iter_generations(asset: Asset) -> Iterator[tuple[str, Generation]]:
    """Every (field, parsed parameters) pair in text chunks, EXIF, XMP and media tags."""
    if asset.kind in (MediaKind.VIDEO, MediaKind.AUDIO):
        yield from media_generations(media_tags(asset).tags)
        return
    text = png_text(asset).text
    novelai = parse_novelai(text)
    if novelai is not None:
        yield "Software", novelai
    for key, parser in _PNG_PARSERS:
        if key in text and (gen := parser(text[key])) is not None:
            yield key, gen
    tags = exif(asset).tags
    if "UserComment" in tags and (gen := parse_parameters(tags["UserComment"])):
        yield "EXIF UserComment", gen
    for tag, prefix in _COMFY_EXIF.items():
        value = tags.get(tag, "")
        parse = parse_comfy_prompt if prefix == "prompt:" else parse_comfy_workflow
        if value.startswith(prefix) and (gen := parse(value[len(prefix) :])):
            yield f"EXIF {tag}", gen
    if asset.format in JPEG_FORMATS | {"png", "webp", "tiff", "heif"}:
        yield from _drawthings(asset)


def _drawthings(asset: Asset) -> Iterator[tuple[str, Generation]]:
    """Draw Things' XMP: its UserComment JSON (only read when the packet has that property)."""
    packet = xmp(asset)
    for value in packet.values("exif:UserComment")[:4]:
        gen = parse_drawthings(value)
        if gen is not None:
            yield "XMP exif:UserComment", gen
            return


STEALTH_FORMATS = frozenset({"png", "webp"})  # lossless carriers; JPEG destroys LSBs


def _stealth(asset: Asset) -> dict[str, Evidence]:
    """GEN005 from pixel LSBs; the hidden text is parsed as A1111 infotext or NovelAI JSON."""
    if asset.format not in STEALTH_FORMATS:
        return {}
    # Imported here: numpy costs ~100 ms at start-up, and only PNG/WebP pixels need it.
    from scanner.extract.stealth import stealth_info

    hidden = stealth_info(asset)
    if hidden is None:
        return {}
    data = load_json(hidden.text)
    chunks = (
        {k: v if isinstance(v, str) else "" for k, v in data.items()}
        if isinstance(data, dict)
        else {}
    )
    gen = parse_novelai(chunks) or parse_parameters(hidden.text) or Generation("unknown")
    ev = _evidence("GEN005", f"pixel LSBs ({hidden.mode}, {hidden.signature})", gen)
    if hidden.problem:
        details = {**ev.details, "problem": hidden.problem}
        ev = Evidence(ev.rule, ev.message, ev.key, ev.value, ev.confidence, details)
    return {"GEN005": ev}


def _evidence(rule: str, key: str, gen: Generation) -> Evidence:
    has_params = bool(gen.prompt or gen.seed or gen.steps)
    # Full parameters are the generator's own record; a ComfyUI graph without a sampler may
    # be an upscale or edit pipeline, so it is only a hint-strength observation.
    if has_params:
        confidence = Confidence.HIGH
    elif gen.tool == "ComfyUI":
        confidence = Confidence.LOW
    else:
        confidence = Confidence.MEDIUM
    short = " ".join(gen.prompt.split())  # one line: prompts carry newlines and weights
    excerpt = f': "{clip(short, _EXCERPT)}"' if short else ""
    message = f"{gen.tool} generation metadata in {key}{excerpt}"
    return Evidence(
        rule,
        message,
        key=key,
        value=clip(gen.prompt or gen.model),
        confidence=confidence,
        details=gen.details(),
    )


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
