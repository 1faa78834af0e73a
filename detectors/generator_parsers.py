"""Parsers for the generation parameters Stable Diffusion front-ends write, text in, facts out.

Each parser takes the text of one metadata field and returns a :class:`Generation` or
None when the text is not that tool's format. They never raise on hostile input: JSON is
size-capped before parsing and every field read is type-checked. Formats follow each
tool's writer (named per parser); the corpus ``sd-parsers`` samples are the check.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

MAX_JSON = 4 * 1024 * 1024  # longer "JSON" is not parsed (a real workflow is far smaller)
MAX_PROMPT = 2000  # prompts are kept for reviewers, not archived
MAX_VALUE = 200
MAX_TEXTS = 16  # prompt-like texts kept per record besides the prompt


@dataclass(slots=True)
class Generation:
    """Facts read from one tool's generation parameters (strings, empty when absent)."""

    tool: str
    prompt: str = ""
    negative: str = ""
    model: str = ""
    sampler: str = ""
    steps: str = ""
    cfg: str = ""
    seed: str = ""
    size: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    # Other prompt-like texts of the record (a graph's text nodes beyond its prompt), which
    # the gate screens for protected names like the prompt itself.
    texts: tuple[str, ...] = ()

    def details(self) -> dict[str, object]:
        """Non-empty facts as a JSON-ready dict, prompts truncated."""
        out: dict[str, object] = {"tool": self.tool}
        for name in ("prompt", "negative", "model", "sampler", "steps", "cfg", "seed", "size"):
            value: str = getattr(self, name)
            if value:
                out[name] = clip(value, MAX_PROMPT if name in ("prompt", "negative") else None)
        out.update({k: clip(v) for k, v in self.extra.items() if v})
        others = [t for t in dict.fromkeys(self.texts) if t not in (self.prompt, self.negative)]
        if others:
            out["texts"] = [clip(t, MAX_PROMPT) for t in others[:MAX_TEXTS]]
        return out


def clip(value: object, limit: int | None = None) -> str:
    """Text of a value, cut to ``limit`` characters (MAX_VALUE by default)."""
    text = value if isinstance(value, str) else json.dumps(value) if value is not None else ""
    limit = limit or MAX_VALUE
    return text if len(text) <= limit else text[: limit - 1] + "…"


# Generation field -> the tool's JSON key, for tools that write flat JSON.
_FOOOCUS_KEYS = {
    "prompt": "prompt", "negative": "negative_prompt", "model": "base_model",
    "sampler": "sampler", "steps": "steps", "cfg": "guidance_scale", "seed": "seed",
}  # fmt: skip
_SWARM_KEYS = {
    "prompt": "prompt", "negative": "negativeprompt", "model": "model",
    "sampler": "sampler", "steps": "steps", "cfg": "cfgscale", "seed": "seed",
}  # fmt: skip


def size_of(data: dict[str, Any]) -> str:
    """``WxH`` from ``width`` and ``height`` keys, or empty when either is missing."""
    width, height = text_of(data.get("width")), text_of(data.get("height"))
    return f"{width}x{height}" if width and height else ""


def from_keys(tool: str, data: dict[str, Any], keys: dict[str, str], **fixed: Any) -> Generation:
    """A Generation whose fields are read from ``data`` under the tool's own key names."""
    fields: dict[str, Any] = {name: text_of(data.get(key)) for name, key in keys.items()}
    return Generation(tool, **fields, **fixed)


def load_json(text: str) -> object:
    """Parsed JSON, or None when the text is too long or not JSON."""
    stripped = text.strip()
    if not stripped or stripped[0] not in '{["' or len(stripped) > MAX_JSON:
        return None
    try:
        return json.loads(stripped)
    except (ValueError, RecursionError):
        return None


def text_of(value: object) -> str:
    """A scalar as text (numbers as written); containers and None give an empty string."""
    if isinstance(value, bool) or value is None or isinstance(value, dict | list):
        return ""
    return str(value)


# AUTOMATIC1111 infotext (modules/infotext_utils.py, re_param_code): "Key: value" pairs on
# the last line, values optionally double-quoted when they contain commas.
_A1111_PARAM = re.compile(r'\s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)')
_A1111_KEYS = {"Sampler": "sampler", "CFG scale": "cfg", "Seed": "seed", "Size": "size"}


def parse_a1111(text: str) -> Generation | None:
    """AUTOMATIC1111 / Forge infotext: prompt, ``Negative prompt:``, then ``Steps: ..`` line."""
    lines = text.strip().split("\n")
    last = lines[-1]
    params = dict(_A1111_PARAM.findall(last[:20_000]))
    if "Steps" not in params or not ({"Sampler", "Seed", "CFG scale"} & params.keys()):
        return None
    version = params.get("Version", "")
    tool = _a1111_flavour(version)
    gen = Generation(tool, steps=params["Steps"].strip())
    for key, attr in _A1111_KEYS.items():
        setattr(gen, attr, params.get(key, "").strip().strip('"'))
    gen.model = params.get("Model", "").strip() or params.get("Model hash", "").strip()
    gen.extra = {"version": version.strip()} if version else {}
    prompt, _, negative = "\n".join(lines[:-1]).partition("Negative prompt:")
    gen.prompt, gen.negative = prompt.strip(), negative.strip()
    return gen


def _a1111_flavour(version: str) -> str:
    """Which A1111-compatible writer: Forge tags its versions ``f2.0..``, Fooocus names itself."""
    version = version.strip()
    if version.startswith("f") and version[1:2].isdigit():
        return "Forge"
    if version.lower().startswith("fooocus"):
        return "Fooocus"
    return "AUTOMATIC1111"


# Fooocus (modules/meta_parser.py, FooocusMetadataParser): "parameters" is JSON, and the
# separate "fooocus_scheme" chunk says "fooocus" (or "a1111" for infotext).
def parse_fooocus(text: str) -> Generation | None:
    """Fooocus JSON parameters (keys prompt, negative_prompt, base_model, guidance_scale...)."""
    data = load_json(text)
    if not isinstance(data, dict) or not ({"base_model", "guidance_scale"} & data.keys()):
        return None
    return from_keys(
        "Fooocus",
        data,
        _FOOOCUS_KEYS,
        size=text_of(data.get("resolution")).strip("()").replace(", ", "x"),
        extra={"version": text_of(data.get("version"))},
    )


# SwarmUI (src/Text2Image/T2IParamInput.cs GenMetadataObject): {"sui_image_params": {...}}.
def parse_swarmui(text: str) -> Generation | None:
    """SwarmUI JSON with ``sui_image_params`` (prompt, negativeprompt, model, cfgscale...)."""
    data = load_json(text)
    params = data.get("sui_image_params") if isinstance(data, dict) else None
    if not isinstance(params, dict):
        return None
    return from_keys(
        "SwarmUI",
        params,
        _SWARM_KEYS,
        size=size_of(params),
        extra={"version": text_of(params.get("swarm_version"))},
    )


# NovelAI: tEXt Software=NovelAI, Description=prompt, Source=model, Comment=JSON with
# steps, sampler, seed, scale, uc (the negative prompt). Its stealth payload is the same
# chunks as one JSON object.
_NOVELAI_KEYS = {
    "negative": "uc",
    "sampler": "sampler",
    "steps": "steps",
    "cfg": "scale",
    "seed": "seed",
}


def parse_novelai(chunks: dict[str, str]) -> Generation | None:
    """NovelAI's text chunks (or its stealth JSON, keyed the same way)."""
    if chunks.get("Software", "").strip() != "NovelAI":
        return None
    comment = load_json(chunks.get("Comment", ""))
    data = comment if isinstance(comment, dict) else {}
    return from_keys(
        "NovelAI",
        data,
        _NOVELAI_KEYS,
        prompt=chunks.get("Description", "") or text_of(data.get("prompt")),
        model=chunks.get("Source", ""),
        size=size_of(data),
    )


def parse_parameters(text: str) -> Generation | None:
    """Any "parameters"-style field: SwarmUI or Fooocus JSON, else A1111-style infotext."""
    if len(text) > MAX_JSON:
        text = text[:MAX_JSON]
    return parse_swarmui(text) or parse_fooocus(text) or parse_a1111(text)
