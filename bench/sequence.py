"""Long frame sequence benchmark: the memory and time of the default scan of one reel.

One shot of ``--frames`` numbered EXR frames (each a copy of the studio fixture
``sh020_gen.1001.exr``, 5 KB with ComfyUI metadata: one AI-generated sequence) is made once
under ``bench/out/sequence/<N>/``. ``provscan scan`` runs on it twice, as the default command
(text) and with ``-f json -o`` a file, each a subprocess polled for the peak resident memory
of its whole process tree (``bench.archive.run_measured``). ``--provscan`` times another
build the same way (main before a change, say).

Run::

    .venv/bin/python -m bench.sequence                   # 100,000 frames
    .venv/bin/python -m bench.sequence --frames 20000    # quick look

What it pins: a sequence is one report item holding every frame, so its memory must not
grow with a renderer's copy of every frame's entry (docs/archives.md, "Long frame sequences").
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench import common
from bench.archive import run_measured

ROOT = Path(__file__).resolve().parent.parent
FRAME = ROOT / "fixtures" / "files" / "studio" / "vfx" / "sh020" / "sh020_gen.1001.exr"


def make_reel(folder: Path, frames: int) -> Path:
    """The shot folder with ``frames`` frames (made once, kept)."""
    shot = folder / "shot"
    if len(list(shot.glob("*.exr"))) == frames:
        return folder
    shot.mkdir(parents=True, exist_ok=True)
    data = FRAME.read_bytes()
    for number in range(1, frames + 1):
        (shot / f"reel.{number:06d}.exr").write_bytes(data)
    return folder


def main(argv: list[str] | None = None) -> int:
    """Make the reel, scan it as text and as JSON, print the peaks."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=100_000)
    parser.add_argument("--provscan", default=common.provscan_executable())
    args = parser.parse_args(argv)
    reel = make_reel(ROOT / "bench" / "out" / "sequence" / str(args.frames), args.frames)
    report = reel / "report.json"
    rows = []
    for label, extra in (
        ("default (text)", []),
        ("-f json -o report.json", ["-f", "json", "-o", str(report)]),
    ):
        measured = run_measured([[args.provscan, "scan", str(reel / "shot"), *extra]])
        peak = measured.memory.tree_sum // (1 << 20)
        rows.append([label, f"{measured.seconds:.1f}", f"{peak:,} MB", str(measured.codes[0])])
        print(f"{label}: {measured.seconds:.1f} s, peak tree RSS {peak:,} MB", file=sys.stderr)
    print(f"{args.frames:,}-frame EXR sequence, {args.provscan}\n")
    print(common.markdown_table(["scan", "seconds", "peak RSS, tree sum", "exit"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
