"""Evaluate the still-copy check: edited copies of AI stills, found or not, and its cost.

    python -m bench.still_eval                 # generate once (~3 min), then evaluate (~1 min)
    python -m bench.still_eval --lowres 320    # also: what a reduced-size first stage keeps
    python -m bench.still_eval --compare bench/out/still_eval-results.json  # same answers?

The stills are ``bench.trace_lab``'s (corpus photos, drawn documents and archival-looking
scenes, split into references and distractors; cached under ``bench/out/still_eval``). Each
reference gets ``--copies`` copies with one to three random edits of the kinds press kits
and key art go through (resize, crop, letterbox or pillarbox, inset on another picture,
small rotation, grading or black and white, a caption bar, blur), saved as JPEG (q30-95),
PNG or WebP, plus one mirrored copy (ORB is not mirror-invariant: the check does not claim
mirrors); each distractor gets ``--copies // 3`` edited copies that must match nothing.

Every copy goes through ``match_still`` against one ``Matcher`` over all references, as the
trace worker runs it. The report gives recall per edit and per format, false matches, and
the milliseconds per still (decode + describe + match). ``--compare`` checks that another
run (another version) gave the same answer, inliers and scale included, for every file.

``--lowres SIDE`` measures the idea of a cheap first stage: ORB at SIDE px on the long side
(the picture and the references), ratio-tested votes and the same RANSAC similarity with
loose limits; for every copy the full check finds, the most inliers the stage gives to any
reference, against the most it gives to a distractor. A stage that skipped the full check
below some inlier count would lose every found copy under it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageOps
from provscan.trace.features import Features, describe, to_analysis_size
from provscan.trace.matcher import Matcher
from provscan.trace.reference import Reference, load_reference, read_gray
from provscan.trace.still import match_still

from bench.common import OUT_DIR
from bench.trace_lab.stills import collect_stills

COPIES_VERSION = 1  # bump when the edits change, so cached copies are rebuilt
SEED = 20261207
Edit = Callable[[Image.Image, np.random.Generator], tuple[Image.Image, str]]


# ---------------------------------------------------------------------------- edits


def _resize(img: Image.Image, rng: np.random.Generator) -> tuple[Image.Image, str]:
    side = int(rng.uniform(300, 2400))
    scale = side / max(img.size)
    size = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
    return img.resize(size, Image.Resampling.LANCZOS), "resize"


def _crop(img: Image.Image, rng: np.random.Generator) -> tuple[Image.Image, str]:
    area, aspect = rng.uniform(0.35, 0.95), rng.uniform(0.75, 1.33)
    w = min(img.width, int(img.width * np.sqrt(area) * aspect))
    h = min(img.height, int(img.height * area / (w / img.width)))
    x, y = int(rng.uniform(0, img.width - w + 1)), int(rng.uniform(0, img.height - h + 1))
    return img.crop((x, y, x + w, y + h)), "crop"


def _letterbox(img: Image.Image, rng: np.random.Generator) -> tuple[Image.Image, str]:
    aspect = (16 / 9, 1.0, 9 / 16, 4 / 5, 2.39)[int(rng.integers(5))]
    colour = ((0, 0, 0), (255, 255, 255), (128, 128, 128))[int(rng.integers(3))]
    w, h = img.size
    size = (int(h * aspect), h) if w / h < aspect else (w, int(w / aspect))
    canvas = Image.new("RGB", size, colour)
    canvas.paste(img, ((size[0] - w) // 2, (size[1] - h) // 2))
    return canvas, "letterbox"


def _inset(backgrounds: list[Path]) -> Edit:
    def inset(img: Image.Image, rng: np.random.Generator) -> tuple[Image.Image, str]:
        with Image.open(backgrounds[int(rng.integers(len(backgrounds)))]) as bg:
            canvas = bg.convert("RGB").resize((1920, 1080))
        scale = rng.uniform(0.3, 0.8) * min(1920 / img.width, 1080 / img.height)
        size = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
        small = img.resize(size, Image.Resampling.BICUBIC)
        x, y = int(rng.uniform(0, 1920 - size[0] + 1)), int(rng.uniform(0, 1080 - size[1] + 1))
        canvas.paste(small, (x, y))
        return canvas, "inset"

    return inset


def _rotate(img: Image.Image, rng: np.random.Generator) -> tuple[Image.Image, str]:
    angle = rng.uniform(2, 15) * (1 if rng.random() < 0.5 else -1)
    expand = bool(rng.random() < 0.5)
    return img.rotate(angle, Image.Resampling.BICUBIC, expand=expand, fillcolor=(0, 0, 0)), "rotate"


def _grade(img: Image.Image, rng: np.random.Generator) -> tuple[Image.Image, str]:
    kind = int(rng.integers(3))
    if kind == 0:
        return ImageOps.grayscale(img).convert("RGB"), "grade"
    if kind == 1:
        gamma = rng.uniform(0.6, 1.6)
        return img.point([round(255 * (i / 255) ** gamma) for i in range(256)] * 3), "grade"
    return ImageOps.colorize(ImageOps.grayscale(img), (40, 20, 0), (255, 235, 200)), "grade"


def _caption(img: Image.Image, rng: np.random.Generator) -> tuple[Image.Image, str]:
    img = img.copy()
    draw = ImageDraw.Draw(img)
    top = int(img.height * rng.uniform(0.8, 0.9))
    draw.rectangle((0, top, img.width, img.height), fill=(0, 0, 0))
    draw.text((10, top + 4), "PRESS KIT - EMBARGOED", fill=(255, 255, 255))
    return img, "caption"


def _blur(img: Image.Image, rng: np.random.Generator) -> tuple[Image.Image, str]:
    return img.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 1.5))), "blur"


def _save(img: Image.Image, rng: np.random.Generator, stem: Path) -> tuple[Path, str]:
    kind = int(rng.integers(4))
    if kind <= 1:
        quality = int(rng.uniform(30, 95))
        img.save(path := stem.with_suffix(".jpg"), "JPEG", quality=quality)
        return path, "jpeg"
    if kind == 2:
        img.save(path := stem.with_suffix(".png"), "PNG", compress_level=1)
        return path, "png"
    img.save(path := stem.with_suffix(".webp"), "WEBP", quality=int(rng.uniform(50, 90)))
    return path, "webp"


# ---------------------------------------------------------------------------- material


def make_copies(out: Path, copies: int) -> dict[str, Any]:
    """The stills and their edited copies (cached by a stamp of the parameters)."""
    stills = collect_stills(out, SEED)
    key = {"version": COPIES_VERSION, "copies": copies, "stills": [s.sha256 for s in stills]}
    stamp = out / "copies.json"
    cached = json.loads(stamp.read_text()) if stamp.is_file() else None
    if isinstance(cached, dict) and cached.get("key") == key:
        return cached
    folder = out / "copies"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    distractors = [out / s.path for s in stills if s.role == "distractor"]
    edits: list[Edit] = [_resize, _crop, _letterbox, _inset(distractors), _rotate, _grade,
                         _caption, _blur]  # fmt: skip
    rows = []
    for number, still in enumerate(stills):
        reference = still.role == "reference"
        with Image.open(out / still.path) as opened:
            source = opened.convert("RGB")
        for k in range(copies if reference else max(1, copies // 3)):
            rng = np.random.default_rng([SEED, number, k])
            img, names = source, []
            for e in rng.choice(len(edits), 1 + int(rng.integers(3)), replace=False):
                img, name = edits[int(e)](img, rng)
                names.append(name)
            if reference and k == copies - 1:
                img, names = ImageOps.mirror(img), [*names, "mirror"]
            path, fmt = _save(img, rng, folder / f"{Path(still.path).stem}_{k}")
            rows.append({"path": path.relative_to(out).as_posix(), "of": still.path,
                         "role": "copy" if reference else "distractor", "edits": names,
                         "format": fmt, "category": still.category})  # fmt: skip
    references = [s.path for s in stills if s.role == "reference"]
    data = {"key": key, "references": references, "copies": rows}
    stamp.write_text(json.dumps(data, indent=1))
    return data


# ---------------------------------------------------------------------------- evaluation


def evaluate(out: Path, data: dict[str, Any]) -> list[dict[str, Any]]:
    """``match_still`` on every copy against all references: what it found, how long."""
    matcher = Matcher([load_reference(out / name, name) for name in data["references"]])
    rows = []
    for row in data["copies"]:
        wall, cpu = time.perf_counter(), time.process_time()
        found = match_still(out / row["path"], matcher)
        ms = (time.perf_counter() - wall) * 1000
        cpu_ms = (time.process_time() - cpu) * 1000
        answers = [[m.reference, m.inliers, m.scale, m.coverage] for m in found]
        rows.append({**row, "found": answers, "ms": round(ms, 2), "cpu_ms": round(cpu_ms, 2)})
    return rows


def _rate(hits: int, total: int) -> str:
    return f"{hits}/{total} ({100 * hits / max(1, total):.1f}%)"


def report(rows: list[dict[str, Any]]) -> str:
    """Recall per edit and format, false matches, cost per still, as markdown."""
    by: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    false_matches = []
    for row in rows:
        names = {m[0] for m in row["found"]}
        copy = row["role"] == "copy"
        if names - {row["of"]} if copy else names:
            false_matches.append(row["path"])
        if not copy:
            continue
        hit = int(row["of"] in names)
        mirrored = "mirror" in row["edits"]
        for name in ["mirrored copies"] if mirrored else ["all", *row["edits"], row["format"]]:
            by[name][0] += hit
            by[name][1] += 1
    lines = ["| copies | found |", "|---|---:|"]
    lines += [f"| {name} | {_rate(*by[name])} |" for name in sorted(by, key=lambda n: n != "all")]
    ms = [r["ms"] for r in rows]
    cpu = [r["cpu_ms"] for r in rows]
    lines += ["", f"False matches (a distractor, or a copy, matched to another still): "
              f"{len(false_matches)} {false_matches[:5]}", "",
              f"Per still: median {statistics.median(ms):.1f} ms wall, "
              f"{statistics.median(cpu):.1f} ms CPU (decode + describe + match; "
              f"{len(rows)} stills)"]  # fmt: skip
    return "\n".join(lines)


def compare(rows: list[dict[str, Any]], other: Path) -> str:
    """Whether another run gave the same answers (references, inliers, scale, coverage)."""
    before = {r["path"]: r["found"] for r in json.loads(other.read_text())["rows"]}
    differ = [r["path"] for r in rows if before.get(r["path"]) != r["found"]]
    return f"Compared with `{other}`: {len(differ)} of {len(rows)} answers differ {differ[:5]}"


# ---------------------------------------------------------------------------- low-res stage


def _small_features(gray: np.ndarray[Any, Any], side: int) -> Features:
    return describe(to_analysis_size(gray, side), 800)


def lowres(out: Path, data: dict[str, Any], rows: list[dict[str, Any]], side: int) -> str:
    """Most RANSAC inliers a reduced-size stage gives a found copy, against distractors."""
    refs = [Reference(n, "0" * 16, _small_features(read_gray(out / n), side))
            for n in data["references"]]  # fmt: skip
    matcher = Matcher(refs)
    found, distractors = [], []
    for row in rows:
        if row["role"] == "copy" and not row["found"]:
            continue  # the full check misses it anyway
        picture = _small_features(read_gray(out / row["path"], draft_side=side), side)
        best = _best_inliers(matcher, picture)
        (found if row["role"] == "copy" else distractors).append(best)
    lines = [f"Reduced-size stage at {side} px: inliers of the {len(found)} copies the full "
             f"check finds, lowest: {sorted(found)[:10]}; of the {len(distractors)} "
             f"distractors, highest: {sorted(distractors, reverse=True)[:10]}", "",
             "| skip below | found copies lost | distractors still checked in full |",
             "|---:|---:|---:|"]  # fmt: skip
    for limit in (3, 4, 6, 8, 12):
        lost = sum(b < limit for b in found)
        kept = sum(b >= limit for b in distractors)
        lines.append(f"| {limit} | {_rate(lost, len(found))} | {_rate(kept, len(distractors))} |")
    return "\n".join(lines)


def _best_inliers(matcher: Matcher, picture: Features) -> int:
    """Most inliers of a loose RANSAC similarity over the four best-voted references."""
    if picture.count < 4:
        return 0
    good = matcher._good_matches(picture)
    votes = good.sum(axis=0)
    best = 0
    for j in np.argsort(-votes, kind="stable")[:4]:
        rows = np.flatnonzero(good[:, j])
        if rows.size < 3:
            break
        still = matcher.references[j].features
        assert still is not None
        source = still.points[matcher._nearest[rows, j] - matcher._first_row[j]]
        fitted, mask = cv2.estimateAffinePartial2D(
            source, picture.points[rows], method=cv2.RANSAC, ransacReprojThreshold=3.0,
            maxIters=2000, confidence=0.995, refineIters=10,
        )  # fmt: skip
        if fitted is not None and mask is not None:
            best = max(best, int(mask.sum()))
    return best


def main() -> None:
    """Generate (or reuse) the copies, evaluate, write the report and the answers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=10, help="per reference (default 10)")
    parser.add_argument("--lowres", type=int, default=0, help="also judge a stage at this side")
    parser.add_argument("--compare", type=Path, help="results JSON of another run")
    args = parser.parse_args()
    out = OUT_DIR / "still_eval"
    data = make_copies(out, args.copies)
    rows = evaluate(out, data)
    parts = ["# Still-copy check", "", report(rows)]
    if args.compare:
        parts += ["", compare(rows, args.compare)]
    if args.lowres:
        parts += ["", lowres(out, data, rows, args.lowres)]
    text = "\n".join(parts) + "\n"
    (OUT_DIR / "still_eval.md").write_text(text)
    (OUT_DIR / "still_eval-results.json").write_text(json.dumps({"rows": rows}, indent=0))
    print(text)


if __name__ == "__main__":
    main()
