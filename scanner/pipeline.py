"""The whole check of a delivery, as ``provscan scan`` runs it: scan the deliverable and its
sources, trace AI stills into videos and stills, then apply the AI-use log and the policy."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from provscan.ailog.load import AiLog
from provscan.backend import LOCAL, Backend
from provscan.catalog.scan import record_gates
from provscan.catalog.trace_cache import TraceCache
from provscan.engine import scan
from provscan.ignore import NO_IGNORE, Ignore
from provscan.limits import Limits
from provscan.model import Report, Settings
from provscan.paths import source_labels
from provscan.policy import Policy
from provscan.progress import NO_PROGRESS, Progress, announce
from provscan.stages import levels
from provscan.stages.baseline import Baseline, accept
from provscan.stages.delivery import judge_delivery
from provscan.stages.gate import apply_gate
from provscan.stages.imf import apply_imf
from provscan.stages.sequences import group_sequences
from provscan.stages.sources import scan_sources
from provscan.stages.timeline import apply_timelines
from provscan.stages.trace import apply_trace
from provscan.timeline.cut import Cut


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
    backend: Backend = LOCAL,
    cuts: Sequence[Cut] = (),
    ignores: Mapping[Path, Ignore] | None = None,
    baseline: Baseline | None = None,
) -> Report:
    """The gated report of a deliverable folder (or file). ``progress`` hears each stage and
    is closed at the end, whatever happens (an interrupt must not leave a bar behind).
    ``backend`` says where files are analysed (local workers or Dask) and whether a catalog
    remembers them; with a catalog, each file's gate is recorded in it too. ``cuts`` are the
    edits (``--timeline``) whose clips' sources are applied to their finals. ``ignores``: what
    the walk of the target and of each sources folder leaves out (keyed by those paths).
    A delivery with nothing to check fails (POL011). The policy's levels for detector rules
    apply around the gate (``stages.levels``); the findings ``baseline`` lists pass."""
    ignores = ignores or {}
    announce(progress, ["scanning", *(["sources"] * bool(sources)), *(["tracing"] * trace)])
    try:
        report = scan(target, settings, limits, progress, backend, ignores.get(target, NO_IGNORE))
        if sources:
            report = scan_sources(report, sources, settings, limits, progress, backend, ignores)
        report = group_sequences(report)  # a shot's frames are one deliverable from here on
        if trace:  # numpy and OpenCV load only in the search worker
            cache = TraceCache(backend.catalog) if backend.catalog is not None else None
            report = apply_trace(report, log, limits, progress, cache)
        report = apply_imf(report)  # after the trace: its hits on track files are placed too
        if cuts:
            report = apply_timelines(report, cuts, limits)
    finally:
        progress.close()
    report = apply_gate(levels.silence(report, policy), target, log, policy, today)
    report = judge_delivery(levels.count(report, policy), policy)
    if baseline is not None:
        report = accept(report, baseline)
    if backend.catalog is not None and backend.stats is not None:
        report = _catalogued(report, target, sources, backend)
    return report


def _catalogued(report: Report, target: Path, sources: Sequence[Path], backend: Backend) -> Report:
    """Record each file's gate in the catalog; say in the report what the catalog saved."""
    assert backend.catalog is not None and backend.stats is not None
    roots = {"": target}
    roots.update({f"{label}/": folder for label, folder in source_labels(sources).items()})
    record_gates(backend.catalog, report, roots)
    path = backend.catalog_path or Path(backend.catalog.path)
    options = {**report.options, "catalog": backend.stats.as_dict(path)}
    return replace(report, options=options)
