"""Where, between two samples, a reference comes in or goes out: searches over the frames
between them for the first (or last) frame that shows it.

The frames are either all at hand (decoded anyway inside a long GOP: a binary search needs
the fewest confirmations) or a span of held packets decoded on demand (``sampler.Span``),
which a decoder can only walk forward from its keyframe: there the search probes every
``STRIDE``-th frame forwards and stops decoding at the first probe past the edge, then
bisects the last stride. Either way, frames beside the one found that continue the same
picture (``continues``: a push-in reaching a plain corner of the still defeats the
confirmation, not the picture's continuity) are added back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

import cv2
import numpy as np
from numpy.typing import NDArray
from provscan.trace.features import GrayImage
from provscan.trace.sampler import Span

_F = TypeVar("_F", bound="Shown")
BAR_LEVEL = 24  # luma of letterbox bars (black is 16 in video range)
STRIDE = 4  # I and P frames between two probes of a span (0.2-0.5 s at 24-30 fps)


class Shown(Protocol):
    """A frame the edge search can look at (a sample, or a decoded frame kept lazily)."""

    @property
    def time(self) -> float: ...

    @property
    def gray(self) -> GrayImage: ...


def first_true(frames: Sequence[_F], shows: Callable[[Shown], bool]) -> _F | None:
    """The first frame of the shot in which the reference appears.

    A binary search finds the first frame that shows it (it fades or cuts in once in the
    span); frames just before it that continue the same picture (the confirmation can fail
    on a frame where the zoom has reached a plain corner of the still) are added back."""
    index = _first_index(frames, shows)
    if index is None:
        return None
    anchor = Anchor.of(frames[index])
    while index > 0 and continues(anchor, frames[index - 1]):
        index -= 1
    return frames[index]


def last_true(frames: Sequence[_F], shows: Callable[[Shown], bool]) -> _F | None:
    """The last frame of the shot in which the reference appears (see ``first_true``)."""
    return first_true(frames[::-1], shows)


def _first_index(frames: Sequence[_F], shows: Callable[[Shown], bool]) -> int | None:
    """Binary search for the first frame that shows it; the last frame is the sample that
    showed it (or continued its picture), so it counts as showing without a test."""
    low, high = 0, len(frames) - 1
    if high < 0:
        return None  # the span did not decode: keep the sample's time
    while low < high:
        middle = (low + high) // 2
        if shows(frames[middle]):
            high = middle
        else:
            low = middle + 1
    return low


_THUMB = (32, 18)
_CONTINUITY = 10.0  # mean grey-level change (of 255) a shot's own motion stays under
_SAME_PATTERN = 0.8  # correlation of the thumbnails a shot's own motion stays above


@dataclass(frozen=True, slots=True)
class Anchor:
    """A frame known to show the reference, as a thumbnail of its picture area (letterbox
    and pillarbox bars left out: two different stills in the same bars look alike)."""

    box: tuple[int, int, int, int]  # rows and columns of the picture inside the bars
    thumb: NDArray[np.float32]

    @classmethod
    def of(cls, frame: Shown) -> Anchor:
        """The anchor for ``frame``."""
        rows, cols = content(frame.gray)
        box = (rows[0], rows[1], cols[0], cols[1])
        return cls(box, _thumbnail(frame.gray, box))


def content(gray: GrayImage) -> tuple[tuple[int, int], tuple[int, int]]:
    """Rows and columns of the picture inside the bars (all of it when there are none)."""
    rows = (gray.max(axis=1) > BAR_LEVEL).nonzero()[0]
    cols = (gray.max(axis=0) > BAR_LEVEL).nonzero()[0]
    if rows.size < 8 or cols.size < 8:
        return (0, gray.shape[0]), (0, gray.shape[1])
    return (int(rows[0]), int(rows[-1]) + 1), (int(cols[0]), int(cols[-1]) + 1)


def _thumbnail(gray: GrayImage, box: tuple[int, int, int, int]) -> NDArray[np.float32]:
    top, bottom, left, right = box
    small = cv2.resize(gray[top:bottom, left:right], _THUMB, interpolation=cv2.INTER_AREA)
    return np.asarray(small, np.float32)


def continues(anchor: Anchor, frame: Shown) -> bool:
    """Whether ``frame`` still shows the anchor's picture: a cut or the far half of a
    dissolve changes a 32 x 18 thumbnail of it by far more than a push-in or a pan does,
    both in grey level and in pattern (two pages of text differ little in grey level)."""
    thumb = _thumbnail(frame.gray, anchor.box)
    if float(np.abs(thumb - anchor.thumb).mean()) >= _CONTINUITY:
        return False
    a, b = thumb - thumb.mean(), anchor.thumb - anchor.thumb.mean()
    spread = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return spread < 1e-3 or float((a * b).sum()) / spread >= _SAME_PATTERN


class _Window:
    """A sample and the span of frames on one side of it, as one sequence whose length is
    known only once the span has been decoded to its end."""

    def __init__(self, span: Span, sample: Shown, sample_first: bool) -> None:
        self.span, self.sample, self.sample_first = span, sample, sample_first

    def get(self, index: int) -> Shown | None:
        """The ``index``-th frame (None past the last)."""
        if self.sample_first:
            return self.sample if index == 0 else self.span.frame(index - 1)
        frame = self.span.frame(index)
        if frame is not None:
            return frame
        return self.sample if index == 0 or self.span.frame(index - 1) is not None else None

    def length(self) -> int:
        """How many frames (decodes the span to its end)."""
        return len(self.span.frames()) + 1


def first_in_span(span: Span, sample: Shown, shows: Callable[[Shown], bool]) -> Shown:
    """The first frame of ``span`` + ``sample`` that shows the reference (``sample`` does),
    decoding the span only a stride past it."""
    window = _Window(span, sample, sample_first=False)
    low, index = -1, STRIDE - 1  # low: the last index known not to show it
    while True:
        frame = window.get(index)
        if frame is None:  # past the sample: the edge is after ``low``
            index = window.length() - 1
            break
        if frame is sample or shows(frame):
            break
        low, index = index, index + STRIDE
    high = _bisect(window, low, index, shows)
    anchor = Anchor.of(_at(window, high))
    while high > 0 and continues(anchor, _at(window, high - 1)):
        high -= 1
    return _at(window, high)


def last_in_span(span: Span, sample: Shown, shows: Callable[[Shown], bool]) -> Shown:
    """The last frame of ``sample`` + ``span`` that shows the reference (``sample`` does),
    decoding the span only a stride past it."""
    window = _Window(span, sample, sample_first=True)
    low, index = 0, STRIDE  # low: the last index known to show it
    while True:
        frame = window.get(index)
        if frame is None:  # the span ended: its last frame may show it still
            index = window.length()
            break
        if not shows(frame):
            break
        low, index = index, index + STRIDE
    # the first frame that does not show it, after ``low``: the one before is the last
    end = _bisect(window, low, index, lambda f: not shows(f))
    last = end - 1
    anchor = Anchor.of(_at(window, last))
    while (after := window.get(last + 1)) is not None and continues(anchor, after):
        last += 1
    return _at(window, last)


def _bisect(window: _Window, low: int, high: int, passes: Callable[[Shown], bool]) -> int:
    """The first index in (``low``, ``high``] that passes, ``high`` taken to pass."""
    while high - low > 1:
        middle = (low + high) // 2
        if passes(_at(window, middle)):
            high = middle
        else:
            low = middle
    return high


def _at(window: _Window, index: int) -> Shown:
    frame = window.get(index)
    assert frame is not None  # only indices below one already seen are asked for
    return frame
