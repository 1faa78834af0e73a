"""The trace: AI stills found inside rendered cuts and stripped copies, with in/out points."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from provscan import cli
from provscan.limits import Limits
from provscan.timecode import parse_timecode, to_timecode
from provscan.trace.features import FRAME_FEATURES, describe, to_analysis_size
from provscan.trace.index import DescriptorIndex, best_two
from provscan.trace.matcher import Matcher
from provscan.trace.reference import UnusableReference, reference_from_gray
from provscan.trace.tracer import trace_video
from provscan.trace.worker import Job, Outcome, ReferenceSpec, run_jobs
from typer.testing import CliRunner

from fixtures.trace_media import Shot, encode_h264, render, scene

FPS = 25
TRUTH = (1.0, 3.0)  # the still is on screen from 1 s to 3 s of every test clip
TOLERANCE_S = 0.5  # the issue's in/out target
runner = CliRunner()


@pytest.fixture(scope="module")
def still() -> np.ndarray:
    """The AI 'archival photo' every clip uses (800 x 600, sepia)."""
    return scene(1987, 800, 600)


@pytest.fixture(scope="module")
def still_png(tmp_path_factory: pytest.TempPathFactory, still: np.ndarray) -> Path:
    """The still saved as a PNG, as a project would keep it."""
    from PIL import Image

    path = tmp_path_factory.mktemp("still") / "ai_photo.png"
    Image.fromarray(still[:, :, ::-1]).save(path)
    return path


def _gray(picture: np.ndarray) -> np.ndarray:
    return np.asarray(picture.mean(axis=2), dtype=np.uint8)


def _clip(tmp: Path, shot: Shot, size: tuple[int, int] = (640, 360), **encode: object) -> Path:
    """Footage 0-1 s, the shot 1-3 s, footage 3-4 s; a dissolve shot blends across its cuts."""
    lead = Shot(1.0, seed=3, dissolve=shot.dissolve)
    shots = [lead, shot, Shot(1.0, seed=4)]
    path = tmp / "clip.mp4"
    encode_h264(render(shots, size[0], size[1], FPS), path, size[0], size[1], FPS, **encode)  # type: ignore[arg-type]
    return path


def _ranges(path: Path, still: np.ndarray) -> list[tuple[float, float]]:
    reference = reference_from_gray(_gray(still), "ai_photo.png")
    result = trace_video(path, [reference])
    return [(r.start, r.end) for hit in result.hits for r in hit.ranges]


def _assert_found(ranges: list[tuple[float, float]]) -> None:
    assert len(ranges) == 1, ranges
    start, end = ranges[0]
    assert abs(start - TRUTH[0]) <= TOLERANCE_S and abs(end - TRUTH[1]) <= TOLERANCE_S, ranges


TRANSFORMS = {
    "fill": {},
    "letterbox-pillarbox": {"fit": "fit"},
    "crop-25pct": {"crop": 0.75},
    "pan-zoom-1.5x": {"zoom": (1.0, 1.5), "pan": (-1.0, 1.0)},
    "warm-grade": {"grade": "warm"},
    "dark-grade": {"grade": "dark"},
    "flat-contrast": {"grade": "flat"},
    "black-and-white": {"grade": "bw"},
    "film-grain": {"grain": 10.0},
    "picture-in-picture-half": {"pip": 0.5},
    "dissolve-in-out": {"dissolve": 0.8},
    "combined": {"crop": 0.8, "zoom": (1.1, 1.45), "grade": "bw", "grain": 8.0, "dissolve": 0.6},
}


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_still_is_found_through_each_edit(tmp_path: Path, still: np.ndarray, name: str) -> None:
    """Each documentary edit alone (and one combination) is found, in/out within 0.5 s."""
    shot = Shot(2.0, still=still, **TRANSFORMS[name])  # type: ignore[arg-type]
    _assert_found(_ranges(_clip(tmp_path, shot), still))


def test_low_quality_720p_delivery_is_searched(tmp_path: Path, still: np.ndarray) -> None:
    """H.264 at CRF 30 in 720p with a push-in still finds the still."""
    shot = Shot(2.0, still=still, zoom=(1.0, 1.3))
    _assert_found(_ranges(_clip(tmp_path, shot, (1280, 720), crf=30), still))


def test_short_gops_decode_only_keyframes(tmp_path: Path, still: np.ndarray) -> None:
    """Keyframes every second: only keyframes decoded first, in/out still within 0.5 s."""
    path = _clip(tmp_path, Shot(2.0, still=still, zoom=(1.0, 1.2)), keyint=FPS)
    reference = reference_from_gray(_gray(still), "ai_photo.png")
    result = trace_video(path, [reference])
    assert result.stats.dense_gops == 0 and result.stats.decoded < 100 // 2
    _assert_found([(r.start, r.end) for hit in result.hits for r in hit.ranges])


def test_other_stills_and_footage_are_not_matched(tmp_path: Path, still: np.ndarray) -> None:
    """A different photo of the same kind of scene, and moving footage, match nothing."""
    other = scene(4242, 800, 600)
    path = _clip(tmp_path, Shot(2.0, still=other, zoom=(1.0, 1.3)))
    assert _ranges(path, still) == []


def test_multi_index_hash_finds_near_descriptors() -> None:
    """A near descriptor is found with its distance; the runner-up is the next nearest."""
    rng = np.random.default_rng(1)
    train = rng.integers(0, 256, (500, 32), dtype=np.uint8)
    query = train[[7, 99]].copy()
    query[0, 0] ^= 0b1011  # 3 bits away from row 7
    pairs = DescriptorIndex(train).candidates(query)
    nearest, first, _second = best_two(pairs, 2)
    assert nearest.tolist() == [7, 99] and first.tolist() == [3, 0]


def test_distance_bound_keeps_exactly_the_near_candidates() -> None:
    """Candidates found under a distance bound are the unbounded ones filtered, in order."""
    rng = np.random.default_rng(2)
    train = rng.integers(0, 256, (3000, 32), dtype=np.uint8)
    train[1000:] = train[:2000] ^ (rng.random((2000, 32)) < 0.1).astype(np.uint8)  # near rows
    query = train[::7] ^ (rng.random((429, 32)) < 0.08).astype(np.uint8)
    index = DescriptorIndex(train)
    full, bounded = index.candidates(query), index.candidates(query, 40)
    near = full.distance <= 40
    assert bounded.query.size > 100
    got = (bounded.query, bounded.train, bounded.distance)
    want = (full.query[near], full.train[near], full.distance[near])
    assert [a.tolist() for a in got] == [b.tolist() for b in want]


def test_flat_still_cannot_be_a_reference() -> None:
    """A flat picture has no corners to recognise: UnusableReference, not a silent miss."""
    with pytest.raises(UnusableReference, match="distinctive corners"):
        reference_from_gray(np.full((300, 400), 128, np.uint8), "flat.png")


def test_matcher_reports_scale_and_outline(still: np.ndarray) -> None:
    """A half-size inset is confirmed with its scale (~0.5) and where it sits in the frame."""
    reference = reference_from_gray(_gray(still), "ai_photo.png")
    frame = np.full((360, 640), 40, np.uint8)
    inset = to_analysis_size(_gray(still), 320)  # 320 x 240
    frame[60:300, 160:480] = inset
    (match,) = Matcher([reference]).find(describe(frame, FRAME_FEATURES))
    assert 0.45 <= match.scale <= 0.55
    x0, y0, x1, y1 = match.box
    assert abs(x0 - 160) < 8 and abs(y0 - 60) < 8 and abs(x1 - 480) < 8 and abs(y1 - 300) < 8


@pytest.mark.parametrize(
    ("seconds", "rate", "start", "label"),
    [
        (4.0, Fraction(25), 0, "00:00:04:00"),
        (4.52, Fraction(25), 0, "00:00:04:13"),
        (3600.0, Fraction(24), 0, "01:00:00:00"),
        (float(1800 / Fraction(30000, 1001)), Fraction(30000, 1001), 0, "00:01:00;02"),
        (60.0, Fraction(30000, 1001), 0, "00:00:59;28"),
        (600.0, Fraction(30000, 1001), 0, "00:10:00;00"),
        (1.0, Fraction(25), 90000, "01:00:01:00"),
    ],
)
def test_timecodes(seconds: float, rate: Fraction, start: int, label: str) -> None:
    """SMPTE labels: plain, drop-frame at 29.97, start offset; parsing gives frames back."""
    assert to_timecode(seconds, rate, start) == label
    assert parse_timecode(label, rate) == round(seconds * rate) + start


def test_parse_timecode_refuses_nonsense() -> None:
    """A label that is not HH:MM:SS:FF at the rate is refused (None), never guessed."""
    assert parse_timecode("00:00:00:25", Fraction(25)) is None
    assert parse_timecode("1:2:3", Fraction(25)) is None
    assert parse_timecode("aa:bb:cc:dd", Fraction(25)) is None


def test_worker_reports_undecodable_video_and_unusable_reference(
    tmp_path: Path, still_png: Path
) -> None:
    """In the worker a video FFmpeg cannot open is unsearchable, a flat still refused (for
    good: the catalog may keep it); the others load."""
    from PIL import Image

    flat = tmp_path / "flat.png"
    Image.new("L", (200, 200), 90).save(flat)
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypisom" + b"\xff" * 4000)
    specs = [ReferenceSpec("ai.png", path=str(still_png)), ReferenceSpec("flat.png", str(flat))]
    refused, outcomes = run_jobs(specs, [Job("video", str(broken), "broken.mp4")], Limits())
    assert list(refused) == ["flat.png"] and "corners" in refused["flat.png"].why
    assert refused["flat.png"].lasting
    (outcome,) = list(outcomes)
    assert not outcome.error and outcome.unsearchable.startswith("FFmpeg cannot open it")
    assert outcome.lasting


def test_trace_command_prints_timecodes_and_exits_one(still_png: Path, tmp_path: Path) -> None:
    """`provscan trace` names the still and its copy with in/out timecodes, exits 1; JSON too."""
    from PIL import Image

    from tests.conftest import FIXTURES

    cut = FIXTURES / "files" / "trace" / "final_cut.mp4"
    source = FIXTURES / "files" / "trace" / "ai_archival_1987.png"
    other = tmp_path / "other.png"
    Image.fromarray(scene(4242, 800, 600)).save(other)
    refs = ["-r", str(source), "-r", str(still_png), "-r", str(other)]
    text = runner.invoke(cli.app, ["trace", str(cut), *refs])
    assert text.exit_code == 1
    assert text.output.count("FOUND") == 2 and "00:00:04:00 - 00:00:09:0" in text.output
    assert f"{other.as_posix()}: not found" in text.output
    data = json.loads(
        runner.invoke(cli.app, ["trace", str(cut), "-r", str(source), "-f", "json"]).output
    )
    (hit,) = data["hits"]
    (span,) = hit["ranges"]
    assert abs(span["start"] - 4.0) <= TOLERANCE_S and abs(span["end"] - 9.0) <= TOLERANCE_S


def test_trace_command_refuses_missing_reference(tmp_path: Path) -> None:
    """A --reference that does not exist is a usage error (exit 2) naming the option."""
    from tests.conftest import FIXTURES

    cut = FIXTURES / "files" / "trace" / "final_cut.mp4"
    result = runner.invoke(cli.app, ["trace", str(cut), "-r", str(tmp_path / "none.png")])
    assert result.exit_code == 2 and "--reference: no such file" in result.output


APPROVED_FINAL = """
[[entry]]
id = "AI-100"
tool = "Stable Diffusion"
scope = ["final"]
status = "approved"
approved_by = "J. Okafor (Head of Legal)"
approved_on = 2026-09-02
approval_ref = "LEGAL-2026-200"
{key}
"""


def _delivery(tmp_path: Path, shot: Shot) -> tuple[Path, Path]:
    """A deliverable with one cut showing the still, and a project-media folder holding it
    with its generator's parameters (an AUTOMATIC1111 PNG)."""
    from fixtures.trace_media import save_sd_png

    delivery, media = tmp_path / "delivery", tmp_path / "media"
    delivery.mkdir()
    media.mkdir()
    save_sd_png(shot.still, media / "ai_photo.png")  # type: ignore[arg-type]
    clip = _clip(tmp_path, shot)
    clip.rename(delivery / "cut.mp4")
    return delivery, media


def _check(delivery: Path, media: Path | None, log_text: str, tmp_path: Path) -> dict[str, object]:
    from provscan.ailog.load import load_log
    from provscan.model import Settings
    from provscan.pipeline import check_delivery
    from provscan.policy import DEFAULT_POLICY

    from tests.test_gate import TODAY

    log = tmp_path / "ai-use.toml"
    log.write_text("version = 1\n" + log_text)
    report = check_delivery(
        delivery, sources=[media] if media else [], log=load_log(log), policy=DEFAULT_POLICY,
        settings=Settings(), limits=Limits(), today=TODAY,
    )  # fmt: skip
    cut = next(r for r in report.files if r.path == "cut.mp4")
    return {
        "gate": cut.gate.value,
        "approval": cut.approval,
        "matched_by": cut.matched_by,
        "codes": sorted(f.rule.code for f in cut.findings),
        "log": sorted(f.rule.code for f in report.log_findings),
    }


def test_hit_is_approved_by_the_still_entry(tmp_path: Path, still: np.ndarray) -> None:
    """A trace hit passes when the still's own log entry approves final use, and is named."""
    import hashlib

    delivery, media = _delivery(tmp_path, Shot(2.0, still=still, zoom=(1.0, 1.2)))
    sha = hashlib.sha256((media / "ai_photo.png").read_bytes()).hexdigest()
    outcome = _check(delivery, media, APPROVED_FINAL.format(key=f'sha256 = "{sha}"'), tmp_path)
    assert outcome == {"gate": "pass", "approval": "AI-100", "matched_by":
                       "trace (sha256 of the still)", "codes": ["MED005", "TRC001"],
                       "log": []}  # fmt: skip


def test_log_phash_is_a_reference_without_the_still(tmp_path: Path, still: np.ndarray) -> None:
    """A log entry's pHash alone finds the pillarboxed still and approves the hit."""
    from provscan.extract.phash import phash_gray

    delivery = tmp_path / "delivery"
    delivery.mkdir()
    _clip(tmp_path, Shot(2.0, still=still, fit="fit")).rename(delivery / "cut.mp4")
    digest = phash_gray(to_analysis_size(_gray(still)))
    key = f'phash = "{digest}"\nphash_max_distance = 10'
    outcome = _check(delivery, None, APPROVED_FINAL.format(key=key), tmp_path)
    assert outcome["codes"] == ["MED005", "TRC001"] and outcome["approval"] == "AI-100"
    assert outcome["log"] == []


def test_unapproved_hit_fails_and_failed_search_is_a_warning(
    tmp_path: Path, still: np.ndarray
) -> None:
    """No entry for the still: POL001; a search that could not finish: TRC004, a warning
    that does not make the file unreadable (tests/test_trace_robust.py runs it end to end)."""
    from provscan.model import Severity, Signal
    from provscan.stages.trace import _evidence, _Files
    from provscan.trace.worker import Outcome

    delivery, media = _delivery(tmp_path, Shot(2.0, still=still))
    outcome = _check(delivery, media, "", tmp_path)
    assert outcome["gate"] == "fail" and outcome["codes"] == ["MED005", "POL001", "TRC001"]
    failed = Outcome(Job("video", "/x.mp4", "x.mp4"), error="the search took longer than 10 s")
    (evidence,) = _evidence(failed, _Files([], {}, {}))
    assert evidence.rule == "TRC004"
    assert evidence.message == "not searched for AI stills: the search took longer than 10 s"
    from provscan.rules.trace import TRACE_FAILED

    assert TRACE_FAILED.signal is Signal.NONE and TRACE_FAILED.severity is Severity.WARNING


def test_intra_only_video_is_sampled_and_decoded_small(tmp_path: Path, still: np.ndarray) -> None:
    """A Motion JPEG cut is sampled a few frames a second at half size; the still is found."""
    import av
    from provscan.trace.sampler import lowres_level

    path = tmp_path / "cut.mov"
    shots = [Shot(1.0, seed=3), Shot(2.0, still=still, zoom=(1.0, 1.2)), Shot(1.0, seed=4)]
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mjpeg", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = 1280, 720, "yuvj420p"
        for picture in render(shots, 1280, 720, FPS):
            frame = av.VideoFrame.from_ndarray(picture[:, :, ::-1].copy(), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    assert lowres_level("mjpeg", 1280, 720) == 1 and lowres_level("h264", 3840, 2160) == 0
    reference = reference_from_gray(_gray(still), "ai_photo.png")
    result = trace_video(path, [reference])
    assert result.stats.decoded <= 4 * 4  # 4 s at one keyframe per 0.4 s (+ a few)
    assert result.stats.reopened == 0  # the edges' frames came from the packets held
    _assert_found([(r.start, r.end) for hit in result.hits for r in hit.ranges])


def test_uncompressed_video_edges_are_decoded_from_the_file(
    tmp_path: Path, still: np.ndarray
) -> None:
    """Raw video, whose decoder needs more than the stream's codec parameters to open, has
    the frames around its edges decoded from the file instead; the still is found."""
    import av

    path = tmp_path / "cut.mkv"
    shots = [Shot(1.0, seed=3), Shot(2.0, still=still), Shot(1.0, seed=4)]
    with av.open(str(path), "w") as container:
        stream = container.add_stream("rawvideo", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = 320, 180, "yuv420p"
        for picture in render(shots, 320, 180, FPS):
            frame = av.VideoFrame.from_ndarray(picture[:, :, ::-1].copy(), format="rgb24")
            for packet in stream.encode(frame.reformat(format="yuv420p")):
                container.mux(packet)
    reference = reference_from_gray(_gray(still), "ai_photo.png")
    result = trace_video(path, [reference])
    assert result.stats.reopened >= 1 and not result.stats.errors
    _assert_found([(r.start, r.end) for hit in result.hits for r in hit.ranges])


def test_parallel_search_gives_the_same_outcomes_in_order(tmp_path: Path) -> None:
    """Two trace workers give the one-worker outcomes, in the jobs' order."""
    from tests.conftest import FIXTURES

    files = FIXTURES / "files" / "trace"
    video = FIXTURES / "sample" / "delivery" / "video"
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypisom" + b"\xff" * 4000)
    specs = [ReferenceSpec("ai.png", path=str(files / "ai_archival_1987.png"))]
    jobs = [Job("video", str(files / "final_cut.mp4"), "a.mp4"),
            Job("video", str(broken), "broken.mp4"),
            Job("still", str(files / "key_art.jpg"), "key_art.jpg"),
            Job("video", str(video / "interview_cam_a.mov"), "b.mov"),
            Job("video", str(video / "final_cut.mp4"), "c.mp4")]  # fmt: skip

    def found(o: Outcome) -> list[object]:
        if o.error or o.result is None:
            return []
        if o.job.kind == "still":
            return [m.reference for m in o.result]
        return [(h.reference, [(r.start, r.end) for r in h.ranges]) for h in o.result.hits]

    def status(o: Outcome) -> str:
        return "error" if o.error else "unsearchable" if o.unsearchable else "ok"

    def summary(n: int) -> list[tuple[str, str, object]]:
        _, outcomes = run_jobs(specs, jobs, Limits(jobs=n))
        return [(o.job.rel, status(o), found(o)) for o in outcomes]

    one, two = summary(1), summary(2)
    assert one == two
    assert [row[0] for row in two] == [job.rel for job in jobs]
    assert two[0][2] and two[2][2] and two[1][1] == "unsearchable" and not two[3][2]


def test_still_cut_into_fixed_gops_is_placed_from_held_packets(
    tmp_path: Path, still: np.ndarray
) -> None:
    """Keyframes every 2 s and none at the cuts: both edges fall inside GOPs and are placed
    from the packets held during the pass (the file is not opened again), within 0.5 s."""
    shots = [Shot(1.0, seed=3), Shot(2.0, still=still, zoom=(1.0, 1.2)), Shot(2.0, seed=4)]
    path = tmp_path / "fixed_gops.mp4"
    encode_h264(render(shots, 640, 360, FPS), path, 640, 360, FPS, keyint=2 * FPS, fixed_gop=True)
    result = trace_video(path, [reference_from_gray(_gray(still), "ai_photo.png")])
    stats = result.stats
    assert stats.keyframes == 3 and stats.decoded == 3 and stats.dense_gops == 0
    assert stats.refined_spans == 2 and stats.reopened == 0
    _assert_found([(r.start, r.end) for hit in result.hits for r in hit.ranges])


def test_trace_command_on_fixed_gops(still_png: Path, tmp_path: Path, still: np.ndarray) -> None:
    """`provscan trace` on a broadcast-style cut (fixed 2 s GOPs, a still cut in between two
    keyframes) finds the still with its in and out points, exit 1."""
    shots = [Shot(1.0, seed=3), Shot(2.0, still=still, grade="warm"), Shot(2.0, seed=4)]
    path = tmp_path / "broadcast.mp4"
    encode_h264(render(shots, 640, 360, FPS), path, 640, 360, FPS, keyint=2 * FPS, fixed_gop=True)
    result = runner.invoke(cli.app, ["trace", str(path), "-r", str(still_png), "-f", "json"])
    assert result.exit_code == 1, result.output
    (hit,) = json.loads(result.output)["hits"]
    _assert_found([(span["start"], span["end"]) for span in hit["ranges"]])
