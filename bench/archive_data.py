"""The archive for ``bench/archive.py``: N small media files shaped like a production archive.

Deterministic (seeded) and fast: a pool of ~200 distinct small base files is made once
(Pillow for stills, RIFF bytes for WAV, the committed fixtures for C2PA-signed files and
video), then the archive is written by copying bytes. Nothing is re-encoded per file; a
share of files is still unique, through same-length byte patches that keep them valid:

- camera JPEGs: a per-file EXIF ImageDescription (no checksum over EXIF in JPEG);
- XMP AI JPEGs: a per-file dc:title inside the XMP packet;
- AUTOMATIC1111 PNGs: a per-file seed in the ``parameters`` text, with its chunk CRC redone.

Everything else (signed files, whose manifest binds their bytes; video; WAV; misc) is a
plain copy: identical bytes under different names, as archives hold them.

Mix (share of files): 45% camera JPEG (EXIF Make/Model), 10% PNG, 10% AUTOMATIC1111 or
ComfyUI PNG (AI), 5% JPEG with XMP DigitalSourceType trainedAlgorithmicMedia (AI), 5%
C2PA-signed (images, video and audio from fixtures/files), 10% small WAV (some with
bext or LIST/INFO ISFT; a few name an AI generator), 10% small MP4/MOV (a few AI-tagged),
5% misc (TIFF, WebP, text, zero-byte files). Layout::

    tree/show_XX/episode_YY/stills/day_ZZ/   ~200 stills each
    tree/show_XX/episode_YY/audio/           ~100 WAV/MP3/...
    tree/show_XX/episode_YY/video/           ~100 MP4/MOV

Cached under ``bench/out/archive/<N>/``: ``tree/`` (what is scanned), ``manifest.tsv`` (path,
category, intended verdict per file), the AI-use logs ``log-a.toml``, ``log-b.toml`` (A with
entries removed and added and one status changed) and ``log-c.toml`` (B with one more status
changed, for the strace check), and ``stamp.json``, written last: a run finding it with the
same parameters reuses the folder.

Run ``python -m bench.archive_data --files 2000 --verify`` to generate and then check that
``provscan scan`` gives every file its intended verdict.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import time
import tomllib
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from bench import common

GENERATOR_VERSION = 1  # bump when the generated content changes, to invalidate caches
DEFAULT_FILES, DEFAULT_SEED = 100_000, 20261201
ARCHIVE_DIR = common.OUT_DIR / "archive"
FIXTURES = common.BENCH_DIR.parent / "fixtures"
FIXTURE_FILES = FIXTURES / "files"

EPISODE_FILES = 1000  # ~800 stills (4 day folders of 200), ~100 audio, ~100 video
DAY_FILES = 200
EPISODES_PER_SHOW = 10

# Share of files per category (sums to 1); category -> (share, subfolder).
MIX: dict[str, tuple[float, str]] = {
    "camera-jpeg": (0.45, "stills"),
    "png": (0.10, "stills"),
    "ai-png": (0.10, "stills"),
    "ai-xmp-jpeg": (0.05, "stills"),
    "signed": (0.05, "*"),  # the subfolder follows the signed file's kind
    "wav": (0.10, "audio"),
    "video": (0.10, "video"),
    "misc": (0.05, "stills"),
}

AI_VERDICTS = frozenset({"ai-generated", "ai-edited"})
TRAINED = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
CAMERAS = (
    ("Canon", "Canon EOS R5", "Firmware Version 1.8.2", "IMG_"),
    ("SONY", "ILCE-7M4", "ILCE-7M4 v3.01", "DSC"),
    ("NIKON CORPORATION", "NIKON Z 8", "Ver.02.00", "DSC_"),
    ("FUJIFILM", "X-T5", "Digital Camera X-T5 Ver3.00", "DSCF"),
    ("Apple", "iPhone 15 Pro", "17.5.1", "IMG_"),
    ("Blackmagic Design", "Pocket Cinema Camera 6K", "Blackmagic RAW 4.1", "A001_"),
)
# Same-length placeholders patched per file (see the module docstring).
FRAME_MARK = b"ARCHIVE-FRAME-0000000"
SEED_MARK = b"Seed: 1000000000,"
TITLE_MARK = b"Generated plate 0000000"


# ---------------------------------------------------------------------------- the pool


@dataclass(frozen=True)
class Base:
    """One distinct base file of the pool.

    ``mark`` is a placeholder the per-file patch overwrites (same length, so offsets hold);
    ``crc`` is the PNG chunk (start of its type field, end of its data) whose CRC must follow.
    """

    category: str
    name: str  # file-name stem prefix (before the per-file number)
    ext: str
    data: bytes
    verdict: str  # what provscan is meant to say about it
    tool: str = ""  # the generator, for AI-use log entries
    subfolder: str = ""
    mark: bytes = b""
    crc: tuple[int, int] | None = None


def _pixels(rng: np.random.Generator, width: int, height: int) -> Image.Image:
    """Smooth random blobs plus grain: a small photo-like picture, cheap to make."""
    coarse = rng.integers(0, 256, (height // 16 + 2, width // 16 + 2, 3), dtype=np.uint8)
    img = Image.fromarray(coarse).resize((width, height), Image.Resampling.BICUBIC)
    grain = rng.integers(0, 12, (height, width, 3), dtype=np.uint8)
    return Image.fromarray(np.asarray(img, dtype=np.uint8) // 16 * 15 + grain)


def _encode(img: Image.Image, fmt: str, **params: Any) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **params)
    return buf.getvalue()


def _once(data: bytes, mark: bytes) -> bytes:
    """Check the placeholder occurs exactly once (else the per-file patch is ambiguous)."""
    if data.count(mark) != 1:
        raise AssertionError(f"placeholder {mark!r} occurs {data.count(mark)} times")
    return data


def _camera_jpegs(rng: np.random.Generator, count: int) -> list[Base]:
    sizes = ((160, 120), (200, 150), (240, 160), (320, 240))
    out = []
    for k in range(count):
        make, model, software, prefix = CAMERAS[k % len(CAMERAS)]
        exif = Image.Exif()
        exif[0x010F], exif[0x0110], exif[0x0131] = make, model, software
        exif[0x0132] = f"2025:{1 + k % 12:02d}:{1 + k % 28:02d} 10:{k % 60:02d}:06"  # DateTime
        exif[0x010E] = FRAME_MARK.decode()  # ImageDescription, patched per file
        exif[0x013B] = f"Unit photographer {k % 7}"  # Artist
        w, h = sizes[k % len(sizes)]
        data = _encode(_pixels(rng, w, h), "JPEG", quality=80 + k % 15, exif=exif)
        out.append(
            Base(
                "camera-jpeg",
                prefix,
                ".jpg",
                _once(data, FRAME_MARK),
                "no-ai-markers",
                mark=FRAME_MARK,
            )
        )
    return out


def _png(img: Image.Image, text: dict[str, str]) -> bytes:
    info = PngInfo()
    for key, value in text.items():
        info.add_text(key, value)
    return _encode(img, "PNG", pnginfo=info)


def _plain_pngs(rng: np.random.Generator, count: int) -> list[Base]:
    texts: tuple[dict[str, str], ...] = (
        {},
        {"Title": "Storyboard frame"},
        {"Author": "Art department"},
        {"Software": "GIMP 2.10.38"},
        {"Comment": "graphics pass 2"},
    )
    out = []
    for k in range(count):
        data = _png(_pixels(rng, 96 + 16 * (k % 4), 64 + 16 * (k % 3)), texts[k % len(texts)])
        out.append(Base("png", "frame_", ".png", data, "no-ai-markers"))
    return out


def _chunk_span(data: bytes, offset: int) -> tuple[int, int]:
    """(start of the type field, end of the data) of the PNG chunk holding ``offset``."""
    pos = 8
    while pos + 8 <= len(data):
        (length,) = struct.unpack_from(">I", data, pos)
        if pos + 8 <= offset < pos + 8 + length:
            return pos + 4, pos + 8 + length
        pos += 12 + length
    raise AssertionError("offset outside every PNG chunk")


A1111 = (
    "{prompt}\nNegative prompt: blurry, lowres, watermark\n"
    "Steps: {steps}, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, {seed_mark} "
    "Size: {w}x{h}, Model hash: 31e35c80fc, Model: sd_xl_base_1.0, Version: v1.10.1"
)
PROMPTS = (
    "photo of a lighthouse at dusk, film grain",
    "harbour street in 1987, kodachrome",
    "aerial view of a fishing village, overcast",
    "portrait of an old sailor, 35mm",
    "storm over the pier, dramatic light",
)


def _comfy_prompt(k: int) -> str:
    nodes = {
        "3": {"class_type": "KSampler", "inputs": {"seed": 1000 + k, "steps": 20, "cfg": 7.0}},
        "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sdxl.safetensors"}},
        "6": {"class_type": "CLIPTextEncode", "inputs": {"text": PROMPTS[k % len(PROMPTS)]}},
        "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "ComfyUI"}},
    }
    return json.dumps(nodes)


def _ai_pngs(rng: np.random.Generator, a1111: int, comfy: int) -> list[Base]:
    out = []
    for k in range(a1111):
        w, h = 64 + 32 * (k % 3), 64 + 32 * (k % 2)
        text = A1111.format(
            prompt=PROMPTS[k % len(PROMPTS)],
            steps=20 + k % 15,
            seed_mark=SEED_MARK.decode(),
            w=w,
            h=h,
        )
        data = _once(_png(_pixels(rng, w, h), {"parameters": text}), SEED_MARK)
        span = _chunk_span(data, data.index(SEED_MARK))
        out.append(
            Base(
                "ai-png",
                "",
                ".png",
                data,
                "ai-generated",
                tool="Stable Diffusion (AUTOMATIC1111)",
                mark=SEED_MARK,
                crc=span,
            )
        )
    for k in range(comfy):
        workflow = json.dumps({"last_node_id": 9, "nodes": [{"id": 3, "type": "KSampler"}]})
        data = _png(_pixels(rng, 96, 96), {"prompt": _comfy_prompt(k), "workflow": workflow})
        out.append(Base("ai-png", "ComfyUI_", ".png", data, "ai-generated", tool="ComfyUI"))
    return out


def _xmp_packet(k: int) -> bytes:
    return f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"
    xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
    Iptc4xmpExt:DigitalSourceType="{TRAINED}">
   <photoshop:Credit>Art department {k}</photoshop:Credit>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{TITLE_MARK.decode()}</rdf:li></rdf:Alt></dc:title>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>""".encode()  # noqa: E501 (the packet reads better unwrapped)


def _with_app1_xmp(jpeg: bytes, xmp: bytes) -> bytes:
    """Insert an XMP APP1 segment right after the JFIF APP0 Pillow writes."""
    at = 4 + struct.unpack(">H", jpeg[4:6])[0]
    payload = b"http://ns.adobe.com/xap/1.0/\x00" + xmp
    return jpeg[:at] + b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload + jpeg[at:]


def _xmp_jpegs(rng: np.random.Generator, count: int) -> list[Base]:
    out = []
    for k in range(count):
        jpeg = _encode(_pixels(rng, 192, 128), "JPEG", quality=85)
        data = _once(_with_app1_xmp(jpeg, _xmp_packet(k)), TITLE_MARK)
        out.append(
            Base(
                "ai-xmp-jpeg",
                "plate_",
                ".jpg",
                data,
                "ai-generated",
                tool="Adobe Firefly",
                mark=TITLE_MARK,
            )
        )
    return out


def _riff_chunk(kind: bytes, payload: bytes) -> bytes:
    return kind + struct.pack("<I", len(payload)) + payload + b"\0" * (len(payload) & 1)


def _bext(originator: str) -> bytes:
    """A bext body (EBU Tech 3285 v1 layout: 602 fixed bytes, then CodingHistory)."""

    def text(value: str, size: int) -> bytes:
        return value.encode("ascii").ljust(size, b"\0")

    fixed = (
        text("sSCENE=12\r\nsTAKE=3\r\n", 256)
        + text(originator, 32)
        + text("REF01", 32)
        + text("2025-03-01", 10)
        + text("10:21:06", 8)
        + struct.pack("<QH", 0, 1)
        + bytes(64)
        + bytes(190)
    )
    return fixed + b"A=PCM,F=16000,W=16,M=mono\r\n"


def _wav(freq: float, seconds: float, chunks: list[bytes]) -> bytes:
    """16 kHz mono 16-bit PCM tone with extra chunks between fmt and data."""
    rate = 16_000
    t = np.arange(int(rate * seconds)) / rate
    pcm = (np.sin(2 * np.pi * freq * t) * 8000).astype("<i2").tobytes()
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate * 2, 2, 16)
    body = b"WAVE" + _riff_chunk(b"fmt ", fmt) + b"".join(chunks) + _riff_chunk(b"data", pcm)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _info(software: str) -> bytes:
    value = software.encode("ascii") + b"\0"
    return _riff_chunk(b"LIST", b"INFO" + _riff_chunk(b"ISFT", value))


def _wavs(count: int) -> list[Base]:
    """Plain takes, recorder takes with bext, edits with ISFT; the last two name a generator."""
    out = []
    for k in range(count):
        freq, secs = 220.0 + 37 * k, 0.1 + 0.01 * (k % 10)
        verdict, tool, chunks = "no-ai-markers", "", []
        if k == count - 1 or k == count - 2:
            verdict, tool = "ai-generated", "Stable Audio"
            chunks = [_info("Stable Audio 2.0")]
        elif k % 5 == 1:
            chunks = [_riff_chunk(b"bext", _bext("Sound Devices 833"))]
        elif k % 5 == 2:
            chunks = [_info("Pro Tools 2024.10")]
        out.append(Base("wav", "take_", ".wav", _wav(freq, secs, chunks), verdict, tool=tool))
    return out


def _expected() -> dict[str, str]:
    """Verdicts fixtures/expected.toml pins, by path relative to fixtures/files."""
    data = tomllib.loads((FIXTURES / "expected.toml").read_text(encoding="utf-8"))
    return {path: entry["verdict"] for path, entry in data["files"].items()}


def _fixture(rel: str, expected: dict[str, str]) -> bytes:
    path = FIXTURE_FILES / rel
    if not path.is_file():
        raise SystemExit(f"bench: {path} is missing; run `.venv/bin/python -m fixtures.make` first")
    if rel not in expected:
        raise SystemExit(f"bench: fixtures/expected.toml has no verdict for {rel}")
    return path.read_bytes()


SIGNED_IMAGES = (
    "capture.jpg",
    "capture.jpg",
    "capture.jpg",
    "capture.jpg",
    "training_mining.jpg",
    "ai_generated.jpg",
    "ai_generated.png",
    "ai_generated.webp",
    "ai_edited.jpg",
    "ai_ingredient.jpg",
    "algorithmic.jpg",
    "firefly.jpg",
    "tool_named.jpg",
    "vendor_field.jpg",
)  # repeats weigh capture claims up
SIGNED_MEDIA = (
    "c2pa_capture.mp4",
    "c2pa_capture.mp4",
    "c2pa_capture.wav",
    "c2pa_capture.wav",
    "c2pa_ai.mp4",
    "c2pa_ai.mov",
    "c2pa_ai.wav",
    "c2pa_ai.mp3",
    "c2pa_ai.m4a",
    "c2pa_ai.flac",
    "c2pa_edited.mp4",
)


def _signed(expected: dict[str, str]) -> list[Base]:
    """The fixtures' C2PA-signed files, tampered ones left out (copied byte for byte)."""
    out = []
    for family, names in (("c2pa", SIGNED_IMAGES), ("media", SIGNED_MEDIA)):
        for name in names:
            rel = f"{family}/{name}"
            stem, ext = os.path.splitext(name)
            sub = (
                "stills" if family == "c2pa" else ("video" if ext in {".mp4", ".mov"} else "audio")
            )
            verdict = expected[rel]
            tool = "ExampleGen" if verdict in AI_VERDICTS else ""
            data = _fixture(rel, expected)
            out.append(Base("signed", stem + "_", ext, data, verdict, tool=tool, subfolder=sub))
    return out


def _same_length(data: bytes, old: bytes, new: bytes) -> bytes:
    assert len(old) == len(new)
    return _once(data, old).replace(old, new)


def _videos(expected: dict[str, str]) -> list[Base]:
    """Fixture clips: variants of the plain MP4 and the iPhone MOV (same-length tag edits),
    weighted 20:1 against the AI-tagged clips."""
    plain = _fixture("media/plain.mp4", expected)
    camera = _fixture("media/camera.mov", expected)
    out = []
    for k in range(10):
        data = _same_length(plain, b"Plain clip", f"Clip {k:05d}".encode())
        out.append(Base("video", "clip_", ".mp4", data, "no-ai-markers"))
    for k, model in enumerate((b"iPhone 15 Pro", b"iPhone 14 Pro", b"iPhone 13 Pro")):
        for day in range(1, 4):
            data = _same_length(camera, b"iPhone 15 Pro", model)
            data = _same_length(data, b"2025-03-01T10", f"2025-03-{day + 3 * k:02d}T10".encode())
            out.append(Base("video", "IMG_", ".mov", data, "no-ai-markers"))
    for name, tool in (
        ("comfyui_savevideo.mp4", "ComfyUI"),
        ("runway_tool.mp4", "Runway"),
        ("xmp_dst.mp4", "ExampleGen"),
        ("aigc_label.mp4", "ExampleGen"),
    ):
        rel = f"media/{name}"
        out.append(
            Base(
                "video", name[:-4] + "_", ".mp4", _fixture(rel, expected), expected[rel], tool=tool
            )
        )
    return out


def _misc(rng: np.random.Generator) -> list[Base]:
    """TIFF scans, WebP thumbnails, a text file and a zero-byte file (a failed transfer)."""
    out = []
    for k in range(5):
        exif = Image.Exif()
        exif[0x010F], exif[0x0110] = "EPSON", "Perfection V850"
        data = _encode(_pixels(rng, 80 + 8 * k, 60), "TIFF", exif=exif)
        out.append(Base("misc", "scan_", ".tif", data, "no-ai-markers"))
    for k in range(5):
        data = _encode(_pixels(rng, 96, 54 + 4 * k), "WEBP", quality=70)
        out.append(Base("misc", "thumb_", ".webp", data, "no-ai-markers"))
    notes = b"Shot list, day 3\n- wide of the harbour\n- pick-ups on the pier\n"
    out.append(Base("misc", "notes_", ".txt", notes, "no-ai-markers"))
    out.append(Base("misc", "transfer_", ".jpg", b"", "unreadable"))
    return out


def build_pool(seed: int) -> dict[str, list[tuple[Base, int]]]:
    """Base files per category with their weights (weight 1 unless repeated to weigh up)."""
    rng = np.random.default_rng([seed, 7])
    expected = _expected()
    flat: dict[str, list[Base]] = {
        "camera-jpeg": _camera_jpegs(rng, 60),
        "png": _plain_pngs(rng, 20),
        "ai-png": _ai_pngs(rng, 20, 10),
        "ai-xmp-jpeg": _xmp_jpegs(rng, 12),
        "signed": _signed(expected),
        "wav": _wavs(24),
        "video": _videos(expected),
        "misc": _misc(rng),
    }
    weights = {"misc": {".tif": 40, ".webp": 50, ".txt": 6, ".jpg": 4}}  # zero-byte JPEG: rare
    weights["video"] = {".mov": 12, ".mp4": 8}
    pool: dict[str, list[tuple[Base, int]]] = {}
    for category, bases in flat.items():
        per_ext = weights.get(category, {})
        pool[category] = [(b, _weight(b, per_ext)) for b in bases]
    return pool


def _weight(base: Base, per_ext: dict[str, int]) -> int:
    if base.category == "video" and base.verdict in AI_VERDICTS:
        return 1  # a few AI-tagged clips among many plain ones
    return per_ext.get(base.ext, 1)


# ---------------------------------------------------------------------------- per file


def _patched(base: Base, number: int) -> bytes:
    """The base's bytes, with its placeholder set to this file's number (same length)."""
    if not base.mark:
        return base.data
    if base.mark == SEED_MARK:
        new = f"Seed: {1_000_000_000 + number:010d},".encode()
    else:
        head = base.mark[:-7]
        new = head + f"{number:07d}".encode()
    assert len(new) == len(base.mark)
    data = bytearray(base.data)
    at = base.data.index(base.mark)
    data[at : at + len(new)] = new
    if base.crc is not None:  # PNG: the chunk CRC covers the type and the data
        start, end = base.crc
        struct.pack_into(">I", data, end, zlib.crc32(data[start:end]))
    return bytes(data)


def _file_name(base: Base, number: int) -> str:
    if base.category == "ai-png" and not base.name:
        return f"{number % 100_000:05d}-{1_000_000_000 + number}.png"  # A1111's naming
    if base.name == "ComfyUI_":
        return f"ComfyUI_{number:06d}_.png"
    return f"{base.name}{number:06d}{base.ext}"


def _categories(files: int, rng: random.Random) -> list[str]:
    """Exactly round(share x files) of each category (camera JPEGs take the rest), shuffled."""
    counts = {c: round(share * files) for c, (share, _) in MIX.items() if c != "camera-jpeg"}
    counts["camera-jpeg"] = files - sum(counts.values())
    order = [c for c, n in counts.items() for _ in range(n)]
    rng.shuffle(order)
    return order


@dataclass
class Layout:
    """Where file number i goes: episodes of ~EPISODE_FILES, day folders of DAY_FILES stills."""

    files: int

    @property
    def episodes(self) -> int:
        """Episodes in the archive (at least one)."""
        return max(1, -(-self.files // EPISODE_FILES))

    @property
    def shows(self) -> int:
        """Top-level folders: at least two, so the exiftool baseline has two halves."""
        return max(2, -(-self.episodes // EPISODES_PER_SHOW))

    def episode_dir(self, episode: int) -> str:
        """``show_XX/episode_YY`` of an episode, shows filled in order."""
        show = episode * self.shows // max(self.episodes, self.shows)
        return f"show_{show + 1:02d}/episode_{episode + 1:03d}"


def plan(files: int, seed: int) -> list[tuple[str, Base, int]]:
    """(relative path, base, number) for every file, deterministically."""
    rng = random.Random(seed)
    pool = build_pool(seed)
    layout = Layout(files)
    out: list[tuple[str, Base, int]] = []
    stills_in_episode: Counter[int] = Counter()
    for number, category in enumerate(_categories(files, rng)):
        bases, weights = zip(*pool[category], strict=True)
        base = rng.choices(bases, weights)[0]
        episode = min(number * layout.episodes // files, layout.episodes - 1)
        sub = base.subfolder or MIX[category][1]
        if sub == "stills":
            sub = f"stills/day_{stills_in_episode[episode] // DAY_FILES + 1:02d}"
            stills_in_episode[episode] += 1
        rel = f"{layout.episode_dir(episode)}/{sub}/{_file_name(base, number)}"
        out.append((rel, base, number))
    return out


# ---------------------------------------------------------------------------- logs


def _entry(index: int, rel: str, tool: str, status: str, scope: str = "final") -> str:
    lines = [
        "[[entry]]",
        f'id = "ARC-{index:04d}"',
        f'tool = "{tool or "unknown generator"}"',
        'purpose = "Archive material cleared for re-use"',
        f'scope = ["{scope}"]',
        "enterprise_environment = true",
        f'status = "{status}"',
    ]
    if status == "approved":
        lines += [
            'approved_by = "J. Okafor (Head of Legal)"',
            "approved_on = 2026-09-02",
            f'approval_ref = "LEGAL-ARC-{index:04d}"',
        ]
    lines.append(f'path = "{rel}"')
    return "\n".join(lines)


def write_logs(folder: Path, ai_files: list[tuple[str, str]], rng: random.Random) -> None:
    """log-a.toml approves ~300 AI files by path (plus one glob entry for temp use);
    log-b.toml drops 20 of them, adds 20 others and turns one approval into "pending";
    log-c.toml is B with one more entry "denied" (a change B has not seen, for strace)."""
    picks = rng.sample(ai_files, min(len(ai_files), 340))
    in_a, extra = picks[:300], picks[300:]
    status_a = ["approved"] * len(in_a)
    entries_a = [(i + 1, rel, tool) for i, (rel, tool) in enumerate(in_a)]
    glob = ("show_01/**/ComfyUI_*.png", "ComfyUI")
    header = (
        "# AI-use log of the benchmark archive (bench/archive_data.py). Version {}.\nversion = 1\n"
    )

    def render(name: str, rows: list[tuple[int, str, str]], statuses: list[str]) -> None:
        body = [_entry(i, rel, tool, st) for (i, rel, tool), st in zip(rows, statuses, strict=True)]
        body.append(_entry(9000, glob[0], glob[1], "approved", scope="temp"))
        (folder / f"log-{name}.toml").write_text(
            header.format(name.upper()) + "\n" + "\n\n".join(body) + "\n", encoding="utf-8"
        )

    render("a", entries_a, status_a)
    rows_b = entries_a[:-20] + [(1000 + i, rel, tool) for i, (rel, tool) in enumerate(extra)]
    status_b = ["approved"] * len(rows_b)
    if rows_b:
        status_b[min(4, len(rows_b) - 1)] = "pending"
    render("b", rows_b, status_b)
    status_c = list(status_b)
    if len(rows_b) > 5:
        status_c[5] = "denied"
    render("c", rows_b, status_c)


# ---------------------------------------------------------------------------- the archive


@dataclass(frozen=True)
class Archive:
    """A generated archive: its folder, the scanned tree, logs and stamp contents."""

    folder: Path
    stamp: dict[str, Any]
    cached: bool = False  # reused from an earlier run

    @property
    def tree(self) -> Path:
        """The folder that is scanned."""
        return self.folder / "tree"

    def log(self, name: str) -> Path:
        """``log-a.toml``, ``log-b.toml`` or ``log-c.toml``."""
        return self.folder / f"log-{name}.toml"

    @property
    def files(self) -> int:
        """Number of files in the tree."""
        return int(self.stamp["files"])


def _params(files: int, seed: int) -> dict[str, int]:
    return {"generator": GENERATOR_VERSION, "files": files, "seed": seed}


def _write_tree(tree: Path, planned: list[tuple[str, Base, int]]) -> int:
    """Write every file; returns the total bytes written."""
    total, made_dirs = 0, set[str]()
    for rel, base, number in planned:
        parent = rel.rsplit("/", 1)[0]
        if parent not in made_dirs:
            (tree / parent).mkdir(parents=True, exist_ok=True)
            made_dirs.add(parent)
        data = _patched(base, number)
        with open(tree / rel, "wb") as fh:
            fh.write(data)
        total += len(data)
    return total


def _unique_files(planned: list[tuple[str, Base, int]]) -> int:
    """Files whose bytes occur once: every patched file, plus one copy of each plain base."""
    patched = sum(1 for _, b, _ in planned if b.mark)
    return patched + len({b.data for _, b, _ in planned if not b.mark})


def _intact(tree: Path, stamp: dict[str, Any]) -> bool:
    """Whether the tree still holds exactly the files and bytes the stamp recorded."""
    if not tree.is_dir():
        return False
    count, total, _ = common.folder_shape(tree)
    return (count, total) == (stamp["files"], stamp["bytes"])


def ensure(files: int, seed: int = DEFAULT_SEED, root: Path = ARCHIVE_DIR) -> Archive:
    """The archive of ``files`` files: reused when its stamp matches, else written afresh."""
    folder = root / str(files)
    stamp_path = folder / "stamp.json"
    params = _params(files, seed)
    if stamp_path.is_file():
        stamp = json.loads(stamp_path.read_text(encoding="utf-8"))
        if stamp.get("params") == params and _intact(folder / "tree", stamp):
            print(f"using cached archive {folder / 'tree'} ({files} files)")
            return Archive(folder, stamp, cached=True)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    print(f"generating {files} files in {folder / 'tree'} ...")
    start = time.perf_counter()
    planned = plan(files, seed)
    pool_s = time.perf_counter() - start
    total = _write_tree(folder / "tree", planned)
    rows = [f"{rel}\t{base.category}\t{base.verdict}" for rel, base, _ in planned]
    (folder / "manifest.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    ai_files = [(rel, b.tool) for rel, b, _ in planned if b.verdict in AI_VERDICTS]
    write_logs(folder, ai_files, random.Random(seed + 1))
    seconds = time.perf_counter() - start
    stamp = {
        "params": params,
        "files": files,
        "bytes": total,
        "distinct_bases": len({b.data for _, b, _ in planned}),
        "unique_files": _unique_files(planned),
        "categories": dict(Counter(b.category for _, b, _ in planned)),
        "intended_verdicts": dict(Counter(b.verdict for _, b, _ in planned)),
        "folders": len({rel.rsplit("/", 1)[0] for rel, _, _ in planned}),
        "shows": Layout(files).shows,
        "generation_s": round(seconds, 2),
        "pool_s": round(pool_s, 2),
        "generated": common.now_utc(),
    }
    common.write_json(stamp_path, stamp)  # last: its presence means the archive is complete
    print(f"generated {files} files ({total / 1e6:.0f} MB) in {seconds:.1f} s")
    return Archive(folder, stamp)


def manifest(archive: Archive) -> dict[str, tuple[str, str]]:
    """Relative path -> (category, intended verdict)."""
    out = {}
    for line in (archive.folder / "manifest.tsv").read_text(encoding="utf-8").splitlines():
        rel, category, verdict = line.split("\t")
        out[rel] = (category, verdict)
    return out


# ---------------------------------------------------------------------------- verify


def verify(archive: Archive, say: Callable[[str], None] = print) -> bool:
    """Scan the tree (no catalog, no trace) and compare every verdict with the intended one.

    Also checks that every file of the "signed" category shows a C2PA manifest (C2P012).
    """
    report_path = archive.folder / "verify.json"
    argv = [
        common.provscan_executable(),
        "scan",
        str(archive.tree),
        "--no-trace",
        "--quiet",
        "--format",
        "json",
        "--output",
        str(report_path),
        "--fail-on",
        "none",
    ]
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    if proc.returncode not in (0, 1):
        say(f"provscan exited {proc.returncode}:\n{proc.stderr[-3000:]}")
        return False
    say(f"scanned {archive.files} files in {time.perf_counter() - start:.1f} s")
    report = json.loads(report_path.read_text(encoding="utf-8"))
    intended = manifest(archive)
    table: Counter[tuple[str, str, str]] = Counter()
    wrong: list[str] = []
    unsigned: list[str] = []
    for item in report["files"]:
        category, want = intended.get(item["path"], ("(not generated)", "?"))
        table[(category, want, item["verdict"])] += 1
        if item["verdict"] != want:
            wrong.append(f"{item['path']}: intended {want}, got {item['verdict']}")
        rules = {f["rule"] for f in item["findings"]}
        if category == "signed" and "C2P012" not in rules:
            unsigned.append(item["path"])
    say(
        common.markdown_table(
            ["category", "intended verdict", "provscan verdict", "files"],
            [[c, w, g, str(n)] for (c, w, g), n in sorted(table.items())],
        )
    )
    missing = len(intended) - len(report["files"])
    ok = not wrong and not unsigned and missing == 0
    say(
        f"{len(wrong)} verdict(s) differ, {len(unsigned)} signed file(s) without C2PA, "
        f"{missing} file(s) not in the report: {'OK' if ok else 'MISMATCH'}"
    )
    for line in (wrong + [f"{p}: no C2P012" for p in unsigned])[:10]:
        say("  " + line)
    return ok


def main(argv: list[str] | None = None) -> int:
    """Generate (or reuse) an archive; with ``--verify``, check provscan's verdicts on it."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.archive_data", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--files", type=int, default=DEFAULT_FILES)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--verify", action="store_true", help="scan it and compare verdicts")
    args = parser.parse_args(argv)
    if args.files < 100:
        parser.error("--files must be at least 100")
    archive = ensure(args.files, args.seed)
    print(json.dumps({k: v for k, v in archive.stamp.items() if k != "params"}, indent=1))
    if args.verify:
        return 0 if verify(archive) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
