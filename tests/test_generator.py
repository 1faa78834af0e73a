"""The generator-metadata detector: parser tables per tool, rule routing, tool-name fields,
false-positive guards, hostile inputs, describe(), the fixtures and the sd-parsers corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from provscan.analysis import analyse
from provscan.asset import Asset
from provscan.detectors import generator
from provscan.detectors.generator_graphs import (
    parse_comfy_prompt,
    parse_dream,
    parse_invokeai_metadata,
)
from provscan.detectors.generator_parsers import MAX_PROMPT, parse_a1111, parse_parameters
from provscan.model import Confidence, Verdict

from fixtures.generator_images import png_bytes

A1111 = (
    "a cat\nNegative prompt: dog\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 512x512"
)


def _png(tmp_path: Path, chunks: dict[str, str]) -> Asset:
    (tmp_path / "t.png").write_bytes(png_bytes(chunks))
    return Asset(tmp_path / "t.png", "t.png")


def _rules(asset: Asset) -> list[tuple[str, Confidence]]:
    return [(e.rule, e.confidence) for e in generator.detect(asset)]


# text -> (tool, field, value) or None: AUTOMATIC1111 infotext and look-alikes.
A1111_CASES = [
    (A1111, ("AUTOMATIC1111", "seed", "1")),
    (A1111 + ", Version: f2.0.1v1.10.1", ("Forge", "seed", "1")),
    (A1111 + ", Version: Fooocus v2.5.5", ("Fooocus", "cfg", "7")),
    (
        'p\nSteps: 5, Sampler: "DPM++ 2M, Karras", Seed: 3',
        ("AUTOMATIC1111", "sampler", "DPM++ 2M, Karras"),
    ),
    ("just a caption\nno parameters here", None),
    ("Steps: 5", None),  # a Steps key alone is not the infotext format
    ("exif:Software=ImageMagick, Steps: 2", None),
]


@pytest.mark.parametrize(("text", "expected"), A1111_CASES)
def test_a1111_infotext_table(text: str, expected: tuple[str, str, str] | None) -> None:
    """Infotext yields tool and fields; captions and partial look-alikes yield None."""
    gen = parse_a1111(text)
    if expected is None:
        assert gen is None
    else:
        assert gen is not None and gen.tool == expected[0]
        assert getattr(gen, expected[1]) == expected[2]


def test_a1111_splits_prompt_and_negative() -> None:
    """Prompt and negative prompt are split on the ``Negative prompt:`` marker."""
    gen = parse_a1111(A1111)
    assert gen is not None and (gen.prompt, gen.negative, gen.size) == ("a cat", "dog", "512x512")


@pytest.mark.parametrize(
    ("text", "tool"),
    [
        (json.dumps({"sui_image_params": {"prompt": "x", "seed": 1}}), "SwarmUI"),
        (json.dumps({"prompt": "x", "base_model": "m", "guidance_scale": 4}), "Fooocus"),
        (A1111, "AUTOMATIC1111"),
    ],
)
def test_parameters_field_routes_by_format(text: str, tool: str) -> None:
    """A "parameters" value is read as SwarmUI JSON, Fooocus JSON or infotext."""
    gen = parse_parameters(text)
    assert gen is not None and gen.tool == tool


def test_comfy_prompt_traces_conditioning_chain() -> None:
    """Prompts are found through intermediate conditioning nodes (ControlNet apply)."""
    graph = {
        "1": {
            "class_type": "KSampler",
            "inputs": {
                "seed": 9,
                "steps": 4,
                "positive": ["2", 0],
                "negative": ["4", 0],
                "model": ["5", 0],
            },
        },
        "2": {"class_type": "ControlNetApply", "inputs": {"conditioning": ["3", 0], "strength": 1}},
        "3": {"class_type": "CLIPTextEncode", "inputs": {"text": "a boat"}},
        "4": {"class_type": "CLIPTextEncode", "inputs": {"text": "fog"}},
        "5": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "m.safetensors"}},
    }
    gen = parse_comfy_prompt(json.dumps(graph))
    assert gen is not None
    assert (gen.prompt, gen.negative, gen.model, gen.seed) == (
        "a boat",
        "fog",
        "m.safetensors",
        "9",
    )


def test_comfy_cyclic_graph_is_bounded() -> None:
    """A graph whose links form a cycle ends the trace with an empty prompt."""
    graph = {
        "1": {"class_type": "KSampler", "inputs": {"seed": 1, "positive": ["2", 0]}},
        "2": {"class_type": "X", "inputs": {"c": ["3", 0]}},
        "3": {"class_type": "Y", "inputs": {"c": ["2", 0]}},
    }
    gen = parse_comfy_prompt(json.dumps(graph))
    assert gen is not None and gen.prompt == ""


def test_comfy_graph_that_only_processes_is_information(tmp_path: Path) -> None:
    """A ComfyUI graph that loads and resizes a picture (no sampler, no model) is GEN013 info."""
    graph = {
        "1": {"class_type": "LoadImage", "inputs": {"image": "a.png"}},
        "2": {"class_type": "ImageScale", "inputs": {"image": ["1", 0], "width": 512}},
        "3": {"class_type": "SaveImage", "inputs": {"images": ["2", 0]}},
    }
    assert _rules(_png(tmp_path, {"prompt": json.dumps(graph)})) == [("GEN013", Confidence.HIGH)]


def test_dream_command_line() -> None:
    """InvokeAI 2 ``Dream`` lines give prompt, steps, seed, cfg, sampler and size."""
    gen = parse_dream('"a \\"red\\" kite" -s 30 -S 7 -W 512 -H 640 -C 7.5 -A k_lms')
    assert gen is not None
    assert (gen.prompt, gen.steps, gen.seed, gen.cfg, gen.sampler, gen.size) == (
        'a "red" kite',
        "30",
        "7",
        "7.5",
        "k_lms",
        "512x640",
    )


def test_dream_unbalanced_quote_is_rejected() -> None:
    """An unparsable command line is not InvokeAI metadata."""
    assert parse_dream('"unterminated -s 30 -S 7') is None


def test_invokeai_metadata_model_name() -> None:
    """InvokeAI 3 metadata reads model.model_name and the scheduler as sampler."""
    data = {
        "positive_prompt": "p",
        "model": {"model_name": "juggernaut"},
        "scheduler": "euler",
        "seed": 1,
    }
    gen = parse_invokeai_metadata(json.dumps(data))
    assert gen is not None and (gen.model, gen.sampler) == ("juggernaut", "euler")


# PNG text chunks -> the rule codes and confidences detect() yields.
CHUNK_CASES = [
    ({"parameters": A1111}, [("GEN001", Confidence.HIGH)]),
    ({"Software": "NovelAI", "Comment": '{"seed": 1}'}, [("GEN004", Confidence.HIGH)]),
    ({"Software": "Midjourney"}, [("GEN009", Confidence.MEDIUM)]),
    ({"Description": "made with Stable Diffusion"}, [("GEN010", Confidence.LOW)]),
    ({"parameters": A1111, "Comment": "made with Midjourney"}, [("GEN001", Confidence.HIGH)]),
    ({"Software": "Adobe Photoshop 25.0"}, []),
    ({"Software": "Adobe Lightroom Classic"}, []),
    (
        {"date:create": "2024-01-01", "exif:Software": "ImageMagick", "parameters": "-resize 50%"},
        [],
    ),
    ({"Comment": "shot on film"}, []),
]


@pytest.mark.parametrize(("chunks", "expected"), CHUNK_CASES)
def test_png_chunk_table(tmp_path: Path, chunks: dict[str, str], expected: list[object]) -> None:
    """Text chunks map to exactly the expected rules (one fact, one finding)."""
    assert _rules(_png(tmp_path, chunks)) == expected


@pytest.mark.parametrize(
    "chunks",
    [
        {"prompt": "{not json"},
        {"workflow": "[1, 2"},
        {"invokeai_metadata": '{"positive_prompt": '},
        {"sd-metadata": "null"},
        {"parameters": '{"sui_image_params": 5}'},
        {"prompt": "[" * 100_000 + "]" * 100_000},
        {"Dream": '"' * 5000},
        {"Software": "NovelAI", "Comment": "{broken"},
    ],
)
def test_hostile_text_never_raises(tmp_path: Path, chunks: dict[str, str]) -> None:
    """Invalid or deeply nested JSON gives a bounded result, never an exception."""
    found = list(generator.detect(_png(tmp_path, chunks)))
    assert all(e.rule.startswith("GEN") for e in found)


def test_huge_prompt_is_truncated(tmp_path: Path) -> None:
    """A multi-megabyte prompt is clipped in details and in the message."""
    asset = _png(tmp_path, {"parameters": "x" * 3_000_000 + "\nSteps: 1, Seed: 2"})
    (found,) = generator.detect(asset)
    assert len(str(found.details["prompt"])) <= MAX_PROMPT and len(found.message) < 200


def test_describe_lists_parameters(tmp_path: Path) -> None:
    """describe() gives a Generator metadata section with the tool and the seed."""
    (section,) = generator.describe(_png(tmp_path, {"parameters": A1111}))
    labels = {line.label: line.value for line in section.lines}
    assert section.title == "Generator metadata" and labels["tool"] == "AUTOMATIC1111-compatible"
    assert labels["tool named by"] == "its infotext format"
    assert labels["seed"] == "1"


SD = "sd-parsers/tests/resources/"
# corpus file -> (rule, tool) the detector must report; verdicts follow from the rule.
CORPUS_CASES = [
    # no Version key: the infotext format names the family, not the writer
    ("parsers/AUTOMATIC1111/automatic1111_cropped.jpg", "GEN001", "AUTOMATIC1111-compatible"),
    ("parsers/AUTOMATIC1111/automatic1111_cropped.png", "GEN001", "AUTOMATIC1111-compatible"),
    ("parsers/AUTOMATIC1111/automatic1111_stealth.png", "GEN005", "AUTOMATIC1111"),
    ("parsers/ComfyUI/img2img_cropped.png", "GEN012", "ComfyUI"),  # LoadImage -> VAEEncode
    ("parsers/ComfyUI/night_evening_day_morning_cropped.png", "GEN002", "ComfyUI"),
    ("parsers/ComfyUI/noisy_latents_3_subjects_cropped.png", "GEN002", "ComfyUI"),
    ("parsers/ComfyUI/unclip_2pass_cropped.png", "GEN002", "ComfyUI"),
    ("parsers/Fooocus/fooocus1_cropped.png", "GEN006", "Fooocus"),
    ("parsers/InvokeAI/invokeai_dream1.png", "GEN003", "InvokeAI"),
    ("parsers/InvokeAI/invokeai_imeta1.png", "GEN003", "InvokeAI"),
    ("parsers/InvokeAI/invokeai_sdmeta1.png", "GEN003", "InvokeAI"),
    ("parsers/NovelAI/novelai1_cropped.png", "GEN004", "NovelAI"),
    ("bad_images/text_after_idat.png", "GEN001", "AUTOMATIC1111-compatible"),
]


@pytest.mark.parametrize(("rel", "rule", "tool"), CORPUS_CASES)
def test_sd_parsers_corpus(corpus: Path, rel: str, rule: str, tool: str) -> None:
    """Each sd-parsers sample gives its tool under the right rule and an AI verdict (edited
    for the image-to-image graph)."""
    path = corpus / SD / rel
    result = analyse(Asset(path, path.name))
    found = [f.evidence for f in result.findings if f.rule.code.startswith("GEN")]
    assert [(e.rule, e.details["tool"]) for e in found] == [(rule, tool)]
    edit = rule == "GEN012"
    assert result.verdict is (Verdict.AI_EDITED if edit else Verdict.AI_GENERATED)


@pytest.mark.parametrize("rel", ["empty_file.png", "empty_image.jpg", "empty_image.png"])
def test_sd_parsers_bad_images_have_no_generator_findings(corpus: Path, rel: str) -> None:
    """Empty and metadata-free samples give no generator finding and no detector failure."""
    path = corpus / SD / "bad_images" / rel
    codes = {f.rule.code for f in analyse(Asset(path, path.name)).findings}
    assert not {c for c in codes if c.startswith(("GEN", "EXF")) or c == "SCN002"}
