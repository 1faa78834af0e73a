"""Studio benchmark: provscan's metadata scan against ``exiftool -r -json -fast`` on a 2,000-frame
2K OpenEXR sequence and a 2,000-frame 2K DPX reel (headers only, both tools).

The EXR frames are written by the ``openexr`` binding (2048x1080 half RGB, ZIP, with the
attributes a comp writes: software, owner, capDate, a time code and rate per frame); the DPX
frames by FFmpeg's DPX encoder through PyAV (2048x1080 RGB 10-bit, ~8.8 MB each: the reel is
~18 GB on disk, written once and deleted afterwards unless ``--keep``). Each folder is timed
on its own, both tools alternating (bench/common.py), after one untimed warm pass.

Run::

    .venv/bin/python -m bench.studio                      # 2,000 frames each, 3 rounds
    .venv/bin/python -m bench.studio --frames 200 --rounds 1   # smoke run

Target: provscan at least exiftool's files per second on each folder.
"""

from __future__ import annotations

import argparse
import io
import shutil
import statistics
import sys
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import OpenEXR

from bench import common

WIDTH, HEIGHT, RATE = 2048, 1080, 24
TARGET_RATIO = 1.0


def _timecode(frame: int) -> Any:
    seconds, frames = divmod(frame, RATE)
    hours, minutes = 1 + seconds // 3600, seconds // 60 % 60
    return OpenEXR.TimeCode(hours, minutes, seconds % 60, frames, *([0] * 14))


def make_exr(folder: Path, count: int) -> None:
    """``count`` 2K EXR frames, ``shot.1001.exr`` on."""
    folder.mkdir(parents=True, exist_ok=True)
    x = np.add.outer(np.arange(HEIGHT), np.arange(WIDTH)).astype(np.float32)
    for n in range(count):
        base = ((x + 4 * n) % 1024 / 1024).astype(np.float16)
        rgb = np.stack([base, base[:, ::-1], np.full_like(base, 0.18)], axis=2)
        header = {"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage,
                  "software": "Nuke 15.1v3", "owner": "Lighthouse VFX",
                  "capDate": "2026:11:05 10:00:00", "timeCode": _timecode(n),
                  "framesPerSecond": Fraction(RATE, 1)}  # fmt: skip
        with OpenEXR.File(header, {"RGB": rgb}) as exr:
            exr.write(str(folder / f"shot.{1001 + n}.exr"))


def make_dpx(folder: Path, count: int) -> None:
    """``count`` 2K 10-bit DPX frames from FFmpeg's encoder, ``reel_00086400.dpx`` on."""
    folder.mkdir(parents=True, exist_ok=True)
    ramp = (np.add.outer(np.arange(HEIGHT), np.arange(WIDTH)) & 0xFF).astype(np.uint8)
    for n in range(count):
        buf = io.BytesIO()
        with av.open(buf, "w", format="image2pipe") as container:
            stream = container.add_stream("dpx", rate=RATE)
            assert isinstance(stream, av.VideoStream)
            stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "gbrp10le"
            shifted = ((ramp.astype(np.uint16) + n) & 0xFF) << 2
            planes = np.stack([shifted, shifted[:, ::-1], np.full_like(shifted, 400)])
            frame = av.VideoFrame.from_ndarray(planes.transpose(1, 2, 0), format="gbrp10le")
            for packet in [*stream.encode(frame), *stream.encode(None)]:
                container.mux(packet)
        (folder / f"reel_{86400 + n:08d}.dpx").write_bytes(buf.getvalue())


def ensure(folder: Path, count: int, make: Any) -> None:
    """Generate ``folder`` unless it already holds ``count`` frames."""
    if folder.is_dir() and sum(1 for _ in folder.iterdir()) == count:
        return
    shutil.rmtree(folder, ignore_errors=True)
    start = time.perf_counter()
    make(folder, count)
    print(f"  wrote {count} frames to {folder} in {time.perf_counter() - start:.0f} s")


def time_folder(folder: Path, count: int, rounds: int, exiftool: str | None) -> dict[str, Any]:
    """Both tools on one folder: files per second (median, min, max) and the ratio."""
    tools = [common.provscan_tool(folder)]
    if exiftool is not None:
        tools.append(common.exiftool_tool(exiftool, folder))
    timings = common.alternate(tools, rounds, progress=lambda m: print("    " + m))
    summary = common.summarise(timings, count)
    ratio = common.median_ratio(timings, "provscan", "exiftool") if exiftool else None
    return {"summary": summary, "ratio": ratio, "seconds": timings.seconds,
            "bytes": sum(p.stat().st_size for p in folder.iterdir())}  # fmt: skip


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.studio",
                                     description=__doc__.split("\n\n")[0])  # fmt: skip
    parser.add_argument("--frames", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--exiftool", help="exiftool executable (default: $EXIFTOOL, PATH)")
    parser.add_argument("--keep", action="store_true", help="keep the generated folders")
    parser.add_argument("--report", type=Path, default=common.OUT_DIR / "studio.md")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Generate both folders, time both tools on each, write the report."""
    args = _args(argv)
    exiftool = common.find_exiftool(args.exiftool)
    if exiftool is None:
        print(common.EXIFTOOL_HINT, file=sys.stderr)
    folders = {"EXR 2K sequence": (common.OUT_DIR / "studio-exr", make_exr),
               "DPX 2K reel": (common.OUT_DIR / "studio-dpx", make_dpx)}  # fmt: skip
    results: dict[str, dict[str, Any]] = {}
    when = common.now_utc()
    try:
        for name, (folder, make) in folders.items():
            print(f"{name}: {args.frames} frames")
            ensure(folder, args.frames, make)
            results[name] = time_folder(folder, args.frames, args.rounds, exiftool)
    finally:
        if not args.keep:
            for folder, _ in folders.values():
                shutil.rmtree(folder, ignore_errors=True)
    rows = []
    for name, found in results.items():
        for tool, summary in found["summary"].items():
            seconds = statistics.median(found["seconds"][tool])
            rows.append([name, tool, f"{summary.median:,.0f}", f"{summary.minimum:,.0f}",
                         f"{summary.maximum:,.0f}", f"{seconds:.2f}"])  # fmt: skip
    table = common.markdown_table(
        ["folder", "tool", "median files/s", "min", "max", "median s"], rows
    )
    ratios = [
        f"- {name}: provscan / exiftool {found['ratio']:.2f}x "
        f"({'meets' if found['ratio'] >= TARGET_RATIO else 'MISSES'} the 1x target); "
        f"{args.frames} frames, {found['bytes'] / 1e9:.1f} GB"
        for name, found in results.items()
        if found["ratio"] is not None
    ]
    report = "\n".join([
        "# provscan studio benchmark", "",
        f"Run {when}; {args.rounds} alternating rounds after one untimed warm pass each; warm "
        "page cache; provscan's default scan without the trace (`--no-trace`) against "
        "`exiftool -r -json -fast`.", "",
        table, "", *ratios, "",
        common.key_values("Machine", common.machine_info()), "",
        common.key_values("Versions", common.versions(exiftool)),
    ])  # fmt: skip
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(report + "\n", encoding="utf-8")
    print(report)
    common.write_json(args.report.with_suffix(".json"), {
        name: {"ratio": found["ratio"], "seconds": found["seconds"]}
        for name, found in results.items()
    })  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
