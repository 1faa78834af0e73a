"""The trace's shortcuts give the answers of the long way: edges searched in spans decoded on
demand, one reference's matches looked up alone, chunk tables instead of binary searches."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np
import pytest
from provscan.trace.edges import STRIDE, first_in_span, first_true, last_in_span, last_true
from provscan.trace.features import FRAME_FEATURES, describe, to_analysis_size
from provscan.trace.index import DescriptorIndex
from provscan.trace.matcher import FOLLOW, Matcher
from provscan.trace.reference import reference_from_gray
from provscan.trace.sampler import Span

from fixtures.trace_media import scene

SPAN = 20  # frames between two samples in these tests


@dataclass(frozen=True)
class _Picture:
    """A frame of a fake span: its time and its picture."""

    time: float
    gray: np.ndarray


class _FakeSpan:
    """A span whose frames are at hand, counting how far the search made it decode."""

    def __init__(self, frames: list[_Picture]) -> None:
        self.all, self.decoded = frames, 0

    def frame(self, index: int) -> _Picture | None:
        if index >= len(self.all):
            self.decoded = len(self.all)
            return None
        self.decoded = max(self.decoded, index + 1)
        return self.all[index]

    def frames(self) -> tuple[_Picture, ...]:
        self.decoded = len(self.all)
        return tuple(self.all)


def _texture(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(30, 226, (36, 64), dtype=np.uint8)


def _span(edge: int, before: np.ndarray, after: np.ndarray) -> _FakeSpan:
    """Frames 1..SPAN (times 0.1 s apart) showing ``before`` up to ``edge``, then ``after``."""
    frames = [_Picture(round(0.1 * i, 3), before if i < edge else after) for i in range(SPAN)]
    return _FakeSpan(frames)


@pytest.mark.parametrize("edge", range(SPAN + 1))
def test_in_point_in_a_span_matches_the_binary_search_and_stops_early(edge: int) -> None:
    """The first frame showing the still is the one a binary search over every frame finds,
    and frames more than a stride past it are never decoded."""
    still, footage = _texture(1), _texture(2)
    span = _span(edge, footage, still)
    sample = _Picture(2.0, still)
    shows = lambda frame: frame.gray is still  # noqa: E731
    found = first_in_span(cast(Span, span), sample, shows)
    expected = first_true([*span.all, sample], shows)
    assert found is expected
    assert span.decoded <= min(SPAN, edge + STRIDE)


@pytest.mark.parametrize("edge", range(SPAN + 1))
def test_out_point_in_a_span_matches_the_binary_search_and_stops_early(edge: int) -> None:
    """The last frame showing the still is the one a binary search over every frame finds,
    and frames more than a stride past it are never decoded."""
    still, footage = _texture(1), _texture(2)
    span = _span(edge, still, footage)
    sample = _Picture(-0.1, still)
    shows = lambda frame: frame.gray is still  # noqa: E731
    found = last_in_span(cast(Span, span), sample, shows)
    expected = last_true([sample, *span.all], shows)
    assert found is expected
    assert span.decoded <= min(SPAN, edge + STRIDE + 1)


def test_one_reference_confirmed_alone_as_among_all() -> None:
    """Confirming one reference looks up only its corners, with the same result as
    looking up every reference's."""
    pictures = [np.asarray(scene(seed, 640, 480).mean(axis=2), np.uint8) for seed in (5, 6, 7)]
    matcher = Matcher([reference_from_gray(p, f"ref{i}.png") for i, p in enumerate(pictures)])
    frame = np.full((360, 640), 40, np.uint8)
    frame[20:340, 100:527] = to_analysis_size(pictures[1], 427)  # the second, smaller
    features = describe(frame, FRAME_FEATURES)
    alone = matcher.confirm(features, 1, FOLLOW)
    good = matcher._good_matches(features)  # every reference's columns
    among_all = matcher._confirm(good, features, 1, FOLLOW)
    assert alone is not None and among_all is not None
    assert (alone.inliers, alone.scale, alone.box) == (
        among_all.inliers,
        among_all.scale,
        among_all.box,
    )


def test_chunk_tables_find_what_a_brute_force_finds() -> None:
    """Every pair sharing a 16-bit chunk (in buckets of ordinary size) is found, with its
    exact distance, and a row range keeps exactly the pairs inside it."""
    rng = np.random.default_rng(3)
    train = rng.integers(0, 256, (300, 32), dtype=np.uint8)
    query = train[rng.integers(0, 300, 40)] ^ (rng.random((40, 32)) < 0.05).astype(np.uint8)
    index = DescriptorIndex(train)
    pairs = index.candidates(query)
    chunks_q, chunks_t = query.view(np.uint16), train.view(np.uint16)
    shared = (chunks_q[:, None, :] == chunks_t[None, :, :]).any(axis=2)
    assert sorted(zip(pairs.query.tolist(), pairs.train.tolist(), strict=True)) == sorted(
        zip(*np.nonzero(shared), strict=True)
    )
    bits = np.unpackbits(query[pairs.query] ^ train[pairs.train], axis=1).sum(axis=1)
    assert pairs.distance.tolist() == bits.tolist()
    inside = index.candidates(query, rows=(100, 200))
    keep = (pairs.train >= 100) & (pairs.train < 200)
    assert inside.train.tolist() == pairs.train[keep].tolist()
    assert inside.query.tolist() == pairs.query[keep].tolist()
