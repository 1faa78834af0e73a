"""Self-checks of the scorer on a small hand-made truth (run: pytest bench/trace_lab)."""

from __future__ import annotations

from typing import Any

import pytest

from bench.trace_lab.score import render_markdown, score


def _shot(kind: str, still: str | None, start: float, end: float, **extra: Any) -> dict[str, Any]:
    base = {
        "kind": kind,
        "still": still,
        "start": start,
        "end": end,
        "transforms": ["static", "crf30-720p"],
        "dissolve_in_frames": 0,
        "dissolve_out_frames": 0,
    }
    return {**base, **extra}


def _truth() -> dict[str, Any]:
    ref = {
        "path": "videos/ref_00.mp4",
        "set": "reference",
        "width": 1280,
        "height": 720,
        "fps": 25.0,
        "gop": "default",
        "duration": 20.0,
        "shots": [
            _shot("reference", "stills/ref_000.png", 0.0, 5.0, dissolve_out_frames=20),
            _shot("distractor", "stills/distractor_000.png", 5.0, 10.0, dissolve_in_frames=20),
            _shot("reference", "stills/ref_001.jpg", 10.0, 16.0, transforms=["pan-zoom", "grain"]),
            _shot("footage", None, 16.0, 20.0),
        ],
    }
    dis = {
        "path": "videos/distractor_00.mp4",
        "set": "distractor",
        "width": 640,
        "height": 360,
        "fps": 24.0,
        "gop": "2s",
        "duration": 3600.0,
        "shots": [_shot("distractor", "stills/distractor_001.jpg", 0.0, 3600.0)],
    }
    return {
        "videos": [ref, dis],
        "references": ["stills/ref_000.png", "stills/ref_001.jpg", "stills/ref_002.jpg"],
        "stills": {
            "stills/ref_000.png": {"category": "document"},
            "stills/ref_001.jpg": {"category": "photo"},
        },
    }


def _perfect() -> dict[str, list[dict[str, Any]]]:
    return {
        "videos/ref_00.mp4": [
            {"reference": "stills/ref_000.png", "start": 0.0, "end": 5.0},
            {"reference": "stills/ref_001.jpg", "start": 10.0, "end": 16.0},
        ],
        "videos/distractor_00.mp4": [],
    }


def test_perfect_results() -> None:
    """Exact hits give recall 1, no false match and zero timecode error."""
    s = score(_truth(), _perfect())
    assert s["recall"] == 1.0 and s["found"] == 2
    assert s["false_matches"]["count"] == 0 and s["precision"] == 1.0
    assert s["timecode"]["start"]["max"] == 0.0 and s["timecode"]["end"]["within_0_5s"] == 1.0
    assert s["missed"] == [] and s["videos_missing_from_results"] == []


def test_shifted_hit_measures_error() -> None:
    """A hit late by 0.3 s and early by 0.8 s still counts, with those errors per edge kind."""
    results = _perfect()
    results["videos/ref_00.mp4"][0] = {"reference": "stills/ref_000.png", "start": 0.3, "end": 4.2}
    s = score(_truth(), results)
    assert s["recall"] == 1.0
    assert s["timecode"]["start"]["max"] == pytest.approx(0.3)
    assert s["timecode"]["end"]["max"] == pytest.approx(0.8)
    assert s["timecode"]["dissolve"]["n"] == 1 and s["timecode"]["dissolve"][
        "max"
    ] == pytest.approx(0.8)
    assert s["timecode"]["cut"]["within_0_5s"] == 1.0


def test_hit_on_distractor_is_false() -> None:
    """A reference reported on a distractor still counts as a false match in its set."""
    results = _perfect()
    results["videos/distractor_00.mp4"] = [
        {"reference": "stills/ref_002.jpg", "start": 100.0, "end": 104.0}
    ]
    s = score(_truth(), results)
    fm = s["false_matches"]
    assert fm["count"] == 1 and fm["in_distractor_set"] == {"count": 1, "seconds": 4.0}
    assert fm["list"][0]["type"] == "distractor" and fm["per_distractor_hour"] == 1.0
    assert s["recall"] == 1.0 and s["precision"] == pytest.approx(2 / 3, abs=1e-4)


def test_wrong_reference() -> None:
    """Naming the wrong reference misses the shot and counts a wrong-reference false match."""
    results = {
        "videos/ref_00.mp4": [{"reference": "stills/ref_002.jpg", "start": 10.0, "end": 16.0}]
    }
    s = score(_truth(), results)
    assert s["found"] == 0 and len(s["missed"]) == 2
    assert s["false_matches"]["wrong_reference"]["count"] == 1
    assert s["videos_missing_from_results"] == ["videos/distractor_00.mp4"]


def test_paths_are_matched_by_name() -> None:
    """Absolute reference and video paths match truth's relative ones."""
    results = {
        "/data/eval/videos/ref_00.mp4": [
            {"reference": "/data/eval/stills/ref_001.jpg", "start": 11.0, "end": 15.0},
        ]
    }
    s = score(_truth(), results)
    assert s["found"] == 1 and s["unknown_videos"] == []
    assert s["recall_by"]["transform"]["grain"]["recall"] == 1.0
    assert s["recall_by"]["category"]["document"]["recall"] == 0.0


def test_markdown_has_tables() -> None:
    """The markdown report renders every section."""
    text = render_markdown(score(_truth(), {"videos/ref_00.mp4": []}))
    for heading in (
        "### Overall",
        "### Timecode error",
        "### Recall by transform",
        "### Missed shots (2)",
    ):
        assert heading in text
    assert "| videos/ref_00.mp4 | 0:10.00-0:16.00 | ref_001.jpg | pan-zoom grain |" in text
