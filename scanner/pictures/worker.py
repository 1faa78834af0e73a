"""The picture worker: still thumbnails, video frames and audio waveforms for the HTML report.

Every scanned file may be hostile, and making a picture means decoding it with native code
(Pillow's codecs, FFmpeg through PyAV). So, as for the scan and the trace, the decoding runs
in one long-lived worker process under the scan's memory limit, one job at a time; the
supervisor gives each job at most ``Limits.timeout_s`` seconds, and a worker that dies or
overruns is killed and replaced, that job gets an ``error`` Picture, and the rest go on.

Pictures are small RGB JPEGs returned as ``data:`` URIs, so the report stays one file; a
waveform is a list of bucket peaks the report draws itself. numpy, Pillow and PyAV are
imported only in the worker: importing this module costs nothing.
"""

from __future__ import annotations

import contextlib
import os
import signal
import warnings
from collections.abc import Sequence
from multiprocessing.connection import Connection
from typing import Any

from scanner import child
from scanner.isolate import _context, end_worker
from scanner.limits import Limits
from scanner.pictures.job import KINDS, Picture, PictureJob, failed

# The worker imports numpy, Pillow and PyAV before it says it is ready (~0.3 s; far more on a
# loaded machine): that start is not any file's fault, so it has its own allowance.
START_ALLOWANCE_S = 10.0

_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_READY = "ready"  # the worker's first message: its libraries are loaded
_CLOSED = object()  # the worker closed the pipe: it died
_SILENT = object()  # the worker said nothing in the time allowed


def make_pictures(
    jobs: Sequence[PictureJob], limits: Limits, max_side: int = 320
) -> dict[str, Picture]:
    """One Picture per job key; each made in an isolated worker process under a time limit.

    A file that cannot be pictured (unreadable, hostile, too slow, crashing the decoder)
    gets a Picture with ``error`` set; nothing about a file raises. A key given twice keeps
    its last job's picture. ``max_side`` bounds the longest side of a JPEG, in pixels.
    """
    if max_side < 1:
        raise ValueError(f"max_side must be at least 1, not {max_side}")
    if not jobs:
        return {}  # no worker started for nothing
    supervisor = _Supervisor(limits, max_side)
    try:
        return {job.key: supervisor.picture(job) for job in jobs}
    finally:
        supervisor.stop()


class _Supervisor:
    """Runs the worker, sends it one job at a time and times each job."""

    def __init__(self, limits: Limits, max_side: int) -> None:
        self.limits, self.max_side = limits, max_side
        self.process: Any = None
        self.conn: Connection | None = None
        self.unstartable = ""  # why the worker could not start: every later job is told

    def picture(self, job: PictureJob) -> Picture:
        """The picture for ``job``; a crash or overrun costs only this job."""
        if job.kind not in KINDS:
            return failed(job.key, f"unknown picture kind {job.kind!r}")
        if self.process is None and not self._start():
            return failed(job.key, self.unstartable)
        assert self.conn is not None
        # Made absolute here: the worker's working directory is the fork server's.
        sent = PictureJob(job.key, job.kind, os.path.abspath(job.path), job.at)
        try:
            self.conn.send((sent, self.max_side))
        except OSError:
            return self._lost(job, _CLOSED)
        reply = self._receive(self.limits.timeout_s)
        if isinstance(reply, Picture):
            return reply
        return self._lost(job, reply)

    def _start(self) -> bool:
        """Start a worker and wait until it has loaded its libraries.

        A worker that cannot start fails the same way for every file (too little memory
        to import the decoders, say), so the reason is kept for all the jobs left."""
        if self.unstartable:
            return False
        budget = self.limits.timeout_s + START_ALLOWANCE_S
        child: Connection | None = None
        try:
            ctx = _context()
            self.conn, child = ctx.Pipe()
            process = ctx.Process(target=_serve, args=(child, self.limits.memory_mb), daemon=True)
            process.start()
            self.process = process  # only a started process is joined and killed by stop()
        except Exception as exc:  # no fork or pipe (EAGAIN, EMFILE), a bad start method
            self.unstartable = f"the picture worker could not start ({exc})"
        finally:
            if child is not None:  # the worker's end: still held here, its death is no EOF
                child.close()
        if not self.unstartable:
            reply = self._receive(budget)
            if reply == _READY:
                return True
            why = f"not ready after {budget:.1f} s" if reply is _SILENT else self._death()
            self.unstartable = f"the picture worker could not start ({why})"
        self.stop()
        return False

    def _receive(self, seconds: float) -> Any:
        """The worker's next message; _CLOSED when it died, _SILENT when it said nothing in
        ``seconds`` (a dying worker closes the pipe before it is reaped: the two differ)."""
        assert self.conn is not None
        try:
            if self.conn.poll(max(0.0, seconds)):
                return self.conn.recv()
        except (EOFError, OSError):
            return _CLOSED
        return _SILENT

    def _lost(self, job: PictureJob, reply: Any) -> Picture:
        """The worker died or overran on ``job``: it is stopped, the next job gets a new one."""
        if reply is _SILENT:
            reason = f"making it took longer than {self.limits.timeout_s:.1f} s and was stopped"
            self.stop()
            return failed(job.key, f"{reason} (time limit)")
        death = self._death()
        self.stop()
        verb = "ended" if death.startswith("exit code") else "crashed"
        return failed(job.key, f"decoding it {verb} the picture worker ({death})")

    def _death(self) -> str:
        """How the worker ended: "exit code N" or "SIGxxx in native code" (it closed the
        pipe: it is exiting or gone)."""
        code = None
        if self.process is not None:
            self.process.join(2)
            code = self.process.exitcode
        if code is not None and code < 0:
            signum = -code
            name = signal.Signals(signum).name if signum in signal.valid_signals() else signum
            return f"{name} in native code"
        return f"exit code {code}"

    def stop(self) -> None:
        """Stop the worker, if one runs (killed: it may be stuck in native code)."""
        end_worker(self.process, self.conn)
        self.process, self.conn = None, None


def _serve(conn: Connection, memory_mb: int) -> None:
    """Worker: load the decoders, say so, then answer jobs until the pipe closes."""
    child.started(memory_mb)
    _load_libraries()
    from scanner.pictures.decode import answer

    _quiet_native_stderr()
    conn.send(_READY)
    while True:
        try:
            job, max_side = conn.recv()
        except (EOFError, OSError):
            return
        conn.send(answer(job, max_side))


def _load_libraries() -> None:
    """Import the decoders once per worker and make them safe for hostile input."""
    import av
    import numpy  # noqa: F401  (imported now so the first job's clock does not pay for it)
    from PIL import Image, ImageOps  # noqa: F401

    from scanner.pictures.decode import MAX_IMAGE_PIXELS

    av.logging.set_level(None)  # FFmpeg's complaints about hostile files: not for stderr
    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    # Libraries warn about hostile files (Pillow: "Tag data larger than file"); the error
    # Picture says what matters. Between the pixel cap and twice it Pillow only warns: here
    # that warning is an error, the still is not decoded.
    warnings.simplefilter("ignore")
    warnings.simplefilter("error", Image.DecompressionBombWarning)


def _quiet_native_stderr() -> None:
    """Send the worker's stderr to /dev/null once it is ready: libtiff writes a line to it
    for every odd tag of a hostile TIFF (hundreds over a corpus), and the error Picture
    already says what matters. A worker that fails to start still prints why."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY | _CLOEXEC)
    except OSError:
        return
    with contextlib.suppress(OSError):
        os.dup2(devnull, 2)
    os.close(devnull)
