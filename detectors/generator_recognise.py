"""One text field in, the generation record it holds out: tool parsers first, structure last.

The tools' own layouts are read by their parsers (they know the details reviewers want:
prompt, model, seed); a field no parser claims is judged by its structure
(:mod:`provscan.detectors.generation_record`). Parsers keyed by field name run only on that field
(InvokeAI's graph, its ``Dream`` command line); the others run on every field, whatever
carrier it sits in, because save extensions and other tools copy the same layouts into
PNG text, EXIF UserComment/ImageDescription/Make/Model, XMP and video/audio tags.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NamedTuple

from provscan.detectors import comfy_graph
from provscan.detectors.generation_record import norm, read_record
from provscan.detectors.generator_graphs import (
    parse_drawthings,
    parse_dream,
    parse_invokeai_graph,
    parse_invokeai_metadata,
    parse_sd_metadata,
)
from provscan.detectors.generator_parsers import (
    Generation,
    load_json,
    parse_a1111,
    parse_fooocus,
    parse_swarmui,
)

# ComfyUI's SaveAnimatedWEBP writes "prompt:{...}" into EXIF Model and "workflow:{...}"
# into Make; other savers copy that, some with other prefixes.
_PREFIXES = ("prompt:", "workflow:", "parameters:", "Workflow:", "Prompt:")
_BY_KEY: dict[str, Callable[[str], Generation | None]] = {
    "invokeaigraph": parse_invokeai_graph,
    "invokeaiworkflow": parse_invokeai_graph,
    "sdmetadata": parse_sd_metadata,
    "dream": parse_dream,
}
_KEYED_NAMES = frozenset({"invokeai_graph", "invokeai_workflow", "sd-metadata", "Dream"})
_JSON_PARSERS: tuple[Callable[[str], Generation | None], ...] = (
    parse_invokeai_metadata,
    parse_swarmui,
    parse_fooocus,
    parse_drawthings,
)


# Every record, graph and prompt suffix the parsers read contains one of these (a sampling
# key, a model file, a Midjourney flag, JSON); a field without any is rejected in well under
# a microsecond (substring tests, not a regex: a camera file has a hundred text fields).
_WORDS = ("seed", "step", "sampl", "cfg", "guidance", "schedul", "denois", "prompt",
          "safetensors", ".ckpt", ".gguf", "urn:air", "--", "job id", "{", "[", "generat",
          "aigc", "synthetic")  # fmt: skip
_SCAN = 65536
# One pattern for all of them: a scan meets hundreds of fields per file, most without any.
_ANY_WORD = re.compile("|".join(re.escape(word) for word in _WORDS))

# The formats a record can be written in (the rule that reports it follows the format; the
# tool that wrote it is named separately, from the record or the file's tool fields).
A1111, COMFY, INVOKE, FOOOCUS, SWARM, DRAWTHINGS, STRUCTURE = (
    "AUTOMATIC1111 infotext", "ComfyUI graph", "InvokeAI metadata", "Fooocus parameters",
    "SwarmUI parameters", "Draw Things metadata", "generation record",
)  # fmt: skip
_FORMAT_OF_TOOL = {"InvokeAI": INVOKE, "Fooocus": FOOOCUS, "SwarmUI": SWARM,
                   "Draw Things": DRAWTHINGS, "ComfyUI": COMFY}  # fmt: skip


# A NamedTuple: used as a frozen dataclass would be, and a tenth of its cost to define.
class Recognised(NamedTuple):
    """A record found in a field: the format it is written in and what it says."""

    format: str
    gen: Generation


def recognise(key: str, value: str) -> Recognised | None:
    """The generation record in one field, or None. The Generation's tool is "" when the
    record names no tool itself."""
    keyed = _BY_KEY.get(norm(key.rsplit(":", 1)[-1])) if key in _KEYED_NAMES else None
    if keyed is not None and (gen := keyed(_unprefixed(value))) is not None:
        return _known(gen)
    if not _candidate(value):
        return None  # no word any record or graph is written with: most fields stop here
    text = _unprefixed(value)
    data = load_json(text)
    if isinstance(data, dict) and (gen := _from_json(data, text)) is not None:
        return _known(gen)
    if not isinstance(data, dict | list) and (gen := _infotext(text)) is not None:
        return Recognised(A1111, gen)
    record = read_record(text)
    return Recognised(STRUCTURE, record) if record is not None else None


def _known(gen: Generation) -> Recognised:
    return Recognised(_FORMAT_OF_TOOL.get(gen.tool, STRUCTURE), gen)


def _candidate(value: str) -> bool:
    """Whether the field's head or tail (infotext ends with its parameters) has a word of a
    record in it."""
    if _ANY_WORD.search(value[:_SCAN].lower()):
        return True
    return len(value) > _SCAN and _ANY_WORD.search(value[-_SCAN:].lower()) is not None


def _unprefixed(value: str) -> str:
    stripped = value.strip()
    for prefix in _PREFIXES:
        if stripped.startswith(prefix) and stripped[len(prefix) :].lstrip()[:1] in "{[":
            return stripped[len(prefix) :].strip()
    return stripped


def _from_json(data: dict[Any, Any], text: str) -> Generation | None:
    graph = comfy_graph.read_api(data) or comfy_graph.read_ui(data) or _wrapped_comfy(data)
    if graph is not None:
        return graph
    for parse in _JSON_PARSERS:
        gen = parse(text)
        if gen is not None:
            return gen
    return None


def _wrapped_comfy(data: dict[Any, Any]) -> Generation | None:
    """ComfyUI graphs inside a JSON object (VideoHelperSuite's comment: ``{"prompt": "<API
    graph as a string>", "workflow": {...}}``, and save extensions that copy it)."""
    for inner in ("prompt", "workflow"):
        value = data.get(inner)
        graph = load_json(value) if isinstance(value, str) else value
        if isinstance(graph, dict):
            gen = comfy_graph.read_api(graph) or comfy_graph.read_ui(graph)
            if gen is not None:
                return gen
    return None


def _infotext(text: str) -> Generation | None:
    """AUTOMATIC1111-style infotext. Its writer is named by the text's ``App`` key when it
    gives one (SD.Next writes ``App: SD.Next``), else by its ``Version`` (A1111 ``v1.x``,
    Forge ``f2.x``); infotext with neither names no writer: other tools write it too."""
    gen = parse_a1111(text)
    if gen is None:
        return None
    record = read_record(text)
    if record is not None:
        gen.extra.update({k: v for k, v in record.extra.items() if k in ("scheduler", "denoise")})
    if record is not None and record.tool:
        gen.tool = record.tool
    elif not gen.extra.get("version"):
        gen.tool = ""
    return gen
