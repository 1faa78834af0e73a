"""Timeline work in a child process with a time and memory limit.

The adapters (pyaaf2's compound-file reader, OTIO's JSON reader, the FCP XML readers) and
the source probes (FFmpeg's demuxers) all parse bytes an editor or an attacker wrote. A
crash, a hang or a memory bomb there must cost that timeline a pointed error, not the scan.
One child does one call; only plain values (cuts, spans) come back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from fractions import Fraction
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from provscan import child
from provscan.limits import Limits
from provscan.supervisor import CLOSED, SILENT, Child
from provscan.timeline.cut import Cut, TimelineError

MIN_SECONDS = 20.0  # importing OTIO and pyaaf2 alone takes ~0.5 s; a long AAF a few seconds


def read_isolated(path: Path, rate: Fraction | None, limits: Limits) -> list[Cut]:
    """``read_timeline`` in a child: its cuts, or a TimelineError for any failure there."""
    from provscan.timeline.read import read_timeline

    outcome = _run(read_timeline, (path, rate), limits, str(path))
    if isinstance(outcome, TimelineError):
        raise outcome
    assert isinstance(outcome, list)
    return outcome


def probe_isolated(paths: list[Path], limits: Limits) -> dict[str, Any]:
    """``probe_spans`` in a child; empty when the child fails (the spans stay unknown)."""
    from provscan.timeline.probe import probe_spans

    if not paths:
        return {}
    outcome = _run(probe_spans, (paths,), limits, "source probe")
    return outcome if isinstance(outcome, dict) else {}


def _run(func: Callable[..., Any], args: tuple[Any, ...], limits: Limits, what: str) -> Any:
    """func(*args) in a child: its value, a TimelineError it raised, or one for its death."""
    reader = Child(_child, (func, args, limits.memory_mb), duplex=False)
    seconds = max(MIN_SECONDS, limits.timeout_s * 4)
    try:
        reply = reader.receive(seconds)
        if reply is SILENT:
            return TimelineError(f"{what}: reading it took longer than {seconds:.0f} s (stopped)")
        if reply is CLOSED:
            death = reader.death()
            why = f"signal {death.signal}" if death.signal else f"exit code {death.code}"
            return TimelineError(f"{what}: the reader crashed ({why}; out of memory or a bug in "
                                 "a native library)")  # fmt: skip
    finally:
        reader.stop()
    status, value = reply
    return TimelineError(value) if status == "error" else value


def _child(conn: Connection, func: Callable[..., Any], args: tuple[Any, ...], memory: int) -> None:
    child.started(memory)
    _quiet()
    try:
        conn.send(("ok", func(*args)))
    except TimelineError as exc:
        conn.send(("error", str(exc)))
    except MemoryError:
        conn.send(("error", f"{args[0]}: reading it needed more than the memory limit"))
    except Exception as exc:  # a bug here must still be one line, not a traceback
        conn.send(("error", f"{args[0]}: internal error while reading ({type(exc).__name__}: "
                            f"{exc})"))  # fmt: skip
    finally:
        conn.close()


def _quiet() -> None:
    """The adapters print and log (pyaaf2: "Unable find slot_id"): not on the report's stdout."""
    logging.disable(logging.CRITICAL)
    child.silence(1, 2)
