"""Parsers for node-graph and JSON metadata: ComfyUI, InvokeAI (all eras), Draw Things.

Like :mod:`provscan.detectors.generator_parsers`, each takes field text and returns a
:class:`Generation` or None, never raises, and follows links in a graph with a depth cap
(a hostile graph may link nodes in a cycle).
"""

from __future__ import annotations

import itertools
import shlex
from typing import Any

from provscan.detectors.generator_parsers import Generation, from_keys, load_json, size_of, text_of

_MAX_HOPS = 12  # conditioning chains (ControlNet, combine, concat) are a few nodes deep

# ComfyUI API graph (ComfyUI nodes.py / comfy_extras): {"id": {"class_type", "inputs"}}.
# A sampler node names its positive/negative conditioning and model as [node_id, slot].
_SAMPLER_KEYS = ("seed", "noise_seed")
_TEXT_KEYS = ("text", "text_g", "text_l", "prompt")
_MODEL_KEYS = ("ckpt_name", "unet_name", "model_name")


def parse_comfy_prompt(text: str) -> Generation | None:
    """ComfyUI ``prompt`` (API graph JSON): sampler settings, prompts traced through links."""
    graph = load_json(text)
    if not isinstance(graph, dict) or not _is_comfy_graph(graph):
        return None
    gen = Generation("ComfyUI", extra={"nodes": str(len(graph))})
    sampler = next((n for n in graph.values() if _is_sampler(n)), None)
    if sampler is None:
        gen.extra["sampler_node"] = "none"  # a graph with no sampler may be an upscale only
        return gen
    inputs: dict[str, Any] = sampler["inputs"]
    gen.seed = next((text_of(inputs[k]) for k in _SAMPLER_KEYS if k in inputs), "")
    gen.steps, gen.cfg = text_of(inputs.get("steps")), text_of(inputs.get("cfg"))
    gen.sampler = text_of(inputs.get("sampler_name"))
    gen.prompt = _trace(graph, inputs.get("positive"), _TEXT_KEYS)
    gen.negative = _trace(graph, inputs.get("negative"), _TEXT_KEYS)
    gen.model = _trace(graph, inputs.get("model"), _MODEL_KEYS) or _first(graph, _MODEL_KEYS)
    gen.size = _latent_size(graph)
    return gen


def _is_comfy_graph(graph: dict[Any, Any]) -> bool:
    nodes = list(graph.values())[:2000]
    return any(isinstance(n, dict) and isinstance(n.get("class_type"), str) for n in nodes)


def _is_sampler(node: object) -> bool:
    if not isinstance(node, dict) or not isinstance(node.get("inputs"), dict):
        return False
    return "Sampler" in str(node.get("class_type")) and any(
        k in node["inputs"] for k in _SAMPLER_KEYS
    )


def _trace(graph: dict[Any, Any], link: object, keys: tuple[str, ...]) -> str:
    """Follow ``[node_id, slot]`` links upstream until a node holds one of ``keys`` as text."""
    for _ in range(_MAX_HOPS):
        if not (isinstance(link, list) and link):
            return ""
        node = graph.get(str(link[0]))
        inputs = node.get("inputs") if isinstance(node, dict) else None
        if not isinstance(inputs, dict):
            return ""
        found = [text_of(inputs[k]) for k in keys if text_of(inputs.get(k))]
        if found:
            return " | ".join(dict.fromkeys(found))  # SDXL encoders repeat text_g in text_l
        link = next((v for v in inputs.values() if isinstance(v, list) and v), None)
    return ""


def _first(graph: dict[Any, Any], keys: tuple[str, ...]) -> str:
    for node in graph.values():
        inputs = node.get("inputs") if isinstance(node, dict) else None
        if isinstance(inputs, dict):
            for key in keys:
                if text_of(inputs.get(key)):
                    return text_of(inputs[key])
    return ""


def _latent_size(graph: dict[Any, Any]) -> str:
    for node in graph.values():
        inputs = node.get("inputs") if isinstance(node, dict) else None
        if isinstance(inputs, dict) and "Latent" in str(node.get("class_type")):
            size = size_of(inputs)
            if size:
                return size
    return ""


def parse_comfy_workflow(text: str) -> Generation | None:
    """ComfyUI ``workflow`` (UI graph): ``nodes`` with ``type``; KSampler widget values read."""
    data = load_json(text)
    nodes = data.get("nodes") if isinstance(data, dict) else None
    if not isinstance(nodes, list) or not any(isinstance(n, dict) and "type" in n for n in nodes):
        return None
    gen = Generation("ComfyUI", extra={"nodes": str(len(nodes))})
    for node in nodes:
        # KSampler widgets (nodes.py KSampler.INPUT_TYPES order): seed, control, steps, cfg,
        # sampler_name, scheduler, denoise.
        values = node.get("widgets_values") if isinstance(node, dict) else None
        if node.get("type") == "KSampler" and isinstance(values, list) and len(values) >= 5:
            gen.seed, gen.steps = text_of(values[0]), text_of(values[2])
            gen.cfg, gen.sampler = text_of(values[3]), text_of(values[4])
            break
    else:
        gen.extra["sampler_node"] = "none"
    return gen


# InvokeAI 3+ (invokeai/app/invocations/metadata.py CoreMetadataInvocation).
_INVOKE_KEYS = {
    "prompt": "positive_prompt", "negative": "negative_prompt", "sampler": "scheduler",
    "steps": "steps", "cfg": "cfg_scale", "seed": "seed",
}  # fmt: skip
# InvokeAI 2.x keeps its settings in an "image" dict.
_SD_METADATA_KEYS = {"sampler": "sampler", "steps": "steps", "cfg": "cfg_scale", "seed": "seed"}


def parse_invokeai_metadata(text: str) -> Generation | None:
    """InvokeAI ``invokeai_metadata`` JSON (positive_prompt, model.model_name, cfg_scale...)."""
    data = load_json(text)
    if not isinstance(data, dict) or not ({"positive_prompt", "generation_mode"} & data.keys()):
        return None
    model = data.get("model")
    name = model.get("model_name") or model.get("name") if isinstance(model, dict) else model
    return from_keys(
        "InvokeAI",
        data,
        _INVOKE_KEYS,
        model=text_of(name),
        size=size_of(data),
        extra={"mode": text_of(data.get("generation_mode"))},
    )


def parse_invokeai_graph(text: str) -> Generation | None:
    """InvokeAI ``invokeai_graph`` JSON: a dict of typed nodes; only the tool is read."""
    data = load_json(text)
    nodes = data.get("nodes") if isinstance(data, dict) else None
    if not isinstance(nodes, dict) or not nodes:
        return None
    return Generation("InvokeAI", extra={"nodes": str(len(nodes))})


# InvokeAI 2.x (ldm/invoke/pngwriter.py): "sd-metadata" JSON and the "Dream" command line.
def parse_sd_metadata(text: str) -> Generation | None:
    """InvokeAI 2.x ``sd-metadata``: model_weights and an ``image`` dict of settings."""
    data = load_json(text)
    if not isinstance(data, dict) or not isinstance(data.get("image"), dict):
        return None
    image: dict[str, Any] = data["image"]
    prompt = image.get("prompt")
    if isinstance(prompt, list):  # weighted sub-prompts: [{"prompt": .., "weight": ..}]
        prompt = " ".join(text_of(p.get("prompt")) for p in prompt[:20] if isinstance(p, dict))
    return from_keys(
        "InvokeAI",
        image,
        _SD_METADATA_KEYS,
        prompt=text_of(prompt),
        model=text_of(data.get("model_weights")),
        size=size_of(image),
        extra={"version": text_of(data.get("app_version"))},
    )


_DREAM_FLAGS = {"-s": "steps", "-S": "seed", "-C": "cfg", "-A": "sampler"}


def parse_dream(text: str) -> Generation | None:
    """InvokeAI ``Dream`` command line: ``"prompt" -s steps -S seed -W w -H h -C cfg -A ..``."""
    try:
        tokens = shlex.split(text[:20_000])
    except ValueError:
        return None
    if len(tokens) < 3 or not {"-s", "-S"} & set(tokens):
        return None
    gen = Generation("InvokeAI", prompt=tokens[0])
    flags = dict(itertools.pairwise(tokens[1:]))  # each flag and the token after it
    for flag, attr in _DREAM_FLAGS.items():
        setattr(gen, attr, flags.get(flag, ""))
    if flags.get("-W") and flags.get("-H"):
        gen.size = f"{flags['-W']}x{flags['-H']}"
    return gen


# Draw Things (iOS/macOS) writes XMP: CreatorTool "Draw Things" and exif:UserComment JSON
# with c (prompt), uc (negative), model, sampler, steps, scale, seed, size.
_DRAWTHINGS_KEYS = {
    "prompt": "c", "negative": "uc", "model": "model", "sampler": "sampler",
    "steps": "steps", "cfg": "scale", "seed": "seed", "size": "size",
}  # fmt: skip


def parse_drawthings(text: str) -> Generation | None:
    """Draw Things ``exif:UserComment`` JSON from its XMP packet."""
    data = load_json(text)
    if not isinstance(data, dict) or "c" not in data or not ({"sampler", "scale"} & data.keys()):
        return None
    return from_keys("Draw Things", data, _DRAWTHINGS_KEYS)
