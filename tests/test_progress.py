"""Progress of a long scan: the terminal bar (fake terminal, fake clock), its wiring through
check_delivery, and the real CLI with stderr on a pseudo-terminal."""

from __future__ import annotations

import datetime as dt
import fcntl
import io
import json
import os
import pty
import struct
import subprocess
import sys
import termios
import threading
from pathlib import Path

import pytest
from provscan.ailog.load import load_log
from provscan.limits import Limits
from provscan.model import Settings
from provscan.pipeline import check_delivery
from provscan.policy import DEFAULT_POLICY
from provscan.progress import NO_PROGRESS, TerminalProgress, terminal_progress
from provscan.text import cells

from tests.builders import jpeg_bytes
from tests.conftest import FIXTURES, REPO

SAMPLE = FIXTURES / "sample"
ERASE = "\r\x1b[2K"
CLI_ARGS = ["scan", "fixtures/sample/delivery", "--sources", "fixtures/sample/project_media",
            "--log", "fixtures/sample/ai-use.toml", "-f", "json"]  # fmt: skip


class FakeTTY(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Recorder:
    """A Progress that remembers every call."""

    def __init__(self) -> None:
        self.stages: list[tuple[str, int, list[str]]] = []
        self.closed = 0

    def stage(self, name: str, total: int) -> None:
        self.stages.append((name, total, []))

    def advance(self, label: str) -> None:
        self.stages[-1][2].append(label)

    def close(self) -> None:
        self.closed += 1


def _bar(columns: int = 120, after: float = 0.3) -> tuple[FakeTTY, Clock, TerminalProgress]:
    stream, clock = FakeTTY(), Clock()
    return stream, clock, TerminalProgress(stream, after=after, clock=clock,
                                           columns=lambda: columns)  # fmt: skip


def _last_line(stream: io.StringIO) -> str:
    return stream.getvalue().rsplit(ERASE, 1)[-1]


def test_short_scan_never_shows_a_bar() -> None:
    """Before the delay has passed nothing is written, and close() then writes nothing either."""
    stream, clock, bar = _bar()
    bar.stage("scanning", 3)
    clock.now = 0.2
    bar.advance("a.jpg")
    bar.advance("b.jpg")
    bar.close()
    assert stream.getvalue() == ""


def test_bar_shows_stage_blocks_counts_rate_eta_and_file() -> None:
    """A drawn line reads: stage, blocks in proportion, done/total, files/s, ETA, current file."""
    stream, clock, bar = _bar()
    clock.now = 1.0
    bar.stage("scanning", 10)
    assert _last_line(stream).startswith("scanning " + "░" * 20 + " 0/10")
    clock.now = 2.0
    bar.advance("stills/a.jpg")
    clock.now = 3.0
    bar.advance("stills/b.jpg")
    line = _last_line(stream)
    assert line == "scanning " + "█" * 4 + "░" * 16 + " 2/10 1.0 files/s ETA 0:08  stills/b.jpg"


def test_eta_is_in_minutes_and_seconds() -> None:
    """A slow stage's ETA reads m:ss (150 s left -> 2:30); before the first file it is -:--."""
    stream, clock, bar = _bar()
    clock.now = 1.0
    bar.stage("tracing", 6)
    assert "ETA -:--" in _last_line(stream)
    clock.now = 31.0
    bar.advance("video/final_cut.mp4")
    assert "0.0 files/s ETA 2:30  video/final_cut.mp4" in _last_line(stream)


def test_redraws_at_most_ten_times_a_second() -> None:
    """100 files done within 0.1 s cause at most two redraws after the stage's own draw."""
    stream, clock, bar = _bar()
    clock.now = 1.0
    bar.stage("scanning", 200)
    for i in range(100):
        clock.now = 1.0 + i * 0.001
        bar.advance(f"f{i}.jpg")
    assert stream.getvalue().count(ERASE) <= 3
    clock.now = 2.0
    bar.advance("late.jpg")
    assert _last_line(stream).endswith("101/200 101.0 files/s ETA 0:01  late.jpg")


def test_line_fits_the_terminal_and_name_is_clipped_from_the_left() -> None:
    """The line stays within the width (minus the wrapping column); a long path keeps its end."""
    stream, clock, bar = _bar(columns=100)
    clock.now = 1.0
    bar.stage("scanning", 5)
    clock.now = 2.0
    bar.advance("deliveries/2026/episode_101/conform/reels/r3/stills/final_frame_0042.jpg")
    line = _last_line(stream)
    assert cells(line) == 99
    assert "  …" in line and line.endswith("stills/final_frame_0042.jpg")


def test_wide_characters_count_two_columns() -> None:
    """A name of wide (CJK) characters is clipped by columns, not by characters."""
    stream, clock, bar = _bar(columns=70)
    clock.now = 1.0
    bar.stage("scanning", 5)
    clock.now = 2.0
    bar.advance("素材/" + "写真" * 30 + ".jpg")
    assert cells(_last_line(stream)) <= 69


def test_narrow_terminal_shortens_the_bar_then_drops_the_name() -> None:
    """On a narrow terminal the bar shrinks and the name goes; the numbers stay and it fits."""
    stream, clock, bar = _bar(columns=50)
    clock.now = 1.0
    bar.stage("scanning", 5)
    clock.now = 2.0
    bar.advance("stills/a.jpg")
    line = _last_line(stream)
    assert line == "scanning " + "█" * 3 + "░" * 12 + " 1/5 1.0 files/s ETA 0:04"
    assert cells(line) <= 49


def test_hostile_file_name_cannot_drive_the_terminal() -> None:
    """Control characters in a name are escaped: the only ESCs written are the bar's erase-lines."""
    stream, clock, bar = _bar()
    clock.now = 1.0
    bar.stage("scanning", 2)
    clock.now = 2.0
    bar.advance("evil\x1b[31m\x1b]0;pwned\x07\r\n\t.jpg\udcff")
    text = stream.getvalue().replace(ERASE, "")
    assert not any(c in text for c in "\x1b\r\n\t\x07")
    assert _last_line(stream).endswith("evil\\x1b[31m\\x1b]0;pwned\\x07\\r\\n\\t.jpg\ufffd")


def test_close_erases_the_line_and_nothing_is_drawn_after() -> None:
    """close() ends with an erase-line and later reports write nothing."""
    stream, clock, bar = _bar()
    clock.now = 1.0
    bar.stage("scanning", 2)
    bar.close()
    assert stream.getvalue().endswith("0/2 0.0 files/s ETA -:--" + ERASE)
    written = stream.getvalue()
    clock.now = 5.0
    bar.stage("tracing", 1)
    bar.advance("x.mp4")
    bar.close()
    assert stream.getvalue() == written


def test_ascii_glyphs_when_the_stream_cannot_encode_blocks() -> None:
    """A terminal in a non-UTF-8 encoding gets # and - blocks and a ... ellipsis."""
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="latin-1")
    clock = Clock()
    bar = TerminalProgress(stream, after=0, clock=clock, columns=lambda: 80)
    bar.stage("scanning", 4)
    clock.now = 1.0
    bar.advance("a/very/long/path/that/does/not/fit/in/the/room/left/x.jpg")
    line = raw.getvalue().decode("latin-1").rsplit(ERASE, 1)[-1]
    assert line.startswith("scanning " + "#" * 5 + "-" * 15 + " 1/4") and "  ..." in line


def test_terminal_progress_only_on_a_terminal_and_not_quiet(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A bar for a terminal; NO_PROGRESS when quiet, for a pipe or file, or for TERM=dumb."""
    monkeypatch.setenv("TERM", "xterm-256color")
    assert isinstance(terminal_progress(FakeTTY(), quiet=False), TerminalProgress)
    assert terminal_progress(FakeTTY(), quiet=True) is NO_PROGRESS
    assert terminal_progress(io.StringIO(), quiet=False) is NO_PROGRESS
    monkeypatch.setenv("TERM", "dumb")
    assert terminal_progress(FakeTTY(), quiet=False) is NO_PROGRESS


def test_delay_is_overridable_by_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """PROVSCAN_PROGRESS_AFTER sets the delay; a bad or negative value keeps the default."""
    monkeypatch.setenv("TERM", "xterm")
    for value, after in (("0", 0.0), ("1.5", 1.5), ("soon", 0.3), ("-1", 0.3)):
        monkeypatch.setenv("PROVSCAN_PROGRESS_AFTER", value)
        bar = terminal_progress(FakeTTY(), quiet=False)
        assert isinstance(bar, TerminalProgress) and bar.after == after


def test_check_delivery_reports_every_stage_and_file() -> None:
    """On the sample, each stage counts its files by report path, and the bar is closed once."""
    recorder = Recorder()
    report = check_delivery(
        SAMPLE / "delivery", sources=[SAMPLE / "project_media"],
        log=load_log(SAMPLE / "ai-use.toml"), policy=DEFAULT_POLICY, settings=Settings(),
        limits=Limits(), today=dt.date(2026, 11, 25), progress=recorder,
    )  # fmt: skip
    (scanning, n, scanned), (sources, m, sourced), (tracing, t, traced) = recorder.stages
    paths = [f.path for f in report.files]
    assert (scanning, sources, tracing) == ("scanning", "sources", "tracing")
    assert n == len(scanned) == 17 and scanned == paths[:17]
    assert m == len(sourced) == 3 and sourced == paths[17:]
    assert "project_media/stills/harbour_street_1987_sd.png" in sourced
    assert t == len(traced) == report.options["trace"]["searched"] > 0
    assert set(traced) <= set(scanned)
    assert recorder.closed == 1


def test_check_delivery_closes_the_bar_when_interrupted(tmp_path: Path) -> None:
    """An interrupt during the scan still closes the progress (no bar left on the terminal)."""

    class Interrupting(Recorder):
        def advance(self, label: str) -> None:
            raise KeyboardInterrupt

    (tmp_path / "a.jpg").write_bytes(jpeg_bytes())
    progress = Interrupting()
    with pytest.raises(KeyboardInterrupt):
        check_delivery(tmp_path, log=None, policy=DEFAULT_POLICY, settings=Settings(),
                       limits=Limits(), today=dt.date(2026, 11, 25), progress=progress)  # fmt: skip
    assert progress.closed == 1 and progress.stages == [("scanning", 1, [])]


def _cli_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "NO_COLOR", "FORCE_COLOR")}
    return {**env, "PROVSCAN_PROGRESS_AFTER": "0", "TERM": "xterm"}


def _drain(fd: int, into: bytearray) -> None:
    """Read the pty until the child side closes (EIO on Linux), so the child never blocks."""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            return
        if not chunk:
            return
        into.extend(chunk)


def test_cli_bar_goes_to_a_terminal_stderr_and_never_into_the_report() -> None:
    """Real CLI: the bar is drawn and erased on a pty, then the one-line gate summary follows;
    stdout stays JSON; a pipe gets no bar (a short scan: no plain progress line either)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))
    seen = bytearray()
    reader = threading.Thread(target=_drain, args=(master, seen), daemon=True)
    reader.start()
    try:
        proc = subprocess.run([sys.executable, "-m", "provscan.cli", *CLI_ARGS], cwd=REPO,
                              env=_cli_env(), stdout=subprocess.PIPE, stderr=slave,
                              timeout=300, check=False)  # fmt: skip
    finally:
        os.close(slave)
        reader.join(10)
        os.close(master)
    assert proc.returncode == 1
    summary = json.loads(proc.stdout)["summary"]
    assert summary["files"] == 20
    fails = summary["by_gate"]["fail"]
    assert b"\x1b" not in proc.stdout and b"files/s" not in proc.stdout
    terminal = seen.decode("utf-8", "replace")
    assert "scanning" in terminal and "/17" in terminal and "files/s" in terminal
    bar, _, after = terminal.rpartition(ERASE)  # the bar is erased before the summary
    assert "files/s" in bar and after.startswith(f"provscan: gate FAIL: {fails} fail")
    assert after.count("\n") == 1 and "\x1b" not in after
    piped = subprocess.run([sys.executable, "-m", "provscan.cli", *CLI_ARGS], cwd=REPO,
                           env=_cli_env(), capture_output=True, timeout=300,
                           check=False)  # fmt: skip
    assert piped.returncode == 1 and json.loads(piped.stdout)["summary"]["files"] == 20
    assert b"scanning" not in piped.stderr and b"\x1b" not in piped.stderr
    assert piped.stderr.decode().splitlines()[-1].startswith("provscan: gate FAIL")
