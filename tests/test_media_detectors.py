"""Video/audio detectors: tool fields, free text, generator links, AIGC labels, ComfyUI tags."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
from provscan.detectors.aigc_label import parse_label
from provscan.detectors.av_markers import is_free_key, is_tool_key, site_of
from provscan.detectors.generator_media import bare_key, media_generations
from provscan.detectors.media_meta import format_rate
from provscan.extract.media_tags import Tag

_GRAPH = {
    "3": {"class_type": "KSampler", "inputs": {"seed": 7, "steps": 20, "cfg": 6.5,
          "sampler_name": "euler", "positive": ["6", 0], "model": ["4", 0]}},
    "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "wan2.1.safetensors"}},
    "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "archival photo, 1998"}},
}  # fmt: skip


def test_comfyui_prompt_tag_is_parsed() -> None:
    """A container tag ``prompt`` holding an API graph gives ComfyUI's prompt, model and seed."""
    found = list(media_generations([Tag("container", "prompt", json.dumps(_GRAPH))]))
    assert len(found) == 1
    where, gen = found[0]
    assert where == "container tag prompt"
    assert (gen.tool, gen.prompt, gen.model, gen.seed) == (
        "ComfyUI",
        "archival photo, 1998",
        "wan2.1.safetensors",
        "7",
    )


def test_videohelpersuite_comment_json_is_parsed() -> None:
    """VideoHelperSuite's ``comment`` JSON with the graph as a string is unwrapped and parsed."""
    comment = json.dumps({"prompt": json.dumps(_GRAPH), "workflow": {"nodes": []}})
    found = list(media_generations([Tag("container", "comment", comment)]))
    assert [(w, g.prompt) for w, g in found] == [
        ("container tag comment (prompt)", "archival photo, 1998")
    ]


def test_plain_comment_is_not_a_generation() -> None:
    """A prose comment, or JSON that is not a graph, is not generation metadata."""
    tags = [Tag("container", "comment", "shot on set"), Tag("x", "comment", '{"a": 1}')]
    assert list(media_generations(tags)) == []


@pytest.mark.parametrize(
    ("text", "label", "producer"),
    [
        ('{"Label": "1", "ContentProducer": "001191110108MA01", "ProduceID": "9"}', "1",
         "001191110108MA01"),
        ('{"label": 2, "contentproducer": "x"}', "2", "x"),
        ('{"Label":"3"}', "3", None),
    ],
)  # fmt: skip
def test_aigc_label_is_parsed(text: str, label: str, producer: str | None) -> None:
    """GB 45438 JSON gives its Label and producer code, whatever the key case or value type."""
    found = parse_label(text)
    assert found is not None
    assert found.label == label
    assert found.fields.get("ContentProducer") == producer


@pytest.mark.parametrize("text", ["", "AIGC", '{"ContentProducer": "x"}', "[1]", "{bad"])
def test_non_labels_are_refused(text: str) -> None:
    """Text without a GB 45438 Label field is not a label."""
    assert parse_label(text) is None


@pytest.mark.parametrize(
    ("url", "tool"),
    [
        ("https://suno.com/song/1b2c3d", "Suno"),
        ("http://www.udio.com/songs/x", "Udio"),
        ("https://app.klingai.com/global/", "Kling"),
        ("elevenlabs.io", "ElevenLabs"),
        ("https://notsuno.com/x", None),
        ("https://example.com/?ref=suno.com", "Suno"),
        ("https://suno.community.example.org", None),
    ],
)
def test_generator_sites(url: str, tool: str | None) -> None:
    """A URL names a generator only when its host is the vendor's domain or a subdomain."""
    site = site_of(url)
    assert (site.tool if site else None) == tool


def test_key_classes() -> None:
    """Tool keys, free-text keys and frame prefixes are classified as the formats define them."""
    assert bare_key("TXXX:Software") == "software"
    assert bare_key("----:com.apple.iTunes:ai_model") == "ai_model"
    assert is_tool_key("tsse") and is_tool_key("encoder") and is_tool_key("identification")
    assert not is_tool_key("title")
    assert is_free_key("comm") and is_free_key("com.apple.quicktime.description")
    assert is_free_key("my_comment_field")


@pytest.mark.parametrize(
    ("rate", "text"),
    [(Fraction(24), "24"), (Fraction(24000, 1001), "23.976"), (Fraction(30000, 1001), "29.97")],
)
def test_frame_rates_read_as_people_write_them(rate: Fraction, text: str) -> None:
    """Frame rates print as 24, 23.976, 29.97."""
    assert format_rate(rate) == text
