"""Image benchmark: provscan against ``exiftool -r -json -fast`` on a still-image folder.

The folder is shaped like the FIELD-NOTES "Whole-folder baselines" one (its still part):
by default 2,000 1920x1080 JPEGs at q90 (~0.6-1.2 MB each; EXIF Make/Model/Software,
a third with XMP) and 200 PNGs (half with text chunks, a few with Automatic1111
``parameters``); about 5% of each are C2PA-signed with a throwaway CA. Generation is
deterministic (fixed seeds) and cached under ``bench/out/`` with a stamp beside the
folder (not inside it: every file in the folder is scanned).

Run::

    .venv/bin/python -m bench.images            # generate once, then 5 rounds
    .venv/bin/python -m bench.images --rounds 9 --no-profile
    .venv/bin/python -m bench.images --jpegs 100 --pngs 20 --rounds 1   # smoke run

Target: provscan at least 3x exiftool's files per second, both single-process.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import multiprocessing
import os
import pstats
import shutil
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageChops
from PIL.PngImagePlugin import PngInfo

from bench import common
from bench.signing import CAPTURE, TRAINED, BenchSigner, manifest

GENERATOR_VERSION = 1  # bump when the generated content changes, to invalidate caches
DEFAULT_JPEGS, DEFAULT_PNGS, DEFAULT_SEED = 2000, 200, 20261125
SIGN_EVERY = 20  # one file in 20 (5%) carries a C2PA manifest
TARGET_RATIO = 3.0
TRACE_TARGET = 2.0  # the default scan, still-copy check included, against --no-trace

CAMERAS = (
    ("Canon", "Canon EOS R5", "Firmware Version 1.8.2"),
    ("SONY", "ILCE-7M4", "ILCE-7M4 v3.01"),
    ("NIKON CORPORATION", "NIKON Z 8", "Ver.02.00"),
    ("FUJIFILM", "X-T5", "Digital Camera X-T5 Ver3.00"),
    ("Apple", "iPhone 15 Pro", "17.5.1"),
    ("Blackmagic Design", "Pocket Cinema Camera 6K", "DaVinci Resolve 19"),
)
EDITORS = ("Adobe Photoshop 26.1 (Macintosh)", "Adobe Lightroom Classic 14.0", "GIMP 2.10.38")
A1111 = (
    "cinematic still of a lighthouse at dusk, volumetric fog, 35mm\n"
    "Negative prompt: blurry, lowres, watermark\n"
    "Steps: 30, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: {seed}, Size: {w}x{h}, "
    "Model hash: 31e35c80fc, Model: sd_xl_base_1.0, Version: v1.10.1"
)


# ---------------------------------------------------------------------------- content


def _pixels(rng: np.random.Generator, width: int, height: int, grain: int) -> Image.Image:
    """Smooth blobs + gradients + grain: compresses like a photo, not like flat colour."""
    size = (width, height)
    coarse = rng.integers(0, 256, (height // 32 + 1, width // 32 + 1, 3), dtype=np.uint8)
    fine = rng.integers(0, 256, (height // 8, width // 8, 3), dtype=np.uint8)
    img = Image.blend(
        Image.fromarray(coarse).resize(size, Image.Resampling.BICUBIC),
        Image.fromarray(fine).resize(size, Image.Resampling.BILINEAR),
        0.3,
    )
    gx = np.linspace(0, rng.uniform(0, 60), width, dtype=np.float32)[None, :]
    gy = np.linspace(0, rng.uniform(0, 60), height, dtype=np.float32)[:, None]
    extra = (gx + gy).astype(np.uint8)
    if grain:
        extra += rng.integers(0, 2 * grain + 1, (height, width), dtype=np.uint8)
    return ImageChops.add(img, Image.fromarray(extra).convert("RGB"), scale=1.0, offset=-grain)


def _xmp(index: int, creator_tool: str, ai: bool) -> bytes:
    """A small XMP packet; ``ai`` adds an IPTC digital source type of trained media."""
    source = (
        f"\n   <Iptc4xmpExt:DigitalSourceType>{TRAINED}</Iptc4xmpExt:DigitalSourceType>"
        if ai
        else ""
    )
    return f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"
    xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/">
   <xmp:CreatorTool>{creator_tool}</xmp:CreatorTool>
   <photoshop:Credit>Bench Unit Stills</photoshop:Credit>{source}
   <dc:creator><rdf:Seq><rdf:li>Photographer {index % 17}</rdf:li></rdf:Seq></dc:creator>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">Frame {index}</rdf:li></rdf:Alt></dc:title>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>""".encode()


@dataclass(frozen=True)
class Made:
    """What one generated file carries, for the folder-shape report."""

    kind: str
    size: int
    xmp: bool = False
    text: bool = False
    a1111: bool = False
    signed: bool = False


_SIGNER: BenchSigner | None = None


def _init_worker() -> None:
    """Pool initializer: one c2pa signer per worker process."""
    global _SIGNER
    _SIGNER = BenchSigner()


def _sign(data: bytes, mime: str, title: str, ai: bool) -> bytes:
    assert _SIGNER is not None, "worker not initialised"
    agent = "ExampleGen" if ai else "Bench Camera App"
    return _SIGNER.sign(data, mime, manifest(title, TRAINED if ai else CAPTURE, agent))


def make_jpeg(task: tuple[str, int, int]) -> Made:
    """Write JPEG number ``index`` (1920x1080, q90, EXIF, maybe XMP, maybe signed)."""
    root, index, seed = task
    rng = np.random.default_rng([seed, 1, index])
    img = _pixels(rng, 1920, 1080, grain=int(rng.integers(8, 41)))
    make, model, software = CAMERAS[index % len(CAMERAS)]
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = make, model
    exif[0x0131] = EDITORS[index % len(EDITORS)] if index % 4 == 0 else software
    exif[0x0132] = f"2026:11:{1 + index % 28:02d} 10:{index % 60:02d}:00"
    exif.get_ifd(0x8769)[0x9003] = exif[0x0132]
    has_xmp = index % 3 == 0
    extra: dict[str, Any] = {}
    if has_xmp:
        extra["xmp"] = _xmp(index, EDITORS[index % len(EDITORS)], ai=index % 150 == 0)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90, exif=exif.tobytes(), **extra)
    data = buf.getvalue()
    signed = index % SIGN_EVERY == 7
    if signed:
        data = _sign(data, "image/jpeg", f"IMG_{index:05d}.jpg", ai=index % 40 == 7)
    path = Path(root, "jpeg", f"day{index // 250 + 1:02d}", f"IMG_{index:05d}.jpg")
    path.write_bytes(data)
    return Made("jpeg", len(data), xmp=has_xmp, signed=signed)


def make_png(task: tuple[str, int, int]) -> Made:
    """Write PNG number ``index`` (1024x1024 or 1920x1080; text chunks; maybe A1111, signed)."""
    root, index, seed = task
    rng = np.random.default_rng([seed, 2, index])
    width, height = (1024, 1024) if index % 2 == 0 else (1920, 1080)
    img = _pixels(rng, width, height, grain=int(rng.integers(2, 9)))
    info = PngInfo()
    has_text = index % 2 == 0
    a1111 = index % SIGN_EVERY == 0
    if has_text:
        info.add_text("Software", EDITORS[index % len(EDITORS)])
        info.add_text("Description", f"graphics plate {index}")
    if a1111:
        info.add_text("parameters", A1111.format(seed=1000 + index, w=width, h=height))
    buf = io.BytesIO()
    img.save(buf, "PNG", pnginfo=info, compress_level=1)
    data = buf.getvalue()
    signed = index % SIGN_EVERY == 3
    if signed:
        data = _sign(data, "image/png", f"plate_{index:04d}.png", ai=index % 40 == 3)
    path = Path(root, "png", f"plate_{index:04d}.png")
    path.write_bytes(data)
    return Made("png", len(data), text=has_text or a1111, a1111=a1111, signed=signed)


def _make(task: tuple[str, str, int, int]) -> Made:
    kind, root, index, seed = task
    return (make_jpeg if kind == "jpeg" else make_png)((root, index, seed))


# ---------------------------------------------------------------------------- cache


def _stamp_path(folder: Path) -> Path:
    """The cache stamp sits beside the folder: anything inside would be scanned."""
    return folder.with_name(folder.name + ".stamp.json")


def _params(jpegs: int, pngs: int, seed: int) -> dict[str, int]:
    return {"generator": GENERATOR_VERSION, "jpegs": jpegs, "pngs": pngs, "seed": seed}


def _cached_shape(folder: Path, params: dict[str, int]) -> dict[str, Any] | None:
    stamp = _stamp_path(folder)
    if not stamp.is_file() or not folder.is_dir():
        return None
    data: dict[str, Any] = json.loads(stamp.read_text(encoding="utf-8"))
    if data.get("params") != params:
        return None
    count, total, _ = common.folder_shape(folder)
    shape: dict[str, Any] = data["shape"]
    if count != shape["files"] or total != shape["bytes"]:
        return None  # files were added, removed or rewritten since
    return shape


def _clear(folder: Path) -> None:
    """Empty a folder this script made; refuse anything else."""
    if not folder.exists():
        return
    foreign = [p.name for p in folder.iterdir() if p.name not in {"jpeg", "png"}]
    if foreign:
        raise SystemExit(
            f"bench: {folder} holds files this script did not make ({', '.join(foreign[:5])}); "
            "pick another --dir, or use --no-generate to benchmark it as it is"
        )
    for sub in ("jpeg", "png"):
        shutil.rmtree(folder / sub, ignore_errors=True)


def ensure_folder(folder: Path, jpegs: int, pngs: int, seed: int, workers: int) -> dict[str, Any]:
    """Generate the folder unless a matching cache is already there; return its shape."""
    params = _params(jpegs, pngs, seed)
    cached = _cached_shape(folder, params)
    if cached is not None:
        print(f"using cached folder {folder}")
        return cached
    _clear(folder)
    _stamp_path(folder).unlink(missing_ok=True)
    for day in range((jpegs + 249) // 250):
        (folder / "jpeg" / f"day{day + 1:02d}").mkdir(parents=True, exist_ok=True)
    (folder / "png").mkdir(parents=True, exist_ok=True)
    tasks = [("jpeg", str(folder), i, seed) for i in range(jpegs)]
    tasks += [("png", str(folder), i, seed) for i in range(pngs)]
    print(f"generating {jpegs} JPEGs + {pngs} PNGs in {folder} with {workers} workers ...")
    start = time.perf_counter()
    made: list[Made] = []
    ctx = multiprocessing.get_context("spawn")  # c2pa native state must not be forked
    with ctx.Pool(workers, initializer=_init_worker) as pool:
        for item in pool.imap_unordered(_make, tasks, chunksize=8):
            made.append(item)
            if len(made) % 250 == 0:
                print(f"  {len(made)}/{len(tasks)}")
    shape = {
        "files": len(made),
        "bytes": sum(m.size for m in made),
        "jpegs": sum(m.kind == "jpeg" for m in made),
        "pngs": sum(m.kind == "png" for m in made),
        "jpegs_with_xmp": sum(m.xmp for m in made),
        "pngs_with_text": sum(m.text for m in made),
        "pngs_with_a1111_parameters": sum(m.a1111 for m in made),
        "c2pa_signed": sum(m.signed for m in made),
    }
    count, total, _ = common.folder_shape(folder)
    assert (count, total) == (shape["files"], shape["bytes"]), "generated folder does not add up"
    common.write_json(
        _stamp_path(folder),
        {
            "params": params,
            "shape": shape,
            "generated": common.now_utc(),
            "signer": "fixtures/testca.py",
        },
    )
    print(f"generated in {time.perf_counter() - start:.0f} s")
    return shape


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
    profiler.dump_stats(out_dir / "images.prof")
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.strip_dirs().sort_stats(pstats.SortKey.CUMULATIVE).print_stats(top)
    body = text.getvalue()
    (out_dir / "images-profile.txt").write_text(body, encoding="utf-8")
    return body, elapsed, len(report.files)


# ---------------------------------------------------------------------------- main


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.images", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--dir", type=Path, help="folder to generate/cache and scan")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds (default 5)")
    parser.add_argument("--jpegs", type=int, default=DEFAULT_JPEGS)
    parser.add_argument("--pngs", type=int, default=DEFAULT_PNGS)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="for generation")
    parser.add_argument("--exiftool", help="exiftool executable (default: $EXIFTOOL, PATH)")
    parser.add_argument("--no-exiftool", action="store_true", help="time provscan alone")
    parser.add_argument(
        "--with-trace",
        action="store_true",
        help="also time the default scan, whose trace checks every still for being a copy "
        "of an AI still (decode + ORB features: ~50 ms a still)",
    )
    parser.add_argument(
        "--no-generate", action="store_true", help="benchmark --dir as it is, no generation"
    )
    parser.add_argument("--no-profile", action="store_true", help="skip the cProfile pass")
    parser.add_argument("--compare", help="another provscan executable, timed in the same rounds")
    parser.add_argument("--compare-label", default="before", help="its name in the report")
    parser.add_argument(
        "--report", type=Path, default=common.OUT_DIR / "images.md", help="markdown output"
    )
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if args.dir is None:
        default = (args.jpegs, args.pngs, args.seed) == (DEFAULT_JPEGS, DEFAULT_PNGS, DEFAULT_SEED)
        name = "images" if default else f"images-{args.jpegs}j-{args.pngs}p-{args.seed}"
        args.dir = common.OUT_DIR / name
    if args.no_generate and not args.dir.is_dir():
        parser.error(f"--no-generate: {args.dir} is not a folder")
    return args


def _fmt(rate: float) -> str:
    return f"{rate:,.0f}"


def _trace_cost(timings: common.Timings, label: str) -> str:
    """The default scan (with the still-copy check) against the metadata scan of the same
    install: median per-round ratio of the seconds, and of the CPU seconds."""
    scan, traced = f"provscan{label}", f"provscan{label}, with trace"
    wall = common.median_ratio(timings, scan, traced)
    cpu = statistics.median(
        t / s for s, t in zip(timings.cpu[scan], timings.cpu[traced], strict=True)
    )
    return (f"default scan / `--no-trace` scan{label}, median per-round ratio: {wall:.1f}x the "
            f"seconds, {cpu:.1f}x the CPU seconds (target: <= {TRACE_TARGET:.0f}x)")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Generate (or reuse) the folder, time both tools, profile provscan, write the report."""
    args = _args(argv)
    folder: Path = args.dir.resolve()
    common.OUT_DIR.mkdir(parents=True, exist_ok=True)
    if args.no_generate:
        count, total, exts = common.folder_shape(folder)
        shape: dict[str, Any] = {"files": count, "bytes": total, **dict(exts)}
    else:
        shape = ensure_folder(folder, args.jpegs, args.pngs, args.seed, max(1, args.workers))
    files = int(shape["files"])

    exiftool = None if args.no_exiftool else common.find_exiftool(args.exiftool)
    if exiftool is None and not args.no_exiftool:
        print(common.EXIFTOOL_HINT, file=sys.stderr)
    tools = [common.provscan_tool(folder)]
    if args.with_trace:
        tools.append(common.provscan_tool(folder, trace=True))
    if args.compare:  # another install in the same rounds (the figure before a change)
        label = f" ({args.compare_label})"
        tools.append(common.provscan_tool(folder, executable=args.compare, label=label))
        if args.with_trace:
            tools.append(common.provscan_tool(folder, trace=True, executable=args.compare,
                                              label=label))  # fmt: skip
    if exiftool is not None:
        tools.append(common.exiftool_tool(exiftool, folder))

    when = common.now_utc()
    machine, versions = common.machine_info(), common.versions(exiftool)
    detectors = common.registered_detectors()
    print(f"timing {', '.join(t.name for t in tools)} on {files} files, {args.rounds} rounds")
    timings = common.alternate(tools, args.rounds, progress=lambda m: print("  " + m))
    summary = common.summarise(timings, files)
    ratio = common.median_ratio(timings, "provscan", "exiftool") if exiftool else None

    rows = [
        [
            s.name,
            _fmt(s.median),
            _fmt(s.minimum),
            _fmt(s.maximum),
            ", ".join(_fmt(r) for r in s.per_run),
            f"{statistics.median(timings.seconds[s.name]):.2f}",
            f"{statistics.median(timings.cpu[s.name]):.2f}",
        ]
        for s in summary.values()
    ]
    table = common.markdown_table(
        ["tool", "median files/s", "min", "max", "per run files/s", "median s", "median CPU s"],
        rows,
    )
    if ratio is not None:
        verdict = "meets" if ratio >= TARGET_RATIO else "MISSES"
        ratio_line = (
            f"**provscan / exiftool, median of per-round ratios: {ratio:.2f}x** "
            f"({verdict} the {TARGET_RATIO:.0f}x target)"
        )
    else:
        ratio_line = "exiftool not run: no ratio (provscan's own figure only)"
    if ratio is not None and args.compare:
        other = common.median_ratio(timings, f"provscan ({args.compare_label})", "exiftool")
        ratio_line += (f"; {args.compare_label} (`{args.compare}`), the same rounds: "
                       f"{other:.2f}x")  # fmt: skip
    if args.with_trace:
        ratio_line += "\n\n" + _trace_cost(timings, "")
        if args.compare:
            ratio_line += "; " + _trace_cost(timings, f" ({args.compare_label})")
    mb = int(shape["bytes"]) / 1e6
    shape_text = {k: str(v) for k, v in shape.items() if k not in {"files", "bytes"}}
    shape_text = {"files": str(files), "size": f"{mb:,.0f} MB", **shape_text}
    commands = {t.name: "`" + " ".join(t.argv) + "`" for t in tools}
    parts = [
        "# provscan image benchmark",
        "",
        f"Run {when}; {args.rounds} alternating rounds after one untimed warm pass each; "
        "warm page cache; each tool single-process, as subprocesses of one Python parent.",
        "",
        table,
        "",
        ratio_line,
        "",
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
    if not args.no_profile:
        print("profiling provscan in-process (cProfile) ...")
        body, secs, scanned = profile_provscan(folder, common.OUT_DIR)
        parts += [
            "",
            f"**cProfile, one in-process scan** ({scanned} files in {secs:.2f} s under the "
            "profiler; top 25 by cumulative time; full dump in `bench/out/images.prof`)",
            "",
            "```",
            _trim_profile(body),
            "```",
        ]
    report = "\n".join(parts) + "\n"
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(report, encoding="utf-8")
    print()
    print(report)
    print(f"written to {args.report}")
    if exiftool is None and not args.no_exiftool:
        print(common.EXIFTOOL_HINT, file=sys.stderr)
    return 0


def _trim_profile(body: str) -> str:
    """The pstats table without its preamble lines about the profile file."""
    lines = body.strip("\n").splitlines()
    for i, line in enumerate(lines):
        if "function calls" in line:
            return "\n".join(lines[i:])
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
