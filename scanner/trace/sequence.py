"""The trace of a frame sequence: its frames searched for AI stills as a video's are.

A sequence is a video whose frames are files: frame ``n`` is shown at ``(n - first) / rate``
seconds (a missing frame keeps its slot), from the start time code of the first frame's
header. The search is the video search's (:mod:`provscan.trace.tracer`): a sample every half
second (and the last frame), each sample carrying the frames since the previous one
undecoded, so the edges of a still's appearance are placed exactly by decoding only the
frames a binary search looks at. Every frame file is opened as the scan opens files
(read-only, no symlink, regular files only) and decoded alone by FFmpeg's image readers
(EXR, DPX, Cineon, PNG, TIFF, JPEG).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any, BinaryIO

import av
from provscan.timecode import parse_timecode
from provscan.trace.features import GrayImage
from provscan.trace.matcher import Matcher
from provscan.trace.sampler import DecodeStats, Frame, VideoError, VideoFacts, analysis_gray
from provscan.trace.tracer import TraceResult, _hit, _seen, _Tracks

STEP_S = 0.5  # seconds between samples, as in a video's search
DEFAULT_RATE = Fraction(24)
_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


class _LazyFrame:
    """A frame of the sequence, decoded only when the edge search looks at it."""

    __slots__ = ("_gray", "path", "stats", "time")

    def __init__(self, time: float, path: str, stats: DecodeStats) -> None:
        self.time, self.path, self.stats = time, path, stats
        self._gray: GrayImage | None = None

    @property
    def gray(self) -> GrayImage:
        """The frame at analysis size (decoded once)."""
        if self._gray is None:
            self.stats.refined_frames += 1
            self._gray = decode_frame(self.path)
        return self._gray


def _open(path: str) -> BinaryIO:
    fd = os.open(path, _FLAGS)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{path} is no longer a regular file")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def decode_frame(path: str) -> GrayImage:
    """One frame file decoded by FFmpeg, at analysis size."""
    try:
        with _open(path) as f, av.open(f, mode="r", metadata_errors="replace") as container:
            stream = container.streams.video[0]
            for frame in container.decode(stream):
                return analysis_gray(frame)
    except (av.FFmpegError, OSError, ValueError, IndexError, EOFError) as exc:
        raise VideoError(f"frame {Path(path).name} cannot be decoded: {exc}") from None
    raise VideoError(f"frame {Path(path).name} holds no picture")


def sequence_facts(frames: Sequence[tuple[int, str]], rate: str, timecode: str) -> VideoFacts:
    """The facts of the sequence as a video: rate, duration, start time code."""
    fps = _rate(rate)
    first, last = frames[0][0], frames[-1][0]
    start = parse_timecode(timecode, fps) if timecode else None
    return VideoFacts(rate=fps, duration=float((last - first + 1) / fps), width=0, height=0,
                      codec="frames", start_frames=start or 0,
                      start_timecode=timecode if start is not None else "")  # fmt: skip


def _rate(text: str) -> Fraction:
    try:
        rate = Fraction(text) if text else DEFAULT_RATE
    except (ValueError, ZeroDivisionError):
        return DEFAULT_RATE
    return rate if 1 <= rate <= 1000 else DEFAULT_RATE


def trace_sequence(
    frames: Sequence[tuple[int, str]],
    rate: str,
    timecode: str,
    matcher: Matcher,
    on_open: Callable[[VideoFacts], None] | None = None,
) -> TraceResult:
    """Every reference found in the sequence ``frames`` ((number, absolute path), in frame
    order), with its time ranges from the sequence's first frame."""
    facts = sequence_facts(frames, rate, timecode)
    if on_open is not None:
        on_open(facts)
    stats = DecodeStats()
    tracks = _Tracks(matcher)
    tracks.frame_s = float(1 / facts.rate)
    for sample in _samples(frames, facts.rate, stats):
        tracks.update(sample, _seen(sample, matcher, tracks.open))
    runs = tracks.finish()
    first = Path(frames[0][1])
    hits = [_hit(first, matcher, i, r, facts, stats) for i, r in sorted(runs.items())]
    return TraceResult(facts, tuple(h for h in hits if h.ranges), stats, 0.0)


def _samples(frames: Sequence[tuple[int, str]], rate: Fraction, stats: DecodeStats) -> Any:
    """A sample every half second and the last frame; each with the frames since the last."""
    first = frames[0][0]
    every = max(1, round(float(rate) * STEP_S))
    pending: list[_LazyFrame] = []
    for index, (number, path) in enumerate(frames):
        time = round(float((number - first) / rate), 6)
        if index % every and index != len(frames) - 1:
            pending.append(_LazyFrame(time, path, stats))
            continue
        try:
            gray = decode_frame(path)
        except VideoError as exc:
            stats.errors.append(str(exc))
            pending.clear()
            continue
        stats.decoded += 1
        stats.sampled += 1
        yield Frame(time, gray, tuple(pending))  # type: ignore[arg-type]
        pending = []
