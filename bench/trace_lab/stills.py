"""Stills for the tracer evaluation: distinct corpus photos plus procedural documents and photos.

Three categories, each split ~40/60 into references (the stills a production would list in its
AI-use log) and distractors (stills of the same kinds that are shown in the videos but must not
be matched):

- ``photo``: real photographs from the shared corpus, de-duplicated (the corpus holds the same
  picture many times with different metadata, and the Adobe test set's collages contain each
  other's pieces),
- ``document``: letters, forms, newspaper clippings, typed reports and memos drawn with Pillow,
- ``synthetic``: sepia/grey "archival photos" built from shapes (streets, landscapes, groups,
  interiors, harbours).

Procedural stills are deterministic: each comes from its own generator seeded by
``(seed, category, index)``, so a larger set keeps the earlier pictures unchanged.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import os
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TypeVar

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps
from provscan.extract.phash import hamming, phash_image

CORPUS = Path("/work/shared/corpus")
STILLS_VERSION = 4  # bump when a generator below changes, so cached stills are rebuilt
MAX_SIDE = 2048  # references are delivered to an editor at most this large
REFERENCE_SHARE = 0.4

PHOTO = "photo"
DOCUMENT = "document"
SYNTHETIC = "synthetic"

_PHASH_SAME = 12  # Hamming distance at or below which two pictures are the same picture
_THUMB_SAME = 8.0  # mean |difference| of 16x16 grey thumbnails (smooth pictures fool pHash)
_ORB_SAME = 40  # RANSAC inliers: one picture contains the other (the Adobe collages)
_MIN_SIDE = 300
_MIN_STD = 20.0
_MIN_EDGES = 0.01  # Canny edge density: below it a gradient or a logo on a plain ground
_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")

T = TypeVar("T")
Rng = np.random.Generator
Gray = NDArray[np.float32]

_WORD_TEXT = (
    "the of and to in a is that for it as was with be by on not he this are or his from at "
    "which but have an they you were her she there been one all we their has would when if "
    "so no will more out up into do any your what time about said can may only other could "
    "police report witness statement evening house street mother father daughter family "
    "neighbour officer detective evidence night morning called hospital car door window "
    "account bank money payment insurance contract school college student record letter "
    "interview county court trial hearing sentence council office department file number "
    "address telephone signed dated received copy attached photograph enclosed confidential "
    "matter request regarding following noted observed entered left returned found arrived "
    "approximately hours minutes weeks months year during after before between under "
    "review inquiry case subject person vehicle licence plate registration owner driver "
    "local news community residents public meeting announced week city town village road "
    "avenue station company limited manager director secretary chairman board annual"
)
_WORDS = tuple(_WORD_TEXT.split())
_NAME_TEXT = (
    "Abbott Bennett Carter Dawson Ellis Fraser Grant Hughes Irwin Jensen Keller Lambert Morgan "
    "Nolan Owens Parker Quinn Reyes Sutton Turner Vaughn Walsh Young Zimmer Chen Patel Singh "
    "Nguyen Kowalski Moreau Rossi Schmidt Tanaka Okafor Larsen Novak Murphy Brennan"
)
_NAMES = tuple(_NAME_TEXT.split())


@dataclass(frozen=True)
class Still:
    """One still written under ``stills/``: its path relative to the output folder and facts."""

    path: str
    role: str  # "reference" | "distractor"
    category: str  # PHOTO | DOCUMENT | SYNTHETIC
    source: str  # corpus path, or "procedural:<category>:<index>"
    width: int
    height: int
    sha256: str


@dataclass(frozen=True)
class _Candidate:
    image: Image.Image
    category: str
    source: str


# ---------------------------------------------------------------------------- small helpers


def _pick(rng: Rng, items: Sequence[T]) -> T:
    """One element of ``items`` (``rng.choice`` would turn strings into numpy scalars)."""
    return items[int(rng.integers(len(items)))]


def _uniform(rng: Rng, low: float, high: float) -> float:
    return float(rng.uniform(low, high))


def _int(rng: Rng, low: int, high: int) -> int:
    """An integer in [low, high] inclusive."""
    return int(rng.integers(low, high + 1))


def _font(size: int, style: str = "sans") -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A DejaVu face when installed, else Pillow's scalable default font."""
    files = {
        "sans": "DejaVuSans.ttf",
        "sans-bold": "DejaVuSans-Bold.ttf",
        "serif": "DejaVuSerif.ttf",
        "serif-bold": "DejaVuSerif-Bold.ttf",
        "condensed": "DejaVuSansCondensed.ttf",
        "mono": "DejaVuSansMono.ttf",
        "mono-bold": "DejaVuSansMono-Bold.ttf",
    }
    path = _FONT_DIR / files.get(style, "DejaVuSans.ttf")
    if path.is_file():
        return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)


Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


def _words(rng: Rng, count: int) -> str:
    return " ".join(_pick(rng, _WORDS) for _ in range(count))


def _sentence(rng: Rng) -> str:
    text = _words(rng, _int(rng, 5, 16))
    return text[0].upper() + text[1:] + "."


def _name(rng: Rng) -> str:
    return f"{_pick(rng, 'ABCDEFGHJKLMNPRSTW')}. {_pick(rng, _NAMES)}"


def _date(rng: Rng) -> str:
    months = "January February March April May June July August September October November"
    return f"{_int(rng, 1, 28)} {_pick(rng, months.split())} {_int(rng, 1961, 2009)}"


def _text_width(draw: ImageDraw.ImageDraw, text: str, font: Font) -> float:
    return float(draw.textlength(text, font=font))


def _paragraph(
    draw: ImageDraw.ImageDraw,
    xy: tuple[int, int],
    width: int,
    font: Font,
    text: str,
    ink: tuple[int, int, int],
    leading: float = 1.35,
) -> int:
    """Draw ``text`` wrapped to ``width`` px from ``xy``; returns the y below the last line."""
    x, y = xy
    size = getattr(font, "size", 12)
    line = ""
    for word in text.split():
        trial = f"{line} {word}".strip()
        if line and _text_width(draw, trial, font) > width:
            draw.text((x, y), line, font=font, fill=ink)
            y += int(size * leading)
            line = word
        else:
            line = trial
    if line:
        draw.text((x, y), line, font=font, fill=ink)
        y += int(size * leading)
    return y


def _signature(draw: ImageDraw.ImageDraw, rng: Rng, x: int, y: int, width: int) -> None:
    """A handwritten-looking squiggle: a smoothed random walk drawn as a polyline."""
    n = _int(rng, 12, 24)
    xs = np.linspace(x, x + width, n)
    ys = y + np.cumsum(rng.normal(0, 9, n))
    ys = np.convolve(ys, np.ones(3) / 3, mode="same")
    points = [(float(a), float(b)) for a, b in zip(xs, ys, strict=True)]
    ink = _pick(rng, [(20, 30, 120), (15, 15, 20), (40, 40, 90)])
    draw.line(points, fill=ink, width=_int(rng, 2, 4), joint="curve")


def _stamp(img: Image.Image, rng: Rng, center: tuple[int, int], size: int) -> None:
    """A rubber stamp (ring or box with a word), rotated and pressed semi-transparently."""
    colour = _pick(rng, [(180, 30, 30), (30, 50, 160), (110, 30, 120), (30, 110, 60)])
    layer = Image.new("RGBA", (size * 2, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    word = _pick(rng, ["RECEIVED", "CONFIDENTIAL", "COPY", "FILED", "APPROVED", "URGENT", "VOID"])
    font = _font(max(12, size // 5), "sans-bold")
    ink = (*colour, 255)
    if rng.random() < 0.5:
        draw.ellipse((size // 2, 4, size * 3 // 2, size - 4), outline=ink, width=max(2, size // 25))
        draw.ellipse((size // 2 + 10, 14, size * 3 // 2 - 10, size - 14), outline=ink, width=2)
        draw.text((size, size // 2), word[:8], font=font, fill=ink, anchor="mm")
    else:
        draw.rectangle((6, size // 4, size * 2 - 6, size * 3 // 4), outline=ink, width=size // 20)
        draw.text((size, size // 2), word, font=font, fill=ink, anchor="mm")
        draw.text(
            (size, size * 3 // 4 + 12), _date(rng), font=_font(size // 9), fill=ink, anchor="mm"
        )
    layer = layer.rotate(_uniform(rng, -25, 25), resample=Image.Resampling.BICUBIC, expand=True)
    alpha = layer.getchannel("A").point(lambda v: int(v * _uniform(rng, 0.55, 0.85)))
    layer.putalpha(alpha)
    img.paste(layer, (center[0] - layer.width // 2, center[1] - layer.height // 2), layer)


def _photo_box(img: Image.Image, rng: Rng, box: tuple[int, int, int, int]) -> None:
    """Paste a small archival photo (or a grey placeholder) into ``box`` with a thin frame."""
    x0, y0, x1, y1 = box
    if rng.random() < 0.75:
        child = np.random.default_rng(rng.integers(1 << 62))
        photo = make_archival_photo(child, long_side=max(x1 - x0, y1 - y0), border=False)
        photo = ImageOps.fit(photo, (x1 - x0, y1 - y0))
        img.paste(photo, (x0, y0))
    else:
        shade = _int(rng, 120, 190)
        ImageDraw.Draw(img).rectangle(box, fill=(shade, shade, shade))
    ImageDraw.Draw(img).rectangle(box, outline=(30, 30, 30), width=2)


def _table(draw: ImageDraw.ImageDraw, rng: Rng, box: tuple[int, int, int, int], font: Font) -> None:
    """A ruled table with a header row and short entries."""
    x0, y0, x1, y1 = box
    cols, rows = _int(rng, 3, 6), _int(rng, 4, 10)
    ink = (30, 30, 35)
    cuts = np.sort(rng.uniform(0.12, 0.9, cols - 1))
    xs = [x0, *(int(x0 + c * (x1 - x0)) for c in cuts), x1]
    row_h = (y1 - y0) / rows
    for r in range(rows + 1):
        y = int(y0 + r * row_h)
        draw.line((x0, y, x1, y), fill=ink, width=3 if r in (0, 1) else 1)
    for x in xs:
        draw.line((x, y0, x, y1), fill=ink, width=1)
    for r in range(rows):
        for c in range(cols):
            if r > 0 and c > 0:
                cell = f"{_int(rng, 0, 9999)}" if rng.random() < 0.6 else _pick(rng, _WORDS)
            else:
                cell = _pick(rng, _WORDS).upper()
            draw.text((xs[c] + 6, int(y0 + r * row_h + 4)), cell, font=font, fill=ink)


# ---------------------------------------------------------------------------- documents


def _paper(rng: Rng, width: int, height: int) -> Image.Image:
    tint = _pick(rng, [(246, 243, 232), (238, 232, 210), (250, 250, 247), (232, 226, 205)])
    jitter = rng.integers(-8, 8, 3)
    colour = tuple(int(np.clip(c + j, 0, 255)) for c, j in zip(tint, jitter, strict=True))
    return Image.new("RGB", (width, height), colour)


def _letter(img: Image.Image, rng: Rng) -> None:
    draw = ImageDraw.Draw(img)
    w, h = img.size
    margin = int(w * _uniform(rng, 0.08, 0.13))
    ink = (25, 25, 30)
    head = _font(int(w * _uniform(rng, 0.03, 0.045)), "serif-bold")
    org = " ".join(_pick(rng, _NAMES) for _ in range(_int(rng, 1, 2))) + " & Co."
    if rng.random() < 0.5:
        draw.text((w // 2, margin), org, font=head, fill=ink, anchor="mt")
    else:
        draw.text((margin, margin), org, font=head, fill=ink)
    y = margin + int(w * 0.06)
    draw.line((margin, y, w - margin, y), fill=ink, width=_int(rng, 1, 4))
    body = _font(int(w * _uniform(rng, 0.016, 0.021)), _pick(rng, ["serif", "sans", "mono"]))
    y += int(w * 0.04)
    for line in (_name(rng), f"{_int(rng, 1, 300)} {_pick(rng, _NAMES)} Street", _date(rng)):
        draw.text((margin, y), line, font=body, fill=ink)
        y += int(getattr(body, "size", 12) * 1.4)
    y += int(w * 0.03)
    draw.text((margin, y), f"Dear {_name(rng)},", font=body, fill=ink)
    y += int(w * 0.04)
    for _ in range(_int(rng, 2, 5)):
        text = " ".join(_sentence(rng) for _ in range(_int(rng, 2, 5)))
        y = _paragraph(draw, (margin, y), w - 2 * margin, body, text, ink) + int(w * 0.015)
        if y > h * 0.78:
            break
    draw.text((margin, y + 10), "Yours sincerely,", font=body, fill=ink)
    _signature(draw, rng, margin, y + int(w * 0.08), int(w * 0.25))
    if rng.random() < 0.6:
        _stamp(img, rng, (int(w * _uniform(rng, 0.55, 0.8)), int(h * 0.85)), int(w * 0.16))


def _form(img: Image.Image, rng: Rng) -> None:
    draw = ImageDraw.Draw(img)
    w, h = img.size
    margin = int(w * 0.07)
    ink = (20, 20, 40)
    title = _font(int(w * 0.032), "sans-bold")
    draw.text((w // 2, margin), _words(rng, 3).upper() + " FORM", font=title, fill=ink, anchor="mt")
    label = _font(int(w * 0.015), "condensed")
    hand = _font(int(w * 0.02), "serif")
    y = margin + int(w * 0.08)
    cols = _int(rng, 1, 3)
    col_w = (w - 2 * margin) // cols
    for i in range(_int(rng, 6, 14)):
        x = margin + (i % cols) * col_w
        draw.text((x, y), _words(rng, _int(rng, 1, 3)).upper() + ":", font=label, fill=ink)
        draw.line((x, y + int(w * 0.045), x + col_w - 20, y + int(w * 0.045)), fill=ink, width=1)
        if rng.random() < 0.8:
            pen = _pick(rng, [(25, 40, 140), (20, 20, 25)])
            draw.text(
                (x + 10, y + int(w * 0.018)), _words(rng, _int(rng, 1, 3)), font=hand, fill=pen
            )
        if i % cols == cols - 1:
            y += int(w * 0.065)
    y += int(w * 0.03)
    for _ in range(_int(rng, 0, 5)):
        draw.rectangle((margin, y, margin + 22, y + 22), outline=ink, width=2)
        if rng.random() < 0.5:
            draw.line((margin + 3, y + 3, margin + 19, y + 19), fill=(30, 40, 140), width=3)
        draw.text((margin + 35, y), _words(rng, _int(rng, 3, 7)), font=label, fill=ink)
        y += 34
    if y < h * 0.7:
        _table(draw, rng, (margin, y + 20, w - margin, int(h * _uniform(rng, 0.8, 0.9))), label)
    if rng.random() < 0.5:
        _stamp(img, rng, (int(w * 0.75), int(h * 0.15)), int(w * 0.14))


def _clipping(img: Image.Image, rng: Rng) -> None:
    draw = ImageDraw.Draw(img)
    w, h = img.size
    margin = int(w * 0.04)
    ink = (28, 28, 28)
    head = _font(int(w * _uniform(rng, 0.045, 0.07)), "serif-bold")
    y = _paragraph(
        draw, (margin, margin), w - 2 * margin, head, _words(rng, _int(rng, 3, 8)).upper(), ink, 1.1
    )
    sub = _font(int(w * 0.025), "serif")
    y = _paragraph(draw, (margin, y + 6), w - 2 * margin, sub, _sentence(rng), ink) + 10
    draw.line((margin, y, w - margin, y), fill=ink, width=2)
    cols = _int(rng, 2, 4)
    gap = int(w * 0.02)
    col_w = (w - 2 * margin - (cols - 1) * gap) // cols
    body = _font(max(11, int(w * _uniform(rng, 0.013, 0.017))), "serif")
    photo_col = _int(rng, 0, cols - 1) if rng.random() < 0.7 else -1
    for c in range(cols):
        x = margin + c * (col_w + gap)
        cy = y + 12
        if c == photo_col:
            ph = int(col_w * _uniform(rng, 0.7, 1.2))
            _photo_box(img, rng, (x, cy, x + col_w, min(h - margin, cy + ph)))
            cy += ph + 6
            cy = _paragraph(
                draw, (x, cy), col_w, _font(int(w * 0.012), "sans"), _sentence(rng), ink
            )
        while cy < h - margin - 20:
            cy = _paragraph(draw, (x, cy), col_w, body, _sentence(rng), ink, 1.25)


def _report(img: Image.Image, rng: Rng) -> None:
    draw = ImageDraw.Draw(img)
    w, h = img.size
    margin = int(w * 0.09)
    ink = (30, 30, 30)
    typed = _font(int(w * _uniform(rng, 0.015, 0.019)), "mono")
    bold = _font(int(w * 0.024), "mono-bold")
    kind = _pick(rng, ["INCIDENT REPORT", "CASE SUMMARY", "STATEMENT", "INVESTIGATION NOTES"])
    draw.text((margin, margin), f"{kind}  No. {_int(rng, 100, 99999)}", font=bold, fill=ink)
    y = margin + int(w * 0.06)
    for field in ("DATE", "OFFICER", "LOCATION", "SUBJECT"):
        value = (
            _date(rng) if field == "DATE" else _name(rng) if field != "LOCATION" else _words(rng, 3)
        )
        draw.text((margin, y), f"{field:<10}{value}", font=typed, fill=ink)
        y += int(getattr(typed, "size", 12) * 1.5)
    y += 10
    draw.line((margin, y, w - margin, y), fill=ink, width=1)
    y += 20
    for _ in range(_int(rng, 2, 4)):
        text = " ".join(_sentence(rng) for _ in range(_int(rng, 2, 4)))
        y = _paragraph(draw, (margin, y), w - 2 * margin, typed, text, ink, 1.6) + 14
        if y > h * 0.6:
            break
    if rng.random() < 0.6 and y < h * 0.75:
        _table(draw, rng, (margin, y, w - margin, min(int(h * 0.9), y + int(h * 0.2))), typed)
    if rng.random() < 0.5:
        _photo_box(
            img, rng, (w - margin - int(w * 0.25), margin, w - margin, margin + int(w * 0.3))
        )
    if rng.random() < 0.7:
        _stamp(
            img,
            rng,
            (int(w * _uniform(rng, 0.3, 0.7)), int(h * _uniform(rng, 0.3, 0.8))),
            int(w * 0.2),
        )


def _memo(img: Image.Image, rng: Rng) -> None:
    draw = ImageDraw.Draw(img)
    w, h = img.size
    margin = int(w * 0.1)
    ink = (25, 25, 25)
    draw.text((margin, margin), "MEMORANDUM", font=_font(int(w * 0.05), "sans-bold"), fill=ink)
    body = _font(int(w * 0.019), _pick(rng, ["sans", "serif"]))
    y = margin + int(w * 0.1)
    for field in ("TO:", "FROM:", "DATE:", "RE:"):
        value = _date(rng) if field == "DATE:" else _name(rng) if field != "RE:" else _words(rng, 4)
        draw.text((margin, y), field, font=body, fill=ink)
        draw.text((margin + int(w * 0.15), y), value, font=body, fill=ink)
        y += int(w * 0.04)
    draw.line((margin, y, w - margin, y), fill=ink, width=3)
    y += 30
    for _ in range(_int(rng, 3, 6)):
        y = _paragraph(
            draw, (margin, y), w - 2 * margin, body, _sentence(rng) + " " + _sentence(rng), ink
        )
        y += 16
        if y > h * 0.85:
            break
    pen = (30, 40, 150)
    for _ in range(_int(rng, 0, 3)):  # margin annotations and underlines in pen
        yy = _int(rng, int(h * 0.3), int(h * 0.85))
        draw.line(
            (margin, yy, margin + _int(rng, 100, w // 2), yy + _int(rng, -6, 6)), fill=pen, width=3
        )
    if rng.random() < 0.5:
        _stamp(img, rng, (int(w * 0.7), int(h * 0.2)), int(w * 0.15))


def _age(img: Image.Image, rng: Rng) -> Image.Image:
    """Scanner softness, paper texture, blotches and sometimes a fold line."""
    arr = np.asarray(img, dtype=np.float32)
    h, w = arr.shape[:2]
    low = cv2.resize(
        rng.normal(0, 1, (6, 5)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC
    )
    arr = arr * (1 + low[..., None] * _uniform(rng, 0.01, 0.04))
    arr = arr + rng.normal(0, _uniform(rng, 2, 7), (h, w, 1)).astype(np.float32)
    if rng.random() < 0.4:
        x = _int(rng, w // 4, 3 * w // 4) if rng.random() < 0.5 else -1
        if x >= 0:
            arr[:, x - 2 : x + 2] *= 0.93
        else:
            y = _int(rng, h // 3, 2 * h // 3)
            arr[y - 2 : y + 2] *= 0.93
    out = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    return out.filter(ImageFilter.GaussianBlur(_uniform(rng, 0.3, 1.1)))


def make_document(rng: Rng, index: int) -> Image.Image:
    """A paper document still (letter, form, clipping, report or memo, cycling with ``index``)."""
    builders: list[Callable[[Image.Image, Rng], None]] = [_letter, _form, _clipping, _report, _memo]
    builder = builders[index % len(builders)]
    if builder is _clipping:
        width = _int(rng, 900, 1500)
        height = int(width * _uniform(rng, 0.5, 1.4))
    else:
        width = _int(rng, 1050, 1400)
        height = int(width * _uniform(rng, 1.29, 1.45))
    img = _paper(rng, width, height)
    builder(img, rng)
    img = _age(img, rng)
    if builder is _clipping and rng.random() < 0.6:
        img = _on_scanner_bed(img, rng)
    return img


def _on_scanner_bed(img: Image.Image, rng: Rng) -> Image.Image:
    """A cut-out clipping scanned slightly askew on a darker background."""
    bed = _pick(rng, [(60, 60, 62), (200, 200, 196), (30, 28, 26)])
    rotated = img.rotate(
        _uniform(rng, -4, 4), expand=True, fillcolor=bed, resample=Image.Resampling.BICUBIC
    )
    pad = int(max(img.size) * 0.05)
    canvas = Image.new("RGB", (rotated.width + 2 * pad, rotated.height + 2 * pad), bed)
    canvas.paste(rotated, (pad, pad))
    return canvas


# ---------------------------------------------------------------------------- archival photos


def _gradient(height: int, width: int, top: float, bottom: float) -> Gray:
    col = np.linspace(top, bottom, height, dtype=np.float32)[:, None]
    return np.repeat(col, width, axis=1)


def _person(draw: ImageDraw.ImageDraw, x: float, foot: float, height: float, tone: int) -> None:
    """A standing figure: head ellipse, tapered body, two legs."""
    head = height * 0.13
    w = height * 0.28
    top = foot - height
    draw.ellipse((x - head / 2, top, x + head / 2, top + head * 1.15), fill=tone)
    body_top, body_bottom = top + head * 1.1, foot - height * 0.45
    draw.polygon(
        [
            (x - w / 2, body_top),
            (x + w / 2, body_top),
            (x + w * 0.4, body_bottom),
            (x - w * 0.4, body_bottom),
        ],
        fill=tone,
    )
    leg = w * 0.16
    draw.rectangle((x - w * 0.3, body_bottom, x - w * 0.3 + leg * 1.6, foot), fill=tone)
    draw.rectangle((x + w * 0.3 - leg * 1.6, body_bottom, x + w * 0.3, foot), fill=tone)


def _building(
    draw: ImageDraw.ImageDraw, rng: Rng, x0: float, x1: float, base: float, top: float
) -> None:
    tone = _int(rng, 60, 200)
    draw.rectangle((x0, top, x1, base), fill=tone)
    if rng.random() < 0.5:
        draw.polygon(
            [(x0 - 5, top), ((x0 + x1) / 2, top - (x1 - x0) * 0.3), (x1 + 5, top)], fill=tone - 30
        )
    rows, cols = _int(rng, 2, 7), _int(rng, 2, 6)
    cw, rh = (x1 - x0) / cols, (base - top) / (rows + 1)
    window = _int(rng, 20, 80) if rng.random() < 0.7 else _int(rng, 200, 240)
    for r in range(rows):
        for c in range(cols):
            wx, wy = x0 + c * cw + cw * 0.25, top + r * rh + rh * 0.3
            draw.rectangle((wx, wy, wx + cw * 0.5, wy + rh * 0.5), fill=window)
    door = (x1 - x0) * 0.15
    mid = x0 + _uniform(rng, 0.2, 0.8) * (x1 - x0)
    draw.rectangle((mid - door / 2, base - rh * 0.9, mid + door / 2, base), fill=max(0, tone - 60))


def _tree(draw: ImageDraw.ImageDraw, rng: Rng, x: float, base: float, height: float) -> None:
    tone = _int(rng, 30, 110)
    draw.rectangle((x - height * 0.04, base - height * 0.45, x + height * 0.04, base), fill=tone)
    if rng.random() < 0.5:
        r = height * _uniform(rng, 0.25, 0.35)
        for _ in range(_int(rng, 3, 6)):
            cx, cy = x + rng.normal(0, r * 0.4), base - height * 0.65 + rng.normal(0, r * 0.3)
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=tone + _int(rng, -15, 15))
    else:
        draw.polygon(
            [
                (x - height * 0.22, base - height * 0.3),
                (x, base - height),
                (x + height * 0.22, base - height * 0.3),
            ],
            fill=tone,
        )


def _car(draw: ImageDraw.ImageDraw, rng: Rng, x: float, base: float, length: float) -> None:
    tone = _int(rng, 20, 180)
    h = length * 0.28
    draw.rounded_rectangle((x, base - h, x + length, base - h * 0.25), radius=h * 0.2, fill=tone)
    draw.rounded_rectangle(
        (x + length * 0.22, base - h * 1.6, x + length * 0.72, base - h * 0.9),
        radius=h * 0.2,
        fill=tone,
    )
    for wx in (x + length * 0.2, x + length * 0.78):
        draw.ellipse((wx - h * 0.35, base - h * 0.6, wx + h * 0.35, base + h * 0.1), fill=15)


def _scene_street(draw: ImageDraw.ImageDraw, rng: Rng, w: int, h: int, horizon: int) -> None:
    x = -_int(rng, 0, 80)
    while x < w:
        bw = _int(rng, w // 10, w // 4)
        _building(draw, rng, x, x + bw, horizon + h * 0.1, _int(rng, int(h * 0.08), horizon - 20))
        x += bw + _int(rng, 0, 30)
    draw.polygon(
        [(w * 0.3, h), (w * 0.45, horizon + h * 0.1), (w * 0.55, horizon + h * 0.1), (w * 0.7, h)],
        fill=_int(rng, 90, 150),
    )
    for _ in range(_int(rng, 0, 3)):
        _car(
            draw,
            rng,
            _uniform(rng, 0, w * 0.8),
            _uniform(rng, horizon + h * 0.15, h * 0.95),
            _uniform(rng, w * 0.12, w * 0.3),
        )
    for _ in range(_int(rng, 2, 9)):
        foot = _uniform(rng, horizon + h * 0.12, h)
        _person(
            draw,
            _uniform(rng, 0, w),
            foot,
            (foot - horizon) * _uniform(rng, 0.8, 1.6),
            _int(rng, 10, 80),
        )


def _scene_landscape(draw: ImageDraw.ImageDraw, rng: Rng, w: int, h: int, horizon: int) -> None:
    for layer in range(_int(rng, 1, 3)):
        xs = np.linspace(0, w, 12)
        ys = horizon - np.abs(rng.normal(0, h * 0.08, 12)) + layer * h * 0.05
        draw.polygon(
            [(0, h), *zip(xs.tolist(), ys.tolist(), strict=True), (w, h)],
            fill=_int(rng, 70, 170) - layer * 20,
        )
    for _ in range(_int(rng, 3, 14)):
        base = _uniform(rng, horizon, h)
        _tree(draw, rng, _uniform(rng, 0, w), base, (base - horizon + 30) * _uniform(rng, 1.0, 2.5))
    if rng.random() < 0.6:
        hx = _uniform(rng, 0.1, 0.7) * w
        _building(draw, rng, hx, hx + w * 0.15, horizon + h * 0.08, horizon - h * 0.1)
    if rng.random() < 0.5:
        y = _uniform(rng, horizon + h * 0.1, h * 0.9)
        for px in range(0, w, _int(rng, 30, 70)):
            draw.rectangle((px, y - 40, px + 6, y), fill=60)
        draw.line((0, y - 30, w, y - 30), fill=60, width=3)


def _scene_group(draw: ImageDraw.ImageDraw, rng: Rng, w: int, h: int, horizon: int) -> None:
    draw.rectangle((0, 0, w, horizon), fill=_int(rng, 90, 200))
    for _ in range(_int(rng, 0, 4)):
        x0, y0 = _uniform(rng, 0, w * 0.8), _uniform(rng, h * 0.05, horizon * 0.6)
        draw.rectangle(
            (x0, y0, x0 + w * 0.12, y0 + h * 0.15), outline=30, width=6, fill=_int(rng, 100, 220)
        )
    people = _int(rng, 2, 8)
    rows = 1 if people < 5 else 2
    for i in range(people):
        row = i % rows
        x = w * (0.1 + 0.8 * (i // rows + 0.5 * row) / max(1, people // rows))
        foot = h * (0.98 - 0.08 * row)
        _person(draw, x, foot, h * _uniform(rng, 0.65, 0.85), _int(rng, 15, 90))


def _scene_interior(draw: ImageDraw.ImageDraw, rng: Rng, w: int, h: int, horizon: int) -> None:
    draw.rectangle((0, 0, w, horizon), fill=_int(rng, 100, 190))
    draw.polygon(
        [(0, h), (w * 0.15, horizon), (w * 0.85, horizon), (w, h)], fill=_int(rng, 60, 140)
    )
    wx = _uniform(rng, 0.05, 0.6) * w
    draw.rectangle((wx, h * 0.1, wx + w * 0.25, horizon - h * 0.05), fill=_int(rng, 210, 250))
    draw.line((wx + w * 0.125, h * 0.1, wx + w * 0.125, horizon - h * 0.05), fill=40, width=8)
    tx = _uniform(rng, 0.1, 0.6) * w
    draw.rectangle((tx, horizon + h * 0.1, tx + w * 0.35, horizon + h * 0.14), fill=40)
    for leg in (tx + 10, tx + w * 0.35 - 20):
        draw.rectangle((leg, horizon + h * 0.14, leg + 10, horizon + h * 0.35), fill=40)
    for _ in range(_int(rng, 0, 3)):
        _person(
            draw,
            _uniform(rng, 0, w),
            _uniform(rng, h * 0.85, h),
            h * _uniform(rng, 0.5, 0.8),
            _int(rng, 15, 80),
        )


def _scene_harbour(draw: ImageDraw.ImageDraw, rng: Rng, w: int, h: int, horizon: int) -> None:
    for y in range(horizon, h, 6):
        draw.line((0, y, w, y), fill=_int(rng, 90, 150), width=3)
    for _ in range(_int(rng, 1, 5)):
        x, base, length = (
            _uniform(rng, 0, w * 0.8),
            _uniform(rng, horizon + 10, h * 0.9),
            _uniform(rng, w * 0.1, w * 0.35),
        )
        tone = _int(rng, 20, 120)
        draw.polygon(
            [
                (x, base - length * 0.15),
                (x + length, base - length * 0.15),
                (x + length * 0.85, base),
                (x + length * 0.1, base),
            ],
            fill=tone,
        )
        mast = x + length * _uniform(rng, 0.3, 0.6)
        draw.line((mast, base - length * 0.15, mast, base - length * 0.8), fill=tone, width=4)
    py = _uniform(rng, horizon + h * 0.15, h * 0.8)
    draw.rectangle((0, py, w * _uniform(rng, 0.3, 0.6), py + h * 0.04), fill=50)


_SCENES = (_scene_street, _scene_landscape, _scene_group, _scene_interior, _scene_harbour)


def _tone(gray: Gray, rng: Rng) -> NDArray[np.uint8]:
    """Sepia, neutral or cold toning of a 0-255 grey picture, as an RGB array."""
    style = _pick(rng, ["sepia", "sepia", "gray", "cold", "faded"])
    tints = {
        "sepia": (1.0, 0.86, 0.66),
        "gray": (1.0, 1.0, 1.0),
        "cold": (0.88, 0.95, 1.0),
        "faded": (1.0, 0.95, 0.85),
    }
    tint = np.array(tints[style], dtype=np.float32)
    g = gray / 255.0
    if style == "faded":
        g = 0.25 + 0.6 * g
    rgb = g[..., None] * tint * 255
    return np.asarray(np.clip(rgb, 0, 255), dtype=np.uint8)


def _texture(rng: Rng, h: int, w: int) -> Gray:
    """Zero-mean blotchy texture (three octaves of upsampled noise): walls, ground, emulsion."""
    total = np.zeros((h, w), np.float32)
    for cells, weight in ((4, 1.0), (12, 0.6), (40, 0.35)):
        small = rng.normal(0, 1, (cells, max(2, cells * w // h))).astype(np.float32)
        total += weight * cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
    return total / 1.5


def _photo_finish(gray: Gray, rng: Rng) -> Gray:
    """Soft focus, grain, vignetting, a tone curve, scratches and dust."""
    h, w = gray.shape
    gray = gray * (1 + _texture(rng, h, w) * _uniform(rng, 0.08, 0.2))
    gray = np.asarray(cv2.GaussianBlur(gray, (0, 0), _uniform(rng, 0.6, 2.2)), np.float32)
    gray = gray + rng.normal(0, _uniform(rng, 4, 12), gray.shape).astype(np.float32)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    r = np.sqrt(((xx - w / 2) / (w / 2)) ** 2 + ((yy - h / 2) / (h / 2)) ** 2)
    gray = gray * (1 - _uniform(rng, 0.15, 0.5) * np.clip(r - 0.4, 0, None) ** 1.5)
    gray = (255 * (np.clip(gray, 0, 255) / 255) ** _uniform(rng, 0.75, 1.3)).astype(np.float32)
    for _ in range(_int(rng, 0, 6)):
        x = _uniform(rng, 0, w)
        cv2.line(gray, (int(x), 0), (int(x + rng.normal(0, 30)), h), 230.0, 1)
    for _ in range(_int(rng, 5, 40)):
        cv2.circle(
            gray,
            (_int(rng, 0, w), _int(rng, 0, h)),
            _int(rng, 1, 3),
            float(_pick(rng, [10, 240])),
            -1,
        )
    return gray.astype(np.float32)


def make_archival_photo(rng: Rng, long_side: int | None = None, border: bool = True) -> Image.Image:
    """A synthetic old photograph: a random scene of shapes, toned, grainy and vignetted."""
    aspect = _pick(rng, [1.5, 1.5, 1.5, 1.6, 1.333, 1.25, 1.0, 0.8, 0.667, 1.778, 2.0])
    side = long_side or _int(rng, 1100, 1800)
    w, h = (side, int(side / aspect)) if aspect >= 1 else (int(side * aspect), side)
    horizon = int(h * _uniform(rng, 0.35, 0.65))
    sky = _gradient(h, w, _uniform(rng, 150, 240), _uniform(rng, 120, 220))
    img = Image.fromarray(np.clip(sky, 0, 255).astype(np.uint8), "L")
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, horizon, w, h), fill=_int(rng, 80, 170))
    for _ in range(_int(rng, 0, 4)):  # clouds
        cx, cy, r = (
            _uniform(rng, 0, w),
            _uniform(rng, 0, horizon * 0.6),
            _uniform(rng, w * 0.03, w * 0.1),
        )
        draw.ellipse((cx - r * 2, cy - r, cx + r * 2, cy + r), fill=_int(rng, 200, 250))
    _pick(rng, _SCENES)(draw, rng, w, h, horizon)
    gray = _photo_finish(np.asarray(img, dtype=np.float32), rng)
    out = Image.fromarray(_tone(gray, rng), "RGB")
    if border and rng.random() < 0.4:
        pad = int(min(w, h) * _uniform(rng, 0.03, 0.07))
        out = ImageOps.expand(out, border=pad, fill=_pick(rng, [(240, 236, 225), (250, 250, 245)]))
    return out


# ---------------------------------------------------------------------------- corpus photos


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence C-level stderr: libtiff prints a warning per odd tag of the corpus's test TIFFs."""
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _open_rgb(path: Path) -> Image.Image | None:
    """The picture as upright RGB, or None when Pillow cannot decode it (any error at all)."""
    try:
        with warnings.catch_warnings(), Image.open(path) as im:
            warnings.simplefilter("ignore")
            upright = ImageOps.exif_transpose(im)
            rgb = upright.convert("RGB")
            rgb.load()
            return rgb
    except Exception:  # the corpus holds deliberately broken files
        return None


@dataclass
class _Seen:
    phash: str
    thumb: Gray
    keypoints: tuple[cv2.KeyPoint, ...]
    descriptors: NDArray[np.uint8] | None


def _fingerprint(img: Image.Image, orb: cv2.ORB) -> tuple[_Seen, NDArray[np.uint8]]:
    small = img.copy()
    small.thumbnail((640, 640))
    gray = np.asarray(small.convert("L"))
    thumb = cv2.resize(gray, (16, 16), interpolation=cv2.INTER_AREA).astype(np.float32)
    keypoints, descriptors = orb.detectAndCompute(gray, None)
    found = None if descriptors is None else np.asarray(descriptors, np.uint8)
    return _Seen(phash_image(img), thumb, tuple(keypoints), found), gray


def _orb_inliers(a: _Seen, b: _Seen) -> int:
    """RANSAC inliers of a similarity between two pictures' ORB matches (0 if too few)."""
    if (
        a.descriptors is None
        or b.descriptors is None
        or min(len(a.keypoints), len(b.keypoints)) < 10
    ):
        return 0
    matches = cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(a.descriptors, b.descriptors, k=2)
    good = [p[0] for p in matches if len(p) == 2 and p[0].distance < 0.75 * p[1].distance]
    if len(good) < _ORB_SAME:
        return len(good)
    src = np.array([a.keypoints[m.queryIdx].pt for m in good], np.float32)
    dst = np.array([b.keypoints[m.trainIdx].pt for m in good], np.float32)
    _, mask = cv2.estimateAffinePartial2D(src, dst, method=cv2.RANSAC, ransacReprojThreshold=4.0)
    return 0 if mask is None else int(mask.sum())


def _same_picture(a: _Seen, b: _Seen) -> bool:
    if hamming(a.phash, b.phash) <= _PHASH_SAME:
        return True
    if float(np.abs(a.thumb - b.thumb).mean()) < _THUMB_SAME:
        return True
    return _orb_inliers(a, b) >= _ORB_SAME


def _informative(gray: NDArray[np.uint8]) -> bool:
    """False for near-flat pictures: low contrast, or almost no edges (gradients, logos)."""
    if float(gray.std()) < _MIN_STD:
        return False
    return float((cv2.Canny(gray, 50, 150) > 0).mean()) >= _MIN_EDGES


def _catalog_images(corpus: Path) -> list[Path]:
    with (corpus / "CATALOG.tsv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    return [corpus / r["local_path"] for r in rows if r.get("media_kind") == "image"]


def load_corpus_photos(corpus: Path = CORPUS) -> list[_Candidate]:
    """Distinct, decodable, non-flat corpus images (min side >= 300 px), upright RGB."""
    Image.MAX_IMAGE_PIXELS = 80_000_000  # decompression-bomb guard; the corpus tops at ~12 MP
    orb = cv2.ORB.create(1500)
    kept: list[tuple[_Seen, _Candidate]] = []
    with _quiet_stderr():
        for path in _catalog_images(corpus):
            img = _open_rgb(path)
            if img is None or min(img.size) < _MIN_SIDE:
                continue
            seen, gray = _fingerprint(img, orb)
            if not _informative(gray) or any(_same_picture(seen, k) for k, _ in kept):
                continue
            img = _cap(img)
            kept.append((seen, _Candidate(img, PHOTO, str(path.relative_to(corpus)))))
    return [c for _, c in kept]


def _cap(img: Image.Image) -> Image.Image:
    if max(img.size) <= MAX_SIDE:
        return img
    scale = MAX_SIDE / max(img.size)
    size = (round(img.width * scale), round(img.height * scale))
    return img.resize(size, Image.Resampling.LANCZOS)


# ---------------------------------------------------------------------------- the still set


def _procedural(seed: int, n_documents: int, n_synthetic: int) -> list[_Candidate]:
    out: list[_Candidate] = []
    for i in range(n_documents):
        rng = np.random.default_rng([seed, 1, i])
        out.append(_Candidate(make_document(rng, i), DOCUMENT, f"procedural:document:{i}"))
    for i in range(n_synthetic):
        rng = np.random.default_rng([seed, 2, i])
        out.append(_Candidate(make_archival_photo(rng), SYNTHETIC, f"procedural:synthetic:{i}"))
    return out


def _split(candidates: list[_Candidate], seed: int) -> list[tuple[str, _Candidate]]:
    """Assign roles per category (40% references), then shuffle so names reveal nothing."""
    rng = np.random.default_rng([seed, 3])
    roles: list[tuple[str, _Candidate]] = []
    for category in (PHOTO, DOCUMENT, SYNTHETIC):
        group = [c for c in candidates if c.category == category]
        order = rng.permutation(len(group))
        n_ref = round(len(group) * REFERENCE_SHARE)
        roles += [
            ("reference" if rank < n_ref else "distractor", group[i])
            for rank, i in enumerate(order)
        ]
    return [roles[i] for i in rng.permutation(len(roles))]


def _save(img: Image.Image, path: Path, category: str) -> None:
    """JPEG for photographs (as they are delivered), PNG for documents."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if category == DOCUMENT:
        img.save(path, format="PNG", optimize=False)
    else:
        img.save(path, format="JPEG", quality=92)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _cache_key(seed: int, n_documents: int, n_synthetic: int, corpus: Path) -> str:
    catalog = corpus / "CATALOG.tsv"
    digest = _sha256(catalog) if catalog.is_file() else "no-corpus"
    raw = json.dumps([STILLS_VERSION, seed, n_documents, n_synthetic, digest])
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def _cached(out_dir: Path, key: str) -> list[Still] | None:
    manifest = out_dir / "stills" / "manifest.json"
    if not manifest.is_file():
        return None
    data = json.loads(manifest.read_text())
    if data.get("key") != key:
        return None
    stills = [Still(**s) for s in data["stills"]]
    if all((out_dir / s.path).is_file() for s in stills):
        return stills
    return None


def collect_stills(
    out_dir: Path,
    seed: int,
    *,
    n_documents: int = 64,
    n_synthetic: int = 64,
    corpus: Path = CORPUS,
) -> list[Still]:
    """Build (or reuse from ``out_dir/stills/manifest.json``) the still set and write the files."""
    key = _cache_key(seed, n_documents, n_synthetic, corpus)
    cached = _cached(out_dir, key)
    if cached is not None:
        return cached
    candidates = load_corpus_photos(corpus) + _procedural(seed, n_documents, n_synthetic)
    counters = {"reference": 0, "distractor": 0}
    stills: list[Still] = []
    for role, cand in _split(candidates, seed):
        prefix = "ref" if role == "reference" else "distractor"
        ext = "png" if cand.category == DOCUMENT else "jpg"
        rel = f"stills/{prefix}_{counters[role]:03d}.{ext}"
        counters[role] += 1
        _save(cand.image, out_dir / rel, cand.category)
        w, h = cand.image.size
        stills.append(Still(rel, role, cand.category, cand.source, w, h, _sha256(out_dir / rel)))
    _remove_stale(out_dir / "stills", {Path(s.path).name for s in stills})
    manifest = {"key": key, "stills": [asdict(s) for s in stills]}
    (out_dir / "stills" / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return stills


def _remove_stale(folder: Path, keep: set[str]) -> None:
    """Delete stills of an earlier, different set so a folder listing never misleads."""
    for path in folder.glob("*"):
        if path.name.startswith(("ref_", "distractor_")) and path.name not in keep:
            path.unlink()
