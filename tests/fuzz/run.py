"""Run the atheris fuzz targets for a while each and tabulate what they found.

    python -m tests.fuzz.run [--seconds N] [--target NAME ...] [--jobs K]

Each target runs in its own process (``python -m tests.fuzz.<target>``) with
``-max_total_time=N -rss_limit_mb=2048 -timeout=10``. Its seed corpus is built afresh in a
throwaway folder under /tmp from real files (``../shared/corpus`` and ``fixtures/files``:
files under 64 KiB whole, the first 64 KiB of larger ones, re-encoded by the target's
``seeds()``), plus the target's ``EXTRA_SEEDS``; libFuzzer adds what it learns there.
Artifacts (``crash-*``, ``timeout-*``, ``oom-*``) go to ``tests/fuzz/crashes/<target>/``,
where ``tests/test_fuzz_regressions.py`` replays them. A target that stops on a finding is
started again for the rest of its time, so one shallow bug does not end its run.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import importlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[2]
FUZZ = Path(__file__).resolve().parent
CRASHES = FUZZ / "crashes"
DICTS = FUZZ / "dicts"
CORPUS = REPO.parent / "shared" / "corpus"
FIXTURE_FILES = REPO / "fixtures" / "files"
TARGETS = (
    "fuzz_xmp",
    "fuzz_pngtext",
    "fuzz_exif",
    "fuzz_container_tags",
    "fuzz_ailog",
    "fuzz_timeline",
    "fuzz_imf",
)
ARTIFACT_KINDS = ("crash", "timeout", "oom")
SEED_HEAD = 64 * 1024
MAX_RESTARTS = 50
# Targets rewrite a scratch file per input: RAM-backed it costs 0.06 ms, on /tmp 2.5 ms here.
_RAM = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
_EXECUTED = re.compile(r"stat::number_of_executed_units:\s*(\d+)")
_PROGRESS = re.compile(r"^#(\d+)\s", re.MULTILINE)


@dataclass
class Result:
    """What one target's runs did: executions and new artifact files by kind."""

    target: str
    seconds: float = 0.0
    executions: int = 0
    runs: int = 0
    found: dict[str, list[str]] = field(default_factory=lambda: {k: [] for k in ARTIFACT_KINDS})
    log: str = ""  # path of the streamed libFuzzer output


def target_module(name: str) -> ModuleType:
    """The target module for ``xmp`` or ``fuzz_xmp``."""
    name = name if name.startswith("fuzz_") else f"fuzz_{name}"
    if name not in TARGETS:
        raise SystemExit(f"unknown target {name!r} (known: {', '.join(TARGETS)})")
    return importlib.import_module(f"tests.fuzz.{name}")


def seed_files() -> list[Path]:
    """Real files to seed from: the corpus catalog's files and the project's fixtures."""
    files: list[Path] = []
    catalog = CORPUS / "CATALOG.tsv"
    if catalog.is_file():
        with open(catalog, encoding="utf-8", newline="") as f:
            files += [CORPUS / row["local_path"] for row in csv.DictReader(f, delimiter="\t")]
    if FIXTURE_FILES.is_dir():
        files += sorted(p for p in FIXTURE_FILES.rglob("*") if p.is_file())
    return [p for p in files if p.is_file()]


def build_corpus(module: ModuleType, into: Path) -> int:
    """Write the target's seeds into ``into``; the number written."""
    into.mkdir(parents=True, exist_ok=True)
    seeds: list[bytes] = list(getattr(module, "EXTRA_SEEDS", []))
    for path in [*seed_files(), *getattr(module, "SEED_FILES", [])]:
        if not path.is_file():
            continue
        with open(path, "rb") as f:
            raw = f.read(SEED_HEAD)
        seeds += module.seeds(raw, path.name)
    names = set()
    for seed in seeds:
        name = hashlib.sha1(seed).hexdigest()
        names.add(name)
        (into / name).write_bytes(seed)
    return len(names)


def artifacts(folder: Path) -> set[str]:
    """Names of the artifact files in ``folder``."""
    if not folder.is_dir():
        return set()
    return {p.name for p in folder.iterdir() if p.name.startswith(ARTIFACT_KINDS)}


def executions(log: str) -> int:
    """Executed inputs, from libFuzzer's final stats or else its last progress line."""
    found = _EXECUTED.findall(log)
    if found:
        return int(found[-1])
    progress = _PROGRESS.findall(log)
    return int(progress[-1]) if progress else 0


def run_target(name: str, seconds: int, work: Path, extra: list[str]) -> Result:
    """Fuzz one target for ``seconds`` (restarting after findings); its Result."""
    module = target_module(name)
    result = Result(module.__name__.rsplit(".", 1)[-1])
    crash_dir = CRASHES / result.target
    crash_dir.mkdir(parents=True, exist_ok=True)
    corpus = work / result.target / "corpus"
    scratch = Path(tempfile.mkdtemp(prefix=f"{result.target}-", dir=_RAM))  # scratch files
    seeds = build_corpus(module, corpus)
    before = artifacts(crash_dir)
    log_path = work / f"{result.target}.log"
    log_path.write_text(f"seeds: {seeds}\n", encoding="utf-8")
    env = {**os.environ, "TMPDIR": str(scratch), "PYTHONHASHSEED": "0"}
    dictionary = DICTS / f"{result.target}.dict"
    started = time.monotonic()
    while result.runs < MAX_RESTARTS:
        left = int(seconds - (time.monotonic() - started))
        if left < 5:
            break
        cmd = [
            sys.executable,
            "-m",
            f"tests.fuzz.{result.target}",
            str(corpus),
            f"-max_total_time={left}",
            "-rss_limit_mb=2048",
            "-timeout=10",
            "-max_len=65536",
            "-print_final_stats=1",
            f"-artifact_prefix={crash_dir}/",
            *([f"-dict={dictionary}"] if dictionary.is_file() else []),
            *extra,
        ]
        with open(log_path, "a", encoding="utf-8") as log:  # streamed: tail it to watch
            log.write(f"$ {' '.join(cmd)}\n")
            log.flush()
            at = log.tell()
            code = subprocess.run(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
            log.write(f"\n(exit {code.returncode})\n")
        with open(log_path, encoding="utf-8", errors="replace") as log:
            log.seek(at)
            result.executions += executions(log.read())
        result.runs += 1
        if code.returncode == 0:
            break  # ran its time out without a finding
    result.seconds = time.monotonic() - started
    shutil.rmtree(scratch, ignore_errors=True)
    new = sorted(artifacts(crash_dir) - before)
    for kind in ARTIFACT_KINDS:
        result.found[kind] = [n for n in new if n.startswith(kind)]
    result.log = str(log_path)
    return result


def table(results: list[Result]) -> str:
    """The summary table printed at the end."""
    rows = [("target", "minutes", "runs", "executions", "crashes", "timeouts", "ooms")]
    for r in results:
        counts = (str(len(r.found[k])) for k in ARTIFACT_KINDS)
        rows.append((r.target, f"{r.seconds / 60:.1f}", str(r.runs), f"{r.executions:,}", *counts))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command line: run the chosen targets and print the table; 1 when anything was found."""
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz.run", description=__doc__)
    parser.add_argument("--seconds", type=int, default=60, help="fuzzing time per target")
    parser.add_argument("--target", action="append", help="target name (repeatable)")
    parser.add_argument("--jobs", type=int, default=1, help="targets run at once")
    parser.add_argument(
        "--keep", action="store_true", help="keep the /tmp work folder (corpus, logs)"
    )
    parser.add_argument("libfuzzer", nargs="*", help="extra libFuzzer flags (after --)")
    args = parser.parse_args(argv)
    names = [target_module(t).__name__.rsplit(".", 1)[-1] for t in args.target or TARGETS]
    work = Path(tempfile.mkdtemp(prefix="provscan-fuzz-run-", dir="/tmp"))
    try:
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            futures = [
                pool.submit(run_target, n, args.seconds, work, args.libfuzzer) for n in names
            ]
            results = [f.result() for f in futures]
    finally:
        if args.keep:
            print(f"work folder kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(table(results))
    for r in results:
        for kind in ARTIFACT_KINDS:
            for name in r.found[kind]:
                print(f"{r.target}: {kind}: {CRASHES / r.target / name}")
    return 1 if any(r.found[k] for r in results for k in ARTIFACT_KINDS) else 0


if __name__ == "__main__":
    sys.exit(main())
