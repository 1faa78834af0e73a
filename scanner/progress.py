"""Progress of a long scan: a one-line bar on the terminal's stderr, a plain line every
30 s where stderr is not a terminal (a CI log), or nothing at all.

The scan reports its phases ("scanning", "sources", "tracing") and each file done to a
``Progress``; the library default does nothing. The pipeline may first say which phases it
will run (``plan``), so the bar's ETA covers them all: the current phase at its own pace,
each later one as many items as the first phase had, at the pace seen so far (an estimate,
redone as each phase starts). The terminal bar never touches stdout (the report may be
piped there), stays quiet for short scans, redraws at most ~10 times a second, and erases
itself when the scan ends so the report starts on a clean line. The plain lines never
redraw: a log keeps each one.
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable, Sequence
from typing import Protocol, TextIO

from provscan.text import cell, cells, safe_line

DEFAULT_AFTER_S = 0.3  # a scan shorter than this never shows a bar
AFTER_ENV = "PROVSCAN_PROGRESS_AFTER"  # seconds; tests set 0 to see the bar at once
REDRAW_S = 0.1  # at most ~10 redraws a second: drawing must not slow a scan of small files
BAR_CELLS = 20
PLAIN_EVERY_S = 30.0  # a CI log gets a line this often, never more
DEFAULT_COLUMNS = 80
_ERASE = "\r\x1b[2K"  # back to column 0, erase the whole line


class Progress(Protocol):
    """Where a scan reports how far it has got. A progress may also have ``plan(stages)``
    (the phases the run will go through, in order): :func:`announce` calls it when it is
    there, so a progress written before it existed still works."""

    def stage(self, name: str, total: int) -> None:
        """A new phase begins ("scanning", "sources", "tracing") with ``total`` items."""

    def advance(self, label: str) -> None:
        """One item of the current phase is done; ``label`` is its path as reported."""

    def close(self) -> None:
        """The scan is over: leave the terminal line clean."""


class _NoProgress:
    """The library default: reports go nowhere."""

    def plan(self, stages: Sequence[str]) -> None:
        """Ignored."""

    def stage(self, name: str, total: int) -> None:
        """Ignored."""

    def advance(self, label: str) -> None:
        """Ignored."""

    def close(self) -> None:
        """Ignored."""


NO_PROGRESS: Progress = _NoProgress()


def announce(progress: Progress, stages: Sequence[str]) -> None:
    """Tell ``progress`` the phases to come, when it listens for them (``plan``)."""
    plan = getattr(progress, "plan", None)
    if callable(plan):
        plan(stages)


class Counted:
    """Passes every report on to ``inner`` and remembers how far the scan got, so an
    interrupt can be told in one line."""

    def __init__(self, inner: Progress) -> None:
        self.inner = inner
        self.name, self.total, self.done = "", 0, 0

    def plan(self, stages: Sequence[str]) -> None:
        """Passed on."""
        announce(self.inner, stages)

    def stage(self, name: str, total: int) -> None:
        """Remembered, then passed on."""
        self.name, self.total, self.done = name, total, 0
        self.inner.stage(name, total)

    def advance(self, label: str) -> None:
        """Counted, then passed on."""
        self.done += 1
        self.inner.advance(label)

    def close(self) -> None:
        """Passed on."""
        self.inner.close()

    def interrupted(self) -> str:
        """Where the scan was stopped, in words."""
        if not self.name:
            return "interrupted while listing the files"
        where = {"scanning": "files", "sources": "files of the sources folders"}
        if self.name in where:
            return f"interrupted after {self.done} of {self.total} {where[self.name]}"
        return f"interrupted while {self.name}, after {self.done} of {self.total} files"


def terminal_progress(stream: TextIO, *, quiet: bool) -> Progress:
    """A bar on ``stream`` when it is a terminal and not quiet, else NO_PROGRESS."""
    if quiet or not _is_terminal(stream) or os.environ.get("TERM") == "dumb":
        return NO_PROGRESS  # a dumb terminal cannot erase a line: the bar would pile up
    return TerminalProgress(stream, after=_after_from_env())


def stderr_progress(stream: TextIO, *, quiet: bool) -> Progress:
    """What ``provscan scan`` shows on stderr: the bar on a terminal, a plain line every
    30 s elsewhere (a CI job's log would otherwise be silent for minutes), nothing when
    quiet."""
    if quiet:
        return NO_PROGRESS
    if _is_terminal(stream) and os.environ.get("TERM") != "dumb":
        return TerminalProgress(stream, after=_after_from_env())
    return PlainProgress(stream)


class PlainProgress:
    """A line now and then for a log: ``provscan: scanning 120/460 files, 4.0 files/s``.

    Nothing for the first ``every`` seconds (a short scan says nothing), then at most one
    line per ``every`` seconds, written when a file is done or a phase starts.
    """

    def __init__(
        self,
        stream: TextIO,
        *,
        every: float = PLAIN_EVERY_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream, self.every, self.clock = stream, every, clock
        self.written_at = clock()
        self.name, self.total, self.done = "", 0, 0
        self.stage_started = self.written_at
        self.closed = False

    def plan(self, stages: Sequence[str]) -> None:
        """Not needed: each line says its phase."""

    def stage(self, name: str, total: int) -> None:
        """A new phase: counted from here."""
        self.name, self.total, self.done = name, max(total, 0), 0
        self.stage_started = self.clock()
        self._maybe_write()

    def advance(self, label: str) -> None:
        """One more item done."""
        self.done += 1
        self._maybe_write()

    def close(self) -> None:
        """No more lines."""
        self.closed = True

    def line(self, now: float) -> str:
        """The line as it reads at ``now``."""
        rate = self.done / max(now - self.stage_started, 1e-9)
        share = f" ({100 * self.done // self.total}%)" if self.total else ""
        return f"provscan: {self.name} {self.done}/{self.total} files{share}, {rate:.1f} files/s"

    def _maybe_write(self) -> None:
        now = self.clock()
        if self.closed or not self.name or now - self.written_at < self.every:
            return
        self.written_at = now
        try:
            self.stream.write(self.line(now) + "\n")
            self.stream.flush()
        except (OSError, ValueError):  # the log went away: progress is not worth a crash
            self.closed = True


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (ValueError, OSError):  # a closed or detached stream
        return False


def _after_from_env() -> float:
    """The delay before the bar appears: PROVSCAN_PROGRESS_AFTER seconds, else the default."""
    try:
        after = float(os.environ.get(AFTER_ENV, DEFAULT_AFTER_S))
    except ValueError:
        return DEFAULT_AFTER_S
    return after if after >= 0 else DEFAULT_AFTER_S


class TerminalProgress:
    """A bar redrawn in place on a terminal stream: stage, blocks, done/total, rate, ETA, file.

    ``clock`` and ``columns`` are injectable so tests neither sleep nor need a real terminal.
    """

    def __init__(
        self,
        stream: TextIO,
        *,
        after: float = DEFAULT_AFTER_S,
        clock: Callable[[], float] = time.monotonic,
        columns: Callable[[], int] | None = None,
    ) -> None:
        self.stream, self.after, self.clock = stream, after, clock
        self.columns = columns or (lambda: terminal_columns(stream))
        self.glyphs = _glyphs(stream)
        self.started = clock()  # the scan's start: "after a moment" counts from here
        self.name, self.total, self.done, self.label = "", 0, 0, ""
        self.stage_started = self.started
        self.drawn_at: float | None = None  # when the bar was last drawn; None: not on screen
        self.closed = False
        self.planned: list[str] = []
        self.first_total: int | None = None  # items of the first phase: later ones' estimate
        self.past_items, self.past_seconds = 0, 0.0  # the finished phases, for their pace

    def plan(self, stages: Sequence[str]) -> None:
        """The phases to come: the ETA covers them all, the name says which one of them."""
        self.planned = list(stages)

    def stage(self, name: str, total: int) -> None:
        """Start a phase; it is drawn at once (if the scan has run long enough)."""
        now = self.clock()
        if self.name:
            self.past_items += self.done
            self.past_seconds += now - self.stage_started
        if self.first_total is None:
            self.first_total = max(total, 0)
        if self.planned and name not in self.planned:
            self.planned.append(name)
        self.name, self.total, self.done, self.label = name, max(total, 0), 0, ""
        self.stage_started = now
        self._draw(force=True)

    def advance(self, label: str) -> None:
        """Count one item and redraw, unless the bar was drawn less than REDRAW_S ago."""
        self.done += 1
        self.label = label
        self._draw(force=False)

    def close(self) -> None:
        """Erase the bar; nothing is drawn after this."""
        if self.drawn_at is not None:
            self._write(_ERASE)
        self.drawn_at = None
        self.closed = True

    def _draw(self, *, force: bool) -> None:
        now = self.clock()
        if self.closed or now - self.started < self.after:
            return
        if not force and self.drawn_at is not None and now - self.drawn_at < REDRAW_S:
            return
        self._write(_ERASE + self.line(now))
        self.drawn_at = now

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # the terminal went away: progress is not worth a crash
            self.closed = True

    def line(self, now: float) -> str:
        """The bar as it reads at ``now``, clipped to the terminal's width."""
        width = max(self.columns() - 1, 10)  # the last column would wrap on some terminals
        rate = self.done / max(now - self.stage_started, 1e-9)
        stats = f"{self.done}/{self.total} {rate:.1f} files/s ETA {self._eta(now, rate)}"
        name = self._stage_name()
        # The bar gives way first on a narrow terminal: the numbers say more.
        blocks = min(BAR_CELLS, width - cells(name) - cells(stats) - 2)
        parts = [name, self._bar(blocks), stats] if blocks >= 5 else [name, stats]
        head = " ".join(parts)
        room = width - cells(head) - 2
        if self.label and room >= 8:  # too narrow for a useful name: leave it out
            head += "  " + clip_left(_printable(self.label), room, self.glyphs[2])
        return clip_right(head, width)

    def _stage_name(self) -> str:
        """The phase, and which of the planned ones it is when there are several."""
        if len(self.planned) > 1 and self.name in self.planned:
            return f"{self.name} {self.planned.index(self.name) + 1}/{len(self.planned)}"
        return self.name

    def _eta(self, now: float, rate: float) -> str:
        """Time left for the whole run: this phase at its pace, each later planned phase
        as many items as the first phase had, at the pace of everything done so far."""
        remaining = self.total - self.done
        at = self.planned.index(self.name) if self.name in self.planned else len(self.planned)
        later = self.planned[at + 1 :]
        if not later or rate <= 0:
            return _eta(remaining, rate)
        items = self.past_items + self.done
        seconds = self.past_seconds + (now - self.stage_started)
        per_item = seconds / items if items else 0.0
        left = remaining / rate + len(later) * (self.first_total or 0) * per_item
        return _eta(round(left), 1.0)

    def _bar(self, blocks: int) -> str:
        full, empty, _ = self.glyphs
        filled = blocks * min(self.done, self.total) // self.total if self.total else 0
        return full * filled + empty * (blocks - filled)


def terminal_columns(stream: TextIO) -> int:
    """The width of the terminal behind ``stream`` (COLUMNS wins, as in shutil), else 80."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns > 0:
        return columns
    try:
        return os.get_terminal_size(stream.fileno()).columns or DEFAULT_COLUMNS
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return DEFAULT_COLUMNS


def _glyphs(stream: TextIO) -> tuple[str, str, str]:
    """Block and ellipsis characters, or ASCII when the stream cannot encode them."""
    encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
    if encoding in ("", "utf8"):  # StringIO has no encoding; a terminal nearly always is UTF-8
        return "█", "░", "…"
    return "#", "-", "..."


def _eta(remaining: int, rate: float) -> str:
    if rate <= 0 or remaining < 0:
        return "-:--"
    seconds = round(remaining / rate)
    return f"{seconds // 60}:{seconds % 60:02d}"


def _printable(label: str) -> str:
    """A file name fit for the terminal: control characters escaped (an ESC in a hostile name
    must not drive the terminal) and undecodable bytes shown as U+FFFD."""
    text = label.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return safe_line(text)


def clip_right(text: str, width: int) -> str:
    """``text`` cut to at most ``width`` columns at its end."""
    out, used = [], 0
    for ch in text:
        used += cell(ch)
        if used > width:
            break
        out.append(ch)
    return "".join(out)


def clip_left(text: str, width: int, ellipsis: str) -> str:
    """``text`` in at most ``width`` columns, its start replaced by ``ellipsis`` when cut (the
    end of a path, the file name, is what tells files apart)."""
    if cells(text) <= width:
        return text
    keep = width - cells(ellipsis)
    out: list[str] = []
    used = 0
    for ch in reversed(text):
        used += cell(ch)
        if used > keep:
            break
        out.append(ch)
    return ellipsis + "".join(reversed(out))
