"""Per-file isolation: files are analysed in a worker process with a time and memory limit.

c2pa-rs and the FFmpeg libraries are native code; a segfault or abort there would kill a
scan that ran in one process, and a pathological file could hang it. Here a worker process
analyses one file at a time, a few entries queued ahead so it never waits for the
supervisor; the supervisor gives each file at most its time limit from the moment the
worker could begin it. A worker that dies (signal, abort, out of memory) or overruns is
replaced, that file gets a finding (SCN007 crashed / SCN008 timed out) and the entries it
had queued go to the new worker, so every file still gets exactly one answer, in order.

Workers are started, timed and stopped by scanner.supervisor (the CLI forks them directly;
library callers get a fork server that has imported the analysis once); this module keeps
the protocol: entries in, results out, and a crash or overrun turned into that file's
finding.
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Iterable, Iterator
from multiprocessing.connection import Connection

from provscan import child
from provscan.analysis import scan_entry
from provscan.findings import problem_result
from provscan.limits import Limits
from provscan.model import FileResult, Rule, Settings
from provscan.rules.scan import CRASHED, TIMED_OUT
from provscan.supervisor import CLOSED, SILENT, Child
from provscan.walk import Entry

BYTES_PER_EXTRA_SECOND = 100 * 1024 * 1024  # well under hashing speed (~1.4 GB/s measured)


def iter_isolated(
    entries: Iterable[Entry], settings: Settings, limits: Limits
) -> Iterator[FileResult]:
    """One result per entry, in order, each analysed in a worker under ``limits``."""
    pipeline = _Pipeline(settings, limits)
    try:
        yield from pipeline.run(iter(entries))
    finally:
        pipeline.close()


# Entries sent ahead of the one whose result is awaited. A worker that waits for the
# supervisor's next entry sleeps, and waking a sleeping CPU on a virtual machine costs
# milliseconds: one file at a time ran 2,200 JPEGs in 8-11 s here, against 2.5 s in one
# process. Kept small so a crash or time-out re-sends only a few entries.
PIPELINE_DEPTH = 8


class _Pipeline:
    """Feeds entries to ``limits.jobs`` workers ahead of need and hands results back in walk
    order.

    Each entry goes to the worker with the fewest queued; a worker answers its entries in the
    order it was sent them, so the oldest entry in the window is always the next answer of
    its own worker, and results come back in walk order whatever the number of workers.
    """

    def __init__(self, settings: Settings, limits: Limits) -> None:
        self.settings, self.limits = settings, limits
        self.workers: list[_Worker | None] = [None] * max(1, limits.jobs)
        # walked, result not yet handed back; with the worker slot it was sent to (-1: none)
        self.window: deque[tuple[Entry, int]] = deque()

    def run(self, entries: Iterator[Entry]) -> Iterator[FileResult]:
        """Results for ``entries`` in order; a crash or overrun costs only its own file."""
        exhausted = False
        while True:
            while not exhausted and self._room():
                entry = next(entries, None)
                if entry is None:
                    exhausted = True
                else:
                    self._admit(entry)
            if not self.window:
                return
            yield self._next_result()

    def _room(self) -> bool:
        """Whether to walk on: some worker has fewer than PIPELINE_DEPTH entries queued and
        the window (which also holds entries reported without a worker) stays small."""
        queued = min(self._queued(slot) for slot in range(len(self.workers)))
        return queued < PIPELINE_DEPTH and len(self.window) < 4 * PIPELINE_DEPTH * len(self.workers)

    def _queued(self, slot: int) -> int:
        worker = self.workers[slot]
        return worker.outstanding if worker else 0

    def _admit(self, entry: Entry) -> None:
        if entry.problem:  # nothing to open: reported without a worker
            self.window.append((entry, -1))
            return
        slot = min(range(len(self.workers)), key=self._queued)
        self.window.append((entry, slot))
        self._send(slot, entry)

    def _send(self, slot: int, entry: Entry) -> None:
        worker = self.workers[slot] or _Worker(self.settings, self.limits)
        self.workers[slot] = worker
        worker.send(entry)

    def _next_result(self) -> FileResult:
        entry, slot = self.window.popleft()
        if slot < 0:
            return _local(entry, self.settings)
        worker = self.workers[slot]
        assert worker is not None  # every sent entry has its worker
        result = worker.receive(entry)
        if result is not None:
            return result
        failure = _failure(entry, worker.failure)
        self._replace_worker(slot)
        return failure

    def _replace_worker(self, slot: int) -> None:
        """The worker crashed or hung: entries it was sent but never finished go to a new
        one in the same slot (so each worker's answers stay in window order)."""
        worker = self.workers[slot]
        assert worker is not None
        worker.close()
        self.workers[slot] = None
        for entry, sent_to in self.window:
            if sent_to == slot:
                self._send(slot, entry)

    def close(self) -> None:
        """Stop the workers that are running."""
        for slot, worker in enumerate(self.workers):
            if worker is not None:
                worker.close()
                self.workers[slot] = None


def file_limit(timeout_s: float, entry: Entry) -> float:
    """The time allowed for one file: the base limit plus 1 s per 100 MiB, because the C2PA
    SDK validates a signed file's hash over every byte (a 20 GB signed master needs it)."""
    try:
        size = os.stat(entry.location, follow_symlinks=False).st_size
    except OSError:
        size = 0
    return timeout_s + size / BYTES_PER_EXTRA_SECOND


def _local(entry: Entry, settings: Settings) -> FileResult:
    return scan_entry(entry, settings)


def _failure(entry: Entry, reason: tuple[Rule, str]) -> FileResult:
    rule, message = reason
    return problem_result(entry.rel, rule, message)


class _Worker:
    """A child process that analyses the entries it is sent, one at a time."""

    def __init__(self, settings: Settings, limits: Limits) -> None:
        self.child = Child(_serve, (settings, limits.memory_mb))
        self.limits = limits
        self.failure: tuple[Rule, str] = (CRASHED, "")
        self.outstanding = 0  # entries sent whose results have not been received
        self.started_at = 0.0  # when the worker could begin its oldest outstanding entry

    def send(self, entry: Entry) -> None:
        """Queue ``entry``; the worker takes entries in the order they were sent."""
        if self.outstanding == 0:  # an idle worker begins at once
            self.started_at = time.monotonic()
        self.outstanding += 1
        # A dead worker refuses the entry; receive() reports the death for its current one.
        self.child.send(entry)

    def receive(self, entry: Entry) -> FileResult | None:
        """The result for ``entry`` (the oldest one sent), or None with ``failure`` set when
        the worker crashed or overran. Its clock starts when the worker could begin it: when
        the previous result arrived, or when it was sent to an idle worker."""
        limit = file_limit(self.limits.timeout_s, entry)
        reply = self.child.receive(self.started_at + limit - time.monotonic())
        if reply is SILENT:
            self.failure = (TIMED_OUT, f"analysis took longer than {limit:.1f} s and was "
                            "stopped (per-file time limit; --timeout raises it)")  # fmt: skip
            return None
        if reply is CLOSED:
            self.failure = (CRASHED, f"analysing this file {self.child.death(2).story()}")
            return None
        result: FileResult = reply
        self.outstanding -= 1
        self.started_at = time.monotonic()  # the worker moves on to the next one
        return result

    def close(self) -> None:
        """Stop the worker (killed if it does not stop at once)."""
        self.child.stop()


def _serve(conn: Connection, settings: Settings, memory_mb: int) -> None:
    """Worker loop: receive an entry, send its result; exits when the pipe closes."""
    child.started(memory_mb)
    while True:
        try:
            entry = conn.recv()
        except (EOFError, OSError):
            return
        conn.send(scan_entry(entry, settings))
