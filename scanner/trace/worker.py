"""The trace runs isolated: one worker process loads the references once, then searches the
videos and stills it is sent, one at a time, under a time and memory limit.

Decoding hostile video is native code (FFmpeg), as is OpenCV: a crash or a hang must cost only
the file being searched, or the one reference being read.

- A reference that cannot be used (too small, flat, undecodable, any exception while it is
  read or described) is refused with the reason, in the worker, and the others load.
- The worker announces each reference before reading it, so one that kills or hangs it is
  known: it is refused with what happened (the signal, the time limit) and the worker is
  started again without it. With several workers each reads its share of the references
  (every n-th) side by side with the others and sends back what it loaded; then every worker
  of the run (and every restart) starts from all of them, in the references' order, without
  reading a still again: a bad still costs one crash per run, not one per file searched,
  and each still is decoded and described once per run.
- Stills are sent in batches of ``STILL_BATCH`` and answered one by one: a worker that waited
  for the supervisor between stills would sleep, and waking a sleeping virtual CPU costs
  milliseconds, a tenth of a still's search. Each still still has its own time limit, and a
  crash or overrun costs only the still it happened on: the rest of the batch goes to the
  restarted worker.
- The worker announces each video's duration once it has opened it, and the supervisor then
  allows the base time limit plus the video's own duration (the search runs several times
  faster than real time, so only a pathological stream reaches it). A worker that dies or
  overruns on a file is replaced (the references loaded again) and that file alone gets a
  TRC004 finding instead of a result.

Each refusal and failed search says whether it would recur on the same bytes (``lasting``: a
flat still, a video that will not decode) or may not (a crash, a time or memory limit), so
the catalog keeps only the first kind.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from provscan import child
from provscan.limits import Limits
from provscan.supervisor import CLOSED, SILENT, Child, Death, in_order, stop_child
from provscan.trace.wording import one_line

INDEX_S_PER_REFERENCE = 0.5  # building the descriptor index, on top of the time limit
STILL_BATCH = 8  # stills sent to a worker at once (small: the last batches balance the load)


@dataclass(frozen=True, slots=True)
class ReferenceSpec:
    """How to build one reference in the worker: a still on disk, or a log entry's pHash."""

    name: str
    path: str = ""  # absolute path of the still
    phash: str = ""  # for a pHash-only reference
    phash_max_distance: int = 10
    entry: str = ""


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a still is not searched for, and whether reading it again would end the same way
    (False: it crashed or hung the worker, or ran out of memory: that may not recur)."""

    why: str
    lasting: bool = True


@dataclass(frozen=True, slots=True)
class Job:
    """One file to search: a video (time ranges) or a still (is it a copy of a reference?)."""

    kind: str  # "video", "still" or "sequence" (a frame sequence, searched as a video)
    path: str  # absolute (a sequence's first frame)
    rel: str  # as the report shows it
    frames: tuple[tuple[int, str], ...] = ()  # a sequence's (frame number, absolute path)
    rate: str = ""  # a sequence's frame rate, from its headers ("" : 24)
    timecode: str = ""  # a sequence's start time code, from its first frame's header


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the search of one job found, or why it could not finish, and whether the same
    bytes and references would give the same outcome again (False: a crash, a time or memory
    limit, or a reference lost to a crash during the run; the catalog keeps only lasting
    outcomes)."""

    job: Job
    result: Any = None  # TraceResult for a video, list[StillMatch] for a still; None: the
    # file holds no moving pictures (nothing to search)
    error: str = ""
    lasting: bool = True
    unsearchable: str = ""  # why no decoder of the search opens the file (not a failure)


def run_jobs(
    specs: Sequence[ReferenceSpec], jobs: Sequence[Job], limits: Limits
) -> tuple[dict[str, Refusal], Iterator[Outcome]]:
    """The references that could not be used (name -> why), and one outcome per job, in
    the jobs' order. With ``limits.jobs`` > 1 and several files, that many workers (each
    with the references loaded) search files side by side."""
    count = max(1, min(limits.jobs, len(jobs)))
    batches = list(_batches(jobs))
    if count == 1:
        only = _SearchWorker(specs, limits)
        return only.start(), only.outcomes(batches)
    workers, refused = _load_in_shares(specs, limits, count)
    answers = in_order(batches, workers, _run_safely, _SearchWorker.stop)
    return refused, (outcome for answer in answers for outcome in answer)


def _load_in_shares(
    specs: Sequence[ReferenceSpec], limits: Limits, count: int
) -> tuple[list[_SearchWorker], dict[str, Refusal]]:
    """``count`` workers that read every ``count``-th reference at the same time, then hold
    all the references that loaded, in the specs' order (the order the matcher ranks ties
    in), for their searches; and every refusal. A worker that cannot start leaves them all
    broken, as one worker would be: no file is searched for only some of the references."""
    workers = [_SearchWorker(specs[share::count], limits) for share in range(count)]
    refusals: list[dict[str, Refusal]] = [{} for _ in workers]

    def load(share: int) -> None:
        try:
            refusals[share] = workers[share].start(share=True)
        except Exception as exc:  # (a process that cannot be created, say)
            workers[share].broken = f"the search worker could not start: {one_line(exc)}"

    threads = [threading.Thread(target=load, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    position = {spec.name: i for i, spec in reversed(list(enumerate(specs)))}
    loaded = sorted((r for w in workers for r in w.loaded or ()),
                    key=lambda r: position.get(r.name, len(specs)))  # fmt: skip
    broken = next((w.broken for w in workers if w.broken), "")
    for worker in workers:  # restarted with all of them when it gets its first files
        worker.stop()
        worker.specs, worker.loaded, worker.broken = tuple(specs), tuple(loaded), broken
    return workers, {name: why for shares in refusals for name, why in shares.items()}


def _batches(jobs: Sequence[Job]) -> Iterator[tuple[Job, ...]]:
    """The jobs in order, runs of stills grouped by up to ``STILL_BATCH``, others alone."""
    batch: list[Job] = []
    for job in jobs:
        if job.kind == "still" and len(batch) < STILL_BATCH:
            batch.append(job)
            continue
        if batch:
            yield tuple(batch)
        batch = [job] if job.kind == "still" else []
        if job.kind != "still":
            yield (job,)
    if batch:
        yield tuple(batch)


def _run_safely(searcher: _SearchWorker, batch: tuple[Job, ...]) -> list[Outcome]:
    """One outcome per job of ``batch``, whatever happens in this thread (the consumer waits
    for them)."""
    try:
        return searcher.run(batch)
    except Exception as exc:  # a bug here must not leave the report waiting forever
        searcher.stop()
        why = f"the search could not run: {one_line(exc)}"
        return [Outcome(job, error=why, lasting=False) for job in batch]


class _SearchWorker:
    """One worker process: started with the references, restarted after a crash, stopped."""

    def __init__(self, specs: Sequence[ReferenceSpec], limits: Limits) -> None:
        self.specs, self.limits = tuple(specs), limits
        self.child: Child | None = None
        self.loaded: tuple[Any, ...] | None = None  # the references, once a worker read them
        self.broken = ""  # why no worker can start (then every search fails with it)
        self.reporting = True  # the refusals of the next start reach the report
        self.dropped = False  # a reference was lost to a crash the report does not mention
        self.hung = False  # the last wait for a message ran out of time

    def start(self, share: bool = False) -> dict[str, Refusal]:
        """Start a worker with the references; which were refused, and why. A reference that
        crashes or hangs the worker is dropped and the worker started again without it.
        With ``share``, the worker sends back the references it loaded (kept in ``loaded``)."""
        lost: dict[str, Refusal] = {}
        refused: dict[str, Refusal] = {}
        while not self.broken:
            refused, culprit, why = self._launch(share and self.loaded is None)
            if not why:
                break
            self.stop()
            if culprit is None:
                self.broken = f"the search worker could not start: {why}"
                break
            lost[culprit.name] = Refusal(f"reading it {why}", lasting=False)
            self.specs = tuple(s for s in self.specs if s is not culprit)
            self.dropped |= not self.reporting
        self.reporting = False
        return {**lost, **refused}

    def _launch(self, share: bool) -> tuple[dict[str, Refusal], ReferenceSpec | None, str]:
        """Start one worker and follow it through the references: what it refused, or the
        reference it was reading when it died or overran, and what happened (empty: it
        started). With ``share`` it sends the references it loaded, kept in ``loaded``."""
        self.child = Child(_serve, (self.specs, self.limits.memory_mb, self.loaded, share))
        reading: ReferenceSpec | None = None
        budget = self.limits.timeout_s  # interpreter, imports, then each reference in turn
        while True:
            message = self._receive(budget)
            if message is None:
                return {}, reading, self._why(budget)
            if message[0] == "reading":
                reading, budget = self.specs[int(message[1])], self.limits.timeout_s
            elif message[0] == "indexing":
                reading = None
                budget = self.limits.timeout_s + INDEX_S_PER_REFERENCE * len(self.specs)
            else:
                refused: dict[str, Refusal] = message[1]
                if share:
                    self.loaded = tuple(message[2])
                return refused, None, ""

    def outcomes(self, batches: Sequence[tuple[Job, ...]]) -> Iterator[Outcome]:
        """One outcome per job, in order (one worker, restarted after a crash)."""
        try:
            for batch in batches:
                yield from _run_safely(self, batch)
        finally:
            self.stop()

    def run(self, batch: Sequence[Job]) -> list[Outcome]:
        """Search the files of ``batch`` in the worker (started first when none runs), one
        outcome each; after a crash or an overrun the rest go to a new worker."""
        outcomes: list[Outcome] = []
        pending = list(batch)
        while pending:
            if self.child is None and not self.broken:
                self.start()
            if self.broken or self.child is None:
                why = self.broken or "the search worker is not running"
                return outcomes + [Outcome(job, error=why, lasting=False) for job in pending]
            if not self.child.send(tuple(pending)):
                outcomes.append(self._failed(pending.pop(0), "worker was not running"))
                continue
            while pending and self.child is not None:
                outcomes.append(self._outcome(pending.pop(0)))
        return outcomes

    def _outcome(self, job: Job) -> Outcome:
        """The outcome of the job the worker is on (it stops the worker if it fails)."""
        deadline = self.limits.timeout_s
        while True:
            message = self._receive(deadline)
            if message is None:
                return self._failed(job, self._why(deadline))
            if message[0] == "start":  # a video opened: allow its duration on top
                deadline = self.limits.timeout_s + float(message[1])
                continue
            if message[0] == "done":
                return Outcome(job, result=message[1], lasting=not self.dropped)
            if message[0] == "unsearchable":
                return Outcome(job, unsearchable=str(message[1]), lasting=not self.dropped)
            lasting = bool(message[2]) and not self.dropped
            return Outcome(job, error=str(message[1]), lasting=lasting)

    def _receive(self, seconds: float) -> tuple[Any, ...] | None:
        """The worker's next message, or None when it sent none in ``seconds`` or its end of
        the pipe closed (``self.hung`` tells which)."""
        self.hung = False
        if self.child is None:
            return None
        reply = self.child.receive(seconds)
        self.hung = reply is SILENT
        if reply is SILENT or reply is CLOSED:
            return None
        message: tuple[Any, ...] = reply
        return message

    def _why(self, seconds: float) -> str:
        """What happened to a worker that did not answer in ``seconds``: it overran, or it
        died (its pipe closes a moment before it can be reaped: waited for)."""
        if self.hung and self.child is not None and self.child.is_alive():
            return (f"took longer than {seconds:.0f} s and was stopped "
                    "(--timeout raises the limit)")  # fmt: skip
        return (self.child.death() if self.child is not None else Death(None)).story()

    def _failed(self, job: Job, reason: str) -> Outcome:
        self.stop()
        return Outcome(job, error=f"the search {reason}", lasting=False)

    def stop(self) -> None:
        """Stop the worker, if one runs (killed: it may be stuck in native code)."""
        stop_child(self.child)
        self.child = None


def _serve(
    conn: Connection,
    specs: Sequence[ReferenceSpec],
    memory_mb: int,
    loaded: Sequence[Any] | None = None,
    share: bool = False,
) -> None:
    """Worker: load the references (or take ``loaded``, those another worker read), answer
    jobs until the pipe closes; with ``share``, send the references loaded with the
    refusals. Nothing raised here reaches the terminal: every problem is sent back as a
    message."""
    child.started(memory_mb)
    if os.environ.get("PROVSCAN_CHILD_FAULTHANDLER") != "1":  # the debugging switch keeps it
        child.silence(2)
    try:
        matcher, refused = _prepare(conn, specs, loaded)
        conn.send(("refs", refused, matcher.references) if share else ("refs", refused))
        while True:
            for job in conn.recv():  # a batch: one reply per job, in order
                _reply(conn, _answer(conn, job, matcher))
    except (EOFError, OSError, KeyboardInterrupt):
        return  # the supervisor closed the pipe, or the run is being interrupted


def _prepare(
    conn: Connection, specs: Sequence[ReferenceSpec], loaded: Sequence[Any] | None
) -> tuple[Any, dict[str, Refusal]]:
    """The matcher over the references that load (``loaded``: already loaded by another
    worker), and why each other one did not; the supervisor hears which reference is being
    read, then that the index is being built."""
    from provscan.trace.matcher import Matcher

    refused: dict[str, Refusal] = {}
    if loaded is not None:
        references = list(loaded)
    else:
        references, refused = load_references(specs, lambda i: conn.send(("reading", i)))
    conn.send(("indexing", len(references)))
    try:
        return Matcher(references), refused
    except MemoryError:
        why = Refusal("the search ran out of memory indexing the references", lasting=False)
    except Exception as exc:  # no single still is to blame: none can be searched for
        why = Refusal(f"the references could not be indexed ({one_line(exc)})")
    return Matcher([]), {**refused, **{spec.name: why for spec in specs}}


def load_references(
    specs: Sequence[ReferenceSpec], announce: Any = None
) -> tuple[list[Any], dict[str, Refusal]]:
    """The references that load, and why each other one did not: each still is read in its
    own try, so one that no decoder or OpenCV call can use never costs the others.
    ``announce(index)`` is called before each still is read."""
    from provscan.trace.reference import Reference, UnusableReference, load_reference

    references: list[Reference] = []
    refused: dict[str, Refusal] = {}
    for index, spec in enumerate(specs):
        if spec.phash:
            references.append(Reference(spec.name, spec.phash, None, spec.phash_max_distance,
                                        spec.entry))  # fmt: skip
            continue
        if announce is not None:
            announce(index)
        try:
            references.append(load_reference(Path(spec.path), spec.name))
        except UnusableReference as exc:
            refused[spec.name] = Refusal(str(exc))
        except MemoryError:
            refused[spec.name] = Refusal("reading it ran out of memory", lasting=False)
        except Exception as exc:  # OpenCV, numpy or a decoder on bytes nobody expected
            refused[spec.name] = Refusal(f"it could not be described ({one_line(exc)})")
    return references, refused


def _answer(conn: Connection, job: Job, matcher: Any) -> tuple[Any, ...]:
    """The reply for one job: ("done", result), ("unsearchable", why) or ("error", why,
    lasting)."""
    from provscan.trace.reference import NoDecoder, UnusableReference
    from provscan.trace.sampler import NotOpened, NoVideoStream, VideoError
    from provscan.trace.still import match_still
    from provscan.trace.tracer import trace_video

    started = time.perf_counter()
    try:
        if job.kind == "still":
            return "done", match_still(Path(job.path), matcher)
        if job.kind == "sequence":
            from provscan.trace.sequence import trace_sequence

            announce = lambda facts: conn.send(("start", facts.duration))  # noqa: E731
            return "done", trace_sequence(job.frames, job.rate, job.timecode, matcher, announce)
        result = trace_video(
            Path(job.path), matcher, on_open=lambda facts: conn.send(("start", facts.duration))
        )
        return "done", result
    except NoVideoStream:
        return "done", None
    except (NotOpened, NoDecoder) as exc:
        return "unsearchable", str(exc)
    except (VideoError, UnusableReference) as exc:
        return "error", f"cannot be decoded for the search: {exc}", True
    except MemoryError:
        return "error", "the search ran out of memory", False
    except Exception as exc:  # a bug or a library choking on hostile bytes: one file's problem
        took = time.perf_counter() - started
        return "error", f"the search failed after {took:.1f} s: {one_line(exc)}", True


def _reply(conn: Connection, reply: tuple[Any, ...]) -> None:
    """Send a reply; one that cannot be pickled becomes an error about that file."""
    try:
        conn.send(reply)
    except (EOFError, OSError):
        raise
    except Exception as exc:
        conn.send(("error", f"the search result could not be sent: {one_line(exc)}", True))
