"""The trace runs isolated: one worker process loads the references once, then searches the
videos and stills it is sent, one at a time, under a time and memory limit.

Decoding hostile video is native code (FFmpeg), as is OpenCV: a crash or a hang must cost only
the file being searched. The worker announces each video's duration once it has opened it,
and the supervisor then allows the base time limit plus the video's own duration (the search
runs several times faster than real time, so only a pathological stream reaches it). A worker
that dies or overruns is replaced (the references loaded again) and that file gets a TRC004
finding instead of a result.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from scanner import child
from scanner.isolate import Limits, _context, end_worker

REFERENCE_LOAD_S = 2.0  # per reference still: decode and describe (~50 ms typical)


@dataclass(frozen=True, slots=True)
class ReferenceSpec:
    """How to build one reference in the worker: a still on disk, or a log entry's pHash."""

    name: str
    path: str = ""  # absolute path of the still
    phash: str = ""  # for a pHash-only reference
    phash_max_distance: int = 10
    entry: str = ""


@dataclass(frozen=True, slots=True)
class Job:
    """One file to search: a video (time ranges) or a still (is it a copy of a reference?)."""

    kind: str  # "video" or "still"
    path: str  # absolute
    rel: str  # as the report shows it


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the search of one job found, or why it could not finish."""

    job: Job
    result: Any = None  # TraceResult for a video, list[StillMatch] for a still
    error: str = ""


def run_jobs(
    specs: Sequence[ReferenceSpec], jobs: Sequence[Job], limits: Limits
) -> tuple[dict[str, str], Iterator[Outcome]]:
    """The references that could not be loaded (name -> why), and one outcome per job, in
    the jobs' order. With ``limits.jobs`` > 1 and several files, that many workers (each
    with the references loaded) search files side by side."""
    count = max(1, min(limits.jobs, len(jobs)))
    supervisor = _Supervisor(specs, limits)
    refused = supervisor.start()
    if count == 1:
        return refused, supervisor.outcomes(jobs)
    return refused, _parallel([supervisor, *(_Supervisor(specs, limits) for _ in range(count - 1))],
                              jobs)  # fmt: skip


def _run_safely(supervisor: _Supervisor, job: Job) -> Outcome:
    """One job's outcome, whatever happens in this thread (the consumer waits for it)."""
    try:
        if supervisor.process is None:
            supervisor.start()
        return supervisor._run(job)
    except Exception as exc:  # a bug here must not leave the report waiting forever
        supervisor.stop()
        return Outcome(job, error=f"the search could not run: {type(exc).__name__}: {exc}")


def _parallel(supervisors: list[_Supervisor], jobs: Sequence[Job]) -> Iterator[Outcome]:
    """Outcomes in job order while each supervisor, driven by its own thread (it only waits
    on its worker's pipe), takes the next job as soon as it is free."""
    queue = deque(enumerate(jobs))
    done: dict[int, Outcome] = {}
    ready = threading.Condition()
    stop = threading.Event()

    def drive(supervisor: _Supervisor) -> None:
        try:
            while not stop.is_set():
                with ready:
                    if not queue:
                        return
                    index, job = queue.popleft()
                outcome = _run_safely(supervisor, job)
                with ready:
                    done[index] = outcome
                    ready.notify_all()
        finally:
            supervisor.stop()

    threads = [threading.Thread(target=drive, args=(s,), daemon=True) for s in supervisors]
    for thread in threads:
        thread.start()
    try:
        for index in range(len(jobs)):
            with ready:
                while index not in done:
                    ready.wait()
                outcome = done.pop(index)
            yield outcome
    finally:
        stop.set()
        for thread in threads:
            thread.join()


class _Supervisor:
    def __init__(self, specs: Sequence[ReferenceSpec], limits: Limits) -> None:
        self.specs, self.limits = tuple(specs), limits
        self.process: Any = None
        self.conn: Connection | None = None

    def start(self) -> dict[str, str]:
        """Start a worker; it loads the references and says which it refused."""
        ctx = _context()
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(
            target=_serve, args=(child, self.specs, self.limits.memory_mb), daemon=True
        )
        self.process.start()
        child.close()
        budget = self.limits.timeout_s + REFERENCE_LOAD_S * len(self.specs)
        message = self._receive(budget)
        if message is None or message[0] != "refs":
            self.stop()
            reason = "the worker failed while loading the references"
            return {spec.name: reason for spec in self.specs}
        refused: dict[str, str] = message[1]
        return refused

    def outcomes(self, jobs: Sequence[Job]) -> Iterator[Outcome]:
        try:
            for job in jobs:
                if self.process is None:
                    self.start()
                yield self._run(job)
        finally:
            self.stop()

    def _run(self, job: Job) -> Outcome:
        assert self.conn is not None
        try:
            self.conn.send(job)
        except OSError:
            return self._failed(job, "the search worker was not running")
        deadline = self.limits.timeout_s
        while True:
            message = self._receive(deadline)
            if message is None:
                return self._failed(job, self._why(deadline))
            if message[0] == "start":  # a video opened: allow its duration on top
                deadline = self.limits.timeout_s + float(message[1])
                continue
            if message[0] == "done":
                return Outcome(job, result=message[1])
            return Outcome(job, error=str(message[1]))

    def _receive(self, seconds: float) -> tuple[str, Any] | None:
        assert self.conn is not None
        try:
            if self.conn.poll(max(0.0, seconds)):
                message: tuple[str, Any] = self.conn.recv()
                return message
        except (EOFError, OSError):
            pass
        return None

    def _why(self, seconds: float) -> str:
        if self.process is not None and self.process.is_alive():
            return (f"the search took longer than {seconds:.0f} s and was stopped "
                    "(--timeout raises the limit)")  # fmt: skip
        code = self.process.exitcode if self.process is not None else None
        return f"the search crashed the worker process (exit {code}, native code)"

    def _failed(self, job: Job, reason: str) -> Outcome:
        self.stop()
        return Outcome(job, error=reason)

    def stop(self) -> None:
        """Stop the worker, if one runs (killed: it may be stuck in native code)."""
        end_worker(self.process, self.conn)
        self.process, self.conn = None, None


def _serve(conn: Connection, specs: Sequence[ReferenceSpec], memory_mb: int) -> None:
    """Worker: load the references, answer jobs until the pipe closes."""
    child.started(memory_mb)
    from scanner.trace.matcher import Matcher

    references, refused = load_references(specs)
    matcher = Matcher(references)  # the descriptor index, built once for every file
    conn.send(("refs", refused))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        conn.send(_answer(conn, job, matcher))


def load_references(specs: Sequence[ReferenceSpec]) -> tuple[list[Any], dict[str, str]]:
    """The references that load, and why each other one did not."""
    from scanner.trace.reference import Reference, UnusableReference, load_reference

    references: list[Reference] = []
    refused: dict[str, str] = {}
    for spec in specs:
        if spec.phash:
            references.append(Reference(spec.name, spec.phash, None, spec.phash_max_distance,
                                        spec.entry))  # fmt: skip
            continue
        try:
            references.append(load_reference(Path(spec.path), spec.name))
        except UnusableReference as exc:
            refused[spec.name] = str(exc)
    return references, refused


def _answer(conn: Connection, job: Job, matcher: Any) -> tuple[str, Any]:
    from scanner.trace.sampler import VideoError
    from scanner.trace.still import match_still
    from scanner.trace.tracer import trace_video

    started = time.perf_counter()
    try:
        if job.kind == "still":
            return "done", match_still(Path(job.path), matcher)
        result = trace_video(
            Path(job.path), matcher, on_open=lambda facts: conn.send(("start", facts.duration))
        )
        return "done", result
    except VideoError as exc:
        return "error", f"cannot be decoded for the search: {exc}"
    except Exception as exc:  # a bug or a library choking on hostile bytes: one file's problem
        took = time.perf_counter() - started
        return "error", f"search failed after {took:.1f} s: {type(exc).__name__}: {exc}"[:500]
