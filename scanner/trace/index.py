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
_VALUES = 1 << 16  # values of a 16-bit chunk
_DISTANCES = 512  # above any Hamming distance between 256-bit descriptors


@dataclass(frozen=True, slots=True)
class Pairs:
    """Candidate neighbours: query row, train row and their Hamming distance, as arrays."""

    query: NDArray[np.int64]
    train: NDArray[np.int64]
    distance: NDArray[np.int64]


class DescriptorIndex:
    """Sixteen chunk tables over the train descriptors (N x 32 bytes): per chunk, the train
    rows sorted by chunk value and where each of the 65,536 values starts among them (a
    direct table: a lookup is two reads, not a binary search)."""

    def __init__(self, train: NDArray[np.uint8]) -> None:
        self.size = int(train.shape[0])
        self._words = _word_columns(train)
        chunks = _as_chunks(train)
        self._order = np.argsort(chunks, axis=0, kind="stable").astype(np.int64)
        # _starts[c, v]: first position of value v in chunk c's sorted column (one row more
        # than values, so that _starts[c, v + 1] ends its bucket)
        self._starts = np.zeros((CHUNKS, _VALUES + 1), np.int32)
        for c in range(CHUNKS):
            counts = np.bincount(chunks[:, c], minlength=_VALUES)
            np.cumsum(counts, out=self._starts[c, 1:])

    def candidates(
        self,
        query: NDArray[np.uint8],
        max_distance: int | None = None,
        rows: tuple[int, int] | None = None,
    ) -> Pairs:
        """Every (query, train) pair that shares a chunk, with its exact distance; unique,
        in (query, train) order. ``max_distance``: only the pairs at most that far apart
        (the same pairs as filtering the full answer, found without sorting the rest).
        ``rows`` (first, end): only the train rows in that range (one reference's)."""
        empty = np.zeros(0, np.int64)
        if self.size == 0 or query.shape[0] == 0:
            return Pairs(empty, empty, empty)
        q, t = self._lookup(_as_chunks(query))
        if rows is not None:
            inside = (t >= rows[0]) & (t < rows[1])
            q, t = q[inside], t[inside]
        distance = _hamming(_word_columns(query), q, self._words, t)
        if max_distance is not None:
            near = distance <= max_distance
            q, t, distance = q[near], t[near], distance[near]
        # a pair found through several chunks counts once; the order is (query, train)
        key = q * self.size + t
        order = np.argsort(key, kind="stable")
        key, distance = key[order], distance[order]
        first = np.concatenate(([True], key[1:] != key[:-1]))
        key, distance = key[first], distance[first]
        return Pairs(key // self.size, key % self.size, distance)

    def _lookup(self, chunks: NDArray[np.uint16]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Query and train rows of every shared chunk value (a pair once per shared chunk);
        buckets of more than ``MAX_BUCKET`` rows are skipped."""
        values = chunks.astype(np.int64)  # (queries, CHUNKS)
        columns = np.arange(CHUNKS, dtype=np.int64)
        low = self._starts[columns, values].astype(np.int64)
        counts = self._starts[columns, values + 1] - low
        counts[counts > MAX_BUCKET] = 0
        counts = counts.ravel()
        total = int(counts.sum())
        if total == 0:
            empty = np.zeros(0, np.int64)
            return empty, empty
        q_rows = np.repeat(np.arange(counts.size, dtype=np.int64) // CHUNKS, counts)
        c_rows = np.repeat(np.tile(columns, chunks.shape[0]), counts)
        starts = np.repeat(low.ravel() - (np.cumsum(counts) - counts), counts)
        positions = starts + np.arange(total, dtype=np.int64)
        return q_rows, self._order[positions, c_rows]


def _as_chunks(descriptors: NDArray[np.uint8]) -> NDArray[np.uint16]:
    return np.ascontiguousarray(descriptors, dtype=np.uint8).view(np.uint16)


def _word_columns(descriptors: NDArray[np.uint8]) -> tuple[NDArray[np.uint64], ...]:
    """The descriptors as four columns of 64-bit words (gathering from 1-D columns is several
    times faster than gathering 32-byte rows)."""
    words = np.ascontiguousarray(descriptors, dtype=np.uint8).view(np.uint64)
    return tuple(np.ascontiguousarray(words[:, i]) for i in range(words.shape[1]))


def _hamming(
    query: tuple[NDArray[np.uint64], ...],
    q: NDArray[np.int64],
    train: tuple[NDArray[np.uint64], ...],
    t: NDArray[np.int64],
) -> NDArray[np.int64]:
    """Hamming distance between query row ``q[i]`` and train row ``t[i]``, for every i."""
    counts: NDArray[np.int64] = np.zeros(q.size, np.int64)
    for query_words, train_words in zip(query, train, strict=True):
        counts += np.bitwise_count(query_words[q] ^ train_words[t])
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
    # one stable sort on (query, distance) packed in an integer: as a lexsort, ties kept in
    # the pairs' order (distances are at most 256 bits)
    order = np.argsort(pairs.query * _DISTANCES + pairs.distance, kind="stable")
    q, t, d = pairs.query[order], pairs.train[order], pairs.distance[order]
    head = np.ones(q.size, bool)
    head[1:] = q[1:] != q[:-1]
    nearest[q[head]] = t[head]
    first[q[head]] = d[head]
    runner = np.zeros(q.size, bool)
    runner[1:] = head[:-1] & ~head[1:]  # the row right after a head, same query
    second[q[runner]] = d[runner]
    return nearest, first, second
