"""Isolated child processes, seen from the process that starts them.

Every child of provscan reads hostile bytes with native code, so each is started, watched
and stopped the same way, here: the start method (a fork, or a fork server that imported
the analysis once), SIGINT held while it forks (the child ignores it: only this process
decides what an interrupt means), messages awaited under a time limit (an answer, silence,
or a closed pipe), how a child that died ended (the signal that killed it), and a stop that
kills what does not end. The users keep only their protocol (what they send, what their
child answers, and how a failure is worded): the per-file worker pool (scanner.isolate),
the trace's search worker (scanner.trace.worker), the picture worker
(scanner.pictures.worker) and the timeline reader (scanner.timeline.isolated). A child's own
start-up (memory cap, quiet libraries) is scanner.child.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from enum import Enum
from typing import Any, NamedTuple, TypeVar

from provscan.child import interrupts_held

# Set by the console entry point, where nothing native (c2pa-rs runtime threads, FFmpeg,
# OpenBLAS) has started yet: forking that process directly is safe and saves the fork
# server's interpreter start (~0.4 s). A library caller or a test process may already run
# such threads, which a plain fork would copy in a broken state: it gets the fork server.
fork_is_safe = False

# What the fork server imports once, so a child starts with it loaded: the per-file
# analysis, and with it every detector and extractor (a module name: nothing is imported
# here, and tests/test_layers.py checks that it names a module).
PRELOAD = ("provscan.analysis",)

# How often a child looks whether the process that started it is still there.
PARENT_CHECK_S = 0.5

# This process's ends of the pipes to its live children. A forked child inherits them all
# (its own included); it closes them first, or it would never read end of file when this
# process dies, and a sibling started later would hold its pipe open too.
_parent_ends: weakref.WeakSet[Any] = weakref.WeakSet()
_forking = threading.Lock()  # held while a child is made (see Child)


class NoAnswer(Enum):
    """Why :meth:`Child.receive` has no message."""

    SILENT = "silent"  # none in the time allowed (the child may still be running)
    CLOSED = "closed"  # the child's end of the pipe closed: it died, or is dying


SILENT, CLOSED = NoAnswer.SILENT, NoAnswer.CLOSED


def context() -> Any:
    """The multiprocessing context children start from: ``PROVSCAN_START_METHOD`` when set
    (tests pin one), a plain fork when ``fork_is_safe``, else the fork server."""
    forced = os.environ.get("PROVSCAN_START_METHOD", "")
    if forced in mp.get_all_start_methods():
        return mp.get_context(forced)
    if fork_is_safe and "fork" in mp.get_all_start_methods():
        return mp.get_context("fork")
    if "forkserver" in mp.get_all_start_methods():
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(list(PRELOAD))
        return ctx
    return mp.get_context("spawn")


# A NamedTuple: used as a frozen dataclass would be, and a tenth of its cost to define.
class Death(NamedTuple):
    """How a child ended: its exit code (negative: the signal that killed it; None: it was
    not reaped in time)."""

    code: int | None

    @property
    def signal(self) -> int | None:
        """The number of the signal that killed the child, if one did."""
        return -self.code if self.code is not None and self.code < 0 else None

    def cause(self) -> str:
        """``SIGSEGV in native code`` for a signal, else ``exit code N``."""
        number = self.signal
        if number is None:
            return f"exit code {self.code}"
        name = signal.Signals(number).name if number in signal.valid_signals() else str(number)
        return f"{name} in native code"

    def story(self) -> str:
        """What the death did to the worker process, in words: crashed it (a signal) or
        ended it (an exit code)."""
        if self.signal is None:
            return f"ended the worker process ({self.cause()})"
        return f"crashed the worker process ({self.cause()})"


class Child:
    """One child process running ``target(conn, *args)``, and this process's end of the
    pipe to it. The child is started at once, with SIGINT held while it forks (it inherits
    the blocked signal and ignores it before it lets it through: scanner.child)."""

    def __init__(
        self, target: Callable[..., None], args: Sequence[Any] = (), *, duplex: bool = True,
        ctx: Any = None,
    ) -> None:  # fmt: skip
        ctx = ctx if ctx is not None else context()
        # One child is made at a time: a fork in another thread (the trace starts its
        # workers side by side) between this child's pipes being made and this process
        # closing its copies of the child's ends would give that sibling a copy too. The
        # child's death would then not read as end of file, and a stop would wait 5 s
        # for the sibling to end.
        with _forking:
            self.conn, child_end = ctx.Pipe(duplex)
            _parent_ends.add(self.conn)
            try:
                forked = ctx.get_start_method() == "fork"  # else a fork server is its parent
                self.process: Any = ctx.Process(
                    target=_child_main, args=(target, os.getpid(), forked, child_end, *args),
                    daemon=True,
                )  # fmt: skip
                with interrupts_held():  # a Ctrl-C now is this process's, never the child's
                    self.process.start()
            except BaseException:
                self.conn.close()
                raise
            finally:
                child_end.close()  # held here, the child's death would never read as EOF

    def send(self, message: Any) -> bool:
        """Send ``message``; False when the child is gone (its end of the pipe is closed)."""
        try:
            self.conn.send(message)
        except OSError:
            return False
        return True

    def receive(self, seconds: float) -> Any:
        """The child's next message, or SILENT when it sent none in ``seconds``, or CLOSED
        when its end of the pipe closed (a dying child closes it before it can be reaped)."""
        try:
            if self.conn.poll(max(0.0, seconds)):
                return self.conn.recv()
        except (EOFError, OSError):
            return CLOSED
        return SILENT

    def is_alive(self) -> bool:
        """Whether the child process is still running."""
        return bool(self.process.is_alive())

    def death(self, wait: float = 5.0) -> Death:
        """How the child ended, after waiting up to ``wait`` seconds for it to be reaped."""
        self.process.join(wait)
        return Death(self.process.exitcode)

    def stop(self) -> None:
        """Close the pipe and end the child (killed if still running: it may be stuck in
        native code)."""
        _parent_ends.discard(self.conn)
        self.conn.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)


def _child_main(
    target: Callable[..., None], supervisor: int, forked: bool, conn: Any, *args: Any
) -> None:
    """A child's first steps, then ``target(conn, *args)``: close the pipe ends it inherited
    from its parent (a fork copies them), and end itself when its ``supervisor`` is gone
    (``forked``: the supervisor is its parent, else a fork server is). A supervisor killed
    outright (SIGKILL, an OOM kill) can stop nothing: its children would otherwise live on,
    idle on a pipe or busy with a file nobody will read."""
    for inherited in list(_parent_ends):
        inherited.close()
    _watch(supervisor, forked)
    target(conn, *args)


def _watch(supervisor: int, forked: bool) -> None:
    """Exit this process as soon as ``supervisor`` is gone: no longer its parent (a forked
    child is handed to init), or no longer running (a fork server outlives it while the
    server's children run). A thread, so a child busy in a library that lets go of the
    interpreter lock (decoders do) still ends. The supervisor's pid is given, not looked up
    here: it may be gone before the child first looks."""

    def there() -> bool:
        if forked:
            return os.getppid() == supervisor
        try:
            os.kill(supervisor, 0)
        except ProcessLookupError:
            return False
        except OSError:
            return True  # it runs, as another user: not ours to signal
        return True

    def watch() -> None:
        while there():
            time.sleep(PARENT_CHECK_S)
        os._exit(1)  # nothing to clean up that the supervisor would read: it is gone

    threading.Thread(target=watch, name="supervisor-watch", daemon=True).start()


def stop_child(child: Child | None) -> None:
    """Stop ``child`` if there is one."""
    if child is not None:
        child.stop()


W = TypeVar("W")
J = TypeVar("J")
R = TypeVar("R")


def in_order(
    jobs: Sequence[J],
    workers: Sequence[W],
    run: Callable[[W, J], R],
    finish: Callable[[W], None],
) -> Iterator[R]:
    """``run(worker, job)`` for every job, each worker driven by its own thread (it only
    waits on its child's pipe) and taking the next job as soon as it is free; the answers
    in the jobs' order. ``finish(worker)`` when a worker's thread ends. ``run`` must not
    raise: the consumer waits for every answer."""
    queue = deque(enumerate(jobs))
    done: dict[int, R] = {}
    ready = threading.Condition()
    stopping = threading.Event()

    def drive(worker: W) -> None:
        try:
            while not stopping.is_set():
                with ready:
                    if not queue:
                        return
                    index, job = queue.popleft()
                answer = run(worker, job)
                with ready:
                    done[index] = answer
                    ready.notify_all()
        finally:
            finish(worker)

    threads = [threading.Thread(target=drive, args=(w,), daemon=True) for w in workers]
    for thread in threads:
        thread.start()
    try:
        for index in range(len(jobs)):
            with ready:
                while index not in done:
                    ready.wait()
                answer = done.pop(index)
            yield answer
    finally:
        stopping.set()
        for thread in threads:
            thread.join()
