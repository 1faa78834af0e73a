"""Which pictures the HTML report embeds, and making them (isolated, time-limited).

A card gets a thumbnail (a still, a representative frame of a video, the waveform of an
audio file); each trace hit gets the video's frame at the best-matching moment. Pictures are
made from the files on disk after the scan, in a worker process like every other decode of
untrusted media; the number is capped so an archive-sized report stays an attachment.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from fractions import Fraction
from pathlib import Path
from typing import Any

from provscan.limits import Limits
from provscan.model import FileResult, MediaKind, Report
from provscan.paths import locate
from provscan.pictures.job import Picture, PictureJob
from provscan.pictures.worker import make_pictures

MAX_PICTURES = 600  # ~15 KB each: a 9 MB page at most, still fine to attach to a ticket
_KINDS = {"image": "image", "video": "frame", "audio": "waveform"}
FFMPEG_STILLS = frozenset({"exr", "dpx", "cineon"})


def thumb_key(path: str) -> str:
    """The picture key of a file's thumbnail (or waveform)."""
    return f"file:{path}"


def hit_key(path: str, index: int) -> str:
    """The picture key of a video's frame for its ``index``-th finding (a trace hit)."""
    return f"hit:{index}:{path}"


def report_pictures(report: Report, limits: Limits) -> dict[str, Picture]:
    """Every picture the report's cards show, by key (files in the report's order, files the
    gate fails first when the cap is reached)."""
    jobs = list(plan(report))
    return make_pictures(jobs, limits)


def plan(report: Report) -> Iterator[PictureJob]:
    """The picture jobs for a report, at most ``MAX_PICTURES``."""
    ranked = sorted(
        (f for f in report.files if f.findings), key=lambda f: -f.gate.rank
    )  # sorted() is stable: the report's order within each gate
    budget = MAX_PICTURES
    for result in ranked:
        for job in _jobs_for(report, result):
            if budget <= 0:
                return
            budget -= 1
            yield job


def _jobs_for(report: Report, result: FileResult) -> Iterator[PictureJob]:
    # A frame sequence's card shows its first frame; film frames (EXR, DPX, Cineon) decode
    # through FFmpeg's image readers, as video frames do, Pillow having none.
    shown = result.sequence.frames[0] if result.sequence is not None else result
    kind = "frame" if shown.format in FFMPEG_STILLS else _KINDS.get(shown.kind.value)
    if kind is None:
        return
    path = str(_absolute(report, shown))
    yield PictureJob(thumb_key(result.path), kind, path)
    if result.sequence is not None:
        yield from _sequence_hits(report, result)
        return
    if kind != "frame" or shown.kind is not MediaKind.VIDEO:
        return
    for index, finding in enumerate(result.findings):
        best = finding.evidence.details.get("best_time")
        if finding.rule.code == "TRC001" and isinstance(best, int | float):
            yield PictureJob(hit_key(result.path, index), "frame", path, at=float(best))


def _sequence_hits(report: Report, result: FileResult) -> Iterator[PictureJob]:
    """A sequence's trace hits: the frame file shown at each hit's best moment."""
    assert result.sequence is not None
    frames = dict(zip(result.sequence.numbers, result.sequence.frames, strict=True))
    for index, finding in enumerate(result.findings):
        best, ranges = (
            finding.evidence.details.get("best_time"),
            finding.evidence.details.get("ranges"),
        )
        if finding.rule.code != "TRC001" or not isinstance(best, int | float) or not ranges:
            continue
        first = result.sequence.first
        rate = _rate(str(result.sequence.frame_rate or "24"))
        frame = frames.get(first + round(float(best) * rate))
        if frame is not None:
            kind = "frame" if frame.format in FFMPEG_STILLS else "image"
            yield PictureJob(hit_key(result.path, index), kind, str(_absolute(report, frame)))


def _rate(text: str) -> float:
    try:
        rate = float(Fraction(text))
    except (ValueError, ZeroDivisionError):
        return 24.0
    return rate if 1 <= rate <= 1000 else 24.0


def _absolute(report: Report, result: FileResult) -> Path:
    path = locate(report, result)
    return path if path.is_absolute() else Path.cwd() / path


def picture(pictures: Mapping[str, Any], key: str) -> Picture | None:
    """The picture under ``key``, if one was made."""
    found = pictures.get(key)
    return found if isinstance(found, Picture) else None
