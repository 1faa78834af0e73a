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

import os
import warnings
from collections.abc import Sequence
from multiprocessing.connection import Connection
from typing import Any

from provscan import child
from provscan.limits import Limits
from provscan.pictures import decode
from provscan.pictures.job import KINDS, Picture, PictureJob, failed
from provscan.supervisor import CLOSED, SILENT, Child, Death, stop_child
from provscan.supervisor import context as _context  # a module attribute: tests replace it

# The worker imports numpy, Pillow and PyAV before it says it is ready (~0.3 s; far more on a
# loaded machine): that start is not any file's fault, so it has its own allowance.
START_ALLOWANCE_S = 10.0

_READY = "ready"  # the worker's first message: its libraries are loaded


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
    worker = _PictureWorker(limits, max_side)
    try:
        return {job.key: worker.picture(job) for job in jobs}
    finally:
        worker.stop()


class _PictureWorker:
    """Runs the worker, sends it one job at a time and times each job."""

    def __init__(self, limits: Limits, max_side: int) -> None:
        self.limits, self.max_side = limits, max_side
        self.child: Child | None = None
        self.unstartable = ""  # why the worker could not start: every later job is told

    def picture(self, job: PictureJob) -> Picture:
        """The picture for ``job``; a crash or overrun costs only this job."""
        if job.kind not in KINDS:
            return failed(job.key, f"unknown picture kind {job.kind!r}")
        if self.child is None and not self._start():
            return failed(job.key, self.unstartable)
        assert self.child is not None
        # Made absolute here: the worker's working directory is the fork server's.
        sent = PictureJob(job.key, job.kind, os.path.abspath(job.path), job.at)
        if not self.child.send((sent, self.max_side)):
            return self._lost(job, CLOSED)
        reply = self.child.receive(self.limits.timeout_s)
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
        try:
            self.child = Child(_serve, (self.limits.memory_mb,), ctx=_context())
        except Exception as exc:  # no fork or pipe (EAGAIN, EMFILE), a bad start method
            self.unstartable = f"the picture worker could not start ({exc})"
            return False
        reply = self.child.receive(budget)
        if reply == _READY:
            return True
        why = f"not ready after {budget:.1f} s" if reply is SILENT else self._death()
        self.unstartable = f"the picture worker could not start ({why})"
        self.stop()
        return False

    def _lost(self, job: PictureJob, reply: Any) -> Picture:
        """The worker died or overran on ``job``: it is stopped, the next job gets a new one."""
        if reply is SILENT:
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
        return (self.child.death(2) if self.child is not None else Death(None)).cause()

    def stop(self) -> None:
        """Stop the worker, if one runs (killed: it may be stuck in native code)."""
        stop_child(self.child)
        self.child = None


def _serve(conn: Connection, memory_mb: int) -> None:
    """Worker: load the decoders, say so, then answer jobs until the pipe closes."""
    child.started(memory_mb)
    _load_libraries()
    # Quiet once ready (a worker that fails to start still prints why): libtiff writes a
    # line for every odd tag of a hostile TIFF, and the error Picture says what matters.
    child.silence(2)
    conn.send(_READY)
    while True:
        try:
            job, max_side = conn.recv()
        except (EOFError, OSError):
            return
        conn.send(decode.answer(job, max_side))


def _load_libraries() -> None:
    """Import the decoders once per worker and make them safe for hostile input."""
    import av
    import numpy  # noqa: F401  (imported now so the first job's clock does not pay for it)
    from PIL import Image, ImageOps  # noqa: F401

    av.logging.set_level(None)  # FFmpeg's complaints about hostile files: not for stderr
    Image.MAX_IMAGE_PIXELS = decode.MAX_IMAGE_PIXELS
    # Libraries warn about hostile files (Pillow: "Tag data larger than file"); the error
    # Picture says what matters. Between the pixel cap and twice it Pillow only warns: here
    # that warning is an error, the still is not decoded.
    warnings.simplefilter("ignore")
    warnings.simplefilter("error", Image.DecompressionBombWarning)
