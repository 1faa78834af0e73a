"""The trace never takes a scan down: awkward references are refused with a reason, a failed
search is a warning about that file, crashes are findings, and the catalog keeps only what
would recur."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, PngImagePlugin
from provscan.trace.features import ORB_MIN_SIDE, REFERENCE_FEATURES, describe
from provscan.trace.reference import (
    MIN_REFERENCE_FEATURES,
    NoDecoder,
    UnusableReference,
    load_reference,
    reference_from_gray,
)
from typer.testing import CliRunner

from fixtures.trace_media import scene
from tests.conftest import FIXTURES, REPO

runner = CliRunner()
TRACE = FIXTURES / "files" / "trace"
XMP_AI = (
    '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" '
    'xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/">'
    "<Iptc4xmpExt:DigitalSourceType>http://cv.iptc.org/newscodes/digitalsourcetype/"
    "trainedAlgorithmicMedia</Iptc4xmpExt:DigitalSourceType>"
    '</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="r"?>'
)


def _grey(seed: int, width: int = 480, height: int = 360) -> Image.Image:
    """A textured street scene (grey), different for each seed."""
    return Image.fromarray(scene(seed, width, height)[:, :, 0]).convert("L")


def _noise(seed: int, width: int, height: int) -> Image.Image:
    """Random grey levels: texture in pictures too thin for a scene."""
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (height, width), dtype=np.uint8))


def _png(image: Image.Image, path: Path, **save: Any) -> Path:
    """Save as PNG with an XMP packet saying the picture is AI-generated."""
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", XMP_AI)
    image.save(path, "PNG", pnginfo=info, **save)
    return path


def _jpeg(image: Image.Image, path: Path) -> bytes:
    """JPEG bytes with the AI XMP packet (written to ``path`` too)."""
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90, xmp=XMP_AI.encode())
    path.write_bytes(buffer.getvalue())
    return buffer.getvalue()


def _grey16(seed: int) -> Image.Image:
    """A 16-bit grey picture using the whole 0..65535 range (Pillow would clip it to white)."""
    levels = np.asarray(_grey(seed), dtype=np.uint16) * 257
    return Image.fromarray(levels)


def _animated(path: Path, seed: int) -> Path:
    """An animated PNG of two different frames."""
    frames = [_grey(seed), _grey(seed + 1)]
    return _png(frames[0], path, save_all=True, append_images=frames[1:], duration=100)


def _truncated(path: Path, seed: int) -> Path:
    """A progressive JPEG cut in its scans: the headers and XMP read fine, the pixels do not."""
    buffer = io.BytesIO()
    _grey(seed, 640, 480).save(buffer, "JPEG", quality=90, progressive=True, xmp=XMP_AI.encode())
    data = buffer.getvalue()
    path.write_bytes(data[: len(data) // 3])
    return path


# name -> (maker, the refusal's words, or "" when the still must be usable)
AWKWARD: dict[str, tuple[Callable[[Path], Path], str]] = {
    "dot_1x1.png": (lambda p: _png(Image.new("RGB", (1, 1), (200, 10, 10)), p), "too small"),
    "row_2000x1.png": (lambda p: _png(_noise(11, 2000, 1), p), "too thin"),
    "column_1x2000.png": (lambda p: _png(_noise(12, 1, 2000), p), "too thin"),
    "band_20000x10.png": (lambda p: _png(_noise(13, 20000, 10), p), "too thin"),
    "flat.png": (lambda p: _png(Image.new("L", (400, 300), 90), p), "corners"),
    "truncated.jpg": (lambda p: _truncated(p, 14), "cannot be decoded"),
    "cmyk.jpg": (lambda p: _jpeg(_grey(15).convert("CMYK"), p) and p, ""),
    "grey16.png": (lambda p: _png(_grey16(16), p), ""),
    "palette.png": (lambda p: _png(_grey(17).convert("P"), p), ""),
    "alpha.png": (lambda p: _png(_alpha(18), p), ""),
    "animated.png": (lambda p: _animated(p, 19), ""),
    "small_64x48.png": (lambda p: _png(_grey(21).resize((64, 48), Image.Resampling.BOX), p), ""),
}


def _alpha(seed: int) -> Image.Image:
    """RGBA: a textured picture whose left third is fully transparent (garbage under it)."""
    rgba = _grey(seed).convert("RGBA")
    alpha = np.full((360, 480), 255, np.uint8)
    alpha[:, :160] = 0
    rgba.putalpha(Image.fromarray(alpha))
    return rgba


@pytest.fixture(scope="module")
def awkward(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every awkward still, made here with Pillow and numpy."""
    folder = tmp_path_factory.mktemp("awkward")
    return {name: make(folder / name) for name, (make, _) in AWKWARD.items()}


def _provscan(
    *args: str | Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the installed console script, as a user does (children write to the real stderr)."""
    command = [str(Path(sys.executable).parent / "provscan"), *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=600, env=env,
                          check=False)  # fmt: skip


def _no_traceback(stderr: str) -> None:
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr[-3000:]


def _by_path(report_json: Path) -> dict[str, dict[str, Any]]:
    """Each reported item by path, and each frame of a frame sequence by its own path."""
    report = json.loads(report_json.read_text())
    found = {f["path"]: f for f in report["files"]}
    for item in report["files"]:
        found.update((frame["path"], frame) for frame in (item.get("sequence") or {}).get(
            "frames", []))  # fmt: skip
    return found


def _codes(result: dict[str, Any]) -> list[str]:
    return [f["rule"] for f in result["findings"]]


def _messages(result: dict[str, Any], code: str) -> list[str]:
    return [f["message"] for f in result["findings"] if f["rule"] == code]


# --- features and references ------------------------------------------------------------


@pytest.mark.parametrize(
    "shape", [(0, 0), (1, 1), (1, 640), (640, 1), (ORB_MIN_SIDE - 1, 640), (2, 3, 3)]
)
def test_describe_finds_nothing_in_pictures_too_small_for_orb(shape: tuple[int, ...]) -> None:
    """Pictures narrower than ORB's window (or not 2-D grey) give no features, never an
    OpenCV assertion."""
    rng = np.random.default_rng(1)
    assert describe(rng.integers(0, 256, shape, dtype=np.uint8), REFERENCE_FEATURES).count == 0
    floats = np.zeros((200, 200), np.float32)
    assert describe(floats, REFERENCE_FEATURES).count == 0  # type: ignore[arg-type]


def test_describe_works_from_orb_minimum_side() -> None:
    """At ORB's minimum side a textured picture has corners (the guard is not too strict)."""
    rng = np.random.default_rng(2)
    noise = rng.integers(0, 256, (ORB_MIN_SIDE + 17, 640), dtype=np.uint8)
    assert describe(noise, REFERENCE_FEATURES).count > 0


@pytest.mark.parametrize("name", sorted(AWKWARD))
def test_awkward_still_is_refused_with_its_reason_or_used(
    awkward: dict[str, Path], name: str
) -> None:
    """Every awkward still either becomes a reference or is refused saying why; nothing
    else is raised."""
    words = AWKWARD[name][1]
    if words:
        with pytest.raises(UnusableReference, match=words):
            load_reference(awkward[name], name)
        return
    reference = load_reference(awkward[name], name)
    assert reference.features is not None
    assert reference.features.count >= MIN_REFERENCE_FEATURES


def test_sixteen_bit_grey_keeps_its_texture() -> None:
    """A 16-bit grey still is scaled, not clipped to white: its corners are the 8-bit
    version's."""
    wide = reference_from_gray(np.asarray(_grey(16)), "8-bit")
    from provscan.trace.reference import to_gray

    deep = reference_from_gray(to_gray(_grey16(16)), "16-bit")
    assert deep.features is not None and wide.features is not None
    assert abs(deep.features.count - wide.features.count) <= wide.features.count // 10


def test_transparent_pixels_are_shown_on_black() -> None:
    """A fully transparent area reads as black, whatever colour it stores."""
    from provscan.trace.reference import to_gray

    gray = to_gray(_alpha(18))
    assert int(gray[:, :160].max()) == 0 and int(gray[:, 160:].max()) > 0


@pytest.mark.parametrize("size", [(400, 300), (2000, 1200)])
def test_rotated_jpeg_is_read_upright(tmp_path: Path, size: tuple[int, int]) -> None:
    """A JPEG whose EXIF says "rotate 90" is read upright, small or draft-decoded, with the
    grey levels Pillow's own transpose and conversion give."""
    from PIL import ImageOps
    from provscan.trace.reference import _draft, read_gray

    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: the picture is shown turned 90 degrees clockwise
    path = tmp_path / "rotated.jpg"
    _grey(12, *size).convert("RGB").save(path, quality=90, exif=exif)
    with Image.open(path) as image:
        _draft(image, 1280)
        upright = np.asarray(ImageOps.exif_transpose(image).convert("L"))
    gray = read_gray(path)
    assert gray.shape == upright.shape and gray.shape[0] > gray.shape[1]
    assert np.array_equal(gray, upright)


def test_bytes_no_decoder_takes_are_told_apart(tmp_path: Path) -> None:
    """A vector or unknown picture format is "no decoder", not a broken file."""
    svg = tmp_path / "logo.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"/>')
    with pytest.raises(NoDecoder):
        load_reference(svg)


def test_small_still_is_enlarged_and_found_in_a_cut(tmp_path: Path) -> None:
    """A 64 x 48 still, too small for ORB at its own size, is found where a cut shows it
    letterboxed full height (the reason small references are enlarged, not refused)."""
    from provscan.trace.tracer import trace_video

    from fixtures.trace_media import Shot, encode_h264, render

    small = np.asarray(_grey(21).resize((64, 48), Image.Resampling.BOX).convert("RGB"))
    shots = [Shot(1.0, seed=3), Shot(2.0, still=small, fit="fit"), Shot(1.0, seed=4)]
    clip = tmp_path / "cut.mp4"
    encode_h264(render(shots, 640, 360, 25), clip, 640, 360, 25)
    reference = reference_from_gray(np.asarray(Image.fromarray(small).convert("L")), "small")
    result = trace_video(clip, [reference])
    (hit,) = result.hits
    (span,) = hit.ranges
    assert abs(span.start - 1.0) <= 0.5 and abs(span.end - 3.0) <= 0.5


# --- the scan and `provscan trace` on awkward references ----------------------------------


@pytest.fixture(scope="module")
def awkward_delivery(tmp_path_factory: pytest.TempPathFactory, awkward: dict[str, Path]) -> Path:
    """A delivery of every awkward AI still, a usable AI still with its stripped copy and the
    cut it appears in, and a camera picture."""
    import shutil

    root = tmp_path_factory.mktemp("delivery")
    for name, path in awkward.items():
        shutil.copy(path, root / name)
    for name in ("ai_archival_1987.png", "key_art.jpg", "final_cut.mp4"):
        shutil.copy(TRACE / name, root / name)
    _grey(99).convert("RGB").save(root / "camera.jpg", quality=90)
    return root


def test_scan_with_awkward_references_reports_each_on_its_still(
    awkward_delivery: Path, tmp_path: Path
) -> None:
    """The default scan survives every awkward reference: exit 0/1, no traceback, each
    refused still says "not traced: why", and the search still finds the usable still in
    the cut and in its copy; no file's search fails."""
    out = tmp_path / "report.json"
    done = _provscan("scan", awkward_delivery, "--format", "json", "-o", out)
    _no_traceback(done.stderr)
    assert done.returncode in (0, 1), done.stderr
    files = _by_path(out)
    for name, (_, words) in AWKWARD.items():
        refusals = _messages(files[name], "TRC005")
        if words:
            assert len(refusals) == 1 and refusals[0].startswith("not traced: "), refusals
            assert words in refusals[0]
        else:
            assert refusals == [], (name, refusals)
        assert files[name]["verdict"] == "ai-generated"  # its own metadata decides
    assert "TRC001" in _codes(files["final_cut.mp4"])
    assert {"TRC002", "TRC003"} & set(_codes(files["key_art.jpg"]))
    assert files["camera.jpg"]["verdict"] == "no-ai-markers"
    assert not any("TRC004" in _codes(f) for f in files.values())


def _copies_of(still: Image.Image, root: Path) -> list[str]:
    """Edited copies of ``still`` as a press kit would make them (metadata stripped)."""
    width, height = still.size
    half = still.resize((width // 2, height // 2), Image.Resampling.LANCZOS)
    half.save(root / "copy_half.jpg", quality=70)
    still.crop((60, 40, width - 100, height - 60)).save(root / "copy_crop.png")
    wide = Image.new("RGB", (height * 16 // 9, height))
    wide.paste(still, ((wide.width - width) // 2, 0))
    wide.save(root / "copy_letterbox.jpg", quality=85)
    still.rotate(6, Image.Resampling.BICUBIC, fillcolor=(0, 0, 0)).save(root / "copy_tilt.jpg")
    poster = _grey(41, 1600, 1000).convert("RGB")
    poster.paste(still.resize((width * 5 // 4, height * 5 // 4)), (120, 100))
    poster.save(root / "copy_inset.jpg", quality=90)
    still.convert("L").save(root / "copy_grey.webp", quality=80)
    for quality in (35, 60, 95):
        still.save(root / f"copy_q{quality}.jpg", quality=quality)
    return sorted(p.name for p in root.glob("copy_*"))


def test_scan_finds_every_copy_among_many_stills(tmp_path: Path) -> None:
    """The default scan with two workers (stills sent in batches) finds every edited copy of
    an AI still among unrelated pictures, and matches none of those."""
    import shutil

    root = tmp_path / "delivery"
    root.mkdir()
    shutil.copy(TRACE / "ai_archival_1987.png", root / "ai_archival_1987.png")
    with Image.open(TRACE / "ai_archival_1987.png") as opened:
        copies = _copies_of(opened.convert("RGB"), root)
    others = [f"other_{seed}.jpg" for seed in range(50, 62)]
    for seed, name in enumerate(others, 50):
        _grey(seed, 800, 600).save(root / name, quality=90)
    out = tmp_path / "report.json"
    done = _provscan("scan", root, "--jobs", "2", "--format", "json", "-o", out)
    _no_traceback(done.stderr)
    assert done.returncode == 1, done.stderr
    files = _by_path(out)
    for name in copies:  # TRC003 for the inset: the still fills under 60% of the poster
        hits = [f for f in files[name]["findings"] if f["rule"] in {"TRC002", "TRC003"}]
        assert [h["details"]["reference"] for h in hits] == ["ai_archival_1987.png"], name
    for name in others:
        assert not {"TRC002", "TRC003", "TRC004"} & set(_codes(files[name])), name
    trace = json.loads(out.read_text())["options"]["trace"]
    assert (trace["references"], trace["searched"]) == (1, len(copies) + len(others))


def test_trace_command_with_awkward_references(awkward: dict[str, Path]) -> None:
    """`provscan trace VIDEO -r ...` with every awkward still: each refused one is listed as
    not traced with its reason, the real still is found (exit 1), no traceback."""
    refs: list[str | Path] = []
    for path in [*awkward.values(), TRACE / "ai_archival_1987.png"]:
        refs += ["-r", path]
    done = _provscan("trace", TRACE / "final_cut.mp4", *refs)
    _no_traceback(done.stderr)
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    for name, (_, words) in AWKWARD.items():
        (line,) = [row for row in lines if f"{name}:" in row]
        assert ("not traced: " in line and words in line) if words else "not traced" not in line
    assert any("ai_archival_1987.png: FOUND" in row for row in lines)
    data = json.loads(_provscan("trace", TRACE / "final_cut.mp4", *refs, "-f", "json").stdout)
    refused = {Path(name).name for name in data["unusable"]}
    assert refused == {name for name, (_, words) in AWKWARD.items() if words}


def test_tiny_ai_still_beside_a_camera_picture(tmp_path: Path) -> None:
    """The issue's case: a 1x1 AI PNG and a camera JPEG scan to a report (exit 1: the AI
    still is unapproved), no traceback; the 1x1 still says why it was not traced."""
    AWKWARD["dot_1x1.png"][0](tmp_path / "tiny.png")
    _grey(5).convert("RGB").save(tmp_path / "camera.jpg", quality=90)
    out = tmp_path / "r.json"
    done = _provscan("scan", tmp_path, "--format", "json", "-o", out)
    _no_traceback(done.stderr)
    assert done.returncode == 1
    files = _by_path(out)
    assert (
        files["camera.jpg"]["verdict"] == "no-ai-markers" and files["camera.jpg"]["gate"] == "pass"
    )
    assert "too small" in _messages(files["tiny.png"], "TRC005")[0]


# --- crashes and hangs in the worker ------------------------------------------------------
# tests/trace_faults.py runs the trace in a fresh process with a function that kills (a real
# SIGSEGV) or hangs its worker on one file.


def _faulty(order: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    """Run the fault driver with ``order``."""
    command = [sys.executable, "-m", "tests.trace_faults", json.dumps(order)]
    return subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=REPO,
                          check=False)  # fmt: skip


def _fault_run(order: dict[str, Any]) -> dict[str, Any]:
    """``run_jobs`` under a fault: the refusals and outcomes, and no traceback."""
    done = _faulty(order)
    _no_traceback(done.stderr)
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_reference_that_crashes_the_worker_is_refused_once(tmp_path: Path) -> None:
    """A still whose reading kills the worker is refused naming the signal (not kept: it may
    not recur); the other references load, the search finds them, and the bad still is read
    once per run, not once per file or per worker."""
    killer = _png(_grey(7), tmp_path / "killer.png")
    reads = tmp_path / "reads.txt"
    run = _fault_run({
        "fault": {"target": "reference", "name": "killer.png", "action": "segv",
                  "log": str(reads)},
        "specs": [["killer.png", str(killer)], ["ai.png", str(TRACE / "ai_archival_1987.png")]],
        "jobs": [["video", str(TRACE / "final_cut.mp4"), "cut.mp4"],
                 ["still", str(TRACE / "key_art.jpg"), "key_art.jpg"],
                 ["video", str(TRACE / "A001_street.mp4"), "street.mp4"]],
        "limits": {"jobs": 2},
    })  # fmt: skip
    why, lasting = run["refused"]["killer.png"]
    assert list(run["refused"]) == ["killer.png"] and not lasting
    assert why == "reading it crashed the worker process (SIGSEGV in native code)"
    outcomes = run["outcomes"]
    assert [o["error"] for o in outcomes] == ["", "", ""]
    assert [o["found"] for o in outcomes] == [["ai.png"], ["ai.png"], []]
    assert reads.read_text().count("called") == 1


def test_references_are_read_once_for_all_workers(tmp_path: Path) -> None:
    """With two workers, each reference still is decoded and described once: the second
    worker starts from the references the first one loaded, and finds them as well."""
    reads = tmp_path / "reads.txt"
    run = _fault_run({
        "fault": {"target": "reference", "name": "ai_archival_1987.png", "action": "count",
                  "log": str(reads)},
        "specs": [["ai.png", str(TRACE / "ai_archival_1987.png")]],
        "jobs": [["video", str(TRACE / "final_cut.mp4"), "cut.mp4"],
                 ["still", str(TRACE / "key_art.jpg"), "key_art.jpg"],
                 ["still", str(TRACE / "key_art.jpg"), "key_art_again.jpg"],
                 ["video", str(TRACE / "A001_street.mp4"), "street.mp4"]],
        "limits": {"jobs": 2},
    })  # fmt: skip
    assert run["refused"] == {}
    assert [o["found"] for o in run["outcomes"]] == [["ai.png"], ["ai.png"], ["ai.png"], []]
    assert reads.read_text().count("called") == 1


def test_two_workers_read_shares_and_search_for_all(tmp_path: Path) -> None:
    """With two workers each reads every other reference: both shares' refusals are reported,
    and every file, whichever worker searches it, is searched for all the usable ones."""
    from provscan.limits import Limits
    from provscan.trace.worker import Job, ReferenceSpec, _load_in_shares, run_jobs

    flat = _png(Image.new("L", (300, 200), 90), tmp_path / "flat.png")
    other = _png(_grey(21, 640, 480), tmp_path / "other_ai.png")
    tiny = _png(Image.new("L", (1, 1), 0), tmp_path / "tiny.png")
    _grey(21, 640, 480).resize((480, 360)).save(tmp_path / "other_copy.jpg", quality=80)
    names = ["flat.png", "other_ai.png", "ai.png", "tiny.png"]  # shares: 0 and 2, 1 and 3
    paths = [flat, other, TRACE / "ai_archival_1987.png", tiny]
    specs = [ReferenceSpec(n, path=str(p)) for n, p in zip(names, paths, strict=True)]
    jobs = [Job("still", str(TRACE / "key_art.jpg"), "key_art.jpg"),
            Job("video", str(TRACE / "final_cut.mp4"), "cut.mp4"),
            Job("still", str(tmp_path / "other_copy.jpg"), "other_copy.jpg")]  # fmt: skip
    workers, refused = _load_in_shares(specs, Limits(jobs=2), 2)
    for worker in workers:  # all that loaded, in the references' order
        assert [r.name for r in worker.loaded or ()] == ["other_ai.png", "ai.png"]
    assert sorted(refused) == ["flat.png", "tiny.png"] and not any(w.broken for w in workers)
    refused, outcomes = run_jobs(specs, jobs, Limits(jobs=2))
    assert sorted(refused) == ["flat.png", "tiny.png"]
    found = [[m.reference for m in o.result] if o.job.kind == "still" else
             [h.reference for h in o.result.hits] for o in outcomes]  # fmt: skip
    assert found == [["ai.png"], ["ai.png"], ["other_ai.png"]]


def test_file_that_crashes_the_worker_costs_only_that_file(tmp_path: Path) -> None:
    """A still whose search kills the worker gets the crash with its signal (not kept); the
    worker is replaced and the next file is searched as usual."""
    bomb = tmp_path / "bomb.jpg"
    _grey(8).save(bomb, quality=90)
    run = _fault_run({
        "fault": {"target": "still", "name": "bomb.jpg", "action": "segv"},
        "specs": [["ai.png", str(TRACE / "ai_archival_1987.png")]],
        "jobs": [["still", str(bomb), "bomb.jpg"],
                 ["still", str(TRACE / "key_art.jpg"), "key_art.jpg"]],
        "limits": {"jobs": 1},
    })  # fmt: skip
    crashed, searched = run["outcomes"]
    assert run["refused"] == {}
    assert crashed["error"] == "the search crashed the worker process (SIGSEGV in native code)"
    assert not crashed["lasting"]
    assert searched["lasting"] and searched["found"] == ["ai.png"] and not searched["error"]


def test_still_that_hangs_in_a_batch_costs_only_that_still(tmp_path: Path) -> None:
    """Stills go to the worker in batches: one whose search never ends is stopped at the
    time limit alone, and the stills before and after it in the batch are answered."""
    stuck = tmp_path / "stuck.jpg"
    _grey(10).save(stuck, quality=90)
    key_art = str(TRACE / "key_art.jpg")
    run = _fault_run({
        "fault": {"target": "still", "name": "stuck.jpg", "action": "hang"},
        "specs": [["ai.png", str(TRACE / "ai_archival_1987.png")]],
        "jobs": [["still", key_art, "a.jpg"], ["still", str(stuck), "stuck.jpg"],
                 ["still", key_art, "b.jpg"]],
        "limits": {"jobs": 1, "timeout_s": 2.0},
    })  # fmt: skip
    first, hung, last = run["outcomes"]
    assert first["found"] == last["found"] == ["ai.png"] and not first["error"]
    assert hung["error"].startswith("the search took longer than 2 s") and not hung["lasting"]
    assert last["lasting"] and not last["error"]


def test_stills_are_batched_and_videos_sent_alone() -> None:
    """Runs of stills are grouped by up to STILL_BATCH, a video or a sequence goes alone, and
    the order of the jobs is kept."""
    from provscan.trace.worker import STILL_BATCH, Job, _batches

    jobs = [Job("still", f"/s{i}", f"s{i}") for i in range(STILL_BATCH + 4)]
    jobs.insert(3, Job("video", "/v", "v"))
    batches = list(_batches(jobs))
    assert [len(b) for b in batches] == [3, 1, STILL_BATCH, 1]
    assert batches[1][0].kind == "video"
    assert [job for batch in batches for job in batch] == jobs


def test_reference_that_hangs_is_refused_after_the_time_limit(tmp_path: Path) -> None:
    """A still whose reading never ends is stopped at the time limit and refused; the
    search goes on without it."""
    endless = _png(_grey(9), tmp_path / "endless.png")
    run = _fault_run({
        "fault": {"target": "reference", "name": "endless.png", "action": "hang"},
        "specs": [["endless.png", str(endless)], ["ai.png", str(TRACE / "ai_archival_1987.png")]],
        "jobs": [["still", str(TRACE / "key_art.jpg"), "key_art.jpg"]],
        "limits": {"timeout_s": 1.0},
    })  # fmt: skip
    why, lasting = run["refused"]["endless.png"]
    assert list(run["refused"]) == ["endless.png"] and not lasting
    assert why.startswith("reading it took longer than 1 s and was stopped")
    assert [o["found"] for o in run["outcomes"]] == [["ai.png"]]


# --- verdicts, the gate and the catalog ------------------------------------------------------


def _undecodable_tiff(path: Path, seed: int) -> Path:
    """A TIFF with no AI marker whose strips do not decode with the compression it states
    (ZSTD over raw pixels): the scan reads its tags; the pixels cannot be had."""
    import struct

    buffer = io.BytesIO()
    _grey(seed).save(buffer, "TIFF")
    data = bytearray(buffer.getvalue())
    (ifd,) = struct.unpack_from("<I", data, 4)
    (count,) = struct.unpack_from("<H", data, ifd)
    for entry in range(ifd + 2, ifd + 2 + 12 * count, 12):
        if struct.unpack_from("<H", data, entry)[0] == 259:  # Compression
            struct.pack_into("<H", data, entry + 8, 50000)  # ZSTD
    path.write_bytes(bytes(data))
    return path


@pytest.fixture
def failing_delivery(tmp_path: Path) -> Path:
    """An AI still (the reference), a still whose search fails on its own bytes,
    a vector picture no decoder of the search takes, and a refused 1x1 AI still."""
    import shutil

    root = tmp_path / "delivery"
    root.mkdir()
    shutil.copy(TRACE / "ai_archival_1987.png", root / "ai_archival_1987.png")
    _undecodable_tiff(root / "broken_still.tif", 31)
    (root / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>')
    AWKWARD["dot_1x1.png"][0](root / "dot.png")
    return root


def test_failed_search_is_a_warning_that_keeps_the_verdict(
    failing_delivery: Path, tmp_path: Path
) -> None:
    """A search that fails on one file is TRC004 (a warning) about that file: its verdict is
    the one its metadata gave (as with --no-trace), and the gate warns (POL008), it does not
    fail it as unreadable (POL006); an SVG is "not searchable" (TRC006, info)."""
    traced, plain = tmp_path / "traced.json", tmp_path / "plain.json"
    done = _provscan("scan", failing_delivery, "-f", "json", "-o", traced)
    _no_traceback(done.stderr)
    _provscan("scan", failing_delivery, "-f", "json", "-o", plain, "--no-trace")
    with_trace, without = _by_path(traced), _by_path(plain)
    broken = with_trace["broken_still.tif"]
    assert {p: f["verdict"] for p, f in with_trace.items()} == {
        p: f["verdict"] for p, f in without.items()
    }
    assert broken["verdict"] == "no-ai-markers" and broken["gate"] == "warn"
    (failure,) = _messages(broken, "TRC004")
    assert failure.startswith("not searched for AI stills: cannot be decoded for the search")
    assert "POL008" in _codes(broken) and "POL006" not in _codes(broken)
    assert _codes(with_trace["logo.svg"]) == ["TRC006"]
    assert with_trace["logo.svg"]["gate"] == "pass"


def test_catalog_keeps_lasting_failures_and_searches_transient_ones_again(
    failing_delivery: Path, tmp_path: Path
) -> None:
    """With --catalog, a refused still, a file that will not decode and an unsearchable one
    are recalled on the next scan (not searched again); a file whose search crashed the
    worker is not kept, and is searched again."""
    _grey(32).save(failing_delivery / "bomb.jpg", quality=90)
    db = tmp_path / "archive.db"

    def scan(name: str, crash: bool) -> dict[str, Any]:
        out = tmp_path / name
        args = ["scan", str(failing_delivery), "--catalog", str(db), "-f", "json", "-o", str(out)]
        fault = {"target": "still", "name": "bomb.jpg" if crash else "-", "action": "segv"}
        done = _faulty({"fault": fault, "cli": args})
        _no_traceback(done.stderr)
        assert done.returncode == 1, done.stderr
        report: dict[str, Any] = json.loads(out.read_text())
        return report

    first = scan("first.json", crash=True)
    second = scan("second.json", crash=False)
    trace = second["options"]["trace"]
    assert trace["searched"] == 3 and trace["recalled"] == 2  # bomb.jpg searched again
    files = {f["path"]: f for f in first["files"]}
    again = {f["path"]: f for f in second["files"]}
    assert "crashed the worker" in _messages(files["bomb.jpg"], "TRC004")[0]
    assert "TRC004" not in _codes(again["bomb.jpg"])
    for name in ("broken_still.tif", "logo.svg", "dot.png"):
        assert _codes(again[name]) == _codes(files[name]), name
    third = scan("third.json", crash=False)["options"]["trace"]
    assert third["recalled"] == third["searched"] == 3


# --- the default path on real files -----------------------------------------------------------

TRACE_HITS = frozenset({"TRC001", "TRC002", "TRC003"})


def _catalogued(corpus: Path) -> set[str]:
    """Every file both corpus catalogs list."""
    import csv

    paths: set[str] = set()
    for name in ("CATALOG.tsv", "CATALOG-2.tsv"):
        with open(corpus / name, encoding="utf-8", newline="") as f:
            paths |= {row["local_path"] for row in csv.DictReader(f, delimiter="\t")}
    return paths


@pytest.mark.slow
def test_default_scan_of_the_corpus_matches_the_metadata_scan(corpus: Path, tmp_path: Path) -> None:
    """`provscan scan ../shared/corpus` exactly as the README runs it (trace on, default
    jobs, the console script's own start method): exit 0 or 1, no traceback, no failed
    search, and every verdict the --no-trace scan gives, except files the trace found AI
    stills in; every file of both catalogs is in the report (or skipped as OS junk)."""
    env = {k: v for k, v in os.environ.items() if k != "PROVSCAN_START_METHOD"}
    traced, plain = tmp_path / "traced.json", tmp_path / "plain.json"
    default = _provscan("scan", corpus, "--format", "json", "-o", traced, env=env)
    metadata = _provscan("scan", corpus, "--format", "json", "-o", plain, "--no-trace", env=env)
    for done in (default, metadata):
        _no_traceback(done.stderr)
        assert done.returncode in (0, 1), done.stderr[-3000:]
    with_trace, without = _by_path(traced), _by_path(plain)
    report = json.loads(traced.read_text())
    skipped = {item["path"] for item in report["skipped"]}  # OS junk, by the default excludes
    assert _catalogued(corpus) <= set(with_trace) | skipped
    assert set(with_trace) == set(without)
    assert report["options"]["trace"]["searched"] > 100
    assert [p for p, f in with_trace.items() if "TRC004" in _codes(f)] == []
    changed = {p for p in with_trace if with_trace[p]["verdict"] != without[p]["verdict"]}
    assert {p for p in changed if not TRACE_HITS & set(_codes(with_trace[p]))} == set()
    refusals = [m for f in with_trace.values() for m in _messages(f, "TRC005")]
    assert refusals and all(m.startswith("not traced: ") for m in refusals)


def test_source_photo_of_an_ai_edit_is_only_a_hint(corpus: Path, tmp_path: Path) -> None:
    """Against an AI-edited still a matching photo is a hint (it may be the edit's source),
    and a still with its own C2PA manifest is not matched at all (default CLI scan)."""
    names = {
        "composite.jpg": "c2pa-content-credentials-extension/c2pa-wc/node_modules/"
        "@contentauth/testing/fixtures/images/composite-dst.jpg",  # Firefly composite
        "source.jpg": "public-testfiles/image/jpeg/adobe-20220124-A.jpg",  # unsigned photo
        "signed.jpg": "public-testfiles/image/jpeg/adobe-20220124-CA.jpg",  # its own manifest
    }
    for name, rel in names.items():
        (tmp_path / name).write_bytes((corpus / rel).read_bytes())
    out = tmp_path.parent / f"{tmp_path.name}.json"
    done = _provscan("scan", tmp_path, "-f", "json", "-o", out)
    assert done.returncode in (0, 1), done.stderr
    files = {f["path"]: f for f in json.loads(out.read_text())["files"]}
    assert files["composite.jpg"]["verdict"] == "ai-edited"
    assert files["source.jpg"]["verdict"] == "ai-suspected"
    assert "TRC003" not in {x["rule"] for x in files["signed.jpg"]["findings"]}
