"""Shot rendering (small transforms on BGR numpy frames) and H.264 encoding with PyAV.

A video is rendered frame by frame: each visible shot produces its frame, two shots are blended
during a dissolve, and the frame goes straight to the encoder, so memory holds one still per
visible shot and never the video. Colour transforms (grade, levels, black and white) are
pointwise, so they are applied once to the still, not to every frame.

Frames go to x264 as I420 made by ``cv2.cvtColor`` (limited-range BT.601, which the stream
signals): letting PyAV convert RGB costs ~60 ms per 1080p frame, this ~2 ms.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Protocol

import av
import cv2
import numpy as np
from cv2.typing import MatLike
from numpy.typing import NDArray

from bench.trace_lab.plan import Footage, Render, Shot, Video

Frame = NDArray[np.uint8]
_GRAIN_PAD = 48  # grain tiles are this much larger than the frame; each frame takes a random offset
_GRAIN_TILES = 4
# a moving disc of the warp footage: position, velocity (px per shot), radius, BGR colour
_Shape = tuple[NDArray[np.float64], NDArray[np.float64], float, tuple[float, ...]]


# ---------------------------------------------------------------------------- pure transforms


def _u8(mat: MatLike) -> Frame:
    """OpenCV's result typed as a uint8 array (no copy: it already is one)."""
    return np.asarray(mat, dtype=np.uint8)


def colour_lut(render: Render) -> NDArray[np.uint8] | None:
    """The (256, 1, 3) lookup table of a shot's grade and levels, or None for neither."""
    if render.grade is None and render.levels is None:
        return None
    x = np.arange(256, dtype=np.float64)
    channels = []
    for c in range(3):
        v = x
        if render.grade is not None:
            g = render.grade
            v = 255.0 * (v / 255.0) ** g["gammas"][c] * g["gains"][c] + g["offsets"][c]
        if render.levels is not None:
            v = (v - 128.0) * render.levels["contrast"] + 128.0 + render.levels["brightness"]
        channels.append(np.clip(np.round(v), 0, 255))
    return np.stack(channels, axis=1).reshape(256, 1, 3).astype(np.uint8)


def apply_lut(img: Frame, lut: NDArray[np.uint8]) -> Frame:
    """Per-channel tone curves."""
    return _u8(cv2.LUT(img, lut))


def to_bw(img: Frame) -> Frame:
    """Black and white (kept as 3 channels so a grade afterwards can tint it)."""
    return _u8(cv2.cvtColor(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR))


def prescale(img: Frame, factor: float) -> Frame:
    """Shrink with area averaging (no-op when ``factor >= 1``)."""
    if factor >= 1.0:
        return img
    size = (max(1, round(img.shape[1] * factor)), max(1, round(img.shape[0] * factor)))
    return _u8(cv2.resize(img, size, interpolation=cv2.INTER_AREA))


def window_at(start: list[float], end: list[float], t: float) -> list[float]:
    """Linear interpolation of two windows (x, y, w, h) at ``t`` in [0, 1]."""
    return [a + (b - a) * t for a, b in zip(start, end, strict=True)]


def warp_window(img: Frame, window: list[float], size: tuple[int, int]) -> Frame:
    """The sub-pixel ``window`` of ``img`` resampled to ``size`` (w, h): smooth Ken Burns moves."""
    x, y, w, h = window
    sx, sy = size[0] / w, size[1] / h
    matrix = np.array([[sx, 0.0, -x * sx], [0.0, sy, -y * sy]], dtype=np.float64)
    return _u8(
        cv2.warpAffine(img, matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    )


def crop_resize(img: Frame, window: list[float], size: tuple[int, int]) -> Frame:
    """A static window at whole pixels, area-resampled to ``size`` (best quality, done once)."""
    x, y, w, h = (round(v) for v in window)
    x, y = max(0, x), max(0, y)
    roi = img[y : y + max(1, h), x : x + max(1, w)]
    interp = cv2.INTER_AREA if roi.shape[1] > size[0] else cv2.INTER_CUBIC
    return _u8(cv2.resize(roi, size, interpolation=interp))


def place(canvas: Frame, content: Frame, rect: list[int], border: int = 0) -> Frame:
    """``content`` pasted into a copy of ``canvas`` at ``rect``, with an optional white frame."""
    out = canvas.copy()
    x, y, w, h = rect
    if border:
        cv2.rectangle(
            out,
            (x - border, y - border),
            (x + w + border - 1, y + h + border - 1),
            (235, 235, 235),
            -1,
        )
    out[y : y + h, x : x + w] = content
    return out


def add_grain(frame: Frame, noise: Frame) -> Frame:
    """Add zero-mean grain stored as ``noise`` centred on 128 (saturating)."""
    return _u8(cv2.addWeighted(frame, 1.0, noise, 1.0, -128.0))


def blend(outgoing: Frame, incoming: Frame, alpha: float) -> Frame:
    """Cross-dissolve: ``alpha`` is the incoming picture's weight."""
    return _u8(cv2.addWeighted(outgoing, 1.0 - alpha, incoming, alpha, 0.0))


def blurred(img: Frame, size: tuple[int, int]) -> Frame:
    """A heavily blurred, frame-filling version of a still (PiP background); blurred small."""
    small = cv2.resize(
        img, (max(8, size[0] // 8), max(8, size[1] // 8)), interpolation=cv2.INTER_AREA
    )
    small = cv2.GaussianBlur(small, (0, 0), 3.0)
    return _u8(cv2.resize(small, size, interpolation=cv2.INTER_LINEAR))


def cover(img: Frame, size: tuple[int, int], margin: float) -> Frame:
    """Resize to cover ``size`` enlarged by ``margin`` (room for camera moves), area-averaged."""
    w, h = size[0] * (1 + margin), size[1] * (1 + margin)
    scale = max(w / img.shape[1], h / img.shape[0])
    out = (max(size[0], round(img.shape[1] * scale)), max(size[1], round(img.shape[0] * scale)))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    return _u8(cv2.resize(img, out, interpolation=interp))


def to_i420(frame: Frame) -> Frame:
    """BGR to planar YUV 4:2:0 (limited-range BT.601), the encoder's input."""
    return _u8(cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420))


# ---------------------------------------------------------------------------- sources


def load_still(root: Path, rel: str) -> Frame:
    """A still from the output folder as BGR."""
    img = cv2.imread(str(root / rel), cv2.IMREAD_COLOR)
    if img is None:
        raise FileNotFoundError(root / rel)
    return _u8(img)


class Source(Protocol):
    """Anything that yields the k-th frame of a shot."""

    def frame(self, k: int) -> Frame: ...


class Grain:
    """Per-frame changing film grain: random offsets into a few pre-drawn noise tiles."""

    def __init__(self, size: tuple[int, int], sigma: float, rng: np.random.Generator) -> None:
        w, h = size
        self._size = size
        self._rng = rng
        self._tiles: list[Frame] = []
        for _ in range(_GRAIN_TILES):
            tile = np.empty((h + _GRAIN_PAD, w + _GRAIN_PAD), np.uint8)
            # OpenCV's RNG, seeded per video: fast and repeatable
            cv2.randn(tile, np.array([128.0]), np.array([sigma]))
            self._tiles.append(_u8(cv2.cvtColor(tile, cv2.COLOR_GRAY2BGR)))

    def noise(self) -> Frame:
        """A frame-sized grain field, different from the previous one."""
        tile = self._tiles[int(self._rng.integers(_GRAIN_TILES))]
        dx, dy = (int(v) for v in self._rng.integers(0, _GRAIN_PAD, 2))
        w, h = self._size
        return np.ascontiguousarray(tile[dy : dy + h, dx : dx + w])


class FootageSource:
    """Moving footage from distractor stills: a drifting perspective camera, or 2-layer parallax."""

    def __init__(self, spec: Footage, root: Path, size: tuple[int, int], frames: int) -> None:
        self._spec = spec
        self._size = size
        self._frames = max(1, frames)
        rng = np.random.default_rng(spec.seed)
        self._rng = rng
        base = load_still(root, spec.stills[0])
        if spec.style == "warp":
            self._src = cover(base, size, 0.25)
            self._phase = rng.uniform(0, 2 * math.pi, (4, 2))
            self._amp = rng.uniform(0.02, 0.06) * min(size)
            self._drift = rng.uniform(-0.1, 0.1, 2) * np.array(size)
            self._shapes = self._make_shapes(rng)
        else:
            self._src = _u8(cv2.GaussianBlur(cover(base, size, 0.3), (0, 0), 2.0))
            fg = load_still(root, spec.stills[1])
            scale = 0.8 * size[1] / fg.shape[0]
            self._fg = (
                prescale(fg, scale) if scale < 1 else _u8(cv2.resize(fg, None, fx=scale, fy=scale))
            )
            fh, fw = self._fg.shape[:2]
            mask = np.zeros((fh, fw), np.uint8)
            cy, cx = fh // 2, fw // 2
            cv2.ellipse(mask, (cx, cy), (int(cx * 0.9), int(cy * 0.95)), 0, 0, 360, 255, -1)
            self._mask = mask
            self._speeds = rng.uniform(0.02, 0.06), rng.uniform(0.15, 0.35)
        # light sensor noise only: strong per-pixel noise at 1080p CRF 20 halves x264's speed
        self._noise = Grain(size, float(rng.uniform(1, 3)), rng)

    def _make_shapes(self, rng: np.random.Generator) -> list[_Shape]:
        w, h = self._size
        shapes: list[_Shape] = []
        for _ in range(int(rng.integers(2, 7))):
            pos = rng.uniform(0, 1, 2) * (w, h)
            vel = rng.uniform(-0.4, 0.4, 2) * (w, h)
            radius = float(rng.uniform(0.02, 0.08) * h)
            colour = tuple(float(c) for c in rng.uniform(0, 255, 3))
            shapes.append((pos, vel, radius, colour))
        return shapes

    def frame(self, k: int) -> Frame:
        """The k-th frame of the footage."""
        t = k / self._frames
        out = self._warp(t) if self._spec.style == "warp" else self._parallax(t)
        return add_grain(out, self._noise.noise())

    def _warp(self, t: float) -> Frame:
        w, h = self._size
        sh, sw = self._src.shape[:2]
        mx, my = (sw - w) / 2, (sh - h) / 2
        corners = np.array([[mx, my], [mx + w, my], [mx + w, my + h], [mx, my + h]], np.float64)
        wobble = self._amp * np.sin(2 * math.pi * 0.7 * t + self._phase)
        src = (corners + wobble + self._drift * (t - 0.5)).astype(np.float32)
        dst = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
        frame = cv2.warpPerspective(
            self._src, cv2.getPerspectiveTransform(src, dst), (w, h), borderMode=cv2.BORDER_REFLECT
        )
        for pos, vel, radius, colour in self._shapes:
            p = pos + vel * t
            centre = (int(p[0]) % w, int(p[1]) % h)
            cv2.circle(frame, centre, int(radius), colour, -1, lineType=cv2.LINE_AA)
        return _u8(frame)

    def _parallax(self, t: float) -> Frame:
        w, h = self._size
        sh, sw = self._src.shape[:2]
        bx = int((sw - w) * (0.2 + 0.6 * t * self._speeds[0] / 0.06))
        frame = self._src[(sh - h) // 2 : (sh - h) // 2 + h, bx : bx + w].copy()
        fh, fw = self._fg.shape[:2]
        x = int(-fw + (w + fw) * (0.3 + t * self._speeds[1]))
        y = (h - fh) // 2
        x0, x1 = max(0, x), min(w, x + fw)
        if x1 > x0:
            # cv2.copyTo on contiguous copies: numpy boolean indexing costs ~50 ms at 1080p
            region = np.ascontiguousarray(frame[y : y + fh, x0:x1])
            fg = np.ascontiguousarray(self._fg[:, x0 - x : x1 - x])
            mask = np.ascontiguousarray(self._mask[:, x0 - x : x1 - x])
            frame[y : y + fh, x0:x1] = cv2.copyTo(fg, mask, region)
        return frame


class StillSource:
    """A still shot: windowed still in a rect over black, footage or a blurred still."""

    def __init__(self, shot: Shot, root: Path, size: tuple[int, int]) -> None:
        r = shot.render
        self._render = r
        self._size = size
        self._frames = max(1, shot.last_frame - shot.first_frame)
        rng = np.random.default_rng(r.seed)
        self._rng = rng
        assert shot.still is not None
        still = load_still(root, shot.still)
        rect_w = r.rect[2]
        biggest = max(r.window_start[2], r.window_end[2])
        zoom = biggest / min(r.window_start[2], r.window_end[2])
        # the widest window maps at >= 1/sqrt(zoom), the narrowest at <= sqrt(zoom): little
        # aliasing when zoomed out, little softening when zoomed in
        factor = min(1.0, rect_w * math.sqrt(zoom) / biggest)
        self._still = self._look(prescale(still, factor))
        self._scale = self._still.shape[1] / still.shape[1]
        self._background = self._make_background(root, rng)
        self._grain = Grain(size, r.grain, rng) if r.grain else None
        self._static: Frame | None = None
        if r.motion == "static" and not isinstance(self._background, FootageSource):
            self._static = self._compose(0)

    def _look(self, img: Frame) -> Frame:
        if self._render.bw:
            img = to_bw(img)
        lut = colour_lut(self._render)
        return apply_lut(img, lut) if lut is not None else img

    def _make_background(self, root: Path, rng: np.random.Generator) -> Frame | FootageSource:
        w, h = self._size
        bg = self._render.background
        if isinstance(bg, Footage):
            return FootageSource(bg, root, self._size, self._frames)
        if isinstance(bg, str):
            return blurred(load_still(root, bg.removeprefix("blur:")), self._size)
        return np.zeros((h, w, 3), np.uint8)

    def _content(self, k: int) -> Frame:
        r = self._render
        size = (r.rect[2], r.rect[3])
        t = k / (self._frames - 1) if self._frames > 1 else 0.0
        window = [v * self._scale for v in window_at(r.window_start, r.window_end, t)]
        if r.motion == "static":
            return crop_resize(self._still, window, size)
        return warp_window(self._still, window, size)

    def _compose(self, k: int) -> Frame:
        bg = self._background
        canvas = bg.frame(k) if isinstance(bg, FootageSource) else bg
        return place(canvas, self._content(k), self._render.rect, self._render.border)

    def frame(self, k: int) -> Frame:
        """The k-th visible frame of the shot."""
        out = self._static if self._static is not None else self._compose(k)
        return add_grain(out, self._grain.noise()) if self._grain else out


class FootageShot:
    """A footage shot: moving footage with the shot's look applied per frame."""

    def __init__(self, shot: Shot, root: Path, size: tuple[int, int]) -> None:
        r = shot.render
        assert r.footage is not None
        self._source = FootageSource(r.footage, root, size, shot.last_frame - shot.first_frame)
        self._render = r
        self._lut = colour_lut(r)
        self._grain = Grain(size, r.grain, np.random.default_rng(r.seed)) if r.grain else None

    def frame(self, k: int) -> Frame:
        """The k-th visible frame of the shot."""
        out = self._source.frame(k)
        if self._render.bw:
            out = to_bw(out)
        if self._lut is not None:
            out = apply_lut(out, self._lut)
        return add_grain(out, self._grain.noise()) if self._grain else out


def make_source(shot: Shot, root: Path, size: tuple[int, int]) -> Source:
    """The frame source of a shot."""
    if shot.kind == "footage":
        return FootageShot(shot, root, size)
    return StillSource(shot, root, size)


# ---------------------------------------------------------------------------- encoding


class H264Writer:
    """An MP4 H.264 writer (libx264 inside PyAV) taking BGR frames."""

    def __init__(self, path: Path, video: Video, threads: int = 1) -> None:
        self._out = av.open(str(path), "w")
        stream = self._out.add_stream("libx264", rate=video.rate)
        stream.width, stream.height, stream.pix_fmt = video.width, video.height, "yuv420p"
        params = [
            "cpu-independent=1",
            f"threads={threads}",
            # what cv2's I420 conversion produces: limited-range BT.601
            "colorprim=smpte170m",
            "transfer=smpte170m",
            "colormatrix=smpte170m",
        ]
        options: dict[str, object] = {"crf": str(video.crf), "preset": "veryfast"}
        if video.gop_frames:
            # streaming/broadcast style: a key frame every 2 s exactly, no scene-cut key frames
            g = video.gop_frames
            params += [f"keyint={g}", f"min-keyint={g}", "scenecut=0"]
            options["g"] = str(g)
        options["x264-params"] = ":".join(params)
        stream.options = options
        self._stream = stream
        self._time_base = Fraction(1) / video.rate
        self._count = 0

    def write(self, frame: Frame) -> None:
        """Encode one BGR frame."""
        vf = av.VideoFrame.from_ndarray(to_i420(frame), format="yuv420p")
        vf.pts = self._count
        vf.time_base = self._time_base
        self._count += 1
        for packet in self._stream.encode(vf):
            self._out.mux(packet)

    def close(self) -> None:
        """Flush the encoder and finish the file."""
        for packet in self._stream.encode():
            self._out.mux(packet)
        self._out.close()


# ---------------------------------------------------------------------------- videos


@dataclass
class _Active:
    shot: Shot
    source: Source


def _frame_at(f: int, active: list[_Active]) -> Frame:
    """The output frame: one shot, or two blended during a dissolve."""
    if len(active) == 1:
        a = active[0]
        return a.source.frame(f - a.shot.first_frame)
    out, inc = active[0], active[1]
    d = inc.shot.dissolve_in_frames
    alpha = (f - inc.shot.first_frame + 1) / (d + 1)
    return blend(
        out.source.frame(f - out.shot.first_frame),
        inc.source.frame(f - inc.shot.first_frame),
        alpha,
    )


def render_video(video: Video, root: Path, threads: int = 1) -> dict[str, float]:
    """Render and encode ``video`` to ``root / video.path`` (atomically); returns timing."""
    cv2.setRNGSeed(video.seed)
    size = (video.width, video.height)
    target = root / video.path
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.stem + ".partial.mp4")
    writer = H264Writer(tmp, video, threads)
    shots = sorted(video.shots, key=lambda s: s.first_frame)
    active: list[_Active] = []
    upcoming = 0
    started = time.perf_counter()
    for f in range(video.frames):
        active = [a for a in active if a.shot.last_frame > f]
        while upcoming < len(shots) and shots[upcoming].first_frame <= f:
            active.append(_Active(shots[upcoming], make_source(shots[upcoming], root, size)))
            upcoming += 1
        writer.write(_frame_at(f, active))
    writer.close()
    os.replace(tmp, target)
    seconds = time.perf_counter() - started
    return {"frames": float(video.frames), "seconds": seconds, "fps": video.frames / seconds}


def verify_video(path: Path, video: Video) -> list[str]:
    """Decode the file back: frame count, size, rate, timestamps and fixed GOPs against the plan."""
    problems: list[str] = []
    count = 0
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        if (stream.codec_context.width, stream.codec_context.height) != (video.width, video.height):
            problems.append(f"size {stream.codec_context.width}x{stream.codec_context.height}")
        if stream.average_rate is not None and Fraction(stream.average_rate) != video.rate:
            problems.append(f"rate {stream.average_rate} != {video.fps_fraction}")
        for frame in container.decode(stream):
            expected = count / float(video.rate)
            off = frame.time is None or abs(frame.time - expected) > 0.5 / float(video.rate)
            if off and len(problems) < 5:
                problems.append(f"frame {count} at {frame.time}, expected {expected:.4f}")
            g = video.gop_frames
            if g and frame.key_frame != (count % g == 0) and len(problems) < 5:
                problems.append(f"frame {count}: key_frame={frame.key_frame} with a {g}-frame GOP")
            count += 1
    if count != video.frames:
        problems.append(f"{count} frames decoded, {video.frames} planned")
    return problems
