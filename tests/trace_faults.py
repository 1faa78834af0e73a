"""Run the trace with a fault injected, in a fresh process (used by tests/test_trace_robust.py).

A worker must be forked from the process that holds the patch, and forking the pytest process
(OpenCV's and FFmpeg's threads already running) can leave the child stuck on a lock one of
those threads held. This driver starts clean, replaces the function named by the order with
one that kills or hangs the process for one file name, and forks its workers from there.

``python -m tests.trace_faults ORDER_JSON``: ORDER_JSON has ``fault`` (``target``:
"reference" or "still", ``name``: the file name, ``action``: "segv", "hang" or "count" (no
fault: the call is only logged), ``log``: a file that gets a line per call on that name)
and either ``cli`` (the arguments of a ``provscan`` command, run as the console script runs
them) or ``specs``, ``jobs`` and ``limits`` for ``run_jobs``, whose outcomes are printed as
JSON.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any


def _fault(action: str, log: str) -> None:
    """Die as a segfault in native code does (no core file), or never return (or, for
    "count", only log the call)."""
    if log:
        with open(log, "a", encoding="utf-8") as f:
            f.write("called\n")
    if action == "count":
        return
    if action == "segv":
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        signal.signal(signal.SIGSEGV, signal.SIG_DFL)  # past any handler a library installed
        os.kill(os.getpid(), signal.SIGSEGV)
    time.sleep(3600)


def _install(target: str, name: str, action: str, log: str = "") -> None:
    """Replace the reference loader or the still search with one that fails on ``name``."""
    if target == "reference":
        import provscan.trace.reference as module

        attribute = "load_reference"
    else:
        import provscan.trace.still as module  # type: ignore[no-redef]

        attribute = "match_still"
    real = getattr(module, attribute)

    def faulty(path: Path, *args: Any) -> Any:
        if Path(path).name == name:
            _fault(action, log)
        return real(path, *args)

    setattr(module, attribute, faulty)


def _run_jobs(order: dict[str, Any]) -> dict[str, Any]:
    from provscan.limits import Limits
    from provscan.trace.worker import Job, ReferenceSpec, run_jobs

    specs = [ReferenceSpec(name, path=path) for name, path in order["specs"]]
    jobs = [Job(kind, path, rel) for kind, path, rel in order["jobs"]]
    refused, outcomes = run_jobs(specs, jobs, Limits(**order["limits"]))
    rows = []
    for outcome in outcomes:
        found: list[str] = []
        if outcome.result is not None and outcome.job.kind == "still":
            found = [m.reference for m in outcome.result]
        elif outcome.result is not None:
            found = [h.reference for h in outcome.result.hits]
        rows.append({"rel": outcome.job.rel, "error": outcome.error,
                     "lasting": outcome.lasting, "found": found})  # fmt: skip
    return {"refused": {n: [r.why, r.lasting] for n, r in refused.items()}, "outcomes": rows}


def main() -> None:
    """Inject the fault, then run the order."""
    order = json.loads(sys.argv[1])
    os.environ["PROVSCAN_START_METHOD"] = "fork"
    _install(**order["fault"])
    if "cli" in order:
        from provscan import cli

        sys.argv = ["provscan", *order["cli"]]
        cli.main()
    print(json.dumps(_run_jobs(order)))


if __name__ == "__main__":
    main()
