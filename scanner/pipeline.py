"""The whole check of a delivery, as ``provscan scan`` runs it: scan the deliverable and its
sources, trace AI stills into videos and stills, then apply the AI-use log and the policy."""

from __future__ import annotations

import datetime as dt
import posixpath
from collections.abc import Mapping, Sequence, Set
from dataclasses import replace
from pathlib import Path

from provscan.ailog.load import AiLog
from provscan.backend import LOCAL, Backend
from provscan.catalog.context import base_context, refined
from provscan.catalog.scan import record_gates
from provscan.catalog.trace_cache import TraceCache
from provscan.engine import scan
from provscan.ignore import NO_IGNORE, Ignore
from provscan.limits import Limits
from provscan.model import Report, Settings
from provscan.paths import source_labels
from provscan.policy import Policy
from provscan.progress import NO_PROGRESS, Progress
from provscan.results import briefs_of
from provscan.stages.delivery import judge_delivery
from provscan.stages.gate import apply_gate
from provscan.stages.imf import ASSETMAP_NAMES, DELIVERABLE, apply_imf
from provscan.stages.sources import scan_sources
from provscan.stages.timeline import apply_timelines
from provscan.stages.trace import apply_trace, references_key
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
) -> Report:
    """The gated report of a deliverable folder (or file). ``progress`` hears each stage and
    is closed at the end, whatever happens (an interrupt must not leave a bar behind).
    ``backend`` says where files are analysed (local workers or Dask) and whether a catalog
    remembers them; with a catalog, each file's gate is recorded in it too. ``cuts`` are the
    edits (``--timeline``) whose clips' sources are applied to their finals. ``ignores``: what
    the walk of the target and of each sources folder leaves out (keyed by those paths).
    A delivery with nothing to check fails (POL011).

    With a catalog, each judged file's finished entry is kept under the run's context
    (scanner.catalog.context) and an unchanged file whose entry was kept under the same
    context is neither decoded nor judged again (no entry is kept for a run with edits or
    an IMF package: their findings depend on other files)."""
    ignores = ignores or {}
    cache = TraceCache(backend.catalog) if backend.catalog is not None else None
    base = base_context(log, policy, today, trace) if cache is not None and not cuts else ""
    expected = _expected(backend, base, trace)
    try:
        report = _scanned(target, sources, settings, limits, progress, backend, ignores,
                          expected)  # fmt: skip
        context = ""
        if base and cache is not None:
            context = refined(base, references_key(report, log, cache) if trace else "-")
            if _packaged(report):
                context = ""
            if backend.stats is not None and backend.stats.kept and context != expected:
                # kept entries judged against other references, or an IMF package is here
                backend.stats.clear()
                report = _scanned(target, sources, settings, limits, progress, backend,
                                  ignores, "")  # fmt: skip
        if trace:  # numpy and OpenCV load only in the search worker
            report = apply_trace(report, log, limits, progress, cache)
        report = apply_imf(report)  # after the trace: its hits on track files are placed too
        if cuts:
            report = apply_timelines(report, cuts, limits)
    finally:
        progress.close()
    gated = apply_gate(report, target, log, policy, today, entries=bool(context))
    report = judge_delivery(gated, policy)
    if backend.catalog is not None and backend.stats is not None:
        unsettled = cache.unsettled if cache is not None else set()
        report = _catalogued(report, target, sources, backend, context, unsettled)
        if context:
            backend.catalog.remember(_KEPT + base, context)
    return report


_KEPT = "context:"  # meta key prefix: the context the last run with a base kept entries under


def _expected(backend: Backend, base: str, trace: bool) -> str:
    """The context the previous run kept its entries under, if it had this base: without
    the trace it is known; with it, the references are those the previous run had."""
    if not base or backend.catalog is None:
        return ""
    if not trace:
        return refined(base, "-")
    return backend.catalog.remembered(_KEPT + base) or ""


def _scanned(
    target: Path,
    sources: Sequence[Path],
    settings: Settings,
    limits: Limits,
    progress: Progress,
    backend: Backend,
    ignores: Mapping[Path, Ignore],
    context: str,
) -> Report:
    """The deliverable and its sources scanned (``context``: the finished entries that may
    be reused, "" none)."""
    backend = replace(backend, context=context)
    report = scan(target, settings, limits, progress, backend.under(""),
                  ignores.get(target, NO_IGNORE))  # fmt: skip
    if sources:
        report = scan_sources(report, sources, settings, limits, progress, backend, ignores)
    return report


def _packaged(report: Report) -> bool:
    """Whether the deliverable holds an IMF package (its findings depend on other files)."""
    return any(b.role == DELIVERABLE and posixpath.basename(b.path).lower() in ASSETMAP_NAMES
               for b in briefs_of(report.files))  # fmt: skip


def _catalogued(
    report: Report,
    target: Path,
    sources: Sequence[Path],
    backend: Backend,
    context: str,
    unsettled: Set[str],
) -> Report:
    """Record each file's gate (and its finished entry, under ``context``, but for the
    ``unsettled`` files the trace could not settle) in the catalog; say in the report what
    the catalog saved."""
    assert backend.catalog is not None and backend.stats is not None
    roots = {"": target}
    roots.update({f"{label}/": folder for label, folder in source_labels(sources).items()})
    contexts = {prefix: refined(context, prefix) for prefix in roots} if context else {}
    record_gates(backend.catalog, report, roots, contexts, backend.stats, unsettled)
    path = backend.catalog_path or Path(backend.catalog.path)
    options = {**report.options, "catalog": backend.stats.as_dict(path)}
    return replace(report, options=options)
