"""Where do the references appear in a video? Sampled frames, runs of matches, refined edges.

1. ``iter_samples`` hands over the frames worth looking at (keyframes, scene cuts, a frame
   every half second inside long GOPs); each is matched against every reference.
2. Consecutive samples that show the same reference form a run. A run's true in point lies
   between the last sample without the reference and the first with it (its out point
   likewise), so only those short spans are decoded frame by frame (from the packets held
   during the pass), and a search over them (``edges``) finds the first and last frames
   that show it, as soon as the sample after the edge has been matched.
3. Runs of the same reference closer than ``MERGE_GAP_S`` are one appearance (a flash or a
   fast move that hid it for a moment).

Only per-reference runs are kept while the video streams past, so memory stays flat with
its length.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from provscan.extract.phash import hamming, phash_gray
from provscan.trace.edges import (
    Anchor,
    Shown,
    content,
    continues,
    first_in_span,
    first_true,
    last_in_span,
    last_true,
)
from provscan.trace.features import FRAME_FEATURES, Features, GrayImage, describe
from provscan.trace.matcher import FOLLOW, Match, Matcher
from provscan.trace.reference import Reference
from provscan.trace.sampler import (
    DecodeStats,
    Frame,
    VideoFacts,
    frames_between,
    iter_samples,
)

MERGE_GAP_S = 0.5  # two appearances closer than this are one (a flash, a fast move)


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
    start: float | None = None  # the in point, when the frames before ``first`` were at hand
    end: float | None = None  # the out point, likewise
    anchor: Anchor | None = None  # the last frame that showed it, as a thumbnail


class _Tracks:
    """Open and closed runs per reference, updated sample by sample; an edge between two
    samples is placed at once when the frames between them were decoded anyway."""

    def __init__(self, matcher: Matcher) -> None:
        self.matcher = matcher
        self.frame_s = 0.04  # set from the frame rate once the video is open
        self.open: dict[int, _Run] = {}
        self.closed: dict[int, list[_Run]] = {}
        self.previous: Frame | None = None

    def update(self, frame: Frame, seen: dict[int, Match | None]) -> None:
        """Take one sample and the references it shows."""
        before = self.previous.time if self.previous else None
        for index in [i for i in self.open if i not in seen]:
            run = self.open[index]
            if run.anchor is not None and continues(run.anchor, frame):
                run.last = frame.time  # the same picture, unconfirmed here: keep following
                continue
            del self.open[index]
            run.after = frame.time
            if self.previous is not None:
                run.end = self._out_point(frame, self.previous, _predicate(self.matcher, index))
            self.closed.setdefault(index, []).append(run)
        for index, match in seen.items():
            if index not in self.open:
                run = self.open[index] = _Run(frame.time, frame.time, before)
                if frame.cut:  # a hard cut: the shot, and so the still, starts right here
                    run.start = frame.time
                else:
                    run.start = _in_point(frame, _predicate(self.matcher, index))
            run = self.open[index]
            run.last = frame.time
            run.anchor = Anchor.of(frame)
            if match is not None and (run.best is None or match.inliers > run.best.inliers):
                run.best, run.best_time = match, frame.time
        if frame.span is not None:
            frame.span.close()  # its edges are placed: the decoder and packets can go
        self.previous = frame

    def _out_point(
        self, frame: Frame, previous: Frame, shows: Callable[[Shown], bool]
    ) -> float | None:
        """The end of the last frame showing the reference between ``previous`` (which
        shows it) and ``frame`` (which does not), when those frames are at hand."""
        if frame.earlier:
            frames: list[Shown] = [previous, *frame.earlier]
            last = last_true(frames, shows)
            return (last.time if last else previous.time) + self.frame_s
        if frame.span is not None:
            return last_in_span(frame.span, previous, shows).time + self.frame_s
        return None

    def finish(self) -> dict[int, list[_Run]]:
        """Every run, per reference (the open ones closed at the end of the video)."""
        for index, run in self.open.items():
            self.closed.setdefault(index, []).append(run)
        self.open.clear()
        return self.closed


def trace_video(
    path: Path,
    references: Sequence[Reference] | Matcher,
    on_open: Callable[[VideoFacts], None] | None = None,
) -> TraceResult:
    """Every reference found in the video at ``path``, with its time ranges (``references``
    may be a ``Matcher`` built once for many videos; ``on_open`` hears the video's facts as
    soon as it is open, as the worker's supervisor needs its duration).

    Raises ``VideoError`` when the video cannot be opened at all; damage further in is
    recorded in the result's ``stats.errors`` and the search goes on.
    """
    clock = time.perf_counter()
    matcher = references if isinstance(references, Matcher) else Matcher(references)
    stats = DecodeStats()
    tracks = _Tracks(matcher)
    opened: list[VideoFacts] = []

    def opening(facts: VideoFacts) -> None:
        opened.append(facts)
        tracks.frame_s = float(1 / facts.rate)
        if on_open is not None:
            on_open(facts)

    for frame in iter_samples(path, stats, opening):
        tracks.update(frame, _seen(frame, matcher, tracks.open))
    facts = opened[0]  # iter_samples raises VideoError before this when it cannot open
    runs = tracks.finish()
    hits = [_hit(path, matcher, i, r, facts, stats) for i, r in sorted(runs.items())]
    return TraceResult(facts, tuple(h for h in hits if h.ranges), stats,
                       round(time.perf_counter() - clock, 3))  # fmt: skip


def _seen(frame: Frame, matcher: Matcher, following: Iterable[int]) -> dict[int, Match | None]:
    """The references this frame shows (pHash-only references map to None): those found
    anew, and those already on screen that it still shows (looser thresholds)."""
    seen: dict[int, Match | None] = {}
    if matcher.has_pixel_references:
        features = describe(frame.gray, FRAME_FEATURES)
        for match in matcher.find(features):
            seen[match.reference] = match
        for index in following:
            if index not in seen and matcher.references[index].has_pixels:
                kept = matcher.confirm(features, index, FOLLOW)
                if kept is not None:
                    seen[index] = kept
    if matcher.hashed:
        digest = phash_gray(without_bars(frame.gray))
        for index in matcher.hashed:
            ref = matcher.references[index]
            if hamming(digest, ref.phash) <= ref.phash_max_distance:
                seen[index] = None
    return seen


def without_bars(gray: GrayImage) -> GrayImage:
    """The picture inside letterbox or pillarbox bars (rows/columns darker than video black+8)."""
    (top, bottom), (left, right) = content(gray)
    return gray[top:bottom, left:right]


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


def _in_point(frame: Frame, shows: Callable[[Shown], bool]) -> float | None:
    """The first frame showing the reference between the previous sample (which does not
    show it) and ``frame`` (which does), when those frames are at hand."""
    if frame.earlier:
        frames: list[Shown] = [*frame.earlier, frame]
        first = first_true(frames, shows)
        return first.time if first else frame.time
    if frame.span is not None:
        return first_in_span(frame.span, frame, shows).time
    return None


def _predicate(matcher: Matcher, index: int) -> Callable[[Shown], bool]:
    ref = matcher.references[index]
    if ref.has_pixels:  # edges of a run already found: the following thresholds
        return lambda f: matcher.confirm(_features(f), index, FOLLOW) is not None
    return lambda f: hamming(phash_gray(without_bars(f.gray)), ref.phash) <= ref.phash_max_distance


def _features(frame: Shown) -> Features:
    return describe(frame.gray, FRAME_FEATURES)


def _refine(
    path: Path,
    run: _Run,
    shows: Callable[[Shown], bool],
    facts: VideoFacts,
    stats: DecodeStats,
    frame_s: float,
) -> TimeRange:
    """The run's in and out points: placed during the pass, or by decoding the span between
    the samples around each edge (keyframe-only stretches)."""
    start, end = run.first, run.last + frame_s
    low = run.before if run.before is not None else 0.0
    if run.start is not None:
        start = run.start
    elif run.first - low > 1.5 * frame_s:
        frames = frames_between(path, low, run.first, stats)
        first = first_true(frames, shows)
        if first is not None:
            start = first.time
    high = run.after if run.after is not None else max(facts.duration, run.last)
    if run.end is not None:
        end = run.end
    elif high - run.last > 1.5 * frame_s:
        frames = frames_between(path, run.last, high, stats)
        last = last_true(frames, shows)
        if last is not None:
            end = last.time + frame_s
    return TimeRange(round(start, 3), round(end, 3))


def _merge(ranges: list[TimeRange]) -> list[TimeRange]:
    merged: list[TimeRange] = []
    for current in sorted(ranges, key=lambda r: r.start):
        if merged and current.start - merged[-1].end <= MERGE_GAP_S:
            merged[-1] = TimeRange(merged[-1].start, max(merged[-1].end, current.end))
        else:
            merged.append(current)
    return merged
