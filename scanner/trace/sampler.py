"""Frames to look at: keyframes and scene cuts first, every frame only where it is needed.

Decoding is most of the cost of searching a video: a 1080p H.264 stream decodes at only
6-9x real time on two cores when every frame is decoded. Most of it need not be:

* Keyframes can be decoded alone, and encoders put one at every scene cut (x264's
  ``scenecut``) and at least every GOP (2 s in broadcast and streaming deliveries), so a
  new shot almost always starts on one. The demuxer hands over every packet, but only the
  keyframes go to the decoder while the GOP stays short. The packets between two sampled
  keyframes are held (a ``Span``, handed over with the later sample) until the tracer has
  matched that sample: when a reference comes in or goes out between the two, a decoder
  of the span's own decodes its I and P frames forward, only as far as the edge search
  asks, without opening or seeking the file again; otherwise they are dropped unread.
* A GOP longer than ``max_gap`` seconds (x264's default allows 10 s) could hide a whole shot
  that fades in and out between two keyframes, so its I and P frames are decoded too (the
  decoder skips B-frames), and one frame every ``step`` seconds is looked at. The packets
  of the current GOP are held only until that is known, so memory stays flat however long
  the video is.
* Intra-only streams (ProRes, DNxHD, MJPEG, JPEG 2000) are all keyframes: one every
  ``key_step`` seconds is decoded.
* Where no span is at hand (a reference still on screen when the video ends),
  ``frames_between`` decodes the I and P frames of a short span (seeking to the keyframe
  before it) to find the in and out points.

Frames are reduced at once to analysis size (the luma plane, area-averaged; anamorphic pixels
made square), so nothing larger than a few GOPs' packets and one frame is kept.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np
from provscan.timecode import parse_timecode
from provscan.trace.features import ANALYSIS_SIDE, GrayImage

MAX_PENDING = 48  # decoded frames kept between two samples (~2 s at 25 fps without B-frames)
MAX_HELD_BYTES = 64 << 20  # packets held for one span; a larger one is decoded from the file
MAX_HELD_SPANS = 16  # spans whose sample the decoder has not handed over yet (frame threads
# delay frames by up to their thread count, which FFmpeg caps at 16)
OPEN_TIMEOUT_S = 10.0  # FFmpeg's interrupt callback: a stalled read or probe gives up
DEFAULT_RATE = Fraction(25)  # used only when the container states no frame rate
_EIGHT_BIT_YUV = ("yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p", "nv12",
                  "nv21", "yuv411p", "yuv410p", "yuv440p", "yuvj440p", "gray")  # fmt: skip
_HIGH_BIT_YUV = ("yuv420p10le", "yuv422p10le", "yuv444p10le", "yuv420p12le", "yuv422p12le",
                 "yuv444p12le", "p010le", "gray10le", "gray12le", "yuv420p16le")  # fmt: skip


class VideoError(Exception):
    """The video cannot be opened or decoded; the message says why."""


class NotOpened(VideoError):
    """FFmpeg's demuxer does not open the file at all (no search can look at it; the scan
    reports the same as MED006)."""


class NoVideoStream(VideoError):
    """The file holds no moving pictures (audio only, or only cover art): nothing to search."""


@dataclass(frozen=True, slots=True)
class VideoFacts:
    """What the tracer needs to know about a video before looking at its frames."""

    rate: Fraction  # frames per second, for timecodes
    duration: float  # seconds; 0.0 when the container does not say
    width: int
    height: int
    codec: str
    start_frames: int = 0  # the file's own start timecode (QuickTime tmcd, MXF), in frames
    start_timecode: str = ""


@dataclass(frozen=True, slots=True)
class Frame:
    """One decoded frame at analysis size, and when it is shown; ``earlier`` holds the
    frames decoded since the previous sample (inside long GOPs), and ``span`` the packets
    shown since then (keyframe-only stretches), so an edge found between two samples can be
    placed without opening, seeking or decoding the file again."""

    time: float  # seconds from the first frame
    gray: GrayImage
    earlier: tuple[Pending, ...] = ()
    cut: bool = False  # a keyframe the encoder put at a scene cut (it came before its GOP's end)
    span: Span | None = None


class Pending:
    """A decoded frame kept as the decoder gave it; reduced to analysis size only if the
    search for an edge looks at it (most are never looked at)."""

    __slots__ = ("_aspect", "_frame", "_gray", "time")

    def __init__(self, time: float, frame: Any, aspect: float) -> None:
        self.time, self._frame, self._aspect = time, frame, aspect
        self._gray: GrayImage | None = None

    @property
    def gray(self) -> GrayImage:
        """The frame at analysis size (computed once)."""
        if self._gray is None:
            self._gray = analysis_gray(self._frame, self._aspect)
            self._frame = None
        return self._gray


class Span:
    """The packets between two samples of a keyframe-only stretch, held (a GOP of at most
    ``max_gap`` seconds) until the edge search asks for its frames, which a decoder of its
    own then decodes in order, only as far as asked: most spans are never asked for, and
    one that is costs no second opening of the file, no seek, and no decoding past the
    edge once the search has found it."""

    __slots__ = ("_decoder", "_kept", "_make", "_next", "_packets", "_stats", "end", "start")

    def __init__(
        self, start: float, end: float, packets: list[Any], make: _SpanDecoder, stats: DecodeStats
    ) -> None:
        self.start, self.end = start, end
        self._packets, self._make, self._stats = packets, make, stats
        self._next = 0  # the next packet to decode; past the end: the decoder was flushed
        self._decoder: Any = None
        self._kept: list[Frame] = []

    def frame(self, index: int) -> Frame | None:
        """The ``index``-th I or P frame shown after ``start`` and before ``end`` (seconds),
        decoded now if it was not yet; None past the last."""
        while len(self._kept) <= index and self._decode_more():
            pass
        return self._kept[index] if index < len(self._kept) else None

    def frames(self) -> tuple[Frame, ...]:
        """All of them."""
        while self._decode_more():
            pass
        return tuple(self._kept)

    def close(self) -> None:
        """Let the packets, the decoder (and its frame buffers) and the frames go."""
        self._packets, self._decoder, self._kept = [], None, []
        self._next = 1

    def _decode_more(self) -> bool:
        """Decode the next packet (flush the decoder after the last); False when done."""
        if self._next > len(self._packets):
            return False
        packet = self._packets[self._next] if self._next < len(self._packets) else None
        self._next += 1
        if self._decoder is None:
            self._stats.refined_spans += 1
            try:
                self._decoder = self._make.decoder()
            except _DECODE_ERRORS:  # a decoder that needs more than the stream's parameters
                self._reopen()
                return True
        try:
            for frame in self._decoder.decode(packet):
                self._keep(frame)
        except _DECODE_ERRORS as exc:  # keep what decoded; the search uses what it has
            why = f"refining {self.start:.2f}-{self.end:.2f} s: {_reason(exc)}"
            self._stats.errors.append(why)
            self._next = len(self._packets) + 1
        if self._next > len(self._packets):
            self._packets, self._decoder = [], None  # done: let the memory go
        return True

    def _reopen(self) -> None:
        """The span's frames decoded from the file instead (as when none was held)."""
        self._stats.refined_spans -= 1  # frames_between counts it
        found = frames_between(self._make.path, self.start, self.end, self._stats)
        self._kept = [f for f in found if self.start + 1e-6 < f.time < self.end - 1e-6]
        self._packets, self._next = [], 1

    def _keep(self, frame: Any) -> None:
        self._stats.refined_frames += 1
        if frame.pts is None:
            return
        at = round(float(frame.pts) * self._make.tb - self._make.origin, 6)
        if self.start + 1e-6 < at < self.end - 1e-6:
            # reduced at once: a decoded 4K frame held whole would weigh 12 MB
            reduced = Frame(at, analysis_gray(frame, self._make.aspect))
            # I and P frames come out in the order they are shown; a stream that says
            # otherwise still gets a sorted span (frames already searched keep their place)
            where = len(self._kept)
            while where > 0 and self._kept[where - 1].time > at:
                where -= 1
            self._kept.insert(where, reduced)


@dataclass(frozen=True, slots=True)
class _SpanDecoder:
    """How to decode a held span: a fresh decoder with the stream's parameters (the
    stream's own decoder has moved on), set up like the stream's."""

    path: Path  # the video, should the decoder not open without more
    name: str
    extradata: bytes | None
    width: int
    height: int
    options: dict[str, str]
    tb: float
    origin: float
    aspect: float

    @classmethod
    def of(cls, path: Path, stream: Any, tb: float, origin: float, aspect: float) -> _SpanDecoder:
        """The parameters of ``stream``'s decoder, after ``_prepare_decoder``."""
        ctx = stream.codec_context
        options = dict(ctx.options or {})  # lowres, where the codec can
        return cls(path, str(ctx.name), ctx.extradata, int(ctx.width or 0), int(ctx.height or 0),
                   options, tb, origin, aspect)  # fmt: skip

    def decoder(self) -> Any:
        """A new decoder, B-frames skipped."""
        ctx: Any = av.CodecContext.create(self.name, "r")
        if self.extradata:
            ctx.extradata = self.extradata
        ctx.width, ctx.height = self.width, self.height
        # one thread: the pass's decoder keeps the other core busy meanwhile, and frame
        # threads would each hold their own frame buffers (~30 MB more at 1080p)
        ctx.thread_count = 1
        ctx.skip_frame = "BIDIR"
        ctx.options = dict(self.options)
        ctx.open()  # here, so that a decoder wanting more than this says so at once
        return ctx


@dataclass(slots=True)
class DecodeStats:
    """How much of the video was actually decoded and looked at."""

    packets: int = 0
    decoded: int = 0
    sampled: int = 0
    dense_gops: int = 0
    keyframes: int = 0
    refined_spans: int = 0
    refined_frames: int = 0
    reopened: int = 0  # spans decoded again from the file (their packets were not held)
    errors: list[str] = field(default_factory=list)


@contextlib.contextmanager
def open_video(path: Path) -> Iterator[tuple[Any, Any, VideoFacts]]:
    """The opened container, its first video stream and the facts about it."""
    av.logging.set_level(None)
    try:
        with path.open("rb") as f, _demuxer(f) as container:
            streams = [s for s in container.streams.video if _is_motion(s)]
            if not streams:
                raise NoVideoStream("no video stream to search")
            stream = streams[0]
            yield container, stream, _facts(container, stream)
    except av.FFmpegError as exc:
        raise VideoError(_reason(exc)) from None
    except OSError as exc:
        raise VideoError(f"cannot be read: {exc.strerror or exc}") from None


@contextlib.contextmanager
def _demuxer(f: Any) -> Iterator[Any]:
    """FFmpeg's container on an open file; NotOpened when no demuxer takes it."""
    try:
        container = av.open(
            f, mode="r", metadata_errors="replace", timeout=(OPEN_TIMEOUT_S, OPEN_TIMEOUT_S)
        )
    except av.FFmpegError as exc:
        raise NotOpened(f"FFmpeg cannot open it: {_reason(exc)}") from None
    with container:
        yield container


def _is_motion(stream: Any) -> bool:
    """False for cover art and thumbnails stored as a one-picture video stream."""
    disposition = getattr(stream, "disposition", None)
    attached = getattr(type(disposition), "attached_pic", None)
    return not (attached is not None and disposition is not None and disposition & attached)


def _facts(container: Any, stream: Any) -> VideoFacts:
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    rate = Fraction(rate) if rate and 1 <= rate <= 1000 else DEFAULT_RATE
    duration = 0.0
    if stream.duration and stream.time_base:
        duration = float(stream.duration * stream.time_base)
    elif container.duration:
        duration = container.duration / 1_000_000
    tc = str(stream.metadata.get("timecode") or container.metadata.get("timecode") or "")
    start = parse_timecode(tc, rate) if tc else None
    ctx = stream.codec_context
    return VideoFacts(
        rate=rate,
        duration=max(0.0, duration),
        width=int(ctx.width or 0),
        height=int(ctx.height or 0),
        codec=str(ctx.name),
        start_frames=start or 0,
        start_timecode=tc if start is not None else "",
    )


def _reason(exc: Exception) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return str(text).split(": <")[0].strip() or type(exc).__name__


# Decoders that can scale down while decoding (FFmpeg's ``lowres``: the inverse DCT at 1/2,
# 1/4 or 1/8 size): JPEG 2000 (IMF masters), Motion JPEG, MPEG-1/2/4 part 2.
_LOWRES_CODECS = frozenset({"jpeg2000", "mjpeg", "mpeg4", "mpeg2video", "mpeg1video"})


def _prepare_decoder(stream: Any) -> None:
    """Threads on; B-frames not decoded at all (``skip_frame=BIDIR``): nothing refers to
    most of them, and the I and P frames left (every 1-4 frames, 0.04-0.16 s at 25 fps) are
    dense enough to place an edge within the 0.5 s asked, at a quarter of the decoding."""
    stream.thread_type = "AUTO"  # frame and slice threads: both cores on one stream
    ctx = stream.codec_context
    ctx.skip_frame = "BIDIR"
    level = lowres_level(str(ctx.name), int(ctx.width or 0), int(ctx.height or 0))
    if level:
        ctx.options = {**dict(ctx.options or {}), "lowres": str(level)}


def lowres_level(codec: str, width: int, height: int) -> int:
    """How many halvings the decoder itself may do and still leave at least the analysis
    size (0 for codecs that cannot, like H.264, HEVC and ProRes)."""
    if codec not in _LOWRES_CODECS:
        return 0
    level, side = 0, max(width, height)
    while level < 3 and side >> (level + 1) >= ANALYSIS_SIDE:
        level += 1
    return level


def iter_samples(
    path: Path,
    stats: DecodeStats,
    on_open: Callable[[VideoFacts], None] | None = None,
    max_gap: float = 2.0,
    step: float = 0.5,
    key_step: float = 0.4,
) -> Iterator[Frame]:
    """The frames worth looking at, in time order (see the module docstring); ``on_open``
    gets the video's facts once it is open, before the first frame."""
    with open_video(path) as (container, stream, facts):
        if on_open is not None:
            on_open(facts)
        _prepare_decoder(stream)
        plan = _GopPlan(path, stream, max_gap, step, key_step, stats)
        try:
            for packet in container.demux(stream):
                stats.packets += 1
                yield from plan.take(packet)
            yield from plan.finish()
        except _DECODE_ERRORS as exc:
            stats.errors.append(_reason(exc))


# What FFmpeg raises on damaged data; PyAV maps its error codes onto these.
_DECODE_ERRORS: tuple[type[Exception], ...] = (av.FFmpegError, ValueError, OSError, EOFError)


class _GopPlan:
    """Decides packet by packet what reaches the decoder (keyframes, or a long GOP's all)."""

    def __init__(
        self,
        path: Path,
        stream: Any,
        max_gap: float,
        step: float,
        key_step: float,
        stats: DecodeStats,
    ) -> None:
        self.stream, self.stats = stream, stats
        self.max_gap, self.step, self.key_step = max_gap, step, key_step
        self.tb = float(stream.time_base or Fraction(1, 90000))
        self.origin = _origin(stream, self.tb)  # pts time of the first frame
        self.aspect = pixel_aspect(stream)
        self.buffer: list[Any] = []  # non-key packets of the current GOP, while it is short
        self.dense = False
        self.gop_start = -1e9
        self.last_key = -1e9
        self.last_sample = -1e9
        self.pending: list[Pending] = []  # decoded since the last sample (long GOPs only)
        self.longest_gop = 0.0
        self.cuts: list[float] = []  # packet times of the latest scene-cut keyframes
        self.span_decoder = _SpanDecoder.of(path, stream, self.tb, self.origin, self.aspect)
        self.held: list[Any] | None = None  # packets since the last sampled keyframe
        self.held_bytes = 0
        self.spans: dict[float, Span] = {}  # by the time of the sample that ends them

    def take(self, packet: Any) -> Iterator[Frame]:
        """Frames to look at that this packet makes available."""
        when = _packet_time(packet, self.tb)
        if when is None:
            return
        if packet.is_keyframe:
            yield from self._keyframe(packet, when)
        elif self.dense:
            yield from self._decode(packet)
        else:
            self.buffer.append(packet)
            self._hold(packet)
            if when - self.gop_start > self.max_gap:  # a long GOP: decode it all
                self.dense = True
                self.held = None  # its frames will be at hand as the samples' ``earlier``
                self.stats.dense_gops += 1
                for held in self.buffer:
                    yield from self._decode(held)
                self.buffer.clear()

    def _hold(self, packet: Any) -> None:
        """Keep the packet for the span it belongs to (none past ``MAX_HELD_BYTES``)."""
        if self.held is None:
            return
        self.held_bytes += int(packet.size)
        if self.held_bytes > MAX_HELD_BYTES:
            self.held = None
        else:
            self.held.append(packet)

    def _close_span(self, packet: Any, when: float) -> None:
        """A keyframe to sample ends the span of packets held since the previous one."""
        if self.held:
            start = _packet_time(self.held[0], self.tb)
            if start is not None:
                end = round(when - self.origin, 6)
                self.spans[end] = Span(round(start - self.origin, 6), end, self.held,
                                       self.span_decoder, self.stats)  # fmt: skip
                for old in sorted(self.spans)[:-MAX_HELD_SPANS]:
                    del self.spans[old]
        self.held, self.held_bytes = [], 0
        self._hold(packet)

    def _keyframe(self, packet: Any, when: float) -> Iterator[Frame]:
        # Encoders close a GOP early at a scene cut (x264's scenecut resets its GOP count):
        # a GOP shorter than the longest seen so far ends on a cut.
        ended = when - self.gop_start
        if self.stats.keyframes >= 2 and ended < 0.9 * self.longest_gop:
            self.cuts.append(round(when, 6))
            del self.cuts[:-8]
        if self.stats.keyframes >= 1:
            self.longest_gop = max(self.longest_gop, ended)
        self.buffer.clear()
        self.dense = False
        self.gop_start = when
        self.stats.keyframes += 1
        if when - self.last_key >= self.key_step:  # intra-only streams: not every frame
            self.last_key = when
            self._close_span(packet, when)
            yield from self._decode(packet, key=True)
        else:
            self._hold(packet)

    def _decode(self, packet: Any, key: bool = False) -> Iterator[Frame]:
        try:
            frames = self.stream.codec_context.decode(packet)
        except _DECODE_ERRORS as exc:  # a damaged packet: go on with the next
            self.stats.errors.append(_reason(exc))
            return
        for frame in frames:
            yield from self._sample(frame)

    def _sample(self, frame: Any) -> Iterator[Frame]:
        self.stats.decoded += 1
        if frame.pts is None:
            return
        at = float(frame.pts) * self.tb - self.origin
        keyish = bool(getattr(frame, "key_frame", False))
        if not keyish and at - self.last_sample < self.step:
            if len(self.pending) < MAX_PENDING:
                self.pending.append(Pending(round(at, 6), frame, self.aspect))
            return
        self.last_sample = at
        self.stats.sampled += 1
        earlier, self.pending = tuple(self.pending), []
        cut = keyish and any(abs(at + self.origin - c) < 1e-3 for c in self.cuts)
        span = self.spans.pop(round(at, 6), None) if keyish and not earlier else None
        for old in [end for end in self.spans if end <= at]:  # their sample came and went
            del self.spans[old]
        yield Frame(round(at, 6), analysis_gray(frame, self.aspect), earlier, cut, span)

    def finish(self) -> Iterator[Frame]:
        """Frames the decoder still holds (frame threads delay them)."""
        try:
            frames = self.stream.codec_context.decode(None)
        except _DECODE_ERRORS as exc:
            self.stats.errors.append(_reason(exc))
            return
        for frame in frames:
            yield from self._sample(frame)


def _packet_time(packet: Any, tb: float) -> float | None:
    stamp = packet.pts if packet.pts is not None else packet.dts
    if stamp is None or packet.size == 0:
        return None
    return float(stamp) * tb


def pixel_aspect(stream: Any) -> float:
    """Width of a pixel over its height (anamorphic video is not 1.0); 1.0 when unknown."""
    sar = stream.sample_aspect_ratio or stream.codec_context.sample_aspect_ratio
    return float(sar) if sar and 0.25 <= float(sar) <= 4 else 1.0


def analysis_gray(frame: Any, aspect: float = 1.0) -> GrayImage:
    """The frame's luma at analysis size, with non-square pixels (``aspect``) made square."""
    luma = _luma(frame)
    height, width = luma.shape
    display_width = width * aspect
    scale = min(1.0, ANALYSIS_SIDE / max(display_width, height))
    size = (max(1, round(display_width * scale)), max(1, round(height * scale)))
    return np.asarray(cv2.resize(luma, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)


def _luma(frame: Any) -> GrayImage:
    """The luma plane as 8-bit grey, read from the frame's memory without a colour conversion."""
    name = frame.format.name
    if name in _EIGHT_BIT_YUV or name in _HIGH_BIT_YUV:
        plane = frame.planes[0]
        dtype = np.uint8 if name in _EIGHT_BIT_YUV else np.dtype("<u2")
        row = plane.line_size // np.dtype(dtype).itemsize
        data = np.frombuffer(plane, dtype=dtype).reshape(plane.height, row)[:, : frame.width]
        if dtype is np.uint8:
            return np.ascontiguousarray(data)
        bits = 16 if name.endswith("16le") else 12 if "12" in name else 10
        wide = np.asarray(data, dtype=np.uint16)
        return np.ascontiguousarray(np.right_shift(wide, bits - 8).clip(0, 255).astype(np.uint8))
    return np.asarray(frame.to_ndarray(format="gray"), dtype=np.uint8)


def frames_between(path: Path, start: float, end: float, stats: DecodeStats) -> list[Frame]:
    """Every frame shown from ``start`` to ``end`` seconds (at analysis size), decoded from
    the keyframe before ``start``; [] when the video cannot be sought or decoded there."""
    frames: list[Frame] = []
    stats.refined_spans += 1
    stats.reopened += 1
    try:
        with open_video(path) as (container, stream, _):
            _prepare_decoder(stream)
            tb = float(stream.time_base or Fraction(1, 90000))
            origin, aspect = _origin(stream, tb), pixel_aspect(stream)
            target = int((start + origin) / tb)
            container.seek(target, stream=stream, backward=True, any_frame=False)
            for frame in container.decode(stream):
                stats.refined_frames += 1
                if frame.pts is None:
                    continue
                at = float(frame.pts) * tb - origin
                if at > end + 1e-6:
                    break
                if at >= start - 1e-6:
                    frames.append(Frame(round(at, 6), analysis_gray(frame, aspect)))
    except (VideoError, av.FFmpegError, ValueError, OSError, EOFError) as exc:
        stats.errors.append(f"refining {start:.2f}-{end:.2f} s: {_reason(exc)}")
    return frames


def _origin(stream: Any, tb: float) -> float:
    """The pts time of the first frame (the stream's start time)."""
    return float(stream.start_time) * tb if stream.start_time is not None else 0.0
