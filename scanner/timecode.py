"""SMPTE timecode (``HH:MM:SS:FF``) for a time in a video at its frame rate.

Integer rates count frames plainly. 29.97 and 59.94 fps (30000/1001, 60000/1001) use
drop-frame counting, written with ``;`` before the frames as SMPTE 12M does, so the
timecode stays on the wall clock as editors' timelines show it; other fractional rates
(23.976) count non-drop at the rounded rate, as every NLE does.
"""

from __future__ import annotations

from fractions import Fraction

_DROP_RATES = {Fraction(30000, 1001): 2, Fraction(60000, 1001): 4}  # frames dropped per minute


def frame_index(seconds: float, rate: Fraction) -> int:
    """The frame shown at ``seconds`` (frames start at 0), at ``rate`` frames per second."""
    return max(0, int(round(seconds * rate, 6)))  # round(…, 6): 0.04 * 25 is 1, not 0.999…


def to_timecode(seconds: float, rate: Fraction, start_frames: int = 0) -> str:
    """``seconds`` from the start of the video as SMPTE timecode at ``rate``, counted from
    the file's own start timecode (``start_frames``, e.g. 01:00:00:00 on a master)."""
    frames = frame_index(seconds, rate) + start_frames
    nominal = max(1, round(rate))
    drop = _DROP_RATES.get(rate, 0)
    if drop:
        frames = _add_dropped(frames, nominal, drop)
    ff = frames % nominal
    total_s = frames // nominal
    separator = ";" if drop else ":"
    return f"{total_s // 3600:02d}:{total_s // 60 % 60:02d}:{total_s % 60:02d}{separator}{ff:02d}"


def _add_dropped(frames: int, nominal: int, drop: int) -> int:
    """Frame count -> drop-frame label count: ``drop`` labels are skipped at the start of
    every minute except each tenth (SMPTE 12M)."""
    per_ten_minutes = nominal * 600 - drop * 9
    per_minute = nominal * 60 - drop
    tens, rest = divmod(frames, per_ten_minutes)
    skipped = drop * 9 * tens
    if rest > drop:
        skipped += drop * ((rest - drop) // per_minute)
    return frames + skipped


def parse_timecode(text: str, rate: Fraction) -> int | None:
    """Frames since 00:00:00:00 of a ``HH:MM:SS:FF`` (or drop-frame ``;``) label; None if
    it is not one at this rate."""
    parts = text.strip().replace(";", ":").replace(".", ":").split(":")
    if len(parts) != 4 or not all(p.isdigit() for p in parts):
        return None
    hh, mm, ss, ff = (int(p) for p in parts)
    nominal = max(1, round(rate))
    if mm > 59 or ss > 59 or ff >= nominal:
        return None
    minutes = hh * 60 + mm
    frames = (minutes * 60 + ss) * nominal + ff
    drop = _DROP_RATES.get(rate, 0)
    return frames - drop * (minutes - minutes // 10) if drop else frames
