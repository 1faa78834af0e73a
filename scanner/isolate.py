"""Per-file isolation: files are analysed in a worker process with a time and memory limit.

c2pa-rs and the FFmpeg libraries are native code; a segfault or abort there would kill a
scan that ran in one process, and a pathological file could hang it. Here a worker process
analyses one file at a time; the supervisor waits at most ``timeout_s`` for each result.
A worker that dies (signal, abort, out of memory) or overruns is replaced, and that file
gets a finding (SCN007 crashed / SCN008 timed out), so every file still gets an answer.

Workers come from a fork server that has imported the scanner once: a replacement costs
a fork, not an interpreter start, and no worker inherits native threads from the parent.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from scanner.model import FileResult, Settings
from scanner.walk import Entry

DEFAULT_TIMEOUT_S = 10.0
DEFAULT_MEMORY_MB = 4096
BYTES_PER_EXTRA_SECOND = 100 * 1024 * 1024  # well under hashing speed (~1.4 GB/s measured)


@dataclass(frozen=True, slots=True)
class Limits:
    """Per-file limits: wall-clock seconds for one file, address space of a worker."""

    timeout_s: float = DEFAULT_TIMEOUT_S
    memory_mb: int = DEFAULT_MEMORY_MB


def iter_isolated(
    entries: Iterable[Entry], settings: Settings, limits: Limits
) -> Iterator[FileResult]:
    """One result per entry, in order, each analysed in a worker under ``limits``."""
    worker: _Worker | None = None
    try:
        for entry in entries:
            if entry.problem:  # nothing to open: no need for a worker
                yield _local(entry, settings)
                continue
            worker = worker or _Worker(settings, limits)
            result = worker.scan(entry)
            if result is None:  # crashed or timed out: the worker is gone
                yield _failure(entry, worker.failure)
                worker.close()
                worker = None
            else:
                yield result
    finally:
        if worker is not None:
            worker.close()


def file_limit(timeout_s: float, entry: Entry) -> float:
    """The time allowed for one file: the base limit plus 1 s per 100 MiB, because the C2PA
    SDK validates a signed file's hash over every byte (a 20 GB signed master needs it)."""
    try:
        size = os.stat(entry.path, follow_symlinks=False).st_size
    except OSError:
        size = 0
    return timeout_s + size / BYTES_PER_EXTRA_SECOND


def _local(entry: Entry, settings: Settings) -> FileResult:
    from scanner.engine import scan_entry

    return scan_entry(entry, settings)


def _failure(entry: Entry, reason: tuple[str, str]) -> FileResult:
    from scanner.engine import problem_result

    code, message = reason
    return problem_result(entry.rel, code, message)


class _Worker:
    """A child process that analyses the entries it is sent, one at a time."""

    def __init__(self, settings: Settings, limits: Limits) -> None:
        ctx = _context()
        self.conn, child = ctx.Pipe()
        self.limits = limits
        self.failure = ("", "")
        self.process: Any = ctx.Process(
            target=_serve, args=(child, settings, limits.memory_mb), daemon=True
        )
        self.process.start()
        child.close()

    def scan(self, entry: Entry) -> FileResult | None:
        """The entry's result, or None (with ``failure`` set) when the worker crashed or hung."""
        limit = file_limit(self.limits.timeout_s, entry)
        try:
            self.conn.send(entry)
            if self.conn.poll(limit):
                result: FileResult = self.conn.recv()
                return result
            self.failure = ("SCN008", f"analysis took longer than {limit:.1f} s and was "
                            "stopped (per-file time limit)")  # fmt: skip
        except (EOFError, OSError, BrokenPipeError):
            self.failure = ("SCN007", self._death())
        return None

    def _death(self) -> str:
        self.process.join(2)
        code = self.process.exitcode
        if code is not None and code < 0:
            name = signal.Signals(-code).name if -code in signal.valid_signals() else str(-code)
            return f"analysing this file crashed the worker process ({name} in native code)"
        return f"analysing this file ended the worker process (exit code {code})"

    def close(self) -> None:
        """Stop the worker (killed if it does not stop at once)."""
        self.conn.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)


# Set by the console entry point, where nothing native (c2pa-rs runtime threads, FFmpeg,
# OpenBLAS) has started yet: forking that process directly is safe and saves the fork
# server's interpreter start (~0.4 s). A library caller or a test process may already run
# such threads, which a plain fork would copy in a broken state: it gets the fork server.
fork_is_safe = False


def _context() -> Any:
    forced = os.environ.get("PROVSCAN_START_METHOD", "")  # tests pin the fork server
    if forced in mp.get_all_start_methods():
        return mp.get_context(forced)
    if fork_is_safe and "fork" in mp.get_all_start_methods():
        return mp.get_context("fork")
    if "forkserver" in mp.get_all_start_methods():
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["scanner.engine"])
        return ctx
    return mp.get_context("spawn")


def _serve(conn: Connection, settings: Settings, memory_mb: int) -> None:
    """Worker loop: receive an entry, send its result; exits when the pipe closes."""
    _limit_memory(memory_mb)
    from scanner.cli import quiet_libraries
    from scanner.engine import scan_entry

    quiet_libraries()
    while True:
        try:
            entry = conn.recv()
        except (EOFError, OSError):
            return
        conn.send(scan_entry(entry, settings))


def _limit_memory(memory_mb: int) -> None:
    """Cap the worker's address space so a memory bomb fails inside it, not the machine."""
    try:
        import resource

        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):
        pass  # no rlimits on this platform: the time limit still bounds the file
