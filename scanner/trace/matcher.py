"""Is a reference in this picture? Descriptor votes propose, a similarity transform confirms.

1. Propose: every descriptor of the picture finds its nearest descriptors in each reference
   (Hamming distance, through a multi-index hash: ``index``); one that is close and clearly
   better than the runner-up in the same reference (Lowe's ratio test) votes for it.
   References with enough votes are candidates.
2. Confirm: for each candidate, RANSAC fits a similarity transform (scale, rotation, shift:
   what editing software does to a still: fit, crop, pan and zoom, letterbox,
   picture-in-picture) to its ratio-tested matches, from the still to the picture. A
   reference is present when enough matches agree with one plausible transform: at least
   ``FIND.inliers`` corners within ``_REPROJECTION_PX`` pixels, spread over the picture and
   over most of the still's visible texture, at a sensible scale and a small rotation. A
   reference already found is followed with the looser ``FOLLOW`` thresholds.

Random or merely similar pictures (another street, another typed page) share descriptors by
chance, but not a dozen corners in the same geometric arrangement; that is what keeps the
false matches out. This replaces the usual first stage of whole-frame perceptual hashes,
which cannot propose a still that is zoomed, cropped or inset (``bench/trace_eval`` measures
both).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray
from provscan.trace.features import Features
from provscan.trace.index import DescriptorIndex, Pairs, best_two
from provscan.trace.reference import Reference


@dataclass(frozen=True, slots=True)
class Thresholds:
    """How much agreement confirms a reference."""

    inliers: int  # corners agreeing with one transform (chance agreement stays below ~6)
    share: float  # of the ratio-tested matches to that reference
    coverage: float  # of the still's visible textured cells that hold agreeing corners


# To find a reference: strict. To follow one already found from frame to frame (the push-in
# reaching a plain corner of the still, a dissolve thinning it out): looser, as detection
# then tracking systems do; a still must first pass the strict test to be followed at all.
FIND = Thresholds(inliers=12, share=0.2, coverage=0.6)
FOLLOW = Thresholds(inliers=8, share=0.15, coverage=0.3)
MIN_VOTES = 8  # proposal votes before a reference is worth confirming
MAX_CANDIDATES = 4  # references confirmed per picture (more than four stills at once is rare)
_MAX_HAMMING = 64  # of 256 bits: beyond, two ORB descriptors are unrelated
_SHARED_HAMMING = 24  # two references' corners this close are the same printed detail
_COPY_SHARE = 0.3  # references sharing this share of corners are copies of one picture
_CHUNK = 2048  # reference corners compared at a time when looking for shared ones
_RATIO = 0.8  # Lowe's ratio test
# A runner-up farther than this cannot fail the ratio test of a match within _MAX_HAMMING
# (0.8 x 80 = 64): pairs beyond it are dropped before the per-reference ranking, unchanged.
_RUNNER_UP_HAMMING = math.ceil(_MAX_HAMMING / _RATIO)
_REPROJECTION_PX = 3.0  # at analysis size (640 px on the long side)
_SCALE_RANGE = (0.15, 8.0)  # still-to-frame scale: a small inset to a strong zoom
_MAX_ROTATION_DEG = 20.0  # editors tilt stills a little; more is a coincidence, not an edit
_MIN_SPREAD = 0.015  # the inliers' bounding box covers at least 1.5% of the picture
_GRID = 4  # cells per side of the still for that count
_TEXTURED = 4  # reference corners that make a cell textured


@dataclass(frozen=True, slots=True)
class Match:
    """A confirmed reference: which one, how strongly, and where it lies in the picture."""

    reference: int  # index into the matcher's references
    inliers: int
    scale: float  # still (analysis size) -> picture (analysis size)
    rotation_deg: float
    box: tuple[float, float, float, float]  # the still's outline in the picture: x0 y0 x1 y1


class Matcher:
    """The references held in memory as one descriptor index, ready for many pictures."""

    def __init__(self, references: Sequence[Reference]) -> None:
        self.references = tuple(references)
        # pHash-only references (log entries): compared by whole-frame hash, not corners
        self.hashed = tuple(i for i, r in enumerate(self.references) if not r.has_pixels)
        rows = [(i, r.features) for i, r in enumerate(self.references) if r.features]
        self._owner = np.concatenate(
            [np.full(f.count, i, np.int64) for i, f in rows] or [np.zeros(0, np.int64)]
        )
        self._first_row = np.zeros(len(self.references), np.int64)
        offset = 0
        for i, f in rows:
            self._first_row[i] = offset
            offset += f.count
        train = np.vstack([f.descriptors for _, f in rows]) if rows else np.zeros((0, 32), np.uint8)
        self._index = DescriptorIndex(train)
        self._nearest = np.zeros((0, 0), np.int64)  # of the last picture: see _good_matches
        self._shared = self._shared_corners(train)

    def _shared_corners(self, train: NDArray[np.uint8]) -> NDArray[np.bool_]:
        """Corners that another, different reference has too (near-identical descriptors).

        A letterhead, a form's printed labels, a stamp or a stock silhouette recur across
        pictures made from one template; a corner found in two references identifies
        neither, so it neither votes nor confirms (as common words weigh little in text
        search). Two references that share most of their corners are copies of one picture
        (a PNG and its JPEG): they do not cancel each other.
        """
        shared = np.zeros(train.shape[0], bool)
        if len(self.references) < 2 or train.shape[0] == 0:
            return shared
        count = len(self.references)
        per_pair = np.zeros(count * count, np.int64)
        close_rows: list[tuple[NDArray[np.int64], NDArray[np.int64]]] = []
        for start in range(0, train.shape[0], _CHUNK):  # chunks: memory stays small
            pairs = self._index.candidates(train[start : start + _CHUNK], _SHARED_HAMMING)
            query = pairs.query + start
            other = self._owner[pairs.train]
            close = (pairs.distance <= _SHARED_HAMMING) & (self._owner[query] != other)
            q, t = query[close], other[close]
            per_pair += np.bincount(self._owner[q] * count + t, minlength=count * count)
            close_rows.append((q, t))
        sizes = np.bincount(self._owner, minlength=count)
        copies = per_pair.reshape(count, count) >= _COPY_SHARE * np.maximum(sizes, 1)[:, None]
        for q, t in close_rows:
            shared[q[~copies[self._owner[q], t]]] = True
        return shared

    @property
    def has_pixel_references(self) -> bool:
        """Whether any reference can be confirmed by local features."""
        return self._index.size > 0

    def find(self, picture: Features) -> list[Match]:
        """Every reference confirmed in ``picture``, strongest first."""
        if picture.count < FIND.inliers or not self.has_pixel_references:
            return []
        good = self._good_matches(picture)
        votes = good.sum(axis=0)
        ranked = np.argsort(-votes, kind="stable")[:MAX_CANDIDATES]
        found = []
        for index in (int(i) for i in ranked if votes[i] >= MIN_VOTES):
            match = self._confirm(good, picture, index)
            if match is not None:
                found.append(match)
        return sorted(found, key=lambda m: -m.inliers)

    def confirm(self, picture: Features, index: int, thresholds: Thresholds = FIND) -> Match | None:
        """The match of reference ``index`` in ``picture``, or None when it is not there."""
        if picture.count < thresholds.inliers or self.references[index].features is None:
            return None
        return self._confirm(self._good_matches(picture, index), picture, index, thresholds)

    def _good_matches(self, picture: Features, only: int | None = None) -> NDArray[np.bool_]:
        """Per picture corner and reference: does its nearest corner in that reference pass
        the ratio test against the runner-up *in the same reference*? (Against all references
        at once, two copies of one still would make every match ambiguous.) Also keeps the
        nearest rows in ``self._nearest`` for ``_confirm``. With ``only``, the other
        references' columns stay False (their corners are not even looked up)."""
        rows = None
        if only is not None:
            still = self.references[only].features
            begin = int(self._first_row[only])
            rows = (begin, begin + (still.count if still is not None else 0))
        pairs = self._index.candidates(picture.descriptors, _RUNNER_UP_HAMMING, rows)
        count = len(self.references)
        grouped = Pairs(pairs.query * count + self._owner[pairs.train], pairs.train,
                        pairs.distance)  # fmt: skip
        nearest, first, second = best_two(grouped, picture.count * count)
        good = (nearest >= 0) & (first <= _MAX_HAMMING) & (first < _RATIO * second)
        good &= ~self._shared[np.maximum(nearest, 0)]
        self._nearest = nearest.reshape(picture.count, count)
        return good.reshape(picture.count, count)

    def _confirm(
        self,
        good: NDArray[np.bool_],
        picture: Features,
        index: int,
        thresholds: Thresholds = FIND,
    ) -> Match | None:
        still = self.references[index].features
        assert still is not None
        rows = np.flatnonzero(good[:, index])
        if rows.size < thresholds.inliers:
            return None
        source = still.points[self._nearest[rows, index] - self._first_row[index]]
        return _verify(index, source, picture.points[rows], still, picture, thresholds)


def _verify(
    index: int,
    source: NDArray[np.float32],
    target: NDArray[np.float32],
    still: Features,
    picture: Features,
    thresholds: Thresholds,
) -> Match | None:
    """RANSAC similarity from the still to the picture, judged for plausibility."""
    fitted, mask = cv2.estimateAffinePartial2D(
        source, target, method=cv2.RANSAC, ransacReprojThreshold=_REPROJECTION_PX,
        maxIters=2000, confidence=0.995, refineIters=10,
    )  # fmt: skip
    if fitted is None or mask is None:
        return None
    transform: NDArray[np.float64] = np.asarray(fitted, np.float64)
    inliers = mask.ravel().astype(bool)
    count = int(inliers.sum())
    if count < thresholds.inliers or count < thresholds.share * len(source):
        return None
    a, b = float(transform[0, 0]), float(transform[1, 0])
    scale, rotation = math.hypot(a, b), math.degrees(math.atan2(b, a))
    if not (_SCALE_RANGE[0] <= scale <= _SCALE_RANGE[1]) or abs(rotation) > _MAX_ROTATION_DEG:
        return None
    spread = _box_area(target[inliers]) / float(picture.width * picture.height)
    if spread < _MIN_SPREAD or _share_of_visible(source[inliers], transform, still, picture) < (
        thresholds.coverage
    ):
        return None
    outline = _outline(transform, still)
    return Match(index, count, round(scale, 3), round(rotation, 1), outline)


def _share_of_visible(
    points: NDArray[np.float32], transform: NDArray[np.float64], still: Features, picture: Features
) -> float:
    """Of the still's textured cells that are in the picture, the share holding agreeing
    corners (a 4 x 4 grid over the still; a cell is textured with >= 4 of its corners).

    Two different pictures can share a patch exactly: the letterhead and stamp of two memos
    from one office, a logo, a stock silhouette. Corners then agree only inside that patch,
    while the rest of the still (the memo's own text) shows corners that match nothing. The
    still itself, through any of the edits, shows agreeing corners across most of its
    visible texture.
    """
    side = _GRID
    cell_w, cell_h = still.width / side, still.height / side
    own = _cells(still.points, cell_w, cell_h, side)
    textured = np.bincount(own, minlength=side * side) >= _TEXTURED
    centres = np.array(
        [[(c % side + 0.5) * cell_w, (c // side + 0.5) * cell_h, 1.0] for c in range(side**2)]
    )
    mapped = centres @ transform.T
    inside = (
        (mapped[:, 0] >= 0)
        & (mapped[:, 0] < picture.width)
        & (mapped[:, 1] >= 0)
        & (mapped[:, 1] < picture.height)
    )
    candidates = textured & inside
    if not candidates.any():
        return 0.0
    covered = np.zeros(side * side, bool)
    covered[_cells(points, cell_w, cell_h, side)] = True
    return float((covered & candidates).sum() / candidates.sum())


def _cells(
    points: NDArray[np.float32], cell_w: float, cell_h: float, side: int
) -> NDArray[np.intp]:
    cols = np.clip((points[:, 0] / cell_w).astype(np.intp), 0, side - 1)
    rows = np.clip((points[:, 1] / cell_h).astype(np.intp), 0, side - 1)
    cells: NDArray[np.intp] = rows * side + cols
    return cells


def _box_area(points: NDArray[np.float32]) -> float:
    low, high = points.min(axis=0), points.max(axis=0)
    return float((high[0] - low[0]) * (high[1] - low[1]))


def _outline(transform: NDArray[np.float64], still: Features) -> tuple[float, float, float, float]:
    corners = np.array(
        [[0, 0, 1], [still.width, 0, 1], [0, still.height, 1], [still.width, still.height, 1]],
        dtype=np.float64,
    )
    mapped = corners @ transform.T
    low, high = mapped.min(axis=0), mapped.max(axis=0)
    return (
        round(float(low[0]), 1),
        round(float(low[1]), 1),
        round(float(high[0]), 1),
        round(float(high[1]), 1),
    )
