"""Archive-scale benchmark: 100,000 small media files, first scan, re-scan, re-applied log.

The archive comes from ``bench/archive_data.py`` (mixed kinds, 5% C2PA-signed, ~19% AI;
cached under ``bench/out/archive/<N>/``). Every command runs as a subprocess of this
runner, one after another, on a warm page cache (every file is read once before the first
timing). Steps:

a. exiftool baseline: ``exiftool -r -json -fast`` as two concurrent processes, each on half
   of the top-level folders (balanced by file count); time until both finish; best of 2.
b. provscan first scan: ``provscan scan TREE --jobs 2 --catalog DB --no-trace --log LOG_A
   --format json --output /dev/null --quiet`` with the catalog deleted first.
c. re-scan of the unchanged archive: the same command, the same catalog (target: at least
   50x faster than b).
d. re-applying a changed log: the same command with ``--log LOG_B``; no media should be read.
   Checked by running once more under ``strace -f -e trace=openat`` with a third log (a
   change the catalog has not seen) and counting regular-file opens inside the archive;
   the unchanged re-scan is checked the same way.

Peak memory of each step: a thread polls /proc every 25 ms and sums the resident set of
the command's process and all its descendants (the peak of that sum, and the peak of the
largest single process, the kernel's VmHWM included). RSS counts shared pages once per
process, so the sum over-states forked workers that share pages; it is the conservative
figure and the one held to the target (under 300 MB at 100,000 files). The PSS sum, read
every 100 ms from smaps_rollup, splits shared pages among their sharers and is reported
beside it.

``--catalog`` and ``--jobs`` are detected from ``provscan scan --help``: without them the
first scan runs without them and the catalog steps are reported as not available.

Run::

    .venv/bin/python -m bench.archive                 # 100,000 files (generated in ~10 s)
    .venv/bin/python -m bench.archive --quick         # 5,000 files, a smoke run
    .venv/bin/python -m bench.archive --files 20000 --skip-exiftool
    .venv/bin/python -m bench.archive --skip-exiftool --rescan-runs 7   # the re-scan, best of 7
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench import archive_data, common

QUICK_FILES = 5000
JOBS = 2
POLL_S = 0.025
PSS_EVERY = 4  # polls (100 ms)
TARGET_RESCAN_RATIO = 50.0
TARGET_PEAK_MB = 300.0
TARGET_AT_FILES = 100_000
PROVSCAN_OK = frozenset({0, 1})  # 1: the gate fails, which an archive of AI files does
EXIFTOOL_OK = frozenset({0, 1})  # 1: some file (the zero-byte ones) could not be read
MB = 1024 * 1024


# ---------------------------------------------------------------------------- memory


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="ascii", errors="replace") as fh:
            return fh.read()
    except OSError:  # the process exited between listing and reading
        return None


def _ppid(pid: int) -> int | None:
    stat = _read(f"/proc/{pid}/stat")
    if stat is None:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after the last ")".
    return int(stat.rsplit(")", 1)[1].split()[1])


def _pss(pid: int) -> int:
    """Proportional set size in bytes (0 when unknown), from /proc/PID/smaps_rollup."""
    rollup = _read(f"/proc/{pid}/smaps_rollup")
    for line in (rollup or "").splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) * 1024
    return 0


def _rss_and_hwm(pid: int) -> tuple[int, int] | None:
    """(current RSS, VmHWM) in bytes, from /proc/PID/status."""
    status = _read(f"/proc/{pid}/status")
    if status is None:
        return None
    values = {}
    for line in status.splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            name, kb = line.split(":", 1)
            values[name] = int(kb.split()[0]) * 1024
    if "VmRSS" not in values:  # a zombie has no memory left
        return None
    return values["VmRSS"], values.get("VmHWM", values["VmRSS"])


@dataclass
class MemoryPeaks:
    """What a :class:`TreeSampler` saw (bytes)."""

    tree_sum: int = 0
    largest: int = 0  # the largest single process at one poll
    largest_hwm: int = 0  # the largest VmHWM seen: catches spikes between polls
    pss_sum: int = 0  # proportional set size: shared pages split among their sharers
    processes: int = 0  # most processes in the tree at once
    samples: int = 0


class TreeSampler:
    """Polls the resident memory of some processes and all their descendants.

    /proc/PID/task/*/children is not available on every kernel, so the tree is rebuilt
    from the parent ids in /proc/*/stat; those are read once per new pid, not every poll,
    which keeps the sampler's own cost well under 1% of a core. PSS costs a page-table
    walk per process, so it is read only every ``PSS_EVERY``-th poll.
    """

    def __init__(self, roots: Sequence[int], interval: float = POLL_S) -> None:
        """Start polling the trees rooted at ``roots`` at once."""
        self.peaks = MemoryPeaks()
        self._roots = set(roots)
        self._interval = interval
        self._parents: dict[int, int | None] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> MemoryPeaks:
        """Stop polling; returns the peaks."""
        self._stop.set()
        self._thread.join()
        return self.peaks

    def _members(self) -> set[int]:
        live = {int(name) for name in os.listdir("/proc") if name.isdigit()}
        for gone in self._parents.keys() - live:
            del self._parents[gone]  # a reused pid must get its parent read again
        children: dict[int, list[int]] = {}
        for pid in live:
            if pid not in self._parents:
                self._parents[pid] = _ppid(pid)
            parent = self._parents[pid]
            if parent is not None:
                children.setdefault(parent, []).append(pid)
        members, todo = set(), [p for p in self._roots if p in live]
        while todo:
            pid = todo.pop()
            members.add(pid)
            todo.extend(children.get(pid, ()))
        return members

    def _poll(self) -> None:
        total, largest, count = 0, 0, 0
        members = self._members()
        if self.peaks.samples % PSS_EVERY == 0:
            pss = sum(_pss(pid) for pid in members)
            self.peaks.pss_sum = max(self.peaks.pss_sum, pss)
        for pid in members:
            mem = _rss_and_hwm(pid)
            if mem is None:
                continue
            rss, hwm = mem
            total, largest, count = total + rss, max(largest, rss), count + 1
            self.peaks.largest_hwm = max(self.peaks.largest_hwm, hwm)
        peaks = self.peaks
        peaks.tree_sum = max(peaks.tree_sum, total)
        peaks.largest = max(peaks.largest, largest)
        peaks.processes = max(peaks.processes, count)
        peaks.samples += 1

    def _run(self) -> None:
        while True:
            self._poll()
            if self._stop.wait(self._interval):
                return


# ---------------------------------------------------------------------------- running


@dataclass
class Measured:
    """One timed run of one or more concurrent commands."""

    seconds: float
    codes: list[int]
    stderr: list[str]
    memory: MemoryPeaks


def run_measured(argvs: Sequence[Sequence[str]]) -> Measured:
    """Start every command at once; time until the last exits; poll their trees' memory."""
    with contextlib.ExitStack() as stack:
        # stderr to files, not pipes: a chatty command cannot block on a full pipe
        errs = [stack.enter_context(tempfile.TemporaryFile()) for _ in argvs]
        start = time.perf_counter()
        procs = [
            subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL)
            for argv, err in zip(argvs, errs, strict=True)
        ]
        sampler = TreeSampler([p.pid for p in procs])
        codes = [p.wait() for p in procs]
        seconds = time.perf_counter() - start
        memory = sampler.stop()
        texts = []
        for err in errs:
            err.seek(0)
            texts.append(err.read().decode(errors="replace"))
    return Measured(seconds, codes, texts, memory)


def warm_cache(tree: Path) -> tuple[int, int, float]:
    """Read every file once so both tools start on a warm page cache: (files, bytes, s)."""
    start, files, total = time.perf_counter(), 0, 0
    for dirpath, _dirs, names in os.walk(tree):
        for name in names:
            with open(os.path.join(dirpath, name), "rb") as fh:
                while chunk := fh.read(MB):
                    total += len(chunk)
            files += 1
    return files, total, time.perf_counter() - start


def count_files(folder: Path) -> int:
    """Regular files under ``folder``."""
    return sum(len(names) for _d, _s, names in os.walk(folder))


def split_halves(tree: Path) -> tuple[list[tuple[Path, int]], list[tuple[Path, int]]]:
    """The top-level folders in two halves of about equal file counts (largest first)."""
    tops = sorted((p for p in tree.iterdir() if p.is_dir()), key=lambda p: p.name)
    sized = sorted(((p, count_files(p)) for p in tops), key=lambda t: -t[1])
    halves: tuple[list[tuple[Path, int]], list[tuple[Path, int]]] = ([], [])
    for item in sized:
        lighter = min(halves, key=lambda h: sum(n for _, n in h))
        lighter.append(item)
    return halves


# ---------------------------------------------------------------------------- steps


@dataclass
class Step:
    """One row of the report."""

    key: str
    title: str
    files: int
    status: str = "ok"  # ok | not available | skipped
    note: str = ""
    seconds: float | None = None
    runs_s: list[float] = field(default_factory=list)
    rss_tree_mb: float | None = None
    rss_largest_mb: float | None = None
    rss_largest_polled_mb: float | None = None
    pss_tree_mb: float | None = None
    processes: int | None = None
    exit_codes: list[int] = field(default_factory=list)
    commands: list[list[str]] = field(default_factory=list)

    @property
    def rate(self) -> float | None:
        """Files per second, when timed."""
        return self.files / self.seconds if self.seconds else None

    def record(self, runs: Sequence[Measured]) -> None:
        """Keep the best time; memory is the worst over the runs (a peak is a peak)."""
        self.runs_s = [round(r.seconds, 3) for r in runs]
        best = min(runs, key=lambda r: r.seconds)
        self.seconds, self.exit_codes = best.seconds, best.codes
        self.rss_tree_mb = max(r.memory.tree_sum for r in runs) / MB
        self.rss_largest_polled_mb = max(r.memory.largest for r in runs) / MB
        self.rss_largest_mb = max(max(r.memory.largest, r.memory.largest_hwm) for r in runs) / MB
        self.pss_tree_mb = max(r.memory.pss_sum for r in runs) / MB
        self.processes = max(r.memory.processes for r in runs)


def exiftool_step(exiftool: str, tree: Path, files: int, runs: int = 2) -> Step:
    """Step a: two concurrent ``exiftool -r -json -fast`` processes, best of ``runs``."""
    first, second = split_halves(tree)
    argvs = [[exiftool, "-r", "-json", "-fast", *(str(p) for p, _ in h)] for h in (first, second)]
    halves = f"{sum(n for _, n in first)} + {sum(n for _, n in second)} files"
    step = Step("exiftool", "exiftool -r -json -fast, 2 processes", files, commands=argvs)
    measured = []
    for i in range(runs):
        m = run_measured(argvs)
        bad = [c for c in m.codes if c not in EXIFTOOL_OK]
        if bad:
            raise SystemExit(f"bench: exiftool exited {m.codes}:\n{m.stderr[0][-2000:]}")
        print(f"  exiftool run {i + 1}/{runs}: {m.seconds:.1f} s")
        measured.append(m)
    step.record(measured)
    read = sum(_exiftool_count(t, "image files read") for t in measured[-1].stderr)
    failed = sum(_exiftool_count(t, "files could not be read") for t in measured[-1].stderr)
    step.note = f"best of {runs}; halves {halves}; exiftool read {read}, could not read {failed}"
    return step


def _exiftool_count(stderr: str, what: str) -> int:
    found = re.search(rf"(\d+) {what}", stderr)
    return int(found.group(1)) if found else 0


def scan_features(provscan: str) -> dict[str, bool]:
    """Which of ``--jobs`` and ``--catalog`` this provscan's ``scan`` accepts."""
    env = {**os.environ, "COLUMNS": "250", "NO_COLOR": "1", "TERM": "dumb"}
    proc = subprocess.run(
        [provscan, "scan", "--help"], capture_output=True, text=True, env=env, check=False
    )
    text = proc.stdout + proc.stderr
    return {opt: re.search(rf"--{opt}\b", text) is not None for opt in ("jobs", "catalog")}


def scan_argv(provscan: str, tree: Path, log: Path, db: Path | None, jobs: bool) -> list[str]:
    """The benchmark's ``provscan scan`` command (catalog and jobs when available)."""
    argv = [provscan, "scan", str(tree)]
    if jobs:
        argv += ["--jobs", str(JOBS)]
    if db is not None:
        argv += ["--catalog", str(db)]
    argv += ["--no-trace", "--log", str(log), "--format", "json", "--output", os.devnull]
    return [*argv, "--quiet"]


def delete_catalog(db: Path) -> None:
    """Remove the catalog and whatever sits beside it under its name (-wal, -shm, ...)."""
    for path in db.parent.glob(db.name + "*"):
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()


def catalog_bytes(db: Path) -> int:
    """Size of the catalog and its companions (-wal, -shm, or a folder)."""
    total = 0
    for path in db.parent.glob(db.name + "*"):
        files = path.rglob("*") if path.is_dir() else [path]
        total += sum(f.stat().st_size for f in files if f.is_file())
    return total


def provscan_step(key: str, title: str, argv: list[str], files: int, runs: int = 1) -> Step:
    """Run one provscan command ``runs`` times (the best time is kept, every run listed);
    exit 2/3 (usage, bad log, internal) stops the bench."""
    step = Step(key, title, files, commands=[argv])
    measured = []
    for _ in range(runs):
        m = run_measured([argv])
        if m.codes[0] not in PROVSCAN_OK:
            print(m.stderr[0][-4000:], file=sys.stderr)
            raise SystemExit(f"bench: provscan exited {m.codes[0]} on step {title!r}: stopping")
        print(f"  {title}: {m.seconds:.2f} s (exit {m.codes[0]})")
        measured.append(m)
    step.record(measured)
    if runs > 1:
        times = ", ".join(f"{s:.2f}" for s in step.runs_s)
        step.note = f"best of {runs} ({times} s; median {statistics.median(step.runs_s):.2f})"
    return step


def unavailable(key: str, title: str, files: int, why: str) -> Step:
    """A row for a step this provscan cannot run."""
    return Step(key, title, files, status="not available", note=why)


# ---------------------------------------------------------------------------- strace


OPENAT = re.compile(
    r'openat\((AT_FDCWD|\d+)(?:<([^>]*)>)?, "((?:[^"\\]|\\.)*)"(?:\.\.\.)?, (\w[\w|]*)'
)


@dataclass
class OpenCount:
    """Opens inside the archive seen by strace during one run."""

    label: str
    files: int = 0  # openat calls without O_DIRECTORY
    distinct_files: int = 0
    directories: int = 0
    examples: list[str] = field(default_factory=list)
    exit_code: int | None = None


def count_opens(trace: str, tree: Path, label: str) -> OpenCount:
    """Count openat calls on paths inside ``tree``: regular files vs O_DIRECTORY."""
    root = str(tree)
    out = OpenCount(label)
    seen: set[str] = set()
    for line in trace.splitlines():
        found = OPENAT.search(line)
        if found is None:
            continue
        _fd, fd_path, path, flags = found.groups()
        if not path.startswith("/") and fd_path:
            path = os.path.join(fd_path, path)  # relative to a directory fd (strace -y)
        if not (path == root or path.startswith(root + "/")):
            continue
        if "O_DIRECTORY" in flags:
            out.directories += 1
        else:
            out.files += 1
            if path not in seen and len(out.examples) < 5:
                out.examples.append(os.path.relpath(path, root))
            seen.add(path)
    out.distinct_files = len(seen)
    return out


def strace_opens(strace: str, argv: list[str], tree: Path, label: str, out: Path) -> OpenCount:
    """Run ``argv`` under ``strace -f -e trace=openat`` and count opens inside the archive."""
    cmd = [strace, "-f", "-qq", "-y", "-s", "4096", "-e", "trace=openat", "-o", str(out), *argv]
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    if proc.returncode not in PROVSCAN_OK:
        # strace itself may be refused (no ptrace in a container): a note, not a crash
        tail = proc.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no stderr"]
        raise RuntimeError(f"strace run exited {proc.returncode}: {tail[0]}")
    counted = count_opens(out.read_text(encoding="utf-8", errors="replace"), tree, label)
    counted.exit_code = proc.returncode
    print(f"  strace, {label}: {counted.files} media opens, {counted.directories} folder opens")
    return counted


# ---------------------------------------------------------------------------- report


def _num(value: float | None, fmt: str) -> str:
    return "-" if value is None else format(value, fmt)


def _ratio(num: float | None, den: float | None) -> float | None:
    return num / den if num and den else None


def ratios(steps: dict[str, Step]) -> dict[str, float | None]:
    """provscan/exiftool first-scan speed, first/re-scan and first/re-apply time."""
    first, exif = steps["first"], steps.get("exiftool")
    return {
        "provscan_over_exiftool_files_per_s": _ratio(first.rate, exif.rate if exif else None),
        "first_over_rescan_s": _ratio(first.seconds, steps["rescan"].seconds),
        "first_over_reapply_s": _ratio(first.seconds, steps["reapply"].seconds),
    }


def peak_tree_mb(steps: dict[str, Step], pss: bool = False) -> float | None:
    """The largest tree-sum peak (RSS, or PSS) over provscan's steps."""
    picked = (steps[k] for k in ("first", "rescan", "reapply"))
    peaks = [s.pss_tree_mb if pss else s.rss_tree_mb for s in picked]
    found = [p for p in peaks if p is not None]
    return max(found) if found else None


def _step_rows(steps: dict[str, Step]) -> list[list[str]]:
    rows = []
    for s in steps.values():
        if s.status != "ok":
            rows.append([s.title, f"{s.files:,}", s.status, "-", "-", "-", "-", "-", s.note])
            continue
        rows.append(
            [
                s.title,
                f"{s.files:,}",
                _num(s.seconds, ".2f"),
                _num(s.rate, ",.0f"),
                f"{_num(s.rss_tree_mb, '.0f')} MB ({s.processes} proc.)",
                f"{_num(s.pss_tree_mb, '.0f')} MB",
                f"{_num(s.rss_largest_mb, '.0f')} MB",
                ", ".join(map(str, s.exit_codes)),
                s.note,
            ]
        )
    return rows


def _times(value: float | None, fmt: str) -> str:
    return "-" if value is None else format(value, fmt) + "x"


def _verdict(value: float | None, ok: bool) -> str:
    return "-" if value is None else ("met" if ok else "MISSED")


def _ratio_rows(
    r: dict[str, float | None], peak: float | None, pss: float | None, files: int
) -> list[list[str]]:
    over, rescan = r["provscan_over_exiftool_files_per_s"], r["first_over_rescan_s"]
    reapply = r["first_over_reapply_s"]
    scale = "" if files >= TARGET_AT_FILES else f" (this run: {files:,} files)"
    return [
        ["provscan / exiftool, first-scan files/s", _times(over, ".2f"), "-", "-"],
        [
            "first scan / re-scan of the unchanged archive, time",
            _times(rescan, ".1f"),
            f">= {TARGET_RESCAN_RATIO:.0f}x",
            _verdict(rescan, (rescan or 0) >= TARGET_RESCAN_RATIO),
        ],
        ["first scan / re-applied log, time", _times(reapply, ".1f"), "-", "-"],
        [
            "peak RSS of provscan's tree (sum), worst step",
            f"{_num(peak, '.0f')} MB (PSS {_num(pss, '.0f')} MB)",
            f"< {TARGET_PEAK_MB:.0f} MB at {TARGET_AT_FILES:,} files{scale}",
            _verdict(peak, (peak or 0) < TARGET_PEAK_MB),
        ],
    ]


def _strace_lines(opens: list[OpenCount], note: str) -> list[str]:
    if not opens:
        return [f"**No media read on re-apply:** not checked ({note})."]
    lines = ["**Files opened inside the archive** (`strace -f -e trace=openat`, untimed runs):", ""]
    for o in opens:
        seen = (
            f"{o.files} regular-file opens ({o.distinct_files} files), {o.directories} folder opens"
        )
        examples = f" (e.g. {', '.join(o.examples)})" if o.examples else ""
        lines.append(f"- {o.label}: {seen}{examples}: {'OK' if o.files == 0 else 'MEDIA READ'}")
    return lines


def _commands(step: Step) -> str:
    return " and ".join("`" + " ".join(argv) + "`" for argv in step.commands)


def render(result: dict[str, Any], steps: dict[str, Step], opens: list[OpenCount]) -> str:
    """The markdown report."""
    archive = result["archive"]
    r = result["ratios"]
    shape = {
        "files": f"{archive['files']:,}",
        "size": f"{archive['bytes'] / 1e6:,.0f} MB",
        "folders": f"{archive['folders']} (top-level shows: {archive['shows']})",
        "categories": ", ".join(f"{k} {v:,}" for k, v in sorted(archive["categories"].items())),
        "intended verdicts": ", ".join(
            f"{k} {v:,}" for k, v in sorted(archive["intended_verdicts"].items())
        ),
        "distinct files": f"{archive['unique_files']:,} (from {archive['distinct_bases']} bases)",
        "generation": f"{archive['generation_s']:.1f} s (cached: {result['archive_cached']})",
        "AI-use logs": "A: 300 path entries + 1 glob; B: A - 20 + 20, one approval -> pending; "
        "C: B with one more -> denied (strace check only)",
    }
    warm = result["warm_cache"]
    parts = [
        "# provscan archive benchmark",
        "",
        f"Run {result['run']}; {archive['files']:,} files in `{result['tree']}`. Page cache "
        f"warmed first by reading every file once ({warm['files']:,} files, "
        f"{warm['bytes'] / 1e6:,.0f} MB in {warm['seconds']:.1f} s). Every command is a "
        "subprocess of the runner, run one at a time. Memory: RSS of the command's process and "
        f"all its descendants polled every {POLL_S * 1000:.0f} ms; the RSS sum counts shared "
        "pages once per process (an over-estimate for forked workers), the PSS sum (every "
        f"{POLL_S * PSS_EVERY * 1000:.0f} ms) splits them among their sharers; the largest "
        "process includes its VmHWM.",
        "",
        common.markdown_table(
            [
                "step",
                "files",
                "seconds",
                "files/s",
                "peak RSS, tree sum",
                "peak PSS, tree sum",
                "peak RSS, largest process",
                "exit",
                "note",
            ],
            _step_rows(steps),
        ),
        "",
        common.markdown_table(
            ["ratio", "value", "target", ""],
            _ratio_rows(r, result["peak_tree_mb"], result["peak_tree_pss_mb"], archive["files"]),
        ),
        "",
        *_strace_lines(opens, result["strace_note"]),
        "",
        common.key_values("Archive", shape),
        "",
        common.key_values("Machine", result["machine"]),
        "",
        common.key_values("Versions", result["versions"]),
        "",
        common.key_values(
            "Commands",
            {s.title: _commands(s) for s in steps.values() if s.commands},
        ),
    ]
    if result["notes"]:
        parts += ["", "**Notes**", "", *(f"- {n}" for n in result["notes"])]
    return "\n".join(parts) + "\n"


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def git_state() -> str:
    """``git describe --always --dirty`` of the checkout (scanner/ moves under the figures)."""
    proc = subprocess.run(
        ["git", "describe", "--always", "--dirty"],
        capture_output=True,
        text=True,
        cwd=common.BENCH_DIR,
        check=False,
    )
    return proc.stdout.strip() or "unknown"


# ---------------------------------------------------------------------------- main


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.archive", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--files", type=int, default=archive_data.DEFAULT_FILES)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_FILES:,} files")
    parser.add_argument("--seed", type=int, default=archive_data.DEFAULT_SEED)
    parser.add_argument("--skip-exiftool", action="store_true", help="time provscan alone")
    parser.add_argument("--exiftool", help="exiftool executable (default: $EXIFTOOL, PATH)")
    parser.add_argument("--provscan", help="provscan executable (default: this venv's)")
    parser.add_argument("--out", type=Path, default=common.OUT_DIR / "archive.md")
    parser.add_argument(
        "--rescan-runs", type=int, default=1, help="times step c runs (the best is kept)"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.files = QUICK_FILES
    if args.files < 100:
        parser.error("--files must be at least 100")
    return args


def check_logs(provscan: str, logs: Sequence[Path]) -> None:
    """``provscan log check`` every log; a bad one stops the benchmark."""
    for log in logs:
        proc = subprocess.run(
            [provscan, "log", "check", str(log)], capture_output=True, text=True, check=False
        )
        if proc.returncode != 0:
            raise SystemExit(f"bench: {log} is not a valid log:\n{proc.stdout}{proc.stderr}")


def run_steps(
    args: argparse.Namespace, archive: archive_data.Archive, provscan: str, notes: list[str]
) -> tuple[dict[str, Step], list[OpenCount], str]:
    """Steps a-d in order; returns the rows, the strace counts and why strace did not run."""
    tree, files = archive.tree, archive.files
    steps: dict[str, Step] = {}
    if args.skip_exiftool:
        steps["exiftool"] = Step("exiftool", "exiftool", files, "skipped", "--skip-exiftool")
    else:
        exiftool = common.find_exiftool(args.exiftool)
        if exiftool is None:
            print(common.EXIFTOOL_HINT, file=sys.stderr)
            steps["exiftool"] = Step("exiftool", "exiftool", files, "skipped", "not installed")
        else:
            print("a. exiftool, two processes ...")
            steps["exiftool"] = exiftool_step(exiftool, tree, files)

    features = scan_features(provscan)
    db = archive.folder / "catalog.db" if features["catalog"] else None
    if not features["jobs"]:
        notes.append("this provscan has no `scan --jobs`: the first scan ran with its default")
    jobs = f"--jobs {JOBS}" if features["jobs"] else "default jobs"

    def argv(log: str) -> list[str]:
        return scan_argv(provscan, tree, archive.log(log), db, features["jobs"])

    if db is not None:
        delete_catalog(db)
    title = f"provscan first scan ({jobs}, {'catalog' if db else 'no catalog'}, log A)"
    print("b. provscan first scan ...")
    steps["first"] = provscan_step("first", title, argv("a"), files)
    if db is not None:
        steps["first"].note = f"catalog written: {catalog_bytes(db) / 1e6:.1f} MB"
    opens: list[OpenCount] = []
    if db is None:
        why = "this provscan has no `scan --catalog`"
        notes.append(f"re-scan and re-apply not available: {why}")
        steps["rescan"] = unavailable("rescan", "provscan re-scan, unchanged", files, why)
        steps["reapply"] = unavailable("reapply", "provscan re-apply, log B", files, why)
        return steps, opens, why
    print("c. provscan re-scan of the unchanged archive ...")
    steps["rescan"] = provscan_step(
        "rescan", "provscan re-scan, unchanged (log A)", argv("a"), files, args.rescan_runs
    )
    print("d. provscan with a changed log ...")
    steps["reapply"] = provscan_step(
        "reapply", "provscan re-apply, changed log (B)", argv("b"), files
    )
    strace = shutil.which("strace")
    if strace is None:
        return steps, opens, "strace is not installed (apt-get install -y strace)"
    trace = archive.folder / "strace.txt"
    try:
        opens.append(strace_opens(strace, argv("c"), tree, "re-apply, changed log (C)", trace))
        label = "re-scan, unchanged (log C again)"
        opens.append(strace_opens(strace, argv("c"), tree, label, trace))
    except RuntimeError as exc:
        print(f"  {exc}", file=sys.stderr)
        return steps, opens, str(exc)
    return steps, opens, ""


def main(argv: list[str] | None = None) -> int:
    """Generate (or reuse) the archive, run steps a-d, write the markdown and JSON reports."""
    args = _args(argv)
    archive = archive_data.ensure(args.files, args.seed)
    provscan = args.provscan or common.provscan_executable()
    check_logs(provscan, [archive.log(n) for n in "abc"])
    print(f"warming the page cache ({archive.files:,} files) ...")
    warm_files, warm_bytes, warm_s = warm_cache(archive.tree)

    notes: list[str] = []
    load_start = _load()
    steps, opens, strace_note = run_steps(args, archive, provscan, notes)
    # A shared machine: other people's jobs show in the load, and explain noisy figures.
    machine = common.machine_info() | {
        "load average 1/5/15 min": f"{load_start} at start, {_load()} at end"
    }
    exiftool = None if args.skip_exiftool else common.find_exiftool(args.exiftool)
    versions = common.versions(exiftool) | {"git": git_state()}
    result: dict[str, Any] = {
        "run": common.now_utc(),
        "tree": str(archive.tree),
        "archive": {k: v for k, v in archive.stamp.items() if k != "params"},
        "archive_cached": archive.cached,
        "warm_cache": {"files": warm_files, "bytes": warm_bytes, "seconds": round(warm_s, 2)},
        "machine": machine,
        "versions": versions,
        "steps": {k: asdict(s) | {"files_per_s": s.rate} for k, s in steps.items()},
        "ratios": ratios(steps),
        "peak_tree_mb": peak_tree_mb(steps),
        "peak_tree_pss_mb": peak_tree_mb(steps, pss=True),
        "strace": [asdict(o) for o in opens],
        "strace_note": strace_note,
        "targets": {
            "first_over_rescan_min": TARGET_RESCAN_RATIO,
            "peak_tree_mb_max": TARGET_PEAK_MB,
            "at_files": TARGET_AT_FILES,
        },
        "notes": notes,
    }
    report = render(result, steps, opens)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report, encoding="utf-8")
    results = args.out.with_name(args.out.stem + "-results.json")
    common.write_json(results, result)
    print()
    print(report)
    print(f"written to {args.out} and {results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
