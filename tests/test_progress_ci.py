"""Progress where CI reads it: a plain line every 30 s when stderr is not a terminal, and the
terminal bar's ETA over every stage the run plans (clocks injected: nothing sleeps)."""

from __future__ import annotations

import io
import subprocess
import sys

from provscan.progress import (
    NO_PROGRESS,
    PlainProgress,
    TerminalProgress,
    announce,
    stderr_progress,
)

from tests.conftest import FIXTURES, REPO
from tests.test_progress import ERASE, Clock, FakeTTY


def test_plain_lines_every_thirty_seconds_only() -> None:
    """Nothing in the first 30 s; then one line (stage, done/total, share, rate) at most
    every 30 s, whatever the number of files done in between."""
    stream, clock = io.StringIO(), Clock()
    plain = PlainProgress(stream, clock=clock)
    plain.stage("scanning", 400)
    for second in range(1, 100):
        clock.now = float(second)
        plain.advance(f"f{second}.jpg")
    lines = stream.getvalue().splitlines()
    assert lines == [
        "provscan: scanning 30/400 files (7%), 1.0 files/s",
        "provscan: scanning 60/400 files (15%), 1.0 files/s",
        "provscan: scanning 90/400 files (22%), 1.0 files/s",
    ]
    plain.close()
    clock.now = 500.0
    plain.stage("tracing", 3)
    assert stream.getvalue().splitlines() == lines  # nothing after close


def test_stderr_progress_chooses_by_stream() -> None:
    """A terminal gets the bar, anything else the plain lines, --quiet nothing."""
    assert isinstance(stderr_progress(FakeTTY(), quiet=False), TerminalProgress)
    assert isinstance(stderr_progress(io.StringIO(), quiet=False), PlainProgress)
    assert stderr_progress(io.StringIO(), quiet=True) is NO_PROGRESS


def test_eta_covers_every_planned_stage() -> None:
    """With scanning, sources and tracing planned, the ETA during the scan counts the later
    stages too (as many items as the scan, at the pace so far) and the name says 1/3."""
    stream, clock = FakeTTY(), Clock()
    bar = TerminalProgress(stream, after=0.0, clock=clock, columns=lambda: 120)
    announce(bar, ["scanning", "sources", "tracing"])
    bar.stage("scanning", 10)
    for second in (1, 2):
        clock.now = float(second)
        bar.advance(f"f{second}")
    line = stream.getvalue().rsplit(ERASE, 1)[-1]
    # 8 files left at 1 file/s, then two more stages of 10 items at 1 s each: 28 s
    assert line.startswith("scanning 1/3 ") and "2/10 1.0 files/s ETA 0:28" in line
    clock.now = 10.0
    bar.stage("sources", 4)
    assert stream.getvalue().rsplit(ERASE, 1)[-1].startswith("sources 2/3 ")


def test_cli_in_ci_prints_no_progress_for_a_short_scan() -> None:
    """The real CLI with stderr piped: a short scan prints no progress line, only the gate's
    summary, which is the last line of stderr."""
    proc = subprocess.run([sys.executable, "-m", "provscan.cli", "scan",
                           str(FIXTURES / "sample" / "delivery"), "--no-trace", "-f", "json"],
                          cwd=REPO, capture_output=True, text=True, timeout=300,
                          check=False)  # fmt: skip
    lines = proc.stderr.splitlines()
    assert lines[-1].startswith("provscan: gate FAIL") and "files (" not in proc.stderr
