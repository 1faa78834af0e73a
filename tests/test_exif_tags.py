"""The EXIF detector: Software tables, free-text hints, camera identity as info only,
no double report of generator parameters, and false-positive guards on corpus cameras."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image
from provscan.analysis import analyse
from provscan.asset import Asset
from provscan.detectors import exif_tags
from provscan.model import Confidence, Signal, Verdict

from tests.builders import jpeg_bytes

A1111 = "a cat\nNegative prompt: dog\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 8x8"


def _jpeg(tmp_path: Path, ifd0: dict[int, str], comment: bytes = b"") -> Asset:
    exif = Image.Exif()
    for tag, value in ifd0.items():
        exif[tag] = value
    if comment:
        exif.get_ifd(0x8769)[0x9286] = comment
    (tmp_path / "t.jpg").write_bytes(jpeg_bytes(exif=exif))
    return Asset(tmp_path / "t.jpg", "t.jpg")


def _rules(asset: Asset) -> list[tuple[str, Confidence]]:
    return [(e.rule, e.confidence) for e in exif_tags.detect(asset)]


SOFTWARE = 0x0131
# EXIF Software -> findings; Adobe editors and camera firmware are never generators.
SOFTWARE_CASES = [
    ("NovelAI", [("EXF001", Confidence.MEDIUM)]),
    ("Adobe Firefly", [("EXF001", Confidence.MEDIUM)]),  # a bare name is capped at MEDIUM
    ("Adobe Photoshop 25.0 (Windows)", []),
    ("Adobe Lightroom Classic 13.0", []),
    ("GIMP 2.10.36", []),
    ("E775v1.3u", []),
    ("", []),
]


@pytest.mark.parametrize(("software", "expected"), SOFTWARE_CASES)
def test_software_table(tmp_path: Path, software: str, expected: list[object]) -> None:
    """Only known generator names in Software give EXF001, at most MEDIUM."""
    assert _rules(_jpeg(tmp_path, {SOFTWARE: software} if software else {})) == expected


@pytest.mark.parametrize(
    ("tag", "value"),
    [(0x010E, "background by Midjourney"), (0x013B, "Stable Diffusion user")],
)
def test_free_text_mention_is_a_low_hint(tmp_path: Path, tag: int, value: str) -> None:
    """ImageDescription or Artist naming a generator is EXF002 at LOW confidence."""
    assert _rules(_jpeg(tmp_path, {tag: value})) == [("EXF002", Confidence.LOW)]


def test_free_text_hint_gives_ai_suspected(tmp_path: Path) -> None:
    """An EXF002 hint alone (a mention, not a statement) makes the file ai-suspected."""
    result = analyse(_jpeg(tmp_path, {0x010E: "our DALL-E comparison, shot on film"}))
    assert result.verdict is Verdict.AI_SUSPECTED


def test_user_comment_parameters_are_gen001_only(tmp_path: Path) -> None:
    """A1111 parameters in UserComment are reported once, as GEN001, not also as EXF002."""
    asset = _jpeg(
        tmp_path, {}, b"UNICODE\x00" + (A1111 + ", Model: stable diffusion").encode("utf-16-be")
    )
    codes = sorted(f.rule.code for f in analyse(asset).findings)
    assert codes == ["GEN001"]


def test_camera_identity_is_info(tmp_path: Path) -> None:
    """Make/Model give EXF003 with Signal.NONE: the verdict stays no-ai-markers."""
    asset = _jpeg(tmp_path, {0x010F: "Canon", 0x0110: "Canon EOS R5", SOFTWARE: "Adobe Photoshop"})
    assert _rules(asset) == [("EXF003", Confidence.HIGH)]
    rule = next(r for r in exif_tags.RULES if r.code == "EXF003")
    assert rule.signal is Signal.NONE and analyse(asset).verdict is Verdict.NO_AI_MARKERS


def test_camera_identity_names_the_make_once() -> None:
    """A Model that already starts with the Make is not prefixed with it again."""
    assert exif_tags.camera_identity({"Make": "Canon", "Model": "Canon EOS R5"}) == "Canon EOS R5"
    assert exif_tags.camera_identity({"Make": "SONY", "Model": "ILCE-7M4"}) == "SONY ILCE-7M4"


def test_comfyui_make_model_is_not_a_camera(tmp_path: Path) -> None:
    """ComfyUI's ``workflow:``/``prompt:`` JSON in Make/Model is not reported as a camera."""
    graph = {"1": {"class_type": "LoadImage", "inputs": {}}}
    asset = _jpeg(tmp_path, {0x010F: "workflow:{}", 0x0110: "prompt:" + json.dumps(graph)})
    assert _rules(asset) == []


def test_describe_lists_tags(tmp_path: Path) -> None:
    """describe() gives an EXIF section with the Software value."""
    (section,) = exif_tags.describe(_jpeg(tmp_path, {SOFTWARE: "GIMP 2.10"}))
    assert section.title == "EXIF" and ("Software", "GIMP 2.10") in [
        (x.label, x.value) for x in section.lines
    ]


CAMERAS = [
    "exiftool/t/images/Canon.jpg",
    "exiftool/t/images/Nikon.jpg",
    "exiftool/t/images/XMP.jpg",
    "exiftool/t/images/GE.jpg",
    "exiftool/t/images/NikonD70.jpg",
    "Pillow/Tests/images/flower.webp",
    "c2pa-rs/sdk/tests/fixtures/sample1.png",
]


@pytest.mark.parametrize("rel", CAMERAS)
def test_corpus_cameras_are_not_ai(corpus: Path, rel: str) -> None:
    """Camera files (some edited in Photoshop/Lightroom) give EXF003 and no AI finding."""
    path = corpus / rel
    result = analyse(Asset(path, path.name))
    codes = {f.rule.code for f in result.findings if f.rule.code.startswith(("GEN", "EXF"))}
    assert codes == {"EXF003"}
    assert result.verdict is Verdict.NO_AI_MARKERS
