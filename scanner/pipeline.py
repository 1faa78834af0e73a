"""The whole check of a delivery, as ``provscan scan`` runs it: scan the deliverable and its
sources, trace AI stills into videos and stills, then apply the AI-use log and the policy."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from scanner.ailog.load import AiLog
from scanner.engine import scan
from scanner.gate import apply_gate
from scanner.isolate import Limits
from scanner.model import Report, Settings
from scanner.policy import Policy
from scanner.progress import NO_PROGRESS, Progress
from scanner.sources import scan_sources


def check_delivery(
    target: Path,
    *,
    sources: Sequence[Path] = (),
    log: AiLog | None,
    policy: Policy,
    settings: Settings,
    limits: Limits,
    today: dt.date,
    trace: bool = True,
    progress: Progress = NO_PROGRESS,
) -> Report:
    """The gated report of a deliverable folder (or file). ``progress`` hears each stage and
    is closed at the end, whatever happens (an interrupt must not leave a bar behind)."""
    try:
        report = scan(target, settings, limits, progress)
        if sources:
            report = scan_sources(report, sources, settings, limits, progress)
        if trace:
            from scanner.trace.stage import apply_trace  # numpy/OpenCV only load in its worker

            report = apply_trace(report, log, limits, progress)
    finally:
        progress.close()
    return apply_gate(report, target, log, policy, today)
