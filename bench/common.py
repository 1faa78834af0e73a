"""Shared benchmark machinery: timing, alternation, medians, exiftool, machine and versions.

Every timed run is a subprocess of the same Python parent, so provscan and its peer share
one process tree, one page cache and the same background noise. Runs alternate and the
order flips every round (A B, B A, A B, ...) so a slow drift (thermal, a neighbour on
the host) does not favour whichever tool always goes first.

Used by ``bench/images.py``; the video/audio and archive benchmarks reuse it.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
OUT_DIR = BENCH_DIR / "out"

EXIFTOOL_HINT = (
    "exiftool is not installed, so only provscan's own figure is reported.\n"
    "  Debian/Ubuntu: sudo apt-get install -y libimage-exiftool-perl\n"
    "  macOS:         brew install exiftool\n"
    "  elsewhere:     https://exiftool.org/install.html (or pass --exiftool PATH)"
)


# ---------------------------------------------------------------------------- tools


@dataclass(frozen=True)
class Tool:
    """One command to time: ``argv`` runs it over the whole folder."""

    name: str
    argv: tuple[str, ...]
    ok_codes: frozenset[int] = frozenset({0})


def find_exiftool(explicit: str | None = None) -> str | None:
    """The exiftool executable (``explicit``, else ``$EXIFTOOL``, else on PATH), or None."""
    for candidate in (explicit, os.environ.get("EXIFTOOL"), "exiftool"):
        if candidate:
            found = shutil.which(candidate)
            if found:
                return found
    return None


def provscan_executable() -> str:
    """The ``provscan`` console script next to this interpreter, else the one on PATH."""
    local = Path(sys.executable).parent / "provscan"
    if local.is_file():
        return str(local)
    found = shutil.which("provscan")
    if found is None:
        raise SystemExit("bench: provscan is not installed (pip install -e . in the repo)")
    return found


def provscan_tool(
    folder: Path, *, trace: bool = False, executable: str = "", label: str = ""
) -> Tool:
    """``provscan scan DIR --format json --output /dev/null --fail-on none``, with
    ``--no-trace`` unless ``trace``: the metadata scan is what exiftool's run compares with;
    the trace (stills searched for by their pixels) is timed as its own tool. ``executable``
    and ``label``: another install, timed beside this one (before and after a change)."""
    argv = (executable or provscan_executable(), "scan", str(folder), "--format", "json")
    argv = (*argv, "--output", os.devnull, "--fail-on", "none", "--quiet")
    name = f"provscan{label}"
    if trace:
        return Tool(f"{name}, with trace", argv)
    return Tool(name, (*argv, "--no-trace"))


def exiftool_tool(exiftool: str, folder: Path) -> Tool:
    """``exiftool -r -json -fast DIR``; its JSON goes to /dev/null.

    exiftool exits 1 when some file could not be read but still reports the rest; that
    counts as a run, a crash (any other code) does not.
    """
    return Tool("exiftool", (exiftool, "-r", "-json", "-fast", str(folder)), frozenset({0, 1}))


# ---------------------------------------------------------------------------- timing


def time_once(tool: Tool) -> float:
    """Wall-clock seconds for one run of ``tool``; stdout discarded, stderr kept on failure."""
    return run_once(tool)[0]


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def run_once(tool: Tool) -> tuple[float, float]:
    """Wall-clock seconds and CPU seconds (user + system of the tool and every process it
    waited for: its workers) of one run of ``tool``. On a shared machine the CPU seconds
    move far less with the other users' load than the wall clock does."""
    start, cpu = time.perf_counter(), _children_cpu()
    proc = subprocess.run(tool.argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed, cpu = time.perf_counter() - start, _children_cpu() - cpu
    if proc.returncode not in tool.ok_codes:
        tail = proc.stderr.decode(errors="replace")[-2000:]
        raise RuntimeError(f"{tool.name} exited {proc.returncode}: {' '.join(tool.argv)}\n{tail}")
    return elapsed, cpu


@dataclass
class Timings:
    """Seconds per timed run, per tool, in round order."""

    rounds: int
    seconds: dict[str, list[float]] = field(default_factory=dict)
    order: list[tuple[str, ...]] = field(default_factory=list)
    cpu: dict[str, list[float]] = field(default_factory=dict)  # CPU seconds, the same runs


def alternate(
    tools: Sequence[Tool],
    rounds: int,
    *,
    warmup: bool = True,
    progress: Callable[[str], None] | None = None,
) -> Timings:
    """One untimed warm pass of each tool, then ``rounds`` rounds, flipping order each round."""
    say = progress or (lambda _msg: None)
    if warmup:
        for tool in tools:
            say(f"warm-up: {tool.name}")
            time_once(tool)
    timings = Timings(rounds=rounds, seconds={t.name: [] for t in tools})
    for i in range(rounds):
        ordered = list(tools) if i % 2 == 0 else list(reversed(tools))
        timings.order.append(tuple(t.name for t in ordered))
        for tool in ordered:
            secs, cpu = run_once(tool)
            timings.seconds[tool.name].append(secs)
            timings.cpu.setdefault(tool.name, []).append(cpu)
            say(f"round {i + 1}/{rounds}: {tool.name} {secs:.2f} s ({cpu:.2f} s CPU)")
    return timings


@dataclass(frozen=True)
class Summary:
    """Files per second of one tool over all rounds."""

    name: str
    per_run: tuple[float, ...]
    median: float
    minimum: float
    maximum: float


def summarise(timings: Timings, files: int) -> dict[str, Summary]:
    """Files/s per run and their median, min and max, per tool."""
    out: dict[str, Summary] = {}
    for name, secs in timings.seconds.items():
        rates = tuple(files / s for s in secs)
        out[name] = Summary(name, rates, statistics.median(rates), min(rates), max(rates))
    return out


def median_ratio(timings: Timings, numerator: str, denominator: str) -> float:
    """Median over rounds of ``numerator`` files/s divided by ``denominator`` files/s.

    Each round's ratio compares two runs made back to back, which cancels most drift.
    """
    num, den = timings.seconds[numerator], timings.seconds[denominator]
    return statistics.median(d / n for n, d in zip(num, den, strict=True))


# ---------------------------------------------------------------------------- context


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo, else whatever platform knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def machine_info() -> dict[str, str]:
    """nproc, CPU model, OS and Python, as printable strings."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "nproc": str(usable),
        "cpu": cpu_model(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
    }


def package_version(dist: str) -> str:
    """The installed version of a distribution, or ``not installed``."""
    try:
        return version(dist)
    except PackageNotFoundError:
        return "not installed"


def exiftool_version(exiftool: str | None) -> str:
    """``exiftool -ver``, or ``not installed``."""
    if exiftool is None:
        return "not installed"
    proc = subprocess.run([exiftool, "-ver"], capture_output=True, text=True, check=False)
    return proc.stdout.strip() or f"unknown (exit {proc.returncode})"


def versions(exiftool: str | None) -> dict[str, str]:
    """Versions of everything that moves the figures."""
    try:
        import c2pa

        sdk = str(c2pa.sdk_version())
    except Exception:  # a broken c2pa install must not stop the benchmark report
        sdk = "unknown"
    return {
        "provscan": package_version("provscan"),
        "exiftool": exiftool_version(exiftool),
        "c2pa-python": f"{package_version('c2pa-python')} (c2pa-rs {sdk})",
        "Pillow": package_version("Pillow"),
    }


def registered_detectors() -> list[str]:
    """The registered detectors' names at the time of the run (they change what is
    measured)."""
    try:
        from provscan.detectors.registry import DETECTORS
    except Exception as exc:  # report the breakage rather than hide the figure
        return [f"<import failed: {type(exc).__name__}: {exc}>"]
    return [str(getattr(d, "NAME", getattr(d, "__name__", "?"))) for d in DETECTORS]


def folder_shape(folder: Path) -> tuple[int, int, Counter[str]]:
    """(file count, total bytes, count per lower-case extension) of every file under folder."""
    count, total, exts = 0, 0, Counter[str]()
    for dirpath, _dirs, names in os.walk(folder):
        for name in names:
            path = Path(dirpath, name)
            try:
                total += path.stat().st_size
            except OSError:
                continue
            count += 1
            exts[path.suffix.lower() or "(none)"] += 1
    return count, total, exts


def now_utc() -> str:
    """The current time, ISO 8601 in UTC, to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


# ---------------------------------------------------------------------------- output


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub markdown table."""
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def key_values(title: str, values: dict[str, str]) -> str:
    """A markdown bullet list under a bold title."""
    return "\n".join([f"**{title}**", "", *(f"- {k}: {v}" for k, v in values.items())])


def write_json(path: Path, data: object) -> None:
    """Write ``data`` as indented JSON, creating parent folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
