"""What the picture worker is asked for and what it answers: plain values, picklable."""

from __future__ import annotations

from dataclasses import dataclass

KINDS = ("image", "frame", "waveform")
WAVEFORM_BUCKETS = 240
ERROR_CHARS = 300


@dataclass(frozen=True, slots=True)
class PictureJob:
    """One picture to make: a still's thumbnail, a video frame, or an audio waveform."""

    key: str  # the caller's id for the result
    kind: str  # "image" | "frame" | "waveform"
    path: str  # absolute path of the media file
    at: float | None = None  # "frame": seconds into the video; None: a representative frame


@dataclass(frozen=True, slots=True)
class Picture:
    """The picture made for one job, or why there is none (``error``, one line)."""

    key: str
    data_uri: str = ""  # "data:image/jpeg;base64,..." for "image" and "frame"
    width: int = 0
    height: int = 0
    peaks: tuple[float, ...] = ()  # "waveform": WAVEFORM_BUCKETS peaks in 0..1, mono mix
    duration: float | None = None  # seconds, when the media says or the decoding found out
    error: str = ""


def failed(key: str, reason: str) -> Picture:
    """A Picture saying why there is none: one line, prefixed "no picture: ", bounded."""
    line = " ".join(reason.split())
    return Picture(key, error=f"no picture: {line}"[:ERROR_CHARS])
