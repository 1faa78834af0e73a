"""Per-file analysis on a Dask distributed cluster (``provscan scan --dask ADDRESS``).

The walk stays here; entries go to the cluster in batches, and each batch runs on a Dask
worker through the same per-file isolation as a local scan (``iter_isolated``): a file
that crashes or hangs costs only its own result, never the Dask worker. The workers must
see the files at the same absolute paths as this process (shared storage).

Memory stays flat with the number of files: entries are walked lazily and only a bounded
window of batches is outstanding (submitted, or finished and waiting for its turn).
Results come back strictly in walk order. A batch whose task fails (its Dask worker died,
the task raised, the result never came) is sent once more; if that fails too, each of its
files gets an SCN007 finding, so the gate fails closed and no file goes missing.

dask and distributed are imported only inside functions: importing this module costs
nothing when they are absent (they are the optional ``provscan[dask]`` extra).
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing as mp
import queue
import socket
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from provscan.findings import problem_result
from provscan.isolate import file_limit, iter_isolated
from provscan.limits import Limits
from provscan.model import FileResult, Settings
from provscan.rules.scan import CRASHED
from provscan.walk import Entry

CONNECT_TIMEOUT_S = 10.0
# Added to a batch's summed per-file limits before its result counts as lost: queueing on a
# busy cluster, shipping the batch and its results, and starting the fork server.
RESULT_SLACK_S = 60.0
ATTEMPTS = 2  # a failed batch is sent once more, then reported file by file


class DaskUnavailable(Exception):
    """dask is not installed, or the scheduler at the given address cannot be reached."""


def iter_dask(
    entries: Iterable[Entry],
    settings: Settings,
    limits: Limits,
    address: str,
    *,
    batch_size: int = 64,
    max_in_flight: int | None = None,
) -> Iterator[FileResult]:
    """One FileResult per entry, in the entries' order, the analysis run on the Dask cluster
    at ``address``.

    ``batch_size`` entries go in one task; at most ``max_in_flight`` batches are outstanding
    (default: twice the cluster's worker threads, at least 2). The connection is made when
    iteration begins, so DaskUnavailable comes from the first ``next()``. The client is
    closed when the iteration ends or is abandoned; the cluster itself is left running.
    """
    if batch_size < 1 or (max_in_flight is not None and max_in_flight < 1):
        raise ValueError("batch_size and max_in_flight must be at least 1")
    client = connect(address)
    try:
        window = max_in_flight or default_in_flight(client)
        dispatcher = _Dispatcher(client, settings, limits, batch_size, window)
        yield from dispatcher.run(iter(entries))
    finally:
        # A close that fails (scheduler already gone) must not mask the scan's own outcome.
        with contextlib.suppress(Exception):
            client.close()


def connect(address: str) -> Any:
    """A Dask client for the scheduler at ``address``, or DaskUnavailable saying why not."""
    check_scheduler(address)
    import distributed

    client_class: Any = distributed.Client
    try:
        # set_as_default=False: a library call must not become the process's default
        # Dask scheduler behind its caller's back.
        return client_class(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except Exception as exc:  # OSError on time-out or refusal, ValueError on a bad address
        raise DaskUnavailable(
            f"cannot reach the Dask scheduler at {address}: {_one_line(exc)}"
        ) from None


def check_scheduler(address: str) -> None:
    """DaskUnavailable at once when dask is not installed, or the address is malformed or
    refuses a connection (the CLI asks before it walks a folder).

    A Client whose constructor fails is still finalised later, and its ``__del__`` waits
    20 s for a loop that never ran, then prints a traceback; so the client is only made
    for an address that parses and, for TCP and TLS, accepts a connection.
    """
    try:
        import distributed  # noqa: F401  (the package itself: is it installed at all)
        from distributed.comm.addressing import parse_address, parse_host_port
    except ImportError as exc:
        raise DaskUnavailable(
            f"cannot use the Dask scheduler at {address}: dask is not installed "
            f"(pip install 'provscan[dask]'): {exc}"
        ) from None

    try:
        scheme, location = parse_address(address)
        if scheme not in ("tcp", "tls"):
            return
        host, port = parse_host_port(location)
        with socket.create_connection((host or "localhost", port), timeout=CONNECT_TIMEOUT_S):
            pass
    except (OSError, ValueError, OverflowError, TypeError) as exc:
        raise DaskUnavailable(
            f"cannot reach the Dask scheduler at {address}: {_one_line(exc)}"
        ) from None


def default_in_flight(client: Any) -> int:
    """Twice the cluster's worker threads (at least 2): every thread has a batch running and
    one queued behind it, so no worker waits for this process between batches."""
    threads: int = sum(client.nthreads().values())
    return max(2, 2 * threads)


def run_batch(batch: list[Entry], settings: Settings, limits: Limits) -> list[FileResult]:
    """The task a Dask worker runs: ``batch`` through the per-file isolation of a local scan,
    each file in a child process under ``limits``; one result per entry, in order."""
    with _children_allowed():
        # list() runs the isolation to its end, whose finally stops and joins its child
        # process; an exception inside it unwinds through that finally too.
        return list(iter_isolated(batch, settings, limits))


# Dask worker processes are started daemonic (distributed.worker.daemon, on by default), and
# multiprocessing refuses to start children from a daemonic process. The flag exists so a
# daemonic process never leaves orphans when it is stopped; the isolation's children are
# themselves daemonic, exit when their pipe to this process closes, and are killed and
# joined when iter_isolated ends. So each task clears the flag while it runs (counted, as a
# worker may run several tasks in threads) and restores it after the last one. Dask's own
# remedy, distributed.worker.daemon = False, is the cluster owner's setting, not the scan's.
_daemon_lock = threading.Lock()
_daemon_users = 0
_daemon_saved = False


@contextlib.contextmanager
def _children_allowed() -> Iterator[None]:
    """While inside, this process may start child processes even if it is daemonic."""
    global _daemon_users, _daemon_saved
    process = mp.current_process()
    with _daemon_lock:
        if _daemon_users == 0:
            _daemon_saved = process.daemon
            _set_daemon(process, False)
        _daemon_users += 1
    try:
        yield
    finally:
        with _daemon_lock:
            _daemon_users -= 1
            if _daemon_users == 0:
                _set_daemon(process, _daemon_saved)


def _set_daemon(process: Any, daemon: bool) -> None:
    # The public setter refuses once a Process object has started; inside the started
    # process its own object never has, but write the config directly if that changes.
    try:
        process.daemon = daemon
    except AssertionError:
        process._config["daemon"] = daemon


@dataclass(eq=False)
class _Batch:
    """Consecutive entries sent as one task, and where that task stands."""

    index: int
    entries: list[Entry]
    bound: float  # seconds its result may take once it is the oldest outstanding batch
    attempts: int = 0
    future: Any = None
    deadline: float | None = None


class _Dispatcher:
    """Keeps a bounded window of batches on the cluster and hands results back in order."""

    def __init__(
        self, client: Any, settings: Settings, limits: Limits, batch_size: int, window: int
    ) -> None:
        self.client, self.settings, self.limits = client, settings, limits
        self.batch_size, self.window = batch_size, window
        self.outstanding: dict[int, _Batch] = {}  # submitted, results not yet handed back
        self.finished: dict[int, list[FileResult]] = {}  # results held until their turn
        # Futures whose state settled, put here by Dask's callback thread.
        self.settled: queue.Queue[Any] = queue.Queue()
        self.by_key: dict[str, _Batch] = {}
        self.next_index = self.head = 0
        self.run_id = uuid.uuid4().hex[:8]

    def run(self, entries: Iterator[Entry]) -> Iterator[FileResult]:
        """Results for ``entries`` in order, batches submitted as the window allows."""
        exhausted = False
        while True:
            while not exhausted and len(self.outstanding) < self.window:
                chunk = list(itertools.islice(entries, self.batch_size))
                if chunk:
                    self._submit(self._batch(chunk))
                else:
                    exhausted = True
            if not self.outstanding:
                return
            yield from self._head_results()

    def _batch(self, chunk: list[Entry]) -> _Batch:
        # Absolute paths: a worker's working directory is not this process's.
        entries = [replace(entry, location=str(entry.path.absolute())) for entry in chunk]
        bound = sum(file_limit(self.limits.timeout_s, e) for e in entries) + RESULT_SLACK_S
        batch = _Batch(self.next_index, entries, bound)
        self.next_index += 1
        self.outstanding[batch.index] = batch
        return batch

    def _submit(self, batch: _Batch) -> None:
        batch.attempts += 1
        batch.deadline = None
        key = f"provscan-{self.run_id}-{batch.index}-{batch.attempts}"  # unique: never cached
        try:
            # A retry outranks first attempts: the batches behind it wait for its results.
            future = self.client.submit(
                run_batch, batch.entries, self.settings, self.limits,
                key=key, priority=batch.attempts - 1,
            )  # fmt: skip
        except Exception as exc:  # the client lost its scheduler
            self._failed(batch, f"could not submit the task: {_one_line(exc)}")
            return
        batch.future = future
        self.by_key[key] = batch
        future.add_done_callback(self.settled.put)

    def _head_results(self) -> list[FileResult]:
        """The oldest batch's results, waiting for them (settling later batches meanwhile).
        Its clock starts when it becomes the oldest: it has the highest priority then, and
        its bound assumes every file runs to its own time limit."""
        head = self.outstanding[self.head]
        while self.head not in self.finished:
            now = time.monotonic()
            if head.deadline is None:
                head.deadline = now + head.bound
            try:
                future = self.settled.get(timeout=max(0.0, head.deadline - now))
            except queue.Empty:
                self._drop_future(head)
                self._failed(head, f"no result within {head.bound:.0f} s")
                continue
            self._settle(future)
        del self.outstanding[self.head]
        self.head += 1
        return self.finished.pop(head.index)

    def _settle(self, future: Any) -> None:
        """Take the results of a finished task, or handle its failure."""
        batch = self.by_key.pop(future.key, None)
        if batch is None or batch.future is not future:
            return  # an attempt already given up on (timed out)
        batch.future = None
        try:
            if future.status == "cancelled":
                raise RuntimeError("the task was cancelled (the scheduler lost it)")
            results = future.result(timeout=batch.bound)
            _check(results, batch.entries)
        except Exception as exc:  # KilledWorker, the task's own exception, a lost result
            self._failed(batch, _one_line(exc))
            return
        self.finished[batch.index] = results

    def _failed(self, batch: _Batch, reason: str) -> None:
        """Send a failed batch once more; after that, report each of its files."""
        if batch.attempts < ATTEMPTS:
            self._submit(batch)
            return
        message = (f"dask: the task analysing this file's batch failed {batch.attempts} times "
                   f"on the cluster ({reason}); the file was not analysed")  # fmt: skip
        self.finished[batch.index] = [
            problem_result(entry.rel, CRASHED, message) for entry in batch.entries
        ]

    def _drop_future(self, batch: _Batch) -> None:
        """Give up on a batch's current attempt (a late result is then ignored)."""
        future, batch.future = batch.future, None
        if future is not None:
            self.by_key.pop(future.key, None)
            with contextlib.suppress(Exception):
                future.cancel()


def _check(results: object, entries: list[Entry]) -> None:
    """Raise unless ``results`` are one FileResult per entry, in the entries' order."""
    if not isinstance(results, list) or [getattr(r, "path", None) for r in results] != [
        e.rel for e in entries
    ]:
        raise ValueError("the task returned results that do not match its batch")
    if not all(isinstance(r, FileResult) for r in results):
        raise TypeError("the task returned something other than FileResults")


def _one_line(exc: BaseException | str, limit: int = 300) -> str:
    """An exception as one short line: its type and its message, whitespace collapsed."""
    text = exc if isinstance(exc, str) else f"{type(exc).__name__}: {exc}"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
