"""Video and audio benchmark: provscan against ``exiftool -r -json -fast``, and provscan's cost
per video file (milliseconds and bytes read) with the in-process API.

The folder: 20 ten-second 1920x1080 24 fps clips (H.264 when PyAV has an encoder for it,
else MPEG-4 part 2; 4-8 Mbit/s of moving gradient + grain, AAC stereo; MP4 and MOV, half
with the ``moov`` box first; container tags, some MOVs with ``com.apple.quicktime.*`` keys)
and 20 thirty-second audio files (10 WAV 48 kHz 24-bit with RIFF INFO, half BWF ``bext``,
some with an ID3 chunk written by mutagen; 10 MP3 with ID3 tags written by mutagen). One
file in five carries a C2PA manifest (bench/signing.py). Two clips carry an AI marker:
clip 4 a ComfyUI (VideoHelperSuite-style) ``comment`` tag, clip 7 a C2PA manifest with
trainedAlgorithmicMedia. Generation is deterministic (fixed seeds), runs across cores and
is cached under ``bench/out/media/`` with a stamp beside the folder.

Bytes read per file are the growth of ``rchar`` in ``/proc/self/io`` around the file's
scan: every read syscall of the process, Python's and the native libraries' (FFmpeg,
c2pa-rs) alike; memory-mapped reads are not counted. Linux only; elsewhere it is skipped.

Run::

    .venv/bin/python -m bench.media                 # generate once, then 5 rounds
    .venv/bin/python -m bench.media --rounds 9 --no-profile
    .venv/bin/python -m bench.media --clips 4 --wavs 2 --mp3s 2 --rounds 1  # smoke run

Target: metadata + C2PA for a video file in at most 20 ms (median, in-process, warm page
cache) without decoding a frame: an unsigned clip must not be read in full.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import math
import multiprocessing
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
from mutagen.id3 import COMM, ID3, TALB, TDRC, TIT2, TPE1, TSSE, TXXX
from mutagen.mp3 import MP3
from mutagen.wave import WAVE

from bench import common
from bench.signing import CAPTURE, TRAINED, BenchSigner, manifest

GENERATOR_VERSION = 1  # bump when the generated content changes, to invalidate caches
DEFAULT_CLIPS, DEFAULT_WAVS, DEFAULT_MP3S, DEFAULT_SEED = 20, 10, 10, 20261125
WIDTH, HEIGHT, FPS, CLIP_SECONDS = 1920, 1080, 24, 10
AUDIO_RATE, AUDIO_SECONDS = 48_000, 30
H264_ENCODERS = ("libx264", "libopenh264", "h264")  # first one PyAV can open wins
SIGN_EVERY = 5  # index % 5 == 2: one file in five carries a C2PA manifest
COMFYUI_CLIP, TRAINED_CLIP = 4, 7  # the two clips with an AI marker (7 is a signed one)
TARGET_MS = 20.0
FULL_READ = 0.9  # an unsigned clip counts as read in full from this fraction of its size

CAMERAS = (
    ("Apple", "iPhone 15 Pro", "17.5.1"),
    ("Apple", "iPhone 16 Pro Max", "18.1"),
    ("Apple", "iPad Pro", "17.4"),
)
GRADERS = ("DaVinci Resolve Studio 19.0.3", "Adobe Premiere Pro 25.0", "Final Cut Pro 11.0")
RECORDERS = ("Sound Devices MixPre-6 II", "Zoom F6", "Tascam Portacapture X8")


# ---------------------------------------------------------------------------- content


@dataclass(frozen=True)
class Made:
    """What one generated file carries, for the folder-shape report and the per-file table."""

    rel: str
    kind: str  # mp4, mov, wav, mp3
    size: int
    signed: bool = False
    ai: str = ""  # "", "comfyui-comment", "c2pa-trained"
    faststart: bool = False
    apple_keys: bool = False
    id3: bool = False
    bext: bool = False


def video_codec() -> str:
    """The H.264 encoder PyAV can open (libx264, libopenh264, h264), else ``mpeg4``."""
    available = av.codecs_available
    for name in H264_ENCODERS:
        if name not in available:
            continue
        try:
            return str(av.Codec(name, "w").name)
        except Exception:  # listed as a decoder only, or a hardware encoder without hardware
            continue
    return "mpeg4"


def _plane_pattern(rng: np.random.Generator, height: int, width: int, span: float) -> np.ndarray:
    """A smooth diagonal wave in 0..span (float32): gradients that compress like footage."""
    yy = np.linspace(0, 1, height, dtype=np.float32)[:, None]
    xx = np.linspace(0, 1, width, dtype=np.float32)[None, :]
    angle, waves = rng.uniform(0, math.pi), rng.uniform(0.5, 2.5)
    phase = waves * (xx * math.cos(angle) + yy * math.sin(angle))
    return (span * (0.5 + 0.5 * np.sin(2 * math.pi * phase))).astype(np.float32)


def _video_frames(rng: np.random.Generator, count: int) -> Iterator[np.ndarray]:
    """yuv420p frames (shape H*3/2 x W, uint8): scrolling gradient, panning grain, a moving box."""
    luma = (30 + _plane_pattern(rng, HEIGHT, WIDTH, 170)).astype(np.uint8)
    grain = rng.integers(0, int(rng.integers(24, 46)), (HEIGHT + 64, WIDTH + 64), dtype=np.uint8)
    cb = (100 + _plane_pattern(rng, HEIGHT // 2, WIDTH // 2, 56)).astype(np.uint8)
    cr = (100 + _plane_pattern(rng, HEIGHT // 2, WIDTH // 2, 56)).astype(np.uint8)
    speed = int(rng.integers(3, 12))
    for i in range(count):
        dy, dx = i * 3 % 64, i * 7 % 64
        y = np.roll(luma, i * speed, axis=1) + grain[dy : dy + HEIGHT, dx : dx + WIDTH]
        top, left = (i * 9) % (HEIGHT - 160), (i * 23) % (WIDTH - 240)
        y[top : top + 160, left : left + 240] = 230
        u = np.roll(cb, i * speed // 2, axis=1).reshape(HEIGHT // 4, WIDTH)
        v = np.roll(cr, -i * speed // 2, axis=0).reshape(HEIGHT // 4, WIDTH)
        yield np.concatenate([y, u, v])


def _tone(rng: np.random.Generator, rate: int, seconds: int) -> np.ndarray:
    """Stereo float32 (2 x n): a slow sweep, a second partial and room noise."""
    t = np.arange(rate * seconds, dtype=np.float64) / rate
    base = rng.uniform(110, 440)
    sweep = np.sin(2 * math.pi * (base * t + rng.uniform(5, 40) * t * t / seconds))
    partial = 0.3 * np.sin(2 * math.pi * base * 1.5 * t)
    noise = 0.02 * rng.standard_normal((2, t.size))
    left = 0.25 * (sweep + partial)
    right = 0.25 * (np.roll(sweep, rate // 100) + partial)
    return (np.vstack([left, right]) + noise).astype(np.float32)


def _encode_audio(out: Any, stream: Any, samples: np.ndarray, rate: int) -> None:
    """Encode planar float samples into ``stream`` in frames of the codec's frame size."""
    step = stream.codec_context.frame_size or 4096
    for start in range(0, samples.shape[1], step):
        chunk = np.ascontiguousarray(samples[:, start : start + step])
        frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="stereo")
        frame.sample_rate, frame.pts = rate, start
        out.mux(stream.encode(frame))
    out.mux(stream.encode(None))


def _comfyui_comment(index: int, seed: int) -> str:
    """A VideoHelperSuite-style ``comment``: {"prompt": <API graph as JSON text>, "workflow"}."""
    prompt = {
        "1": {
            "class_type": "CheckpointLoaderSimple",
            "inputs": {"ckpt_name": "wan2.1_t2v_14B_fp16.safetensors"},
        },
        "2": {
            "class_type": "CLIPTextEncode",
            "inputs": {"text": "drone shot over a foggy harbour at dawn, 35mm", "clip": ["1", 1]},
        },
        "3": {
            "class_type": "KSampler",
            "inputs": {
                "seed": seed + index,
                "steps": 30,
                "cfg": 6.0,
                "sampler_name": "uni_pc",
                "scheduler": "simple",
                "denoise": 1.0,
                "model": ["1", 0],
                "positive": ["2", 0],
            },
        },
        "4": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["1", 2]}},
        "5": {
            "class_type": "VHS_VideoCombine",
            "inputs": {"frame_rate": FPS, "format": "video/h264-mp4", "images": ["4", 0]},
        },
    }
    workflow = {
        "last_node_id": 5,
        "nodes": [{"id": int(k), "type": v["class_type"]} for k, v in prompt.items()],
        "version": 0.4,
    }
    return json.dumps({"prompt": json.dumps(prompt), "workflow": workflow})


_SIGNER: BenchSigner | None = None


def _init_worker() -> None:
    """Pool initializer: one c2pa signer per worker process."""
    global _SIGNER
    _SIGNER = BenchSigner()


def _sign_file(path: Path, mime: str, ai: bool, agent: str) -> None:
    """Embed a manifest in ``path`` in place (after every tag is written: tags move bytes)."""
    assert _SIGNER is not None, "worker not initialised"
    data = _SIGNER.sign(
        path.read_bytes(), mime, manifest(path.name, TRAINED if ai else CAPTURE, agent)
    )
    path.write_bytes(data)


def make_clip(root: str, index: int, seed: int, codec: str) -> Made:
    """Write clip number ``index``: 10 s 1080p24 + AAC, tags, maybe faststart, maybe signed."""
    rng = np.random.default_rng([seed, 3, index])
    mov = index % 2 == 1
    faststart = index % 4 in (0, 1)
    apple = mov and index % 4 == 1
    signed = index % SIGN_EVERY == 2
    ai = "comfyui-comment" if index == COMFYUI_CLIP else ""
    ai = "c2pa-trained" if index == TRAINED_CLIP and signed else ai
    day = 1 + index % 28
    tags = {
        "title": f"Scene {index // 4 + 1} take {index % 4 + 1}",
        "creation_time": f"2026-11-{day:02d}T10:{index % 60:02d}:00.000000Z",
    }
    if apple:
        make, model, software = CAMERAS[index % len(CAMERAS)]
        tags |= {
            "com.apple.quicktime.make": make,
            "com.apple.quicktime.model": model,
            "com.apple.quicktime.software": software,
            "com.apple.quicktime.creationdate": f"2026-11-{day:02d}T10:{index % 60:02d}:00+0100",
            "com.apple.quicktime.location.ISO6709": "+51.5007-000.1246+012.000/",
        }
    else:
        tags |= {"comment": f"graded in {GRADERS[index % len(GRADERS)]}", "artist": "Bench Unit B"}
    if ai == "comfyui-comment":
        tags["comment"] = _comfyui_comment(index, seed)
    flags = (["faststart"] if faststart else []) + (["use_metadata_tags"] if apple else [])
    options = {"movflags": "+".join(flags)} if flags else {}
    ext = "mov" if mov else "mp4"
    path = Path(root, "video", f"clip_{index:03d}.{ext}")
    bitrate = 4_000_000 + int(rng.integers(0, 5)) * 1_000_000
    frames = FPS * CLIP_SECONDS
    with av.open(str(path), "w", format=ext, options=options) as out:
        out.metadata.update(tags)
        # VBV caps the overshoot that grain causes in average-bitrate mode
        rate_opts = {"maxrate": str(bitrate * 5 // 4), "bufsize": str(bitrate * 2)}
        x264 = {"preset": "superfast", "threads": "1"} if codec == "libx264" else {}
        video = out.add_stream(codec, rate=FPS, options=rate_opts | x264)
        assert isinstance(video, av.VideoStream)
        video.width, video.height, video.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        video.bit_rate = bitrate
        video.codec_context.gop_size = FPS * 2
        audio = out.add_stream("aac", rate=AUDIO_RATE)
        audio.layout, audio.bit_rate = "stereo", 192_000
        for i, plane in enumerate(_video_frames(rng, frames)):
            frame = av.VideoFrame.from_ndarray(plane, format="yuv420p")
            frame.pts, frame.time_base = i, Fraction(1, FPS)
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
        _encode_audio(out, audio, _tone(rng, AUDIO_RATE, CLIP_SECONDS), AUDIO_RATE)
    if signed:
        mime = "video/quicktime" if mov else "video/mp4"
        agent = "ExampleVideoGen" if ai == "c2pa-trained" else "Bench Camera App"
        _sign_file(path, mime, ai == "c2pa-trained", agent)
    rel = path.relative_to(root).as_posix()
    return Made(rel, ext, path.stat().st_size, signed, ai, faststart, apple)


def make_wav(root: str, index: int, seed: int) -> Made:
    """Write WAV number ``index``: 48 kHz 24-bit stereo 30 s, RIFF INFO, maybe bext/ID3/C2PA."""
    rng = np.random.default_rng([seed, 4, index])
    bext = index % 2 == 0
    id3 = index % 3 == 0
    signed = index % SIGN_EVERY == 2
    recorder = RECORDERS[index % len(RECORDERS)]
    tags = {
        "title": f"Scene {index // 3 + 1} take {index % 3 + 1}",
        "artist": "Bench Sound Dept",
        "comment": "room tone" if index % 4 == 0 else "boom + lav",
        "copyright": "Bench Productions",
    }
    options: dict[str, str] = {}
    if bext:
        options["write_bext"] = "1"
        tags |= {
            "description": f"sSCENE=12 sTAKE={index % 3 + 1} sTAPE=DAY{index % 5 + 1:02d}",
            "originator": recorder,
            "originator_reference": f"BENCH{seed % 10_000:04d}{index:06d}",
            "origination_date": f"2026-11-{1 + index % 28:02d}",
            "origination_time": f"09:{index % 60:02d}:00",
        }
    path = Path(root, "audio", f"take_{index:03d}.wav")
    with av.open(str(path), "w", format="wav", options=options) as out:
        out.metadata.update(tags)
        stream = out.add_stream("pcm_s24le", rate=AUDIO_RATE)
        stream.layout = "stereo"
        _encode_audio(out, stream, _tone(rng, AUDIO_RATE, AUDIO_SECONDS), AUDIO_RATE)
    if id3:
        wave = WAVE(path)  # type: ignore[no-untyped-call]
        wave.add_tags()  # type: ignore[no-untyped-call]
        assert isinstance(wave.tags, ID3)
        wave.tags.add(TIT2(encoding=3, text=tags["title"]))
        wave.tags.add(TSSE(encoding=3, text=recorder))
        wave.save()
    if signed:
        _sign_file(path, "audio/wav", False, recorder)
    return Made("audio/" + path.name, "wav", path.stat().st_size, signed, id3=id3, bext=bext)


def make_mp3(root: str, index: int, seed: int) -> Made:
    """Write MP3 number ``index``: 30 s stereo, 128-320 kbit/s, ID3v2.4 tags, maybe C2PA."""
    rng = np.random.default_rng([seed, 5, index])
    rate = (44_100, 48_000)[index % 2]
    bitrate = (128_000, 192_000, 256_000, 320_000)[index % 4]
    signed = index % SIGN_EVERY == 2
    path = Path(root, "audio", f"track_{index:03d}.mp3")
    with av.open(str(path), "w", format="mp3") as out:
        stream = out.add_stream("libmp3lame", rate=rate)
        stream.layout, stream.bit_rate = "stereo", bitrate
        _encode_audio(out, stream, _tone(rng, rate, AUDIO_SECONDS), rate)
    mp3 = MP3(path)  # type: ignore[no-untyped-call]
    if mp3.tags is None:
        mp3.add_tags()  # type: ignore[no-untyped-call]
    assert isinstance(mp3.tags, ID3)
    for frame in (
        TIT2(encoding=3, text=f"Cue {index + 1}M{index % 3 + 1}"),
        TPE1(encoding=3, text="Bench Music Dept"),
        TALB(encoding=3, text="Bench OST temp"),
        TDRC(encoding=3, text="2026"),
        TSSE(encoding=3, text="LAME 3.100"),
        COMM(encoding=3, lang="eng", desc="", text=f"temp track, v{index % 4 + 1}"),
        TXXX(encoding=3, desc="BPM_SOURCE", text="tap"),
    ):
        mp3.tags.add(frame)
    mp3.save()
    if signed:
        _sign_file(path, "audio/mpeg", False, "Bench DAW")
    return Made("audio/" + path.name, "mp3", path.stat().st_size, signed, id3=True)


def _make(task: tuple[str, str, int, int, str]) -> Made:
    kind, root, index, seed, codec = task
    if kind == "clip":
        return make_clip(root, index, seed, codec)
    if kind == "wav":
        return make_wav(root, index, seed)
    return make_mp3(root, index, seed)


# ---------------------------------------------------------------------------- cache


def _stamp_path(folder: Path) -> Path:
    """The cache stamp sits beside the folder: anything inside would be scanned."""
    return folder.with_name(folder.name + ".stamp.json")


def _params(clips: int, wavs: int, mp3s: int, seed: int, codec: str) -> dict[str, Any]:
    return {
        "generator": GENERATOR_VERSION,
        "clips": clips,
        "wavs": wavs,
        "mp3s": mp3s,
        "seed": seed,
        "codec": codec,
    }


def _cached(folder: Path, params: dict[str, Any]) -> dict[str, Any] | None:
    """The stamp's contents when it matches ``params`` and the folder is unchanged."""
    stamp = _stamp_path(folder)
    if not stamp.is_file() or not folder.is_dir():
        return None
    data: dict[str, Any] = json.loads(stamp.read_text(encoding="utf-8"))
    if data.get("params") != params:
        return None
    count, total, _ = common.folder_shape(folder)
    if count != data["shape"]["files"] or total != data["shape"]["bytes"]:
        return None  # files were added, removed or rewritten since
    return data


def _clear(folder: Path) -> None:
    """Empty a folder this script made; refuse anything else."""
    if not folder.exists():
        return
    foreign = [p.name for p in folder.iterdir() if p.name not in {"video", "audio"}]
    if foreign:
        raise SystemExit(
            f"bench: {folder} holds files this script did not make ({', '.join(foreign[:5])}); "
            "pick another --dir, or use --no-generate to benchmark it as it is"
        )
    for sub in ("video", "audio"):
        shutil.rmtree(folder / sub, ignore_errors=True)


def _shape(made: list[Made], codec: str) -> dict[str, Any]:
    clips = [m for m in made if m.kind in ("mp4", "mov")]
    sounds = [m for m in made if m.kind in ("wav", "mp3")]
    mbits = [m.size * 8 / CLIP_SECONDS / 1e6 for m in clips]
    return {
        "files": len(made),
        "bytes": sum(m.size for m in made),
        "video_bytes": sum(m.size for m in clips),
        "audio_bytes": sum(m.size for m in sounds),
        "clips": f"{len(clips)} ({sum(m.kind == 'mp4' for m in clips)} MP4, "
        f"{sum(m.kind == 'mov' for m in clips)} MOV), {codec} 1080p{FPS} {CLIP_SECONDS} s + AAC",
        "clip_mbit_s_median": round(statistics.median(mbits), 2) if mbits else 0,
        "clips_moov_first": sum(m.faststart for m in clips),
        "clips_with_apple_keys": sum(m.apple_keys for m in clips),
        "clips_with_ai_marker": ", ".join(f"{m.rel} ({m.ai})" for m in clips if m.ai) or "none",
        "wavs": sum(m.kind == "wav" for m in sounds),
        "wavs_with_bext": sum(m.bext for m in sounds),
        "wavs_with_id3": sum(m.id3 and m.kind == "wav" for m in sounds),
        "mp3s": sum(m.kind == "mp3" for m in sounds),
        "c2pa_signed_video": sum(m.signed for m in clips),
        "c2pa_signed_audio": sum(m.signed for m in sounds),
    }


def ensure_folder(
    folder: Path, clips: int, wavs: int, mp3s: int, seed: int, workers: int
) -> dict[str, Any]:
    """Generate the folder unless a matching cache is there; return the stamp (shape, made)."""
    codec = video_codec()
    params = _params(clips, wavs, mp3s, seed, codec)
    cached = _cached(folder, params)
    if cached is not None:
        print(f"using cached folder {folder}")
        return cached
    _clear(folder)
    _stamp_path(folder).unlink(missing_ok=True)
    for sub in ("video", "audio"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    root = str(folder)
    tasks = [("clip", root, i, seed, codec) for i in range(clips)]  # longest first
    tasks += [("wav", root, i, seed, codec) for i in range(wavs)]
    tasks += [("mp3", root, i, seed, codec) for i in range(mp3s)]
    print(
        f"generating {clips} {codec} clips + {wavs} WAVs + {mp3s} MP3s in {folder} "
        f"with {workers} workers ..."
    )
    start = time.perf_counter()
    made: list[Made] = []
    ctx = multiprocessing.get_context("spawn")  # c2pa native state must not be forked
    with ctx.Pool(workers, initializer=_init_worker) as pool:
        for item in pool.imap_unordered(_make, tasks, chunksize=1):
            made.append(item)
            print(f"  {len(made)}/{len(tasks)} {item.rel} {item.size / 1e6:.1f} MB")
    made.sort(key=lambda m: m.rel)
    shape = _shape(made, codec)
    count, total, _ = common.folder_shape(folder)
    assert (count, total) == (shape["files"], shape["bytes"]), "generated folder does not add up"
    stamp = {
        "params": params,
        "shape": shape,
        "made": [asdict(m) for m in made],
        "generated": common.now_utc(),
        "generation_s": round(time.perf_counter() - start, 1),
        "signer": "fixtures/testca.py",
    }
    common.write_json(_stamp_path(folder), stamp)
    print(f"generated in {time.perf_counter() - start:.0f} s")
    return stamp


# ---------------------------------------------------------------------------- folder timing


@dataclass
class Scope:
    """One folder timed with both tools: the whole set, one kind, or an empty folder."""

    name: str
    folder: Path
    files: int
    timings: common.Timings
    tools: list[common.Tool]

    def summary(self) -> dict[str, common.Summary]:
        """Files/s per tool (empty for the empty folder)."""
        return common.summarise(self.timings, self.files) if self.files else {}

    def ratio(self) -> float | None:
        """provscan / exiftool speed, median of per-round ratios (None without exiftool)."""
        if "exiftool" not in self.timings.seconds:
            return None
        return common.median_ratio(self.timings, "provscan", "exiftool")


def replicate(folder: Path, copies: int) -> Path:
    """``copies`` hard-linked copies of ``folder`` beside it (no extra bytes on disk), so a
    folder ten times larger shows the per-file cost once start-up no longer dominates."""
    into = folder.with_name(f"{folder.name}-x{copies}")
    shutil.rmtree(into, ignore_errors=True)
    for n in range(copies):
        shutil.copytree(folder, into / f"copy{n:02d}", copy_function=os.link)
    return into


def time_scopes(
    folder: Path, exiftool: str | None, rounds: int, say: Callable[[str], None], copies: int = 0
) -> list[Scope]:
    """Alternating rounds on the folder, on video/ and audio/ when present, on ``copies``
    hard-linked copies of it (when > 1), and on nothing."""
    scopes: list[tuple[str, Path]] = [("all", folder)]
    scopes += [(sub, folder / sub) for sub in ("video", "audio") if (folder / sub).is_dir()]
    if copies > 1:
        scopes.append((f"all x{copies} (hard links)", replicate(folder, copies)))
    out: list[Scope] = []
    with tempfile.TemporaryDirectory(prefix="provscan-bench-empty-") as empty:
        for name, path in [*scopes, ("empty folder (start-up)", Path(empty))]:
            tools = [common.provscan_tool(path)]
            if exiftool is not None:
                tools.append(common.exiftool_tool(exiftool, path))
            files = common.folder_shape(path)[0]
            say(f"{name}: {files} files")
            timings = common.alternate(tools, rounds, progress=lambda m: say("  " + m))
            out.append(Scope(name, path, files, timings, tools))
    return out


# ---------------------------------------------------------------------------- per file


class ReadCounter:
    """Bytes read and read syscalls of this process so far, from ``/proc/self/io``."""

    def __init__(self) -> None:
        """Open /proc/self/io once (each sample is one pread) and measure a sample's own cost."""
        self._fd: int | None = None
        self.own_bytes = self.own_calls = 0.0
        try:
            self._fd = os.open("/proc/self/io", os.O_RDONLY)
        except OSError:
            self.available = False
            return
        self.available = True  # stays True after close(): the samples taken are valid
        deltas = []
        for _ in range(20):
            a, b = self.sample(), self.sample()
            deltas.append((b[0] - a[0], b[1] - a[1]))
        self.own_bytes = statistics.median(d[0] for d in deltas)
        self.own_calls = statistics.median(d[1] for d in deltas)

    def sample(self) -> tuple[int, int]:
        """(rchar, syscr) now; (0, 0) where unavailable."""
        if self._fd is None:
            return 0, 0
        fields = dict(
            line.split(": ") for line in os.pread(self._fd, 4096, 0).decode().splitlines()
        )
        return int(fields["rchar"]), int(fields["syscr"])

    def delta(self, before: tuple[int, int], after: tuple[int, int]) -> tuple[int, int]:
        """Bytes and syscalls between two samples, less the second sample's own read."""
        if self._fd is None:
            return 0, 0
        return (
            max(0, after[0] - before[0] - int(self.own_bytes)),
            max(0, after[1] - before[1] - int(self.own_calls)),
        )

    def close(self) -> None:
        """Close the /proc file."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def per_file_costs(
    folder: Path, reps: int, made: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """In-process ``scan_entry`` per file: median ms and bytes read over ``reps`` warm passes.

    One untimed pass first (imports, c2pa context, page cache). A file counts as signed
    when provscan reports any C2PA finding on it (``C2P*``), whatever the stamp says.
    """
    from provscan.analysis import scan_entry
    from provscan.model import Settings
    from provscan.walk import iter_entries

    settings = Settings()
    entries = [e for e in iter_entries(folder) if not e.problem]
    results = {e.rel: scan_entry(e, settings) for e in entries}  # warm-up
    counter = ReadCounter()
    ms: dict[str, list[float]] = {e.rel: [] for e in entries}
    reads: dict[str, list[tuple[int, int]]] = {e.rel: [] for e in entries}
    try:
        for _ in range(reps):
            for entry in entries:
                before = counter.sample()
                start = time.perf_counter()
                results[entry.rel] = scan_entry(entry, settings)
                elapsed = time.perf_counter() - start
                after = counter.sample()
                ms[entry.rel].append(elapsed * 1000)
                reads[entry.rel].append(counter.delta(before, after))
    finally:
        counter.close()
    rows = []
    for entry in entries:
        result = results[entry.rel]
        nbytes = statistics.median(r[0] for r in reads[entry.rel])
        rows.append(
            {
                "path": entry.rel,
                "kind": str(result.kind),
                "format": result.format,
                "size": result.size,
                "verdict": str(result.verdict),
                "rules": sorted({f.rule.code for f in result.findings}),
                "c2pa": any(f.rule.code.startswith("C2P") for f in result.findings),
                "expected": made.get(entry.rel, {}),
                "ms_median": statistics.median(ms[entry.rel]),
                "ms_min": min(ms[entry.rel]),
                "bytes_read": int(nbytes) if counter.available else None,
                "read_syscalls": int(statistics.median(r[1] for r in reads[entry.rel]))
                if counter.available
                else None,
                "read_fraction": nbytes / result.size
                if counter.available and result.size
                else None,
            }
        )
    return rows


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def cost_summary(rows: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    """Medians for one kind: all files, then unsigned and signed (C2PA found) apart."""
    mine = [r for r in rows if r["kind"] == kind]
    out: dict[str, Any] = {"files": len(mine), "ms_median": _median([r["ms_median"] for r in mine])}
    for label, group in (
        ("unsigned", [r for r in mine if not r["c2pa"]]),
        ("signed", [r for r in mine if r["c2pa"]]),
    ):
        counted = [r for r in group if r["bytes_read"] is not None]
        out[label] = {
            "files": len(group),
            "ms_median": _median([r["ms_median"] for r in group]),
            "ms_max": max((r["ms_median"] for r in group), default=None),
            "size_median": _median([r["size"] for r in group]),
            "bytes_read_median": _median([r["bytes_read"] for r in counted]),
            "bytes_read_max": max((r["bytes_read"] for r in counted), default=None),
            "read_fraction_median": _median([r["read_fraction"] for r in counted]),
            "read_fraction_max": max((r["read_fraction"] for r in counted), default=None),
        }
    return out


class _ChargedDetector:
    """A detector registry entry that records each ``detect`` call's time and bytes read."""

    def __init__(self, inner: Any, counter: ReadCounter, sink: list[tuple[str, float, int]]):
        """Wrap ``inner``; each call appends (detector name, ms, bytes read) to ``sink``."""
        self._inner, self._counter, self._sink = inner, counter, sink
        self.NAME, self.KINDS, self.RULES = inner.NAME, inner.KINDS, inner.RULES

    def detect(self, asset: Any) -> Iterator[Any]:
        """The wrapped detector's evidence, drained here so its whole cost is charged."""
        before, start = self._counter.sample(), time.perf_counter()
        try:
            found = list(self._inner.detect(asset))
        finally:
            elapsed = (time.perf_counter() - start) * 1000
            nbytes = self._counter.delta(before, self._counter.sample())[0]
            self._sink.append((self.NAME, elapsed, nbytes))
        return iter(found)

    def describe(self, asset: Any) -> Iterator[Any]:
        """The wrapped detector's description, unmeasured."""
        return iter(self._inner.describe(asset))


def detector_costs(
    folder: Path, reps: int, groups: dict[str, str]
) -> dict[str, dict[str, dict[str, float]]]:
    """Median ms and bytes read per detector and file group (``groups``: path -> group name).

    Swaps ``provscan.analysis.DETECTORS`` for timing wrappers for the duration. A view shared
    by several detectors (FFmpeg's stream info, the XMP packets) is charged to the first
    detector that asks for it. Returns {} when the engine has no such registry any more.
    """
    import provscan.analysis as engine
    from provscan.model import Settings
    from provscan.walk import iter_entries

    namespace = vars(engine)  # the engine's own binding of the registry is the one it loops over
    registry = namespace.get("DETECTORS")
    if not registry:
        return {}
    counter = ReadCounter()
    settings = Settings()
    entries = [e for e in iter_entries(folder) if not e.problem and e.rel in groups]
    samples: dict[tuple[str, str, str], list[tuple[float, int]]] = {}
    sink: list[tuple[str, float, int]] = []
    namespace["DETECTORS"] = tuple(_ChargedDetector(d, counter, sink) for d in registry)
    try:
        for _ in range(reps):
            for entry in entries:
                sink.clear()
                engine.scan_entry(entry, settings)
                for name, elapsed, nbytes in sink:
                    key = (groups[entry.rel], name, entry.rel)
                    samples.setdefault(key, []).append((elapsed, nbytes))
    finally:
        namespace["DETECTORS"] = registry
        counter.close()
    per_file: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for (group, name, _rel), values in samples.items():
        ms = statistics.median(v[0] for v in values)
        read = float(statistics.median(v[1] for v in values))
        per_file.setdefault((group, name), []).append((ms, read))
    out: dict[str, dict[str, dict[str, float]]] = {}
    for (group, name), medians in per_file.items():
        out.setdefault(group, {})[name] = {
            "ms_median": statistics.median(m[0] for m in medians),
            "bytes_read_median": statistics.median(m[1] for m in medians),
        }
    return out


# ---------------------------------------------------------------------------- profile


def profile_provscan(folder: Path, out_dir: Path, top: int = 25) -> tuple[str, float, int]:
    """cProfile one in-process scan; return (top entries by cumulative time, seconds, files)."""
    from provscan.engine import scan

    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    report = scan(folder)
    profiler.disable()
    elapsed = time.perf_counter() - start
    profiler.dump_stats(out_dir / "media.prof")
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).strip_dirs().sort_stats(
        pstats.SortKey.CUMULATIVE
    ).print_stats(top)
    body = text.getvalue()
    (out_dir / "media-profile.txt").write_text(body, encoding="utf-8")
    lines = body.strip("\n").splitlines()
    first = next((i for i, line in enumerate(lines) if "function calls" in line), 0)
    return "\n".join(lines[first:]), elapsed, len(report.files)


# ---------------------------------------------------------------------------- report


def _fmt_rate(rate: float) -> str:
    return f"{rate:,.1f}" if rate < 100 else f"{rate:,.0f}"


def _fmt_bytes(value: float | None) -> str:
    if value is None:
        return "n/a"
    if value >= 1e6:
        return f"{value / 1e6:,.2f} MB"
    return f"{value / 1e3:,.1f} kB"


def _fmt_ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _fmt_pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.2f}%"


def _scope_rows(scopes: list[Scope]) -> list[list[str]]:
    rows = []
    for scope in scopes:
        summary = scope.summary()
        ratio = scope.ratio()
        for name, secs in scope.timings.seconds.items():
            rate = summary.get(name)
            rows.append(
                [
                    scope.name,
                    str(scope.files),
                    name,
                    _fmt_rate(rate.median) if rate else "-",
                    f"{statistics.median(secs):.3f}",
                    ", ".join(f"{s:.3f}" for s in secs),
                    f"{ratio:.2f}x" if ratio is not None and name == "provscan" else "",
                ]
            )
    return rows


def _cost_rows(costs: dict[str, dict[str, Any]]) -> list[list[str]]:
    rows = []
    for kind, cost in costs.items():
        for label in ("unsigned", "signed"):
            group = cost[label]
            if not group["files"]:
                continue
            rows.append(
                [
                    f"{kind}, {label}",
                    str(group["files"]),
                    _fmt_ms(group["ms_median"]),
                    _fmt_ms(group["ms_max"]),
                    _fmt_bytes(group["size_median"]),
                    _fmt_bytes(group["bytes_read_median"]),
                    _fmt_bytes(group["bytes_read_max"]),
                    _fmt_pct(group["read_fraction_median"]),
                    _fmt_pct(group["read_fraction_max"]),
                ]
            )
    return rows


def _file_rows(rows: list[dict[str, Any]]) -> list[list[str]]:
    out = []
    for r in rows:
        if r["kind"] != "video":
            continue
        expected = r["expected"]
        marks = [k for k in ("signed", "faststart", "apple_keys") if expected.get(k)]
        marks += [expected["ai"]] if expected.get("ai") else []
        out.append(
            [
                r["path"],
                _fmt_bytes(r["size"]),
                ", ".join(marks) or "-",
                r["verdict"],
                " ".join(r["rules"]) or "-",
                _fmt_ms(r["ms_median"]),
                _fmt_bytes(r["bytes_read"]),
                "n/a" if r["read_syscalls"] is None else str(r["read_syscalls"]),
                _fmt_pct(r["read_fraction"]),
            ]
        )
    return out


def _detector_rows(
    costs: dict[str, dict[str, dict[str, float]]],
) -> tuple[list[str], list[list[str]]]:
    groups = list(costs)
    names = list(dict.fromkeys(name for group in groups for name in costs[group]))
    rows = []
    for name in names:
        cells = [name]
        for group in groups:
            cost = costs[group].get(name)
            cells.append(
                f"{cost['ms_median']:.2f} ms / {_fmt_bytes(cost['bytes_read_median'])}"
                if cost
                else "-"
            )
        rows.append(cells)
    return ["detector", *groups], rows


def _detector_section(charged: dict[str, dict[str, dict[str, float]]], reps: int) -> list[str]:
    """Markdown lines for the per-detector table (none when it could not be measured)."""
    if not charged:
        return []
    header, rows = _detector_rows(charged)
    return [
        f"**Per detector, in-process** (median ms / bytes read per file over {reps} warm "
        "passes, then the median over files; a view several detectors share is charged to "
        "the first one that computes it)",
        "",
        common.markdown_table(header, rows),
        "",
    ]


def target_lines(video: dict[str, Any] | None) -> tuple[str, dict[str, Any]]:
    """The markdown verdict against the 20 ms / no-full-read target, and its JSON form."""
    if not video or not video["files"]:
        return "no video files: the per-file video target was not measured", {"met": None}
    med = video["ms_median"]
    unsigned = video["unsigned"]
    worst = unsigned["read_fraction_max"]
    fast = med <= TARGET_MS
    no_full = None if worst is None else worst < FULL_READ
    met = fast and no_full is not False
    read_text = (
        "bytes read not measured (no /proc/self/io)"
        if worst is None
        else f"largest read of an unsigned clip {_fmt_pct(worst)} of its size, "
        f"median {_fmt_bytes(unsigned['bytes_read_median'])} of "
        f"{_fmt_bytes(unsigned['size_median'])}"
    )
    line = (
        f"**Video per file: median {med:.2f} ms over {video['files']} clips** "
        f"(unsigned {_fmt_ms(unsigned['ms_median'])} ms, signed "
        f"{_fmt_ms(video['signed']['ms_median'])} ms); {read_text}: "
        f"{'meets' if met else 'MISSES'} the target of at most {TARGET_MS:.0f} ms "
        "without reading (let alone decoding) an unsigned clip in full"
    )
    return line, {
        "met": met,
        "target_ms": TARGET_MS,
        "median_ms": med,
        "within_ms": fast,
        "unsigned_not_read_in_full": no_full,
        "full_read_threshold": FULL_READ,
    }


# ---------------------------------------------------------------------------- main


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.media", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--dir", type=Path, help="folder to generate/cache and scan")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds (default 5)")
    parser.add_argument(
        "--reps", type=int, default=5, help="in-process passes for the per-file cost (default 5)"
    )
    parser.add_argument("--clips", type=int, default=DEFAULT_CLIPS)
    parser.add_argument("--wavs", type=int, default=DEFAULT_WAVS)
    parser.add_argument("--mp3s", type=int, default=DEFAULT_MP3S)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--copies", type=int, default=10, help="also time this many hard-linked copies (0: not)"
    )
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="for generation")
    parser.add_argument("--exiftool", help="exiftool executable (default: $EXIFTOOL, PATH)")
    parser.add_argument("--no-exiftool", action="store_true", help="time provscan alone")
    parser.add_argument(
        "--no-generate", action="store_true", help="benchmark --dir as it is, no generation"
    )
    parser.add_argument("--no-profile", action="store_true", help="skip the cProfile pass")
    parser.add_argument(
        "--report", type=Path, default=common.OUT_DIR / "media.md", help="markdown output"
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=common.OUT_DIR / "media-results.json",
        help="JSON results output",
    )
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.reps < 1:
        parser.error("--rounds and --reps must be at least 1")
    if args.dir is None:
        counts = (args.clips, args.wavs, args.mp3s, args.seed)
        default = counts == (DEFAULT_CLIPS, DEFAULT_WAVS, DEFAULT_MP3S, DEFAULT_SEED)
        name = "media" if default else "media-{}c-{}w-{}m-{}".format(*counts)
        args.dir = common.OUT_DIR / name
    if args.no_generate and not args.dir.is_dir():
        parser.error(f"--no-generate: {args.dir} is not a folder")
    return args


def main(argv: list[str] | None = None) -> int:
    """Generate (or reuse) the folder, time both tools, measure per-file cost, write reports."""
    args = _args(argv)
    folder: Path = args.dir.resolve()
    common.OUT_DIR.mkdir(parents=True, exist_ok=True)
    if args.no_generate:
        count, total, exts = common.folder_shape(folder)
        shape: dict[str, Any] = {"files": count, "bytes": total, **dict(exts)}
        made: dict[str, dict[str, Any]] = {}
    else:
        stamp = ensure_folder(
            folder, args.clips, args.wavs, args.mp3s, args.seed, max(1, args.workers)
        )
        shape = stamp["shape"]
        made = {m["rel"]: m for m in stamp["made"]}
    files = int(shape["files"])

    exiftool = None if args.no_exiftool else common.find_exiftool(args.exiftool)
    if exiftool is None and not args.no_exiftool:
        print(common.EXIFTOOL_HINT, file=sys.stderr)

    when = common.now_utc()
    machine = common.machine_info()
    versions = common.versions(exiftool)
    ffmpeg = getattr(av, "ffmpeg_version_info", "?")
    versions |= {
        "PyAV": f"{common.package_version('av')} (FFmpeg {ffmpeg})",
        "mutagen": common.package_version("mutagen"),
    }
    detectors = common.registered_detectors()
    names = "provscan and exiftool" if exiftool else "provscan"
    print(f"timing {names} on {files} files, {args.rounds} rounds")
    scopes = time_scopes(folder, exiftool, args.rounds, lambda m: print("  " + m), args.copies)

    print(f"per-file cost, in-process, {args.reps} warm passes ...")
    rows = per_file_costs(folder, args.reps, made)
    costs = {kind: cost_summary(rows, kind) for kind in ("video", "audio")}
    costs = {k: v for k, v in costs.items() if v["files"]}
    target_line, target = target_lines(costs.get("video"))
    groups = {
        r["path"]: f"{r['kind']}, {'signed' if r['c2pa'] else 'unsigned'}"
        for r in rows
        if r["kind"] in costs
    }
    print(f"per-detector cost, in-process, {args.reps} warm passes ...")
    charged = detector_costs(folder, args.reps, groups)
    order = [f"{k}, {s}" for k in ("video", "audio") for s in ("unsigned", "signed")]
    charged = {g: charged[g] for g in order if g in charged}

    whole = scopes[0]
    ratio = whole.ratio()
    ratio_line = (
        f"**provscan / exiftool files/s on the whole folder, median of per-round ratios: "
        f"{ratio:.2f}x**"
        if ratio is not None
        else "exiftool not run: no ratio (provscan's own figure only)"
    )
    shape_text = {k: str(v) for k, v in shape.items() if k not in {"files", "bytes"}}
    shape_text = {"files": str(files), "size": _fmt_bytes(int(shape["bytes"])), **shape_text}
    commands = {t.name: "`" + " ".join(t.argv) + "`" for t in whole.tools}
    io_note = (
        "bytes read = growth of `rchar` in /proc/self/io around the file's scan (read "
        "syscalls of the whole process, native libraries included; mmap not counted)"
    )
    parts = [
        "# provscan video/audio benchmark",
        "",
        f"Run {when}; {args.rounds} alternating rounds after one untimed warm pass each; "
        "warm page cache; each tool single-process, as subprocesses of one Python parent. "
        "With a few dozen files the start-up of each tool weighs heavily: the empty-folder "
        "row shows it.",
        "",
        common.markdown_table(
            ["folder", "files", "tool", "median files/s", "median s", "per run s", "speed ratio"],
            _scope_rows(scopes),
        ),
        "",
        ratio_line,
        "",
        f"**Per file, in-process** (`provscan.analysis.scan_entry`, median of {args.reps} warm "
        f"passes per file, then the median over files; {io_note})",
        "",
        common.markdown_table(
            [
                "files",
                "n",
                "median ms",
                "max ms",
                "median size",
                "median read",
                "max read",
                "median read/size",
                "max read/size",
            ],
            _cost_rows(costs),
        ),
        "",
        target_line,
        "",
        common.markdown_table(
            [
                "clip",
                "size",
                "generated with",
                "verdict",
                "rules",
                "ms",
                "read",
                "read calls",
                "read/size",
            ],
            _file_rows(rows),
        ),
        "",
        *_detector_section(charged, args.reps),
        common.key_values("Folder", shape_text),
        "",
        common.key_values("Machine", machine),
        "",
        common.key_values("Versions", versions),
        "",
        common.key_values("Detectors registered", {"DETECTORS": ", ".join(detectors)}),
        "",
        common.key_values("Commands", commands),
    ]
    profile: dict[str, Any] | None = None
    if not args.no_profile:
        print("profiling provscan in-process (cProfile) ...")
        body, secs, scanned = profile_provscan(folder, common.OUT_DIR)
        profile = {"seconds": secs, "files": scanned, "dump": "bench/out/media.prof"}
        parts += [
            "",
            f"**cProfile, one in-process scan** ({scanned} files in {secs:.2f} s under the "
            "profiler; top 25 by cumulative time; full dump in `bench/out/media.prof`)",
            "",
            "```",
            body,
            "```",
        ]
    report = "\n".join(parts) + "\n"
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(report, encoding="utf-8")
    common.write_json(
        args.json,
        {
            "run": when,
            "folder": str(folder),
            "shape": shape,
            "rounds": args.rounds,
            "reps": args.reps,
            "machine": machine,
            "versions": versions,
            "detectors": detectors,
            "commands": {t.name: list(t.argv) for t in whole.tools},
            "folder_timing": [
                {
                    "scope": s.name,
                    "files": s.files,
                    "seconds": s.timings.seconds,
                    "order": s.timings.order,
                    "files_per_s_median": {n: v.median for n, v in s.summary().items()},
                    "provscan_over_exiftool": s.ratio(),
                }
                for s in scopes
            ],
            "per_file": {"summary": costs, "files": rows, "bytes_read_method": io_note},
            "per_detector": charged,
            "target": target,
            "profile": profile,
        },
    )
    print()
    print(report)
    print(f"written to {args.report} and {args.json}")
    if exiftool is None and not args.no_exiftool:
        print(common.EXIFTOOL_HINT, file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
