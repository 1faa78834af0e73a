"""Generation records recognised by their structure, whatever tool wrote them.

Every image, video and audio generator that records how it made a file writes the same
facts: a prompt, the sampling settings (seed, steps, sampler or scheduler, guidance/CFG,
denoise) and the model. The per-tool parsers (:mod:`provscan.detectors.generator_parsers`,
:mod:`provscan.detectors.generator_graphs`) read the layouts we know in detail; this module decides
from the shape alone, so that the next tool's JSON, infotext or key-value text is also
recognised. A text is a generation record when

- prompt-like text co-occurs with at least one sampling parameter, or
- at least two kinds of sampling parameter occur together (a seed alone is not enough:
  many non-generative formats have seeds), or
- it names generative model files (``.safetensors``, ``.ckpt``, ``.gguf`` or ``urn:air:``
  resources, Civitai's AI resource names).

Three shapes are read: JSON (any nesting; JSON inside JSON strings too, as ComfyUI's video
savers write it), AUTOMATIC1111-style infotext and other ``Key: value`` / ``key=value``
text, and Midjourney's ``--flag value`` prompt suffixes with their ``Job ID``. The keys are
compared lower-cased without punctuation (``CFG scale``, ``cfg_scale`` and ``cfgScale``
are one key).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from provscan.detectors.generator_parsers import MAX_JSON, Generation, load_json, text_of

MAX_TEXT = 256 * 1024  # longer text is read from its start (records sit at the start)
_MAX_NODES = 20_000  # JSON values visited per text (a hostile file may nest millions)
_MAX_DEPTH = 12

# Sampling parameter kinds and the (normalised) keys that name them, from the writers'
# own vocabularies: A1111 infotext, ComfyUI inputs, InvokeAI, Fooocus, SwarmUI, NovelAI,
# Draw Things, Diffusers pipeline arguments, SD.Next, Civitai generation data.
SAMPLING: dict[str, frozenset[str]] = {
    "seed": frozenset({"seed", "noiseseed", "randomseed", "manualseed", "seedvalue"}),
    "steps": frozenset(
        {"steps", "numinferencesteps", "samplingsteps", "numsteps", "inferencesteps",
         "ddimsteps", "samplersteps", "stepcount"}
    ),
    "sampler": frozenset(
        {"sampler", "samplername", "samplingmethod", "samplerindex", "samplertype", "solver"}
    ),
    "scheduler": frozenset({"scheduler", "scheduletype", "noiseschedule", "schedulername"}),
    "cfg": frozenset(
        {"cfg", "cfgscale", "guidance", "guidancescale", "distilledcfgscale", "distilledcfg",
         "cfgrescale", "truecfg", "truecfgscale", "imagecfgscale", "cfgscalestart"}
    ),
    "denoise": frozenset({"denoise", "denoisingstrength", "denoisestrength", "denoisingstr"}),
}  # fmt: skip
PROMPT_KEYS = frozenset(
    {"prompt", "positiveprompt", "positive", "prompttext", "textprompt", "positivetext",
     "posprompt", "pprompt", "promptpositive", "fullprompt", "originalprompt"}
)  # fmt: skip
NEGATIVE_KEYS = frozenset(
    {"negativeprompt", "negative", "uc", "negprompt", "negativetext", "nprompt",
     "promptnegative"}
)  # fmt: skip
MODEL_KEYS = frozenset(
    {"model", "modelname", "checkpoint", "ckpt", "ckptname", "basemodel", "modelhash",
     "unetname", "sdmodelcheckpoint", "modelid", "modelversion", "unet", "diffusionmodel",
     "aimodel", "generatormodel", "generationmodel"}
)  # fmt: skip
# Keys whose value names the tool that wrote the record.
TOOL_KEYS = frozenset(
    {"generator", "software", "app", "application", "tool", "source", "creatortool",
     "platform", "generatedby", "createdwith", "service", "provider", "client", "aitool",
     "aisystem", "agent"}
)  # fmt: skip
_NEUTRAL_KINDS = frozenset({"seed"})  # a seed alone appears in non-generative formats
# Keys that declare AI origin themselves, with a yes/true value (lightweight provenance
# formats write such flags, e.g. AKF's AIGenerated in EXIF UserComment or XMP, and in-house
# pipelines write "ai_generated": true): a machine-readable statement, whatever the tool.
AI_FLAG_KEYS = frozenset(
    {"aigenerated", "isaigenerated", "generatedbyai", "aigeneratedcontent", "syntheticmedia",
     "issynthetic", "aicontent", "madewithai", "containsaigeneratedcontent", "genai",
     "generativeai", "aigc"}
)  # fmt: skip
_TRUE = frozenset({"true", "yes", "1", "y"})

# Generative model files: Safetensors/PyTorch checkpoints, GGUF quantisations, and the AIR
# URNs Civitai uses for resources (urn:air:sdxl:checkpoint:civitai:...).
_MODEL_FILE = re.compile(
    r"[\w\-. ()\[\]]{2,120}\.(?:safetensors|ckpt|gguf)\b|urn:air:[\w.:@-]+", re.I
)

# "Key: value" pairs in infotext; a value may be double-quoted when it holds commas.
_PAIR = re.compile(
    r'(?:^|[,;|\n]\s*)([A-Za-z][A-Za-z0-9 _\-/().]{0,40}?)\s*[:=]\s*("(?:\\.|[^\\"\n])*"|[^,;|\n]*)'
)
# Midjourney prompt flags (docs.midjourney.com "Parameter List") and its job id line.
_MJ_FLAG = re.compile(
    r"(?<!\S)--(ar|aspect|v|version|niji|style|stylize|s|chaos|c|seed|q|quality|sref|cref|"
    r"sw|cw|weird|w|tile|iw|no|p|profile|raw|exp|oref|ow|draft|hd)(?=\s|$)",
    re.I,
)
_JOB_ID = re.compile(
    r"\bJob ID:\s*([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})", re.I
)


def norm(key: str) -> str:
    """A key compared the way writers vary it: lower case, letters and digits only."""
    return re.sub(r"[^0-9a-z]", "", key.lower())


_KIND_OF_KEY = {key: kind for kind, keys in SAMPLING.items() for key in keys}


@dataclass(slots=True)
class Facts:
    """What a text says, gathered before deciding whether it is a generation record."""

    kinds: dict[str, str] = field(default_factory=dict)  # sampling kind -> first value
    prompt: str = ""
    negative: str = ""
    model: str = ""
    tool: str = ""
    model_files: list[str] = field(default_factory=list)
    ai_flag: str = ""  # the key that declared AI origin with a true value

    def take(self, key: str, value: object) -> None:
        """Note one (key, scalar value) pair."""
        name, text = norm(key), text_of(value).strip()
        if name in AI_FLAG_KEYS and (value is True or text.lower() in _TRUE):
            self.ai_flag = self.ai_flag or key
            return
        if not text:
            return
        kind = _KIND_OF_KEY.get(name)
        if kind is not None:
            self.kinds.setdefault(kind, text)
        elif name in PROMPT_KEYS and not self.prompt:
            self.prompt = text
        elif name in NEGATIVE_KEYS and not self.negative:
            self.negative = text
        elif name in MODEL_KEYS and not self.model:
            self.model = text
        elif name in TOOL_KEYS and not self.tool and len(text) <= 120:
            self.tool = text
        if len(self.model_files) < 8 and ("." in text or "urn:air:" in text):
            self.model_files.extend(_MODEL_FILE.findall(text[:4096])[:8])

    def is_record(self) -> bool:
        """The structural test of the module docstring."""
        kinds = set(self.kinds)
        if self.ai_flag or (self.prompt and kinds):
            return True
        if len(kinds) >= 2 and kinds - _NEUTRAL_KINDS:
            return True
        return bool(self.model_files)

    def basis(self) -> str:
        """Why the text counts as a generation record, in words."""
        parts = [f"the flag {self.ai_flag}: true"] if self.ai_flag else []
        if self.prompt:
            parts.append("a prompt")
        if self.kinds:
            parts.append("sampling settings (" + ", ".join(sorted(self.kinds)) + ")")
        if self.model_files:
            parts.append("generative model files (" + ", ".join(self.model_files[:2]) + ")")
        return " with ".join(parts[:2]) + (f" and {parts[2]}" if len(parts) > 2 else "")


def read_record(text: str) -> Generation | None:
    """The generation record ``text`` holds, recognised by structure, or None.

    The returned Generation's tool is what the record itself names ("" when it names
    none); ``extra["basis"]`` says why it counts and ``extra["shape"]`` how it is written.
    """
    text = text[:MAX_TEXT]
    if len(text.strip()) < 8:
        return None
    data = load_json(text) if len(text) <= MAX_JSON else None
    if isinstance(data, dict | list):
        return _from_facts(_json_facts(data), "JSON")
    return _midjourney(text) or _from_facts(_pair_facts(text), "key-value text")


def read_fields(pairs: Iterable[tuple[str, str]]) -> Generation | None:
    """The generation record that a carrier's fields make together, or None.

    Some writers give each setting a field of its own (Easy Diffusion: one PNG text chunk
    per key, ``prompt``, ``seed``, ``num_inference_steps``...; tag editors: one Vorbis
    comment or XMP property per key); no single field is a record, the set is. Keys are
    compared without their namespace (``sd:prompt`` is ``prompt``).
    """
    facts = Facts()
    for key, value in pairs:
        facts.take(key.rsplit(":", 1)[-1].rsplit("/", 1)[-1], value)
    return _from_facts(facts, "one field per setting")


def _from_facts(facts: Facts, shape: str) -> Generation | None:
    if not facts.is_record():
        return None
    gen = Generation(
        facts.tool,
        prompt=facts.prompt,
        negative=facts.negative,
        model=facts.model or (facts.model_files[0] if facts.model_files else ""),
        sampler=facts.kinds.get("sampler", ""),
        steps=facts.kinds.get("steps", ""),
        cfg=facts.kinds.get("cfg", ""),
        seed=facts.kinds.get("seed", ""),
    )
    gen.extra = {"basis": facts.basis(), "shape": shape}
    for kind in ("scheduler", "denoise"):
        if kind in facts.kinds:
            gen.extra[kind] = facts.kinds[kind]
    return gen


def _json_facts(data: object) -> Facts:
    facts = Facts()
    for key, value in _walk(data):
        facts.take(key, value)
    return facts


def _walk(data: object) -> Iterator[tuple[str, object]]:
    """(key, scalar) pairs of a JSON document, depth-first, JSON strings inside it parsed
    too (ComfyUI's video savers store the graph as a string inside a JSON comment)."""
    stack: list[tuple[str, object, int]] = [("", data, 0)]
    visited = 0
    while stack and visited < _MAX_NODES:
        key, value, depth = stack.pop()
        visited += 1
        if isinstance(value, str) and value[:1] in "{[" and depth < _MAX_DEPTH:
            inner = load_json(value)
            if isinstance(inner, dict | list):
                value = inner
        if isinstance(value, dict) and depth < _MAX_DEPTH:
            stack.extend((str(k), v, depth + 1) for k, v in reversed(list(value.items())[:2000]))
        elif isinstance(value, list) and depth < _MAX_DEPTH:
            stack.extend((key, v, depth + 1) for v in reversed(value[:2000]))
        else:
            yield key, value


def _pair_facts(text: str) -> Facts:
    """Facts of infotext and key-value text; the prompt of A1111-style text is what comes
    before the first line of parameters."""
    facts = Facts()
    lines = text.split("\n")
    first_param_line = None
    for number, line in enumerate(lines[:400]):
        pairs = _PAIR.findall(line[:20_000])
        known = [(k, v) for k, v in pairs if _known_key(k)]
        if first_param_line is None and _is_param_line(known, line):
            first_param_line = number
        for key, value in known:
            facts.take(key, value.strip().strip('"'))
    if "." in text or "urn:air:" in text:
        facts.model_files = _MODEL_FILE.findall(text[:65536])[:8]
    if not facts.prompt and first_param_line:
        head = "\n".join(lines[:first_param_line])
        prompt, _, negative = head.partition("Negative prompt:")
        facts.prompt, facts.negative = prompt.strip(), facts.negative or negative.strip()
    return facts


def _known_key(key: str) -> bool:
    name = norm(key)
    return (
        name in _KIND_OF_KEY
        or name in AI_FLAG_KEYS
        or name in PROMPT_KEYS
        or name in NEGATIVE_KEYS
        or (name in MODEL_KEYS or name in TOOL_KEYS)
    )


def _is_param_line(known: list[tuple[str, str]], line: str) -> bool:
    """A line of parameters: two or more sampling keys, and nothing but pairs on it."""
    kinds = {_KIND_OF_KEY[norm(k)] for k, _ in known if norm(k) in _KIND_OF_KEY}
    return len(kinds) >= 2 or (len(kinds) == 1 and line.count(":") <= 2 and len(line) < 80)


def _midjourney(text: str) -> Generation | None:
    """A Midjourney prompt: text, then ``--ar 16:9 --v 6 ...``, often with ``Job ID: uuid``."""
    flags = _MJ_FLAG.findall(text[:8192])
    job = _JOB_ID.search(text[:8192])
    if not (job or len(flags) >= 2):
        return None
    cut = min((m.start() for m in _MJ_FLAG.finditer(text[:8192])), default=len(text))
    if job is not None:
        cut = min(cut, job.start())
    prompt = " ".join(text[:cut].split())
    if not prompt:
        return None
    gen = Generation("Midjourney" if job else "", prompt=prompt)
    settings = " ".join(f"--{f.lower()}" for f in dict.fromkeys(flags))
    gen.extra = {
        "basis": "a prompt with Midjourney parameters" + (" and a job id" if job else ""),
        "shape": "Midjourney prompt",
    }
    if settings:
        gen.extra["parameters"] = settings
    if job:
        gen.extra["job id"] = job.group(1)
    return gen


def describe_tool(value: Any) -> str:
    """A tool name as a record writes it, trimmed for reports."""
    return " ".join(text_of(value).split())[:120]
