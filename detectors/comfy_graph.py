"""ComfyUI graphs judged by what they do, not by which sampler node they use.

ComfyUI writes two graphs (``nodes.py`` SaveImage, ``comfy_extras``' savers, and the
save extensions that copy them): the executed *API prompt* (``{"id": {"class_type",
"inputs"}}``) and the UI *workflow* document (``{"nodes": [{"type", "widgets_values"}],
"links": [...]}``). Node classes change with every model family (``KSampler`` for SD 1.5/
SDXL; ``SamplerCustomAdvanced`` with ``RandomNoise``, a guider and sigmas for Flux, SD3,
HiDream, Qwen-Image; ``WanVideoSampler``/``HyVideoSampler``/``LTXV*`` for video), so nodes
are classified by the roles their class names and inputs show:

- a *sampler* (any class naming a sampler, a guider, noise, sigmas or model sampling) or a
  *generative model loader* (checkpoint, UNet/diffusion model, GGUF, video model) makes the
  graph a generation record;
- it is an *edit* (image-to-image, inpainting) when the latent comes from pixels (VAE
  encode, inpaint conditioning, a noise mask) and no empty latent is created;
- a graph with only a *model upscaler* (``UpscaleModelLoader`` + ``ImageUpscaleWithModel``)
  is an AI edit too;
- a graph that only loads, resizes, crops or re-encodes pictures is *processing*: not a
  generation record.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

from provscan.detectors.generator_parsers import Generation, size_of, text_of

GENERATED, EDITED, PROCESSING = "generated", "edited", "processing"
_MAX_NODES = 5000
_MAX_HOPS = 12

_UPSCALER = re.compile(r"upscale.*model|model.*upscale|esrgan|swinir|upscalewithmodel", re.I)
_SAMPLER = re.compile(
    r"sampler|randomnoise|noise$|guider|sigmas|scheduler|modelsampling|denoise", re.I
)
_LOADER = re.compile(
    r"checkpoint|unet|diffusion.?model|dit.?loader|gguf|model.?loader|load.?model|"
    r"videomodel|loadwan|hyvideo.*loader|ltxv.*loader|cogvideo.*loader",
    re.I,
)
_EMPTY_LATENT = re.compile(r"empty.*latent|latent.*empty|imagetovideo|texttovideo", re.I)
_FROM_PIXELS = re.compile(r"vaeencode|inpaint|setlatentnoisemask|img2img|imagetoimage", re.I)
_MODEL_FILE = re.compile(r"\.(?:safetensors|ckpt|gguf|pt|pth|bin|sft)$", re.I)
_TEXT_KEYS = ("text", "text_g", "text_l", "clip_l", "t5xxl", "prompt", "positive_prompt")
_SEED_KEYS = ("seed", "noise_seed")
_MODEL_KEYS = ("ckpt_name", "unet_name", "model_name", "model", "gguf_name", "diffusion_model")


# A NamedTuple: used as a frozen dataclass would be, and a tenth of its cost to define.
class Node(NamedTuple):
    """One node of either graph form: its class, its inputs (API form) or widgets (UI)."""

    cls: str
    inputs: dict[str, Any]
    widgets: tuple[Any, ...] = ()


def api_nodes(graph: dict[Any, Any]) -> dict[str, Node] | None:
    """The nodes of an API prompt graph, or None when ``graph`` is not one."""
    nodes = {}
    for key, value in list(graph.items())[:_MAX_NODES]:
        if isinstance(value, dict) and isinstance(value.get("class_type"), str):
            inputs = value.get("inputs")
            nodes[str(key)] = Node(value["class_type"], inputs if isinstance(inputs, dict) else {})
    return nodes or None


def ui_nodes(document: dict[Any, Any]) -> list[Node] | None:
    """The nodes of a UI workflow document, or None when ``document`` is not one."""
    raw = document.get("nodes")
    if not isinstance(raw, list):
        return None
    nodes = []
    for node in raw[:_MAX_NODES]:
        if isinstance(node, dict) and isinstance(node.get("type"), str):
            widgets = node.get("widgets_values")
            values = tuple(widgets) if isinstance(widgets, list) else ()
            nodes.append(Node(node["type"], {}, values))
    return nodes or None


def classify(nodes: Iterable[Node]) -> str:
    """GENERATED, EDITED or PROCESSING, from the roles of the nodes (module docstring)."""
    roles = {_role for node in nodes for _role in _roles(node)}
    if roles & {"sampler", "loader"}:
        return EDITED if "pixels" in roles and "empty" not in roles else GENERATED
    return EDITED if "upscaler" in roles else PROCESSING


def _roles(node: Node) -> Iterator[str]:
    cls = node.cls
    if _UPSCALER.search(cls):
        yield "upscaler"
        return
    if _SAMPLER.search(cls) or any(k in node.inputs for k in _SEED_KEYS):
        yield "sampler"
    if _LOADER.search(cls) or any(_is_model_file(node.inputs.get(k)) for k in _MODEL_KEYS):
        yield "loader"
    if _EMPTY_LATENT.search(cls):
        yield "empty"
    if _FROM_PIXELS.search(cls):
        yield "pixels"


def _is_model_file(value: object) -> bool:
    return isinstance(value, str) and bool(_MODEL_FILE.search(value.strip()))


def read_api(graph: dict[Any, Any]) -> Generation | None:
    """A Generation from an API prompt graph (kind in ``extra["kind"]``), or None."""
    nodes = api_nodes(graph)
    if nodes is None:
        return None
    kind = classify(nodes.values())
    gen = Generation("ComfyUI", extra={"graph": "prompt", "nodes": str(len(nodes)), "kind": kind})
    if gen.extra["kind"] == PROCESSING:
        return gen
    gen.seed = _first_input(nodes.values(), _SEED_KEYS)
    gen.steps = _first_input(nodes.values(), ("steps",))
    gen.cfg = _first_input(nodes.values(), ("cfg", "guidance"))
    gen.sampler = _first_input(nodes.values(), ("sampler_name",))
    for key in ("scheduler", "denoise"):
        if value := _first_input(nodes.values(), (key,)):
            gen.extra[key] = value
    gen.prompt = _prompt(nodes, "positive") or _any_text(nodes.values())
    gen.negative = _prompt(nodes, "negative")
    gen.texts = _text_nodes(nodes.values())
    gen.model = _model(nodes.values())
    gen.size = next((size_of(n.inputs) for n in nodes.values() if _EMPTY_LATENT.search(n.cls)
                     and size_of(n.inputs)), "")  # fmt: skip
    return gen


def read_ui(document: dict[Any, Any]) -> Generation | None:
    """A Generation from a UI workflow document (KSampler widgets read), or None."""
    nodes = ui_nodes(document)
    if nodes is None:
        return None
    kind = classify(nodes)
    gen = Generation("ComfyUI", extra={"graph": "workflow", "nodes": str(len(nodes)), "kind": kind})
    for node in nodes:
        # KSampler widgets (nodes.py KSampler.INPUT_TYPES order): seed, control, steps, cfg,
        # sampler_name, scheduler, denoise.
        if node.cls in ("KSampler", "KSamplerAdvanced") and len(node.widgets) >= 5:
            values = node.widgets if node.cls == "KSampler" else node.widgets[1:]
            gen.seed, gen.steps = text_of(values[0]), text_of(values[2])
            gen.cfg, gen.sampler = text_of(values[3]), text_of(values[4])
            break
    texts = [n.widgets[0] for n in nodes if "TextEncode" in n.cls and n.widgets]
    gen.prompt = text_of(texts[0]) if texts else ""
    gen.texts = tuple(t for t in map(text_of, texts[1:]) if t.strip())
    return gen


def _text_nodes(nodes: Iterable[Node]) -> tuple[str, ...]:
    """The text every node holds under a text key (prompt encoders, text primitives, string
    nodes): prompt-like text, wherever it is wired."""
    found = (text_of(node.inputs.get(key)) for node in nodes for key in _TEXT_KEYS)
    return tuple(dict.fromkeys(t for t in found if t.strip()))


def _first_input(nodes: Iterable[Node], keys: tuple[str, ...]) -> str:
    for node in nodes:
        for key in keys:
            value = text_of(node.inputs.get(key))
            if value:
                return value
    return ""


def _prompt(nodes: dict[str, Node], side: str) -> str:
    """Text reached from a sampler's or guider's ``positive``/``negative`` link."""
    for node in nodes.values():
        link = node.inputs.get(side)
        if isinstance(link, list) and link:
            text = _trace(nodes, link)
            if text:
                return text
    return ""


def _trace(nodes: dict[str, Node], link: object) -> str:
    """Follow ``[node_id, slot]`` links upstream until a node holds prompt text."""
    for _ in range(_MAX_HOPS):
        if not (isinstance(link, list) and link):
            return ""
        node = nodes.get(str(link[0]))
        if node is None:
            return ""
        found = [text_of(node.inputs[k]) for k in _TEXT_KEYS if text_of(node.inputs.get(k))]
        if found:
            return " | ".join(dict.fromkeys(found))  # SDXL encoders repeat text_g in text_l
        link = next((v for v in node.inputs.values() if isinstance(v, list) and v), None)
    return ""


def _any_text(nodes: Iterable[Node]) -> str:
    for node in nodes:
        if "encode" in node.cls.lower() or "prompt" in node.cls.lower():
            for key in _TEXT_KEYS:
                if text_of(node.inputs.get(key)):
                    return text_of(node.inputs[key])
    return ""


def _model(nodes: Iterable[Node]) -> str:
    for node in nodes:
        if _UPSCALER.search(node.cls):
            continue
        for key in _MODEL_KEYS:
            value = node.inputs.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
    return ""
