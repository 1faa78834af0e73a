"""The seeded plan of the evaluation videos: profiles, shots, framing geometry and ground truth.

Everything here is arithmetic on still sizes and random draws from one seeded generator, so the
same seed and still set give the same plan (and the same ``plan_hash``). Rendering reads the plan;
it never draws anything that changes the truth.

Timing rules (all in frames; seconds are ``frame / fps``):

- shots tile the timeline: shot *i* owns frames ``[start_frame, end_frame)`` and the next shot
  starts where it ends;
- a cut at boundary *b* switches pictures at frame *b*;
- a dissolve of *D* frames at boundary *b* blends frames ``[a, a + D)`` with
  ``a = b - ceil((D - 1) / 2)``; the incoming picture's weight on frame ``a + k`` is
  ``(k + 1) / (D + 1)``, so *b* is the first frame where it is at least half visible: the
  truth ``start`` of the incoming shot and ``end`` of the outgoing one. ``first_frame`` /
  ``last_frame`` give the frames where a shot is visible at all (dissolve tails included).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from fractions import Fraction
from typing import Any, TypeVar

import numpy as np

from bench.trace_lab.stills import Still

PLAN_VERSION = 3  # bump when the plan or the renderer changes what a video looks like
T = TypeVar("T")
Rng = np.random.Generator

# Shot-level transforms a still shot can draw ("pan-zoom"/"static" is drawn separately).
OPTIONAL = (
    "crop",
    "letterbox",
    "pillarbox",
    "grade",
    "levels",
    "bw",
    "grain",
    "pip",
    "dissolve-in",
    "dissolve-out",
)
_FRAMINGS = ("letterbox", "pillarbox", "pip")  # mutually exclusive
_K_WEIGHTS = (0.06, 0.17, 0.32, 0.27, 0.18)  # how many optional transforms: 0..4
# letterboxing is only possible for landscape stills (~40% of them): draw it more when it is
_BOOST = {"letterbox": 6.0}
_MIN_LETTERBOX = 0.24
_MIN_AREA = 0.78  # an aspect change may crop at most 22% (with "crop": 25%) of the still
_LETTERBOX_ASPECTS = (1.85, 2.0, 2.2, 2.39)
_PILLARBOX_ASPECTS = (0.75, 1.0, 1.333, 1.5)


@dataclass(frozen=True)
class Profile:
    """How one video is delivered."""

    width: int
    height: int
    fps: Fraction
    crf: int
    gop: str  # "default" (x264 keyint 250 + scenecut) | "2s" (fixed 2-second GOP)


@dataclass(frozen=True)
class PlanConfig:
    """How much material to plan."""

    min_reference_shots: int
    reference_video_seconds: dict[int, tuple[float, float]]  # by height: 1080p encodes slowly
    distractor_seconds: float
    distractor_video_seconds: tuple[float, float]
    unused_reference_share: float  # references listed but never shown (the log lists cut stills)


FULL = PlanConfig(155, {1080: (60.0, 80.0), 720: (90.0, 130.0)}, 3630.0, (290.0, 330.0), 0.1)
QUICK = PlanConfig(30, {1080: (60.0, 70.0), 720: (60.0, 80.0)}, 180.0, (180.0, 180.0), 0.0)

_NTSC = Fraction(30000, 1001)
# Reference-set profiles, cycled: half 1080p (CRF 20-23, crf drawn per video), half 720p CRF 30;
# mostly 25 fps, some 24 and 29.97; a fixed 2 s GOP on some, x264's defaults on the rest.
_REFERENCE_PROFILES = (
    (1920, 1080, Fraction(25), "default"),
    (1280, 720, Fraction(25), "default"),
    (1920, 1080, _NTSC, "2s"),
    (1280, 720, Fraction(24), "2s"),
    (1920, 1080, Fraction(25), "2s"),
    (1280, 720, _NTSC, "default"),
    (1920, 1080, Fraction(24), "default"),
    (1280, 720, Fraction(25), "2s"),
)
DISTRACTOR_SIZE = (640, 360)  # small so an hour of it encodes in minutes on 2 cores


@dataclass
class Footage:
    """Moving footage built from distractor stills (never a reference)."""

    style: str  # "warp" (perspective camera move + moving shapes) | "parallax" (two layers)
    stills: list[str]
    seed: int


@dataclass
class Render:
    """Everything the renderer needs for one shot beyond the truth fields."""

    framing: str  # "fill" | "letterbox" | "pillarbox" | "pip" | "footage"
    rect: list[int]  # where the still lands in the frame: x, y, w, h
    window_start: list[float]  # the part of the still shown on the first visible frame
    window_end: list[float]  # ... and on the last (linear in between): x, y, w, h in still px
    motion: str  # "static" | "zoom-in" | "zoom-out" | "pan"
    grade: dict[str, list[float]] | None = None  # per-channel gains, gammas, offsets (B, G, R)
    levels: dict[str, float] | None = None  # contrast, brightness
    bw: bool = False
    grain: float | None = None  # sigma on 0-255
    border: int = 0  # picture-in-picture frame width in px
    background: Footage | str | None = None  # pip: footage, or a still path shown blurred
    footage: Footage | None = None
    seed: int = 0


@dataclass
class Shot:
    """One shot with its ground truth (seconds and frames) and render parameters."""

    kind: str  # "reference" | "distractor" | "footage"
    still: str | None
    start: float
    end: float
    start_frame: int
    end_frame: int
    first_frame: int
    last_frame: int
    dissolve_in_frames: int
    dissolve_out_frames: int
    transforms: list[str]
    zoom: float
    crop_area: float
    render: Render


@dataclass
class Video:
    """One planned video file."""

    path: str
    set: str  # "reference" | "distractor"
    width: int
    height: int
    fps: float
    fps_fraction: str
    frames: int
    duration: float
    crf: int
    gop: str
    gop_frames: int | None
    seed: int
    shots: list[Shot] = field(default_factory=list)

    @property
    def rate(self) -> Fraction:
        """The exact frame rate."""
        return Fraction(self.fps_fraction)


# ---------------------------------------------------------------------------- random helpers


def _pick(rng: Rng, items: Sequence[T]) -> T:
    return items[int(rng.integers(len(items)))]


def _u(rng: Rng, low: float, high: float) -> float:
    return float(rng.uniform(low, high))


def _r(value: float) -> float:
    """Round for the JSON (the renderer uses the rounded values, so truth == render)."""
    return round(value, 3)


class Deck:
    """Cycles through items in shuffled rounds, so usage stays even."""

    def __init__(self, items: Sequence[str], rng: Rng) -> None:
        self._items = list(items)
        self._rng = rng
        self._queue: list[str] = []

    def draw(self, avoid: Sequence[str] = ()) -> str:
        """The next item, skipping (and keeping for later) up to a few in ``avoid``."""
        for _ in range(len(self._items) + 1):
            if not self._queue:
                self._queue = [self._items[i] for i in self._rng.permutation(len(self._items))]
            item = self._queue.pop(0)
            if item not in avoid or len(self._items) <= len(avoid):
                return item
            self._queue.append(item)
        return self._queue.pop(0)


# ---------------------------------------------------------------------------- geometry


def area_fraction(aspect_a: float, aspect_b: float) -> float:
    """Share of a picture of aspect ``a`` kept by the largest window of aspect ``b``."""
    return min(aspect_a, aspect_b) / max(aspect_a, aspect_b)


def framing_options(still_aspect: float, frame_aspect: float) -> dict[str, list[float]]:
    """Feasible display aspects per framing (none crops more than ``_MIN_AREA`` allows)."""
    wide = [a for a in _LETTERBOX_ASPECTS if a > frame_aspect * 1.02]
    if still_aspect > frame_aspect * 1.02:
        wide.append(still_aspect)
    narrow = [a for a in _PILLARBOX_ASPECTS if a < frame_aspect / 1.02]
    if still_aspect < frame_aspect / 1.02:
        narrow.append(still_aspect)
    ok = [frame_aspect] if area_fraction(still_aspect, frame_aspect) >= _MIN_AREA else []
    return {
        "fill": ok,
        "letterbox": [a for a in wide if area_fraction(still_aspect, a) >= _MIN_AREA],
        "pillarbox": [a for a in narrow if area_fraction(still_aspect, a) >= _MIN_AREA],
        "pip": [still_aspect],
    }


def _largest_window(sw: int, sh: int, aspect: float, area: float, rng: Rng) -> list[float]:
    """A window of ``aspect`` covering ``area`` of the biggest such window, placed at random."""
    w, h = (sw, sw / aspect) if sw / sh <= aspect else (sh * aspect, sh)
    scale = math.sqrt(area)
    w, h = w * scale, h * scale
    return [_u(rng, 0, max(0.0, sw - w)), _u(rng, 0, max(0.0, sh - h)), w, h]


def _sub_window(outer: list[float], zoom: float, rng: Rng) -> list[float]:
    """A window ``zoom`` times smaller than ``outer``, somewhere inside it."""
    x, y, w, h = outer
    sw, sh = w / zoom, h / zoom
    return [x + _u(rng, 0, w - sw), y + _u(rng, 0, h - sh), sw, sh]


def _motion(
    rng: Rng, big: list[float], sw: int, sh: int
) -> tuple[str, list[float], list[float], float]:
    """Ken Burns move over the still: (motion, start window, end window, zoom)."""
    x, y, w, h = big
    room_x, room_y = sw - w, sh - h
    can_pan = max(room_x / w, room_y / h) > 0.05
    motion = _pick(rng, ["zoom-in", "zoom-out", "pan"] if can_pan else ["zoom-in", "zoom-out"])
    if motion == "pan":
        # travel most of the free range along the roomier axis
        if room_x / w >= room_y / h:
            a, b = sorted((_u(rng, 0, 0.2) * room_x, _u(rng, 0.8, 1.0) * room_x))
            start, end = [a, y, w, h], [b, y, w, h]
        else:
            a, b = sorted((_u(rng, 0, 0.2) * room_y, _u(rng, 0.8, 1.0) * room_y))
            start, end = [x, a, w, h], [x, b, w, h]
        if rng.random() < 0.5:
            start, end = end, start
        return motion, start, end, 1.0
    zoom = _u(rng, 1.15, 1.5)
    small = _sub_window(big, zoom, rng)
    if motion == "zoom-in":
        return motion, big, small, zoom
    return motion, small, big, zoom


def _display_rect(framing: str, aspect: float, width: int, height: int, rng: Rng) -> list[int]:
    """Where the still lands: the whole frame, a centred boxed rectangle, or a PiP rectangle."""
    if framing == "fill":
        return [0, 0, width, height]
    if framing in ("letterbox", "pillarbox"):
        w = min(width, round(height * aspect))
        h = min(height, round(width / aspect))
        w, h = w - w % 2, h - h % 2
        return [(width - w) // 2, (height - h) // 2, w, h]
    pw = _u(rng, 0.5, 0.8) * width
    ph = pw / aspect
    if ph > 0.9 * height:  # a portrait still: its height, not its width, sets the size
        ph = _u(rng, 0.72, 0.9) * height
        pw = ph * aspect
    margin_x, margin_y = 0.03 * width, 0.04 * height
    x = _u(rng, margin_x, max(margin_x, width - pw - margin_x))
    y = _u(rng, margin_y, max(margin_y, height - ph - margin_y))
    return [round(x), round(y), round(pw), round(ph)]


# ---------------------------------------------------------------------------- transforms


def _choose_transforms(
    rng: Rng, counts: Counter[str], done: int, options: dict[str, list[float]]
) -> set[str]:
    """0-4 optional transforms, favouring those that are rare so far (inverse share weights)."""
    k = int(rng.choice(len(_K_WEIGHTS), p=np.array(_K_WEIGHTS)))
    pool = [t for t in OPTIONAL if t not in _FRAMINGS or options[t]]
    chosen: set[str] = set()
    while len(chosen) < k and pool:
        weights = np.array([_BOOST.get(t, 1.0) / (0.05 + counts[t] / max(1, done)) for t in pool])
        pick = pool[int(rng.choice(len(pool), p=weights / weights.sum()))]
        chosen.add(pick)
        pool = [t for t in pool if t != pick and not (pick in _FRAMINGS and t in _FRAMINGS)]
    # letterboxing fits only landscape stills: whenever it fits and is still rare, take it
    rare = counts["letterbox"] < _MIN_LETTERBOX * done
    if options["letterbox"] and rare and not chosen & set(_FRAMINGS):
        chosen.add("letterbox")
    return chosen


def _framing(wanted: set[str], options: dict[str, list[float]], still_aspect: float) -> str:
    for name in _FRAMINGS:
        if name in wanted:
            return name
    if options["fill"]:
        return "fill"
    return "letterbox" if options["letterbox"] else "pillarbox"


def _look(rng: Rng, wanted: set[str], render: Render) -> None:
    """Colour and grain parameters for the wanted transforms."""
    if "grade" in wanted:
        render.grade = {
            "gains": [_r(_u(rng, 0.8, 1.2)) for _ in range(3)],
            "gammas": [_r(_u(rng, 0.8, 1.25)) for _ in range(3)],
            "offsets": [_r(_u(rng, -14, 14)) for _ in range(3)],
        }
    if "levels" in wanted:
        contrast = _pick(rng, [_u(rng, 0.65, 0.88), _u(rng, 1.12, 1.4)])
        render.levels = {"contrast": _r(contrast), "brightness": _r(_u(rng, -40, 40))}
    render.bw = "bw" in wanted
    if "grain" in wanted:
        render.grain = _r(_u(rng, 4, 12))


def _still_render(
    rng: Rng, still: Still, profile: Profile, wanted: set[str], background: Footage | str | None
) -> tuple[Render, float, float]:
    """Framing, windows and look of a still shot; returns (render, zoom, crop_area)."""
    sw, sh = still.width, still.height
    options = framing_options(sw / sh, profile.width / profile.height)
    framing = _framing(wanted, options, sw / sh)
    aspect = _pick(rng, options[framing])
    base = area_fraction(sw / sh, aspect)
    extra = _u(rng, 0.75, 0.9) / base if "crop" in wanted else 1.0
    big = _largest_window(sw, sh, aspect, min(1.0, extra), rng)
    if "pan-zoom" in wanted:
        motion, start, end, zoom = _motion(rng, big, sw, sh)
    else:
        motion, start, end, zoom = "static", big, big, 1.0
    render = Render(
        framing=framing,
        rect=_display_rect(framing, aspect, profile.width, profile.height, rng),
        window_start=[_r(v) for v in start],
        window_end=[_r(v) for v in end],
        motion=motion,
        seed=int(rng.integers(1 << 31)),
    )
    if framing == "pip":
        render.border = _pick(rng, [0, 0, 4, 8, 12])
        render.background = background
    _look(rng, wanted, render)
    crop_area = (big[2] * big[3]) / (sw * sh)
    return render, _r(zoom), _r(crop_area)


def _labels(render: Render, zoom: float, crop_area: float) -> list[str]:
    """The transforms a shot actually shows (dissolves and the encode are added later)."""
    labels = ["static" if render.motion == "static" else "pan-zoom"]
    if crop_area < 0.95:
        labels.append("crop")
    if render.framing in ("letterbox", "pillarbox", "pip"):
        labels.append(render.framing)
    labels += [n for n, on in (("grade", render.grade), ("levels", render.levels)) if on]
    labels += [n for n, on in (("bw", render.bw), ("grain", render.grain)) if on]
    return labels


# ---------------------------------------------------------------------------- sequencing


@dataclass
class _Draft:
    """A shot before the timeline is laid out."""

    kind: str
    still: str | None
    frames: int
    render: Render
    zoom: float
    crop_area: float
    labels: list[str]
    wants_in: bool
    wants_out: bool


@dataclass
class _State:
    """Decks and counters shared by all videos of a plan."""

    rng: Rng
    stills: dict[str, Still]
    references: Deck
    distractors: Deck
    counts: dict[str, Counter[str]]
    done: Counter[str]


def _footage(state: _State) -> Footage:
    rng = state.rng
    style = _pick(rng, ["warp", "warp", "parallax"])
    n = 1 if style == "warp" else 2
    stills = [state.distractors.draw() for _ in range(n)]
    return Footage(style, stills, int(rng.integers(1 << 31)))


def _pip_background(state: _State) -> Footage | str:
    if state.rng.random() < 0.5:
        return _footage(state)
    return "blur:" + state.distractors.draw()


def _still_draft(state: _State, kind: str, still: str, profile: Profile, fps: float) -> _Draft:
    rng = state.rng
    info = state.stills[still]
    options = framing_options(info.width / info.height, profile.width / profile.height)
    wanted = _choose_transforms(rng, state.counts[kind], state.done[kind], options)
    if rng.random() < 0.55:
        wanted.add("pan-zoom")
    background = _pip_background(state) if "pip" in wanted else None
    render, zoom, crop = _still_render(rng, info, profile, wanted, background)
    state.counts[kind].update(wanted)
    state.done[kind] += 1
    frames = (
        round(_u(rng, 3.0, 8.0) * fps) if kind == "reference" else round(_u(rng, 2.5, 5.0) * fps)
    )
    labels = _labels(render, zoom, crop)
    return _Draft(
        kind,
        still,
        frames,
        render,
        zoom,
        crop,
        labels,
        "dissolve-in" in wanted,
        "dissolve-out" in wanted,
    )


def _footage_draft(state: _State, profile: Profile, fps: float) -> _Draft:
    rng = state.rng
    wanted = {t for t in ("grade", "levels", "bw", "grain") if rng.random() < 0.2}
    w, h = profile.width, profile.height
    render = Render(
        "footage",
        [0, 0, w, h],
        [0, 0, w, h],
        [0, 0, w, h],
        "footage",
        seed=int(rng.integers(1 << 31)),
    )
    render.footage = _footage(state)
    _look(rng, wanted, render)
    labels = ["footage-" + render.footage.style, *sorted(wanted)]
    frames = round(_u(rng, 2.0, 5.0) * fps)
    return _Draft(
        "footage", None, frames, render, 1.0, 1.0, labels, rng.random() < 0.2, rng.random() < 0.2
    )


def _sequence(state: _State, profile: Profile, video_set: str, target_frames: int) -> list[_Draft]:
    """Shots until the target length: references interleaved with distractor stills and footage."""
    rng = state.rng
    fps = float(profile.fps)
    drafts: list[_Draft] = []
    recent: list[str] = []
    total = 0
    while total < target_frames:
        previous = drafts[-1].kind if drafts else ""
        p_ref = 0.15 if previous == "reference" else 0.75
        if video_set == "reference" and rng.random() < p_ref:
            ref = state.references.draw(avoid=recent[-4:])
            recent.append(ref)
            draft = _still_draft(state, "reference", ref, profile, fps)
        elif rng.random() < 0.6:
            draft = _still_draft(state, "distractor", state.distractors.draw(), profile, fps)
        else:
            draft = _footage_draft(state, profile, fps)
        drafts.append(draft)
        total += draft.frames
    return drafts


def _dissolve_frames(rng: Rng, fps: float) -> int:
    return round(_u(rng, 0.5, 1.0) * fps)


def _layout(rng: Rng, drafts: list[_Draft], profile: Profile, encode_tag: str) -> list[Shot]:
    """Place the drafts on the timeline, resolve dissolves, compute truth times."""
    fps = float(profile.fps)
    rate = profile.fps
    bounds = [0]
    for d in drafts:
        bounds.append(bounds[-1] + d.frames)
    # boundary j sits between draft j-1 and draft j; 0 means a cut
    dissolves = [0] * (len(drafts) + 1)
    for j in range(1, len(drafts)):
        if drafts[j - 1].wants_out or drafts[j].wants_in:
            dissolves[j] = _dissolve_frames(rng, fps)
    shots: list[Shot] = []
    for i, d in enumerate(drafts):
        d_in, d_out = dissolves[i], dissolves[i + 1]
        first = bounds[i] - math.ceil((d_in - 1) / 2) if d_in else bounds[i]
        last = bounds[i + 1] + (d_out - math.ceil((d_out - 1) / 2)) if d_out else bounds[i + 1]
        labels = list(d.labels)
        labels += [n for n, on in (("dissolve-in", d_in), ("dissolve-out", d_out)) if on]
        labels.append(encode_tag)
        shots.append(
            Shot(
                kind=d.kind,
                still=d.still,
                start=round(float(bounds[i] / rate), 6),
                end=round(float(bounds[i + 1] / rate), 6),
                start_frame=bounds[i],
                end_frame=bounds[i + 1],
                first_frame=first,
                last_frame=last,
                dissolve_in_frames=d_in,
                dissolve_out_frames=d_out,
                transforms=labels,
                zoom=d.zoom,
                crop_area=d.crop_area,
                render=d.render,
            )
        )
    return shots


def _encode_tag(profile: Profile) -> str:
    if profile.height >= 1080:
        return "crf20-23-1080p"
    if profile.height >= 720:
        return "crf30-720p"
    return f"{profile.height}p"


def _video(state: _State, path: str, video_set: str, profile: Profile, seconds: float) -> Video:
    fps = float(profile.fps)
    drafts = _sequence(state, profile, video_set, round(seconds * fps))
    shots = _layout(state.rng, drafts, profile, _encode_tag(profile))
    frames = shots[-1].end_frame
    gop_frames = round(2 * fps) if profile.gop == "2s" else None
    return Video(
        path=path,
        set=video_set,
        width=profile.width,
        height=profile.height,
        fps=round(fps, 6),
        fps_fraction=f"{profile.fps.numerator}/{profile.fps.denominator}",
        frames=frames,
        duration=round(float(frames / profile.fps), 6),
        crf=profile.crf,
        gop=profile.gop,
        gop_frames=gop_frames,
        seed=int(state.rng.integers(1 << 31)),
        shots=shots,
    )


def _reference_profile(rng: Rng, index: int) -> Profile:
    w, h, fps, gop = _REFERENCE_PROFILES[index % len(_REFERENCE_PROFILES)]
    crf = int(rng.integers(20, 24)) if h >= 1080 else 30
    return Profile(w, h, fps, crf, gop)


def _distractor_profile(rng: Rng, index: int) -> Profile:
    fps = Fraction(24) if index % 3 == 2 else Fraction(25)
    return Profile(
        *DISTRACTOR_SIZE, fps, int(rng.integers(23, 31)), "2s" if index % 2 else "default"
    )


def make_plan(stills: list[Still], seed: int, config: PlanConfig) -> dict[str, Any]:
    """The whole plan as truth.json's structure (without the hash), deterministic in its inputs."""
    rng = np.random.default_rng([seed, 10])
    refs = [s.path for s in stills if s.role == "reference"]
    unused = set(refs[: round(len(refs) * config.unused_reference_share)])
    state = _State(
        rng=rng,
        stills={s.path: s for s in stills},
        references=Deck([r for r in refs if r not in unused], rng),
        distractors=Deck([s.path for s in stills if s.role == "distractor"], rng),
        counts={"reference": Counter(), "distractor": Counter()},
        done=Counter(),
    )
    videos: list[Video] = []
    while sum(s.kind == "reference" for v in videos for s in v.shots) < config.min_reference_shots:
        profile = _reference_profile(rng, len(videos))
        seconds = _u(rng, *config.reference_video_seconds[profile.height])
        videos.append(
            _video(state, f"videos/ref_{len(videos):02d}.mp4", "reference", profile, seconds)
        )
    n_ref = len(videos)
    while sum(v.duration for v in videos[n_ref:]) < config.distractor_seconds:
        index = len(videos) - n_ref
        seconds = min(_u(rng, *config.distractor_video_seconds), config.distractor_seconds)
        profile = _distractor_profile(rng, index)
        videos.append(
            _video(state, f"videos/distractor_{index:02d}.mp4", "distractor", profile, seconds)
        )
    return {
        "seed": seed,
        "plan_version": PLAN_VERSION,
        "distractor_resolution": f"{DISTRACTOR_SIZE[0]}x{DISTRACTOR_SIZE[1]}",
        "videos": [asdict(v) for v in videos],
        "references": refs,
        "unused_references": sorted(unused),
        "distractors": [s.path for s in stills if s.role == "distractor"],
        "stills": {s.path: {k: v for k, v in asdict(s).items() if k != "path"} for s in stills},
    }


def video_from_dict(data: dict[str, Any]) -> Video:
    """Rebuild a ``Video`` (with its shots and render parameters) from its truth.json form."""
    shots = []
    for s in data["shots"]:
        r = dict(s["render"])
        for key in ("footage", "background"):
            if isinstance(r.get(key), dict):
                r[key] = Footage(**r[key])
        shots.append(Shot(**{**s, "render": Render(**r)}))
    known = {f.name for f in fields(Video)}  # truth.json adds e.g. "hash"
    return Video(**{k: v for k, v in data.items() if k in known and k != "shots"}, shots=shots)


def digest(obj: Any) -> str:
    """A short stable hash of a JSON-able object."""
    raw = json.dumps(obj, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def video_hash(video: dict[str, Any], stills: dict[str, Any]) -> str:
    """Hash of what a video file depends on: its plan entry and the bytes of its stills."""
    used: set[str] = set()
    for shot in video["shots"]:
        r = shot["render"]
        used.update(p for p in [shot["still"]] if p)
        for key in ("footage", "background"):
            value = r.get(key)
            if isinstance(value, dict):
                used.update(value["stills"])
            elif isinstance(value, str):
                used.add(value.removeprefix("blur:"))
    shas = {p: stills[p]["sha256"] for p in sorted(used)}
    return digest({"version": PLAN_VERSION, "video": video, "stills": shas})
