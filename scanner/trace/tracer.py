"""Where do the references appear in a video? Sampled frames, runs of matches, refined edges.

1. ``iter_samples`` hands over the frames worth looking at (keyframes, scene cuts, a frame
   every half second inside long GOPs); each is matched against every reference.
2. Consecutive samples that show the same reference form a run. A run's true in point lies
   between the last sample without the reference and the first with it (its out point
   likewise), so only those short spans are decoded frame by frame, and a binary search over
   them finds the first and last frames that show it.
3. Runs of the same reference closer than ``MERGE_GAP_S`` are one appearance (a flash or a
   fast move that hid it for a moment).

Only per-reference runs are kept while the video streams past, so memory stays flat with
its length.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from scanner.extract.phash import hamming, phash_gray
from scanner.trace.features import FRAME_FEATURES, Features, GrayImage, describe
from scanner.trace.matcher import Match, Matcher
from scanner.trace.reference import Reference
from scanner.trace.sampler import (
    DecodeStats,
    Frame,
    VideoFacts,
    frames_between,
    iter_samples,
    open_video,
)

MERGE_GAP_S = 0.5  # two appearances closer than this are one (a flash, a fast move)
_BAR_LEVEL = 24  # luma of letterbox bars (black is 16 in video range)


@dataclass(frozen=True, slots=True)
class TimeRange:
    """An appearance: from ``start`` (first frame showing the reference) to ``end`` (the end
    of the last such frame), in seconds from the start of the video."""

    start: float
    end: float


@dataclass(frozen=True, slots=True)
class Hit:
    """One reference found in the video: where, and how strongly it was confirmed."""

    reference: str  # the reference's name (the still's report path, or its log entry)
    ranges: tuple[TimeRange, ...]
    method: str  # "features" (local features + geometry) or "phash" (whole-frame hash only)
    inliers: int  # corners agreeing with the best frame's transform (0 for phash)
    scale: float  # how large the still appears at that frame (1.0: as large as the frame)
    best_time: float  # the frame that confirmed it best
    entry: str = ""  # the log entry a pHash-only reference came from


@dataclass(frozen=True, slots=True)
class TraceResult:
    """The search of one video: its facts, the hits and what it cost."""

    facts: VideoFacts
    hits: tuple[Hit, ...]
    stats: DecodeStats
    seconds: float


@dataclass(slots=True)
class _Run:
    """Samples in a row that showed one reference."""

    first: float
    last: float
    before: float | None  # the sample just before, which did not show it
    after: float | None = None  # the sample just after, which did not
    best: Match | None = None
    best_time: float = 0.0


@dataclass(slots=True)
class _Tracks:
    """Open and closed runs per reference, updated sample by sample."""

    open: dict[int, _Run] = field(default_factory=dict)
    closed: dict[int, list[_Run]] = field(default_factory=dict)

    def update(self, at: float, previous: float | None, seen: dict[int, Match | None]) -> None:
        for index in [i for i in self.open if i not in seen]:
            run = self.open.pop(index)
            run.after = at
            self.closed.setdefault(index, []).append(run)
        for index, match in seen.items():
            run = self.open.setdefault(index, _Run(at, at, previous))
            run.last = at
            if match is not None and (run.best is None or match.inliers > run.best.inliers):
                run.best, run.best_time = match, at

    def finish(self) -> dict[int, list[_Run]]:
        for index, run in self.open.items():
            self.closed.setdefault(index, []).append(run)
        self.open.clear()
        return self.closed


def trace_video(path: Path, references: Sequence[Reference]) -> TraceResult:
    """Every reference found in the video at ``path``, with its time ranges.

    Raises ``VideoError`` when the video cannot be opened at all; damage further in is
    recorded in the result's ``stats.errors`` and the search goes on.
    """
    clock = time.perf_counter()
    with open_video(path) as (_container, _stream, facts):
        pass
    matcher = Matcher(references)
    stats = DecodeStats()
    tracks = _Tracks()
    previous: float | None = None
    for frame in iter_samples(path, stats):
        tracks.update(frame.time, previous, _seen(frame, matcher))
        previous = frame.time
    runs = tracks.finish()
    hits = [_hit(path, matcher, i, r, facts, stats) for i, r in sorted(runs.items())]
    return TraceResult(facts, tuple(h for h in hits if h.ranges), stats,
                       round(time.perf_counter() - clock, 3))  # fmt: skip


def _seen(frame: Frame, matcher: Matcher) -> dict[int, Match | None]:
    """The references this frame shows (pHash-only references map to None)."""
    seen: dict[int, Match | None] = {}
    if matcher.has_pixel_references:
        for match in matcher.find(describe(frame.gray, FRAME_FEATURES)):
            seen[match.reference] = match
    hashed = [i for i, r in enumerate(matcher.references) if not r.has_pixels]
    if hashed:
        digest = phash_gray(without_bars(frame.gray))
        for index in hashed:
            ref = matcher.references[index]
            if hamming(digest, ref.phash) <= ref.phash_max_distance:
                seen[index] = None
    return seen


def without_bars(gray: GrayImage) -> GrayImage:
    """The picture inside letterbox or pillarbox bars (rows/columns darker than video black+8)."""
    rows = (gray.max(axis=1) > _BAR_LEVEL).nonzero()[0]
    cols = (gray.max(axis=0) > _BAR_LEVEL).nonzero()[0]
    if rows.size < 8 or cols.size < 8:
        return gray
    return gray[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def _hit(
    path: Path,
    matcher: Matcher,
    index: int,
    runs: list[_Run],
    facts: VideoFacts,
    stats: DecodeStats,
) -> Hit:
    ref = matcher.references[index]
    shows = _predicate(matcher, index)
    frame_s = float(1 / facts.rate)
    ranges = [_refine(path, run, shows, facts, stats, frame_s) for run in runs]
    best = max(runs, key=lambda r: r.best.inliers if r.best else 0)
    return Hit(
        reference=ref.name,
        ranges=tuple(_merge(ranges)),
        method="features" if ref.has_pixels else "phash",
        inliers=best.best.inliers if best.best else 0,
        scale=best.best.scale if best.best else 1.0,
        best_time=best.best_time if best.best else best.first,
        entry=ref.entry,
    )


def _predicate(matcher: Matcher, index: int) -> Callable[[Frame], bool]:
    ref = matcher.references[index]
    if ref.has_pixels:
        return lambda f: matcher.confirm(_features(f), index) is not None
    return lambda f: hamming(phash_gray(without_bars(f.gray)), ref.phash) <= ref.phash_max_distance


def _features(frame: Frame) -> Features:
    return describe(frame.gray, FRAME_FEATURES)


def _refine(
    path: Path,
    run: _Run,
    shows: Callable[[Frame], bool],
    facts: VideoFacts,
    stats: DecodeStats,
    frame_s: float,
) -> TimeRange:
    """The run's in and out points to the frame, where the spans can be decoded."""
    start, end = run.first, run.last + frame_s
    low = run.before if run.before is not None else 0.0
    if run.first - low > 1.5 * frame_s:
        frames = frames_between(path, low, run.first, stats)
        first = _first_true(frames, shows)
        if first is not None:
            start = first.time
    high = run.after if run.after is not None else max(facts.duration, run.last)
    if high - run.last > 1.5 * frame_s:
        frames = frames_between(path, run.last, high, stats)
        last = _last_true(frames, shows)
        if last is not None:
            end = last.time + frame_s
    return TimeRange(round(start, 3), round(end, 3))


def _first_true(frames: list[Frame], shows: Callable[[Frame], bool]) -> Frame | None:
    """The first frame that shows the reference, by binary search (it fades in once)."""
    low, high = 0, len(frames) - 1
    if high < 0 or not shows(frames[high]):
        return None  # the span did not decode as expected: keep the sample's time
    while low < high:
        middle = (low + high) // 2
        if shows(frames[middle]):
            high = middle
        else:
            low = middle + 1
    return frames[low]


def _last_true(frames: list[Frame], shows: Callable[[Frame], bool]) -> Frame | None:
    """The last frame that shows the reference, by binary search (it fades out once)."""
    return _first_true(frames[::-1], shows)


def _merge(ranges: list[TimeRange]) -> list[TimeRange]:
    merged: list[TimeRange] = []
    for current in sorted(ranges, key=lambda r: r.start):
        if merged and current.start - merged[-1].end <= MERGE_GAP_S:
            merged[-1] = TimeRange(merged[-1].start, max(merged[-1].end, current.end))
        else:
            merged.append(current)
    return merged
