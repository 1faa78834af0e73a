"""What provscan keeps of an editorial timeline: its clips, where they sit in the record, and
what each one says about its source (media path, clip name, reel, source timecode).

Plain frozen values with no OpenTimelineIO objects in them: a timeline is read in an isolated
child process (the adapters parse hostile files) and only these cross back, pickled.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from provscan.timecode import to_timecode


class TimelineError(ValueError):
    """A timeline that cannot be read: one line naming the file and what is wrong."""


@dataclass(frozen=True, slots=True)
class Clip:
    """One clip of a cut. Frames count at the cut's rate (record) or the clip's (source)."""

    index: int  # 1-based, in the order the timeline lists its clips (track by track)
    track: str  # e.g. "V1", "A2" (kind letter and 1-based number among that kind)
    kind: str  # "video" or "audio"
    name: str
    reel: str = ""  # tape / reel name (EDL, AAF), when the format has one
    url: str = ""  # media reference path or URL as the timeline wrote it, "" when none
    generator: str = ""  # set for clips the edit itself generates (bars, slugs, titles)
    source_rate: Fraction = Fraction(24)
    source_in: int = 0  # frames (clip rate), in the source's own timecode
    source_out: int = 0
    record_in: int = 0  # frames (cut rate), in the record timecode
    record_out: int = 0
    enabled: bool = True

    @property
    def duration(self) -> int:
        """Frames the clip lasts in the record."""
        return self.record_out - self.record_in

    def source_tc(self) -> tuple[str, str]:
        """The source in/out as timecode at the clip's rate."""
        rate = self.source_rate
        return (to_timecode(0, rate, self.source_in), to_timecode(0, rate, self.source_out))


@dataclass(frozen=True, slots=True)
class Cut:
    """One timeline (a file may hold several: FCPXML projects, AAF compositions)."""

    path: str  # the timeline file, as given
    format: str  # "CMX 3600 EDL", "FCP 7 XML", "FCPXML", "AAF", "OTIO"
    name: str
    rate: Fraction
    start: int  # record frame where the cut's first frame sits (its start timecode)
    duration: int  # frames
    clips: tuple[Clip, ...]
    # Where the rate came from: the "timeline" itself; for EDLs, which name none, "--rate",
    # the "final" it is the edit of (its video's frame rate), or "guessed" from its timecodes
    rate_source: str = "timeline"
    final: str = ""  # the deliverable file it is the edit of, when given (--timeline EDIT=FINAL)
    # Record frame shown at 0 s of the final: the final's own start timecode when it has
    # one inside the cut (a master with a leader), else the cut's start (None)
    origin: int | None = None

    @property
    def rate_assumed(self) -> bool:
        """Nobody gave the rate: it was guessed from the timecodes' frame numbers."""
        return self.rate_source == "guessed"

    def tc(self, frames: int) -> str:
        """Record frames as timecode at the cut's rate."""
        return to_timecode(0, self.rate, frames)

    def seconds(self, frames: int) -> float:
        """Record frames as seconds into the final: from its start timecode when known,
        else from the cut's first frame (where a render starts)."""
        origin = self.start if self.origin is None else self.origin
        return round(float((frames - origin) / self.rate), 3)


def rate_of(value: float) -> Fraction:
    """A timeline's float rate as the exact rate it stands for (23.976 is 24000/1001)."""
    for nominal in (24, 30, 48, 60, 120):
        ntsc = Fraction(nominal * 1000, 1001)
        if abs(value - float(ntsc)) < 0.005:
            return ntsc
    exact = Fraction(value).limit_denominator(1001)
    return exact if exact > 0 else Fraction(24)
