"""OpenTimelineIO objects to cuts: each clip with its record range, source range and what
names its source (media path, clip name, reel, generator).

Record ranges come from OTIO's own time transforms (``transformed_time_range`` into the
timeline's top stack), so nested stacks, gaps and trims are accounted the way OTIO defines
them. Record timecode adds the timeline's ``global_start_time``; EDLs read without one keep
absolute record timecodes, so their cut starts at the first event.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from fractions import Fraction
from typing import Any
from urllib.parse import unquote, urlparse

from provscan.timeline.cut import Clip, Cut, rate_of


class TimeError(ValueError):
    """An OTIO time that is no number of frames (NaN, infinite, or at a rate of 0)."""


def cuts_of(result: Any, path: str, label: str, rate: Fraction | None = None) -> list[Cut]:
    """Every timeline in an adapter's result (a timeline or a collection of them)."""
    return [_cut(timeline, path, label, rate) for timeline in _timelines(result)]


def _timelines(result: Any) -> Iterator[Any]:
    import opentimelineio as otio

    if isinstance(result, otio.schema.Timeline):
        yield result
    elif isinstance(result, otio.schema.SerializableCollection):
        yield from result.find_children(descended_from_type=otio.schema.Timeline)


def _cut(timeline: Any, path: str, label: str, edl_rate: Fraction | None) -> Cut:
    rate = edl_rate or _timeline_rate(timeline)
    start_time = timeline.global_start_time
    offset = _frames(start_time, rate) if start_time is not None else 0
    clips = list(_clips(timeline, rate, offset))
    # Without a start time (EDLs) record timecodes are absolute: the cut starts at its first event
    first = min((c.record_in for c in clips), default=offset)
    start = offset if start_time is not None else first
    end = max((c.record_out for c in clips), default=start)
    duration = _frames(timeline.tracks.duration(), rate) if start_time is not None else end - start
    name = str(timeline.name or "")
    return Cut(path, label, name, rate, start, max(duration, end - start), tuple(clips))


def _timeline_rate(timeline: Any) -> Fraction:
    for time in (timeline.global_start_time, timeline.tracks.duration()):
        if time is not None and time.rate > 0 and math.isfinite(time.rate):
            return rate_of(time.rate)
    for clip in timeline.find_clips():
        value = clip.trimmed_range().duration.rate
        return rate_of(value) if math.isfinite(value) else Fraction(24)
    return Fraction(24)


def _clips(timeline: Any, rate: Fraction, offset: int) -> Iterator[Clip]:
    import opentimelineio as otio

    counts: dict[str, int] = {}
    index = 0
    for track in timeline.tracks:
        if not isinstance(track, otio.schema.Track):
            continue
        kind = "audio" if track.kind == otio.schema.TrackKind.Audio else "video"
        counts[kind] = counts.get(kind, 0) + 1
        name = f"{kind[0].upper()}{counts[kind]}"
        for item in track.find_clips():
            index += 1
            yield _clip(item, timeline.tracks, index, name, kind, rate, offset)


def _clip(item: Any, top: Any, index: int, track: str, kind: str, rate: Fraction,
          offset: int) -> Clip:  # fmt: skip
    trimmed = item.trimmed_range()
    record = item.transformed_time_range(trimmed, top)
    value = trimmed.duration.rate
    source_rate = rate_of(value if value and math.isfinite(value) else float(rate))
    record_in = _frames(record.start_time, rate) + offset
    url, generator = _reference(item.media_reference)
    return Clip(
        index=index, track=track, kind=kind, name=str(item.name or ""),
        reel=_reel(item.metadata), url=url or _source_file(item.metadata),
        generator=generator, source_rate=source_rate,
        source_in=_frames(trimmed.start_time, source_rate),
        source_out=_frames(trimmed.end_time_exclusive(), source_rate),
        record_in=record_in, record_out=record_in + _frames(record.duration, rate),
        enabled=_enabled(item),
    )  # fmt: skip


def _frames(time: Any, rate: Fraction) -> int:
    """An OTIO time as whole frames at ``rate`` (rounded: adapters store float values)."""
    value, at = float(time.value), float(time.rate)
    frames = value * float(rate) / at if at else math.nan
    if not math.isfinite(frames):
        raise TimeError(f"time {value:g} at rate {at:g} is not a number of frames")
    return round(frames)


def _reference(ref: Any) -> tuple[str, str]:
    """(path or URL, generator kind) of a clip's media reference."""
    import opentimelineio as otio

    if isinstance(ref, otio.schema.ExternalReference):
        return _path(str(ref.target_url or "")), ""
    if isinstance(ref, otio.schema.ImageSequenceReference):
        base = _path(str(ref.target_url_base or ""))
        return f"{base.rstrip('/')}/{ref.name_prefix}#{ref.name_suffix}", ""
    if isinstance(ref, otio.schema.GeneratorReference):
        return "", str(ref.generator_kind or ref.name or "generator")
    return "", ""


def _path(url: str) -> str:
    """A file URL as a path (``file://localhost/D%3a/x.mov`` is ``D:/x.mov``); else as is."""
    if not url.lower().startswith("file:"):
        return url
    parsed = urlparse(url)
    path = unquote(parsed.path)
    if len(path) > 2 and path[0] == "/" and path[2] == ":":  # /D:/media -> D:/media
        path = path[1:]
    return path


def _cmx(metadata: Any) -> Any:
    """The CMX 3600 adapter's metadata of a clip (a dict-like), or {}."""
    cmx = metadata.get("cmx_3600") if hasattr(metadata, "get") else None
    return cmx if hasattr(cmx, "get") else {}


def _reel(metadata: Any) -> str:
    reel = _cmx(metadata).get("reel")
    return str(reel) if reel and str(reel).upper() not in ("BL", "AX") else ""


def _source_file(metadata: Any) -> str:
    """An EDL's ``* SOURCE FILE:`` comment, which Avid writes when a clip has no path."""
    for comment in _cmx(metadata).get("comments") or []:
        text = str(comment)
        if text.upper().startswith("SOURCE FILE:"):
            return text.split(":", 1)[1].strip()
    return ""


def _enabled(item: Any) -> bool:
    """Whether the clip plays: it and every container above it are enabled."""
    node = item
    while node is not None:
        if not getattr(node, "enabled", True):
            return False
        node = node.parent()
    return True
