"""A supervisor killed outright (SIGKILL, an out-of-memory kill) leaves no child behind: an
idle child reads end of file on its pipe, a busy one sees its parent gone, and either ends."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.test_cli_faults import _files, hanging_scan

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")

# A supervisor that starts an idle child (waiting on its pipe), a busy one on a one-way pipe
# (a reader that only sends, when done) and a busy one on a two-way pipe, prints their pids
# and waits to be killed. The children's functions are this module's, so that a fork
# server's child can find them.
_SUPERVISOR = """
import sys, time
from provscan import supervisor
from tests.test_orphans import _busy, _idle

ctx = supervisor.mp.get_context(sys.argv[1])
children = [supervisor.Child(_idle, ctx=ctx), supervisor.Child(_busy, ctx=ctx, duplex=False),
            supervisor.Child(_busy, ctx=ctx)]
print(*(c.process.pid for c in children), flush=True)
time.sleep(3600)
"""


def _idle(conn: object) -> None:
    """A child that waits on its pipe until it closes."""
    try:
        conn.recv()  # type: ignore[attr-defined]
    except (EOFError, OSError):
        return


def _busy(conn: object) -> None:
    """A child that works on and never reads its pipe."""
    while True:
        time.sleep(0.1)


def _running(pid: int) -> bool:
    """Whether ``pid`` is a process that has not ended (a zombie nobody reaps has ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def _group(pgid: int) -> list[int]:
    """The running processes of process group ``pgid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def _kill(pids: list[int]) -> None:
    """Kill what a failed test left running, so it does not outlive the suite."""
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def _gone_within(seconds: float, alive: object) -> bool:
    """Whether ``alive()`` turns false within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not alive():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("method", ["fork", "forkserver"])
def test_children_end_when_their_supervisor_is_killed(method: str) -> None:
    """SIGKILL to a supervisor: its idle children (duplex and one-way pipes) and its busy
    child all end within seconds, whichever way they were started."""
    driver = subprocess.Popen([sys.executable, "-c", _SUPERVISOR, method], cwd=REPO,
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert driver.stdout is not None
        pids = [int(pid) for pid in driver.stdout.readline().split()]
        assert len(pids) == 3 and all(_running(pid) for pid in pids)
    finally:
        driver.kill()
        driver.wait(30)
    try:
        assert _gone_within(20, lambda: any(_running(pid) for pid in pids))
    finally:
        _kill(pids)


def test_a_killed_scan_leaves_no_worker(tmp_path: Path) -> None:
    """provscan scan -j 2 killed with SIGKILL mid-scan (one worker stuck in a file, one
    idle): every worker it started ends too."""
    folder = _files(tmp_path / "d", "hang.jpg", "a.jpg")
    process = hanging_scan(folder, tmp_path / "mark", jobs=2, output=subprocess.DEVNULL)
    assert len(_group(process.pid)) >= 2  # the supervisor and its workers
    workers = _group(process.pid)
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    try:
        assert _gone_within(20, lambda: _group(process.pid))
    finally:
        _kill(workers)


def test_children_started_side_by_side_hold_none_of_each_other(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Children started at the same moment from two threads (as the trace starts its
    workers): when the one started second is killed, its supervisor sees it at once, the
    end of its pipe and its exit, though the first still runs. Each fork is slowed so that
    the other thread makes its pipes meanwhile: a child forked then, holding copies of them,
    would hide both until it ended (a stop then waited 5 s)."""
    from provscan import supervisor

    real_fork = os.fork

    def slow_fork() -> int:
        time.sleep(0.05)  # the other thread runs meanwhile
        return real_fork()

    monkeypatch.setattr(os, "fork", slow_fork)
    ctx = supervisor.mp.get_context("fork")
    made: list[supervisor.Child] = []
    barrier = threading.Barrier(2)

    def start() -> None:
        barrier.wait()
        made.append(supervisor.Child(_idle, ctx=ctx))

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    first, second = made
    try:
        os.kill(second.process.pid, signal.SIGKILL)
        assert second.receive(10) is supervisor.CLOSED
        assert second.death(10).signal == signal.SIGKILL
        assert first.is_alive()
    finally:
        first.stop()
        second.stop()
