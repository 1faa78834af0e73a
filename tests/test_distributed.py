"""The per-file analysis on a Dask cluster (scanner.distributed): same results as a local
isolated scan, in walk order, and no file is lost when a file, a task or a worker fails.

One real LocalCluster (two worker processes, one thread each) serves the module. Its
workers are spawned from this process, so they share its sys.path and import this module
by name to run the misbehaving tasks defined below.
"""

from __future__ import annotations

import ctypes
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("distributed", reason="dask[distributed] is not installed (provscan[dask])")

import provscan.distributed as sd
from provscan import analysis as engine
from provscan.asset import Asset
from provscan.distributed import DaskUnavailable, iter_dask, run_batch
from provscan.isolate import iter_isolated
from provscan.limits import Limits
from provscan.model import Evidence, FileResult, MediaKind, Settings
from provscan.report.to_json import file_dict
from provscan.walk import Entry, iter_entries

from tests.builders import jpeg_bytes
from tests.conftest import FIXTURES, REPO


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    """A local two-process Dask cluster; a task whose worker dies fails at once (no
    rescheduling), so the KilledWorker path costs one worker restart per attempt."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        scheduler_kwargs={"allowed_failures": 0},
    ) as local:
        yield local


@pytest.fixture(scope="module")
def address(cluster: Any) -> str:
    """The cluster's scheduler address."""
    return str(cluster.scheduler_address)


def _json(results: list[FileResult]) -> list[str]:
    return [json.dumps(file_dict(r), sort_keys=True) for r in results]


@pytest.fixture(scope="module")
def local_results() -> list[str]:
    """fixtures/files scanned here with the per-file isolation, as JSON."""
    entries = iter_entries(FIXTURES / "files")
    return _json(list(iter_isolated(entries, Settings(), Limits())))


def _tree(tmp_path: Path, names: list[str]) -> Path:
    root = tmp_path / "tree"
    root.mkdir()
    for name in names:
        (root / name).write_bytes(jpeg_bytes())
    return root


def _scn(result: FileResult) -> list[str]:
    return sorted({f.rule.code for f in result.findings if f.rule.code.startswith("SCN")})


def _workers(address: str) -> set[str]:
    from distributed import Client

    with Client(address, timeout=10, set_as_default=False) as client:
        client.wait_for_workers(2, timeout=30)
        return set(client.scheduler_info()["workers"])


def test_results_match_a_local_isolated_scan(address: str, local_results: list[str]) -> None:
    """Scanning fixtures/files on the cluster gives the local isolated scan's results, in order."""
    results = list(iter_dask(iter_entries(FIXTURES / "files"), Settings(), Limits(), address))
    assert _json(results) == local_results


def test_small_batches_keep_walk_order(address: str, local_results: list[str]) -> None:
    """Many small batches with at most two outstanding still give every result in walk order."""
    results = iter_dask(
        iter_entries(FIXTURES / "files"), Settings(), Limits(), address,
        batch_size=3, max_in_flight=2,
    )  # fmt: skip
    assert _json(list(results)) == local_results


def worker_state() -> tuple[bool, list[str]]:
    """Worker side: whether this process is daemonic, and the command lines of its children."""
    import multiprocessing

    import psutil  # a dependency of distributed

    children = psutil.Process().children(recursive=True)
    return multiprocessing.current_process().daemon, [" ".join(c.cmdline()) for c in children]


def test_tasks_leave_their_dask_worker_as_they_found_it(address: str) -> None:
    """After a scan each Dask worker is daemonic again, only the fork server left."""
    from distributed import Client

    list(iter_dask(iter_entries(FIXTURES / "files" / "xmp"), Settings(), Limits(), address,
                   batch_size=2))  # fmt: skip
    with Client(address, timeout=10, set_as_default=False) as client:
        states = client.run(worker_state)
    for daemon, children in states.values():
        assert daemon
        assert all("forkserver" in cmdline for cmdline in children), children


class _Segfault:
    """A detector that reads address 0 (SIGSEGV in native code) on files named segv*."""

    NAME = "segfault"
    KINDS = frozenset(MediaKind)
    RULES = ()

    @staticmethod
    def detect(asset: Asset) -> Iterator[Evidence]:
        if asset.path.name.startswith("segv"):
            ctypes.string_at(0)
        return iter(())

    @staticmethod
    def describe(asset: Asset) -> Iterator[object]:
        return iter(())


def crashing_detector_task(
    batch: list[Entry], settings: Settings, limits: Limits
) -> list[FileResult]:
    """Worker side: the real task, with the segfaulting detector installed first and the
    isolation's children forked from this worker so they inherit it."""
    saved = engine.DETECTORS, os.environ.get("PROVSCAN_START_METHOD")
    engine.DETECTORS = (_Segfault, *engine.DETECTORS)
    os.environ["PROVSCAN_START_METHOD"] = "fork"
    try:
        return run_batch(batch, settings, limits)
    finally:
        engine.DETECTORS = saved[0]
        os.environ["PROVSCAN_START_METHOD"] = saved[1] or ""


def test_a_file_that_crashes_its_worker_costs_only_that_file(
    address: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A segfault costs that file (SCN007); batch-mates and the Dask worker live."""
    root = _tree(tmp_path, ["a.jpg", "b.jpg", "segv.jpg", "z.jpg"])
    monkeypatch.setattr(sd, "run_batch", crashing_detector_task)
    before = _workers(address)
    results = list(iter_dask(iter_entries(root), Settings(), Limits(timeout_s=5), address))
    assert [r.path for r in results] == ["a.jpg", "b.jpg", "segv.jpg", "z.jpg"]
    assert [_scn(r) for r in results] == [[], [], ["SCN007"], []]
    assert "SIGSEGV" in results[2].findings[0].evidence.message
    assert before <= _workers(address)  # no Dask worker died or was replaced


def failing_task(batch: list[Entry], settings: Settings, limits: Limits) -> list[FileResult]:
    """Worker side: raises every time for a batch holding poison*, the first time for a batch
    holding flaky*, and runs the real task otherwise; each call is logged beside the tree."""
    names = [e.path.name for e in batch]
    log = batch[0].path.parent.parent / "attempts.txt"
    earlier = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    with open(log, "a", encoding="utf-8") as f:
        f.write(" ".join(names) + "\n")
    if names[0].startswith("poison") or (names[0].startswith("flaky") and " ".join(names)
                                         not in earlier):  # fmt: skip
        raise RuntimeError(f"task failed on\n{names[0]}")
    return run_batch(batch, settings, limits)


def test_a_failing_batch_is_retried_once_then_reported(
    address: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failing batch is retried once, then its files get SCN007; none lost, order kept."""
    names = ["a0.jpg", "a1.jpg", "flaky0.jpg", "flaky1.jpg", "poison0.jpg", "poison1.jpg",
             "z0.jpg", "z1.jpg"]  # fmt: skip
    root = _tree(tmp_path, names)
    monkeypatch.setattr(sd, "run_batch", failing_task)
    results = list(iter_dask(iter_entries(root), Settings(), Limits(), address, batch_size=2))
    assert [r.path for r in results] == names
    assert [_scn(r) for r in results] == [[], [], [], [], ["SCN007"], ["SCN007"], [], []]
    message = results[4].findings[0].evidence.message
    assert message.startswith("dask: ") and "RuntimeError: task failed on poison0.jpg" in message
    attempts = sorted((tmp_path / "attempts.txt").read_text(encoding="utf-8").splitlines())
    assert attempts == sorted(["a0.jpg a1.jpg", *["flaky0.jpg flaky1.jpg"] * 2,
                               *["poison0.jpg poison1.jpg"] * 2, "z0.jpg z1.jpg"])  # fmt: skip


def dying_task(batch: list[Entry], settings: Settings, limits: Limits) -> list[FileResult]:
    """Worker side: ends the Dask worker process itself for a batch holding doomed*."""
    if batch[0].path.name.startswith("doomed"):
        os._exit(3)
    return run_batch(batch, settings, limits)


def test_a_batch_that_kills_its_dask_worker_is_reported(
    address: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch that kills its Dask worker twice gives SCN007; the others scan."""
    root = _tree(tmp_path, ["a0.jpg", "doomed0.jpg", "z0.jpg"])
    monkeypatch.setattr(sd, "run_batch", dying_task)
    # One batch at a time: with allowed_failures=0 a task merely queued on the dying worker
    # would fail with it, and this test pins the dying batch, not its neighbours' luck.
    results = list(
        iter_dask(iter_entries(root), Settings(), Limits(), address, batch_size=1, max_in_flight=1)
    )
    assert [_scn(r) for r in results] == [[], ["SCN007"], []]
    assert "KilledWorker" in results[1].findings[0].evidence.message
    _workers(address)  # the nanny's replacements are back before the next test


def sleeping_task(batch: list[Entry], settings: Settings, limits: Limits) -> list[FileResult]:
    """Worker side: sleeps past the test's bound for a batch holding sleepy*; scans other
    batches in the worker itself, so the test's tiny per-file limit applies to nothing."""
    if batch[0].path.name.startswith("sleepy"):
        time.sleep(4)
    return [engine.scan_entry(entry, settings) for entry in batch]


def test_a_batch_without_a_result_times_out(
    address: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch without a result in its bound is given up (twice): SCN007, no endless wait."""
    root = _tree(tmp_path, ["a0.jpg", "a1.jpg", "sleepy0.jpg", "sleepy1.jpg"])
    monkeypatch.setattr(sd, "run_batch", sleeping_task)
    monkeypatch.setattr(sd, "RESULT_SLACK_S", 1.0)  # bound: 2 x 0.5 s + 1 s
    limits = Limits(timeout_s=0.5)
    started = time.monotonic()
    results = list(iter_dask(iter_entries(root), Settings(), limits, address, batch_size=2))
    assert time.monotonic() - started < 15
    assert [_scn(r) for r in results] == [[], [], ["SCN007"], ["SCN007"]]
    assert "no result within 2 s" in results[2].findings[0].evidence.message


def test_stopping_early_closes_the_client(cluster: Any, address: str) -> None:
    """A consumer that stops after the first result leaves no client connected."""
    baseline = len(cluster.scheduler.clients)
    results = iter_dask(iter_entries(FIXTURES / "files"), Settings(), Limits(), address)
    assert next(results).path
    assert len(cluster.scheduler.clients) == baseline + 1
    results.close()
    deadline = time.monotonic() + 10
    while len(cluster.scheduler.clients) > baseline and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(cluster.scheduler.clients) == baseline


def test_unreachable_scheduler_raises_quickly() -> None:
    """No scheduler at the address: DaskUnavailable within 15 s, naming the address."""
    started = time.monotonic()
    with pytest.raises(DaskUnavailable) as raised:
        next(iter_dask([], Settings(), Limits(), "tcp://127.0.0.1:1"))
    assert time.monotonic() - started < 15
    assert "tcp://127.0.0.1:1" in str(raised.value) and "\n" not in str(raised.value)


def test_missing_dask_raises_dask_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without dask installed, iterating raises DaskUnavailable naming the extra."""
    monkeypatch.setitem(sys.modules, "distributed", None)  # makes `import distributed` fail
    with pytest.raises(DaskUnavailable, match=r"tcp://sched:8786.*provscan\[dask\]"):
        next(iter_dask([], Settings(), Limits(), "tcp://sched:8786"))


def test_importing_the_module_does_not_import_dask() -> None:
    """provscan.distributed imports dask and distributed only when a scan connects."""
    code = ("import sys, scanner.distributed; "
            "sys.exit(any(m in sys.modules for m in ('dask', 'distributed')))")  # fmt: skip
    assert subprocess.run([sys.executable, "-c", code], cwd=REPO).returncode == 0


def test_cli_scan_on_dask_into_a_catalog_equals_the_local_run(address: str, tmp_path: Path) -> None:
    """scan --dask --catalog equals the local run, fills the catalog; re-scans reuse it."""
    import json
    import subprocess
    import sys

    sample = REPO / "fixtures" / "sample"
    base = [sys.executable, "-m", "provscan.cli", "scan", str(sample / "delivery"), "--sources",
            str(sample / "project_media"), "--log", str(sample / "ai-use.toml"), "-f", "json",
            "-q"]  # fmt: skip

    def run(*extra: str) -> dict[str, Any]:
        out = tmp_path / f"{len(list(tmp_path.iterdir()))}.json"
        done = subprocess.run([*base, *extra, "-o", str(out)], cwd=REPO, capture_output=True,
                              text=True, timeout=300)  # fmt: skip
        assert done.returncode == 1, done.stderr  # the sample's gate fails, as pinned
        data: dict[str, Any] = json.loads(out.read_text())
        return data

    local = run()
    db = str(tmp_path / "catalog.db")
    on_dask = run("--dask", address, "--catalog", db)
    again = run("--dask", address, "--catalog", db)
    assert on_dask["options"]["catalog"]["scanned"] == 20
    assert again["options"]["catalog"]["reused"] == 20
    for data in (local, on_dask, again):
        for key in ("started", "duration_s", "options"):
            data.pop(key)
    assert local == on_dask == again


def test_cli_unreachable_scheduler_is_a_usage_error() -> None:
    """`--dask` with no scheduler there: one line naming the address, exit 2."""
    from provscan import cli
    from typer.testing import CliRunner

    result = CliRunner().invoke(
        cli.app, ["scan", str(FIXTURES / "files" / "xmp"), "--dask", "tcp://127.0.0.1:1", "-q"]
    )
    assert result.exit_code == 2
    assert "--dask" in result.stderr and "tcp://127.0.0.1:1" in result.stderr
