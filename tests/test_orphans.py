"""A supervisor killed outright (SIGKILL, an out-of-memory kill) leaves no child behind: an
idle child reads end of file on its pipe, a busy one sees its parent gone, and either ends."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.test_cli_faults import _HANGING_PROVSCAN, _files

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")

# A supervisor that starts two idle children (waiting on their pipes) and one busy child
# (never reading), prints their pids and waits to be killed.
_SUPERVISOR = """
import sys, time
from provscan import supervisor

def idle(conn):
    conn.recv()

def busy(conn):
    while True:
        time.sleep(0.1)

ctx = supervisor.mp.get_context(sys.argv[1])
children = [supervisor.Child(idle, ctx=ctx), supervisor.Child(idle, ctx=ctx, duplex=False),
            supervisor.Child(busy, ctx=ctx)]
print(*(c.process.pid for c in children), flush=True)
time.sleep(3600)
"""


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
    mark = tmp_path / "mark"
    env = {**os.environ, "HANG_MARK": str(mark), "PROVSCAN_START_METHOD": "fork"}
    process = subprocess.Popen(
        [sys.executable, "-c", _HANGING_PROVSCAN, "scan", str(folder), "--no-trace", "-j", "2"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while not mark.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert mark.exists(), "the scan never reached the hanging file"
    assert len(_group(process.pid)) >= 2  # the supervisor and its workers
    workers = _group(process.pid)
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    try:
        assert _gone_within(20, lambda: _group(process.pid))
    finally:
        _kill(workers)
