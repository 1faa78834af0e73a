"""Start-up benchmark: ``provscan inspect`` on one camera JPEG against ``exiftool -json``.

One 1920x1080 camera JPEG (EXIF Make/Model/Software, no XMP, unsigned: the most common
still there is) is made once under ``bench/out/startup/``. Every command runs as a
subprocess of this script, alternating with exiftool, the order flipped each round
(``bench/common.py``); the figure is the median of the per-round ratios. The quick
commands (``--version``, ``--help``, ``rules``, ``log check``) are timed beside them, and
for each command the libraries it loaded are listed (from ``python -X importtime``): the
heavy ones (c2pa, PyAV, numpy, OpenCV, OpenTimelineIO) must load only when a file needs
them.

Run::

    .venv/bin/python -m bench.startup                # 21 rounds
    .venv/bin/python -m bench.startup --rounds 5     # quick look

Target: ``provscan inspect`` at most 2x ``exiftool -json`` on the same file.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

from bench import common

TARGET_RATIO = 2.0
HEAVY = ("c2pa", "av", "numpy", "cv2", "opentimelineio", "PIL", "pydantic", "rich")
LOG = common.BENCH_DIR.parent / "fixtures" / "sample" / "ai-use.toml"


def camera_jpeg(folder: Path) -> Path:
    """The benchmark's camera JPEG (made once: bench.images's generator, file 1)."""
    from bench import images

    made = folder / "jpeg" / "day01" / "IMG_00001.jpg"
    if not made.is_file():
        made.parent.mkdir(parents=True, exist_ok=True)
        images.make_jpeg((str(folder), 1, images.DEFAULT_SEED))
    return made


def tools(provscan: str, exiftool: str | None, still: Path) -> list[common.Tool]:
    """Every command timed: inspect and its peer first, then the quick commands."""
    found = [common.Tool("provscan inspect", (provscan, "inspect", str(still)))]
    if exiftool is not None:
        found.append(common.Tool("exiftool -json", (exiftool, "-json", str(still))))
    version = subprocess.run([provscan, "--version"], capture_output=True, check=False)
    if version.returncode == 0:  # (older provscans have no --version)
        found.append(common.Tool("provscan --version", (provscan, "--version")))
    found += [
        common.Tool("provscan --help", (provscan, "--help")),
        common.Tool("provscan rules", (provscan, "rules")),
        common.Tool("provscan log check", (provscan, "log", "check", str(LOG))),
        common.Tool(
            "provscan scan FILE --no-trace",
            (provscan, "scan", str(still), "--no-trace", "--format", "json", "--quiet"),
            frozenset({0, 1}),
        ),
    ]
    return found


def loaded_libraries(tool: common.Tool) -> list[str]:
    """Which of the heavy libraries the command imported (``python -X importtime``)."""
    env = {**os.environ, "PYTHONPROFILEIMPORTTIME": "1"}
    proc = subprocess.run(tool.argv, capture_output=True, text=True, env=env, check=False)
    names = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()}
    return [name for name in HEAVY if name in names]


def import_profile(provscan: str, still: Path, top: int = 15) -> str:
    """The modules with the largest cumulative import time in one ``inspect`` run."""
    env = {**os.environ, "PYTHONPROFILEIMPORTTIME": "1"}
    proc = subprocess.run([provscan, "inspect", str(still)], capture_output=True, text=True,
                          env=env, check=False)  # fmt: skip
    rows = []
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, cumulative, name = line[len("import time:") :].split("|")
        rows.append((int(cumulative), int(own), name.rstrip()))
    rows.sort(reverse=True)
    lines = [f"{c / 1000:8.1f} ms {o / 1000:7.1f} ms  {n}" for c, o, n in rows[:top]]
    return "cumulative     self     module\n" + "\n".join(lines)


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.startup", description=__doc__)
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--exiftool", help="exiftool executable (default: $EXIFTOOL, PATH)")
    parser.add_argument("--provscan", help="provscan executable (default: this venv's)")
    parser.add_argument("--report", type=Path, default=common.OUT_DIR / "startup.md")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Time every command against exiftool, list what each loaded, write the report."""
    args = _args(argv)
    still = camera_jpeg(common.OUT_DIR / "startup")
    provscan = args.provscan or common.provscan_executable()
    exiftool = common.find_exiftool(args.exiftool)
    if exiftool is None:
        print(common.EXIFTOOL_HINT, file=sys.stderr)
    timed = tools(provscan, exiftool, still)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    timings = common.alternate(timed, args.rounds, progress=lambda m: None)
    rows = []
    for tool in timed:
        secs = timings.seconds[tool.name]
        ratio = ""
        if exiftool is not None and tool.name != "exiftool -json":
            ratio = f"{common.median_ratio(timings, 'exiftool -json', tool.name):.2f}x"
        libs = "" if tool.name.startswith("exiftool") else ", ".join(loaded_libraries(tool))
        rows.append([tool.name, f"{1000 * statistics.median(secs):.0f}",
                     f"{1000 * min(secs):.0f}", ratio, libs or "-"])  # fmt: skip
    table = common.markdown_table(
        ["command", "median ms", "min ms", "/ exiftool (median of rounds)", "heavy libraries"],
        rows,
    )
    inspect_ratio = (
        common.median_ratio(timings, "exiftool -json", "provscan inspect") if exiftool else None
    )
    verdict = (
        "exiftool not run"
        if inspect_ratio is None
        else f"**provscan inspect / exiftool -json: {inspect_ratio:.2f}x** "
        f"({'meets' if inspect_ratio <= TARGET_RATIO else 'MISSES'} the "
        f"<= {TARGET_RATIO:.0f}x target)"
    )
    parts = [
        "# provscan start-up benchmark",
        "",
        f"Run {common.now_utc()}; {args.rounds} alternating rounds after one untimed warm "
        f"pass each; load average at start {load}, at end "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}. File: `{still}` "
        f"({still.stat().st_size:,} bytes); provscan: `{provscan}`.",
        "",
        table,
        "",
        verdict,
        "",
        "Ratios are the median over rounds of provscan's time over exiftool's in the same "
        "round. Heavy libraries: which of " + ", ".join(HEAVY) + " the command imported.",
        "",
        "**Largest imports of one `provscan inspect` (python -X importtime)**",
        "",
        "```",
        import_profile(provscan, still),
        "```",
        "",
        common.key_values("Machine", common.machine_info()),
        "",
        common.key_values("Versions", common.versions(exiftool)),
    ]
    report = "\n".join(parts) + "\n"
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(report, encoding="utf-8")
    print(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
