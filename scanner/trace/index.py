"""Near neighbours among many binary descriptors: multi-index hashing, in numpy.

Brute force costs (query descriptors x every reference's descriptors) Hamming distances:
800 x 48,000 for sixty stills, 0.2 s per frame here, which would make the search of a video
slower than decoding it. Multi-index hashing (Norouzi, Punjani and Fleet, "Fast Search in
Hamming Space with Multi-Index Hashing", CVPR 2012) splits each 256-bit descriptor into
sixteen 16-bit chunks and keeps one sorted table per chunk: two descriptors closer than 16
bits share at least one chunk exactly (pigeonhole), and a corner seen again after scaling,
grading and re-encoding (typically 15-40 bits apart) shares one with probability 0.66-0.99.
Only descriptors that share a chunk with the query have their distance computed, so the
cost grows with the matches, not with the number of references.

Chunk values shared by many descriptors (flat or repetitive texture) say little about
identity, like stop words in text search, and would flood the candidates: buckets larger
than ``MAX_BUCKET`` are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

CHUNKS = 16  # 256 bits / 16-bit chunks
MAX_BUCKET = 24  # a chunk value this common is texture, not identity


@dataclass(frozen=True, slots=True)
class Pairs:
    """Candidate neighbours: query row, train row and their Hamming distance, as arrays."""

    query: NDArray[np.int64]
    train: NDArray[np.int64]
    distance: NDArray[np.int64]


class DescriptorIndex:
    """Sixteen sorted chunk tables over the train descriptors (N x 32 bytes)."""

    def __init__(self, train: NDArray[np.uint8]) -> None:
        self.size = int(train.shape[0])
        self._words = _as_words(train)
        chunks = _as_chunks(train)
        self._order = np.argsort(chunks, axis=0, kind="stable").astype(np.int64)
        ordered = np.take_along_axis(chunks, self._order, axis=0)
        # where each of the 65,536 values of a chunk starts in its sorted column: a lookup
        # is two reads instead of two binary searches (4 MB for the sixteen columns)
        bounds = np.arange((1 << 16) + 1, dtype=np.int64)  # the last: the end of the column
        self._starts = np.zeros((CHUNKS, bounds.size), np.int64)
        for c in range(CHUNKS):
            self._starts[c] = np.searchsorted(ordered[:, c], bounds, side="left")

    def candidates(self, query: NDArray[np.uint8], rows: tuple[int, int] | None = None) -> Pairs:
        """Every (query, train) pair that shares a chunk, with its exact distance; unique.
        ``rows`` (first, end) keeps only the train rows in that range (one reference's)."""
        empty = np.zeros(0, np.int64)
        if self.size == 0 or query.shape[0] == 0:
            return Pairs(empty, empty, empty)
        q, t = self._lookup(_as_chunks(query))
        if rows is not None:
            inside = (t >= rows[0]) & (t < rows[1])
            q, t = q[inside], t[inside]
        key = np.sort(q * self.size + t)  # a pair found through several chunks counts once
        key = key[np.concatenate(([True], key[1:] != key[:-1]))]
        q, t = key // self.size, key % self.size
        distance = _hamming(_as_words(query)[q], self._words[t])
        return Pairs(q, t, distance)

    def _lookup(self, chunks: NDArray[np.uint16]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Query and train rows of every shared chunk value (all sixteen chunks at once)."""
        columns = np.arange(CHUNKS)
        low = self._starts[columns, chunks]  # (queries, chunks): where each bucket starts
        counts = self._starts[columns, chunks.astype(np.int64) + 1] - low
        counts[counts > MAX_BUCKET] = 0
        flat, low = counts.ravel(), low.ravel()
        total = int(flat.sum())
        if total == 0:
            empty = np.zeros(0, np.int64)
            return empty, empty
        cells = np.arange(flat.size, dtype=np.int64)  # query * CHUNKS + chunk
        cell = np.repeat(cells, flat)
        starts = np.repeat(low - (np.cumsum(flat) - flat), flat)
        positions = starts + np.arange(total, dtype=np.int64)
        return cell // CHUNKS, self._order[positions, cell % CHUNKS]


def _as_chunks(descriptors: NDArray[np.uint8]) -> NDArray[np.uint16]:
    return np.ascontiguousarray(descriptors, dtype=np.uint8).view(np.uint16)


def _as_words(descriptors: NDArray[np.uint8]) -> NDArray[np.uint64]:
    return np.ascontiguousarray(descriptors, dtype=np.uint8).view(np.uint64)


def _hamming(a: NDArray[np.uint64], b: NDArray[np.uint64]) -> NDArray[np.int64]:
    counts: NDArray[np.int64] = np.bitwise_count(a ^ b).sum(axis=1, dtype=np.int64)
    return counts


def best_two(
    pairs: Pairs, rows: int
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Per query row: nearest train row, its distance, and the runner-up's distance (999
    when there is none: the next neighbour is too far to share a chunk)."""
    nearest = np.full(rows, -1, np.int64)
    first = np.full(rows, 999, np.int64)
    second = np.full(rows, 999, np.int64)
    if pairs.query.size == 0:
        return nearest, first, second
    # by query, then distance (at most 256), ties in the pairs' order: one stable sort of a
    # combined key (the same order as ``np.lexsort((distance, query))``, at half the cost)
    order = np.argsort(pairs.query * 257 + pairs.distance, kind="stable")
    q, t, d = pairs.query[order], pairs.train[order], pairs.distance[order]
    head = np.ones(q.size, bool)
    head[1:] = q[1:] != q[:-1]
    nearest[q[head]] = t[head]
    first[q[head]] = d[head]
    runner = np.zeros(q.size, bool)
    runner[1:] = head[:-1] & ~head[1:]  # the row right after a head, same query
    second[q[runner]] = d[runner]
    return nearest, first, second
