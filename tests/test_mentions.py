"""Free-text mentions of generative tools: an unmistakable mention is a hint (ai-suspected); a
tool name that is also an ordinary word (Spanish "imagen", Japanese "sora", the star sign
Gemini, a firefly, a vocal overdub) is not, unless its vendor or a version qualifies it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from provscan import cli
from provscan.detectors.known_tools import mention_tool
from typer.testing import CliRunner

from fixtures.generator_zoo import (
    ASCII,
    DESCRIPTION,
    MAKE,
    MODEL,
    ascii_value,
    exif_block,
    jpeg,
    picture,
)
from fixtures.generator_zoo import _xmp_segment as xmp_segment

WORDS = {
    "es": "Imagen de la playa de Cadiz al atardecer",
    "ja": "Sora no iro, Tokyo",
    "it": "Foto di Gemini e Toro",
    "en": "A firefly in the garden at night",
    "tv": "Still from the TV series Firefly, episode 3",
    "fashion": "Backstage at the Milan runway show",
}
MENTIONS = {
    "imagen3": "Comparison frame: Imagen 3 against the real harbour",
    "google": "Pitch notes: Google Imagen versus our own plate",
    "firefly": "Adobe Firefly workshop, day 2, group photo",
    "midjourney": "Concept art from Midjourney v6",
}


def _camera(seed: int, caption: str) -> bytes:
    """A camera JPEG whose caption sits in EXIF ImageDescription and XMP dc:description."""
    exif = exif_block("MM", [(MAKE, ASCII, ascii_value("Canon")),
                             (MODEL, ASCII, ascii_value("Canon EOS R6")),
                             (DESCRIPTION, ASCII, ascii_value(caption))])  # fmt: skip
    xmp = xmp_segment('<dc:description><rdf:Alt><rdf:li xml:lang="x-default">'
                      f"{caption}</rdf:li></rdf:Alt></dc:description>")  # fmt: skip
    return jpeg(picture(seed), exif, xmp)


def test_captions_through_the_cli(tmp_path: Path) -> None:
    """provscan scan: common-word captions stay no-ai-markers; unmistakable mentions are hints."""
    for seed, (name, caption) in enumerate({**WORDS, **MENTIONS}.items()):
        (tmp_path / f"{name}.jpg").write_bytes(_camera(80 + seed, caption))
    out = tmp_path / "report.json"
    CliRunner().invoke(cli.app, ["scan", str(tmp_path), "--no-trace", "-o", str(out)])
    verdicts = {f["path"]: f["verdict"] for f in json.loads(out.read_text())["files"]}
    assert {verdicts[f"{name}.jpg"] for name in WORDS} == {"no-ai-markers"}
    assert {verdicts[f"{name}.jpg"] for name in MENTIONS} == {"ai-suspected"}


@pytest.mark.parametrize(
    ("text", "tool"),
    [
        ("vocal overdub take 2", None),
        ("Descript Overdub voice for the temp track", "Descript Overdub"),
        ("OpenAI Sora clip", "Sora"),
        ("Sora 2 clip", "Sora"),
        ("Runway Gen-4 shot", "Runway"),
        ("Backstage at the runway", None),
    ],
)
def test_mention_needs_a_qualifier_for_common_words(text: str, tool: str | None) -> None:
    """A common word needs its vendor before it or a version after it to be a mention."""
    found = mention_tool(text)
    assert (found.tool.name if found else None) == tool


@pytest.mark.parametrize(
    ("text", "tool"),
    [("Adobe_Firefly", "Adobe Firefly"), ("adobe firefly 3", "Adobe Firefly"),
     ("xfirefly", None), ("fireflyx", None), ("Google Veo 2", "Veo"), ("googleveo", "Veo"),
     ("supergoogleveo", None)],
)  # fmt: skip
def test_a_tool_name_inside_a_longer_word_is_not_that_tool(text: str, tool: str | None) -> None:
    """Every alternative of a tool's pattern is bounded on both sides, not only the first
    and the last: a word that merely contains a product's name names no tool."""
    from provscan.detectors.known_tools import match_tool

    found = match_tool(text)
    assert (found.tool.name if found else None) == tool
