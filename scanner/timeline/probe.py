"""Where a source video's frames sit in its own timecode: its start timecode, rate and
duration, read from the container's headers (no frame is decoded).

A clip's source in/out (an EDL's source timecode) must fall inside that span for the file
to be the clip's source; a file with the right name but the wrong timecode is another take.
Run it in an isolated child (``provscan.timeline.isolated``): FFmpeg's demuxers parse here.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Span:
    """A video's timecode span, in frames at its own rate."""

    rate: Fraction
    start: int  # its start timecode, in frames (0 without one)
    frames: int  # how many frames it lasts
    timecode: str  # its start timecode as written ("" without one)

    def holds(self, first: int, end: int, rate: Fraction) -> bool:
        """Whether source frames [first, end) at ``rate`` lie within the span (a frame's
        slack on each side: rates and rounding differ between NLEs)."""
        scale = self.rate / rate
        lo, hi = first * scale, end * scale
        return bool(self.start - 1 <= lo and hi <= self.start + self.frames + 1)


def probe_spans(paths: list[Path]) -> dict[str, Span]:
    """Each readable video's span by path (as given); files that are not are left out."""
    from provscan.trace.sampler import VideoError, open_video

    spans: dict[str, Span] = {}
    for path in paths:
        try:
            with open_video(path) as (_, _, facts):
                frames = round(facts.duration * facts.rate)
                spans[str(path)] = Span(facts.rate, facts.start_frames, frames,
                                        facts.start_timecode)  # fmt: skip
        except VideoError:
            continue
    return spans
