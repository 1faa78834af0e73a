"""Generation parameters in video and audio tags (ComfyUI and AUTOMATIC1111 front-ends).

Where each tool puts them (read from the tools' source, since none documents it elsewhere):
- ComfyUI ``SaveVideo``/``SaveWEBM`` (comfy_extras/nodes_video.py) and ``SaveAudio``
  (comfy_extras/nodes_audio.py) write container tags ``prompt`` (API graph JSON) and one
  tag per ``extra_pnginfo`` key, i.e. ``workflow`` (UI graph JSON); MP4 needs
  ``movflags=use_metadata_tags`` for these, so they sit in ``mdta`` keys.
- ComfyUI-VideoHelperSuite ``VideoCombine`` writes one ``comment`` tag holding JSON
  ``{"prompt": "<API graph as a string>", "workflow": {...}}``.
- AUTOMATIC1111 extensions that save video (AnimateDiff) keep the ``parameters`` text.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from provscan.detectors.generator_graphs import parse_comfy_prompt, parse_comfy_workflow
from provscan.detectors.generator_parsers import Generation, load_json, parse_parameters

if TYPE_CHECKING:  # the tag readers load with the first video or audio file (start-up)
    from provscan.extract.media_tags import Tag

_PARSERS: dict[str, Callable[[str], Generation | None]] = {
    "prompt": parse_comfy_prompt,
    "workflow": parse_comfy_workflow,
    "parameters": parse_parameters,
}
_WRAPPERS = frozenset({"comment", "description", "©cmt", "comm"})  # VideoHelperSuite's JSON


def media_generations(tags: Sequence[Tag]) -> Iterator[tuple[str, Generation]]:
    """(where, parsed parameters) for every tag that holds a generator's parameters."""
    for tag in tags:
        name = bare_key(tag.key)
        parse = _PARSERS.get(name)
        if parse is not None and (gen := parse(tag.value)) is not None:
            yield f"{tag.source} tag {tag.key}", gen
        elif name in _WRAPPERS and tag.value.lstrip().startswith("{"):
            yield from _wrapped(tag)


def bare_key(key: str) -> str:
    """A tag key without its frame or namespace prefix, lower-cased (``TXXX:prompt`` -> prompt)."""
    return key.rsplit(":", 1)[-1].strip().lower()


def _wrapped(tag: Tag) -> Iterator[tuple[str, Generation]]:
    data = load_json(tag.value)
    if not isinstance(data, dict):
        return
    for inner in ("prompt", "workflow"):
        value = data.get(inner)
        text = value if isinstance(value, str) else json.dumps(value) if value else ""
        gen = _PARSERS[inner](text) if text else None
        if gen is not None:
            yield f"{tag.source} tag {tag.key} ({inner})", gen
            return
