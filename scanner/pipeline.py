"""The whole check of a delivery, as ``provscan scan`` runs it: scan the deliverable and its
sources, trace AI stills into videos and stills, then apply the AI-use log and the policy."""

from __future__ import annotations

import datetime as dt
import hashlib
import posixpath
from collections.abc import Callable, Mapping, Sequence, Set
from dataclasses import replace
from pathlib import Path

from provscan.ailog.load import AiLog
from provscan.backend import LOCAL, Backend
from provscan.catalog.codec import decode
from provscan.catalog.context import base_context, refined
from provscan.catalog.entry import sha_of
from provscan.catalog.scan import record_gates
from provscan.catalog.trace_cache import TraceCache
from provscan.compact import Compactor
from provscan.engine import scan
from provscan.ignore import NO_IGNORE, Ignore
from provscan.limits import Limits
from provscan.model import Report, Settings
from provscan.paths import SOURCE, source_labels
from provscan.policy import Policy
from provscan.progress import NO_PROGRESS, Progress, announce
from provscan.results import Brief, Entry, Results, briefs_named, briefs_of, briefs_where, items_of
from provscan.stages import levels
from provscan.stages.baseline import Baseline, accept
from provscan.stages.delivery import judge_delivery
from provscan.stages.gate import CANDIDATES, apply_gate
from provscan.stages.imf import ASSETMAP_NAMES, ASSETMAP_WORD, DELIVERABLE, apply_imf
from provscan.stages.sequences import Groups, group_sequences, sequence_groups
from provscan.stages.sources import scan_sources
from provscan.stages.timeline import apply_timelines
from provscan.stages.trace import apply_trace, content_sha, references_key
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
    apply around the gate (``stages.levels``); the findings ``baseline`` lists pass.

    With a catalog, each judged file's finished entry is kept under the run's context
    (scanner.catalog.context) and an unchanged file whose entry was kept under the same
    context is neither decoded nor judged again (no entry is kept for a run with edits or
    an IMF package: their findings depend on other files; nor with a baseline or policy
    levels for detector rules: they change results before and after the gate)."""
    ignores = ignores or {}
    announce(progress, ["scanning", *(["sources"] * bool(sources)), *(["tracing"] * trace)])
    cache = TraceCache(backend.catalog) if backend.catalog is not None else None
    keeps = cache is not None and not cuts and baseline is None and not levels.active(policy)
    base = base_context(log, policy, today, trace) if keeps else ""
    expected = _expected(backend, base)
    try:
        report = _scanned(target, sources, settings, limits, progress, backend, ignores,
                          expected)  # fmt: skip

        def again() -> Report:  # every file scanned again, no kept entry asked for
            return _scanned(target, sources, settings, limits, progress, backend, ignores, "")

        groups = sequence_groups(report.files)
        if _kept_frames(report, groups):  # a kept file is now a frame of a sequence: judged whole
            report = _unkept(report, target, sources, backend, again)
            groups = sequence_groups(report.files)
        report = group_sequences(report, groups)  # a shot's frames are one deliverable from here on
        context = ""
        if base and cache is not None:
            references = references_key(report, log, cache) if trace else "-"
            context = refined(base, f"{references}\x00{_material(report, log)}")
            if _packaged(report):
                context = ""
            if backend.stats is not None and backend.stats.kept and context != expected:
                # kept entries judged against other references or other files the log may
                # match, or an IMF package is here: every file is judged again
                report = _unkept(report, target, sources, backend, again)
        if trace:  # numpy and OpenCV load only in the search worker
            report = apply_trace(report, log, limits, progress, cache)
        report = apply_imf(report)  # after the trace: its hits on track files are placed too
        if cuts:
            report = apply_timelines(report, cuts, limits)
    finally:
        progress.close()
    gated = apply_gate(levels.silence(report, policy), target, log, policy, today,
                       entries=bool(context))  # fmt: skip
    report = judge_delivery(levels.count(gated, policy), policy)
    if baseline is not None:
        report = accept(report, baseline)
    if backend.catalog is not None and backend.stats is not None:
        unsettled = cache.unsettled if cache is not None else set()
        report = _catalogued(report, target, sources, backend, context, unsettled)
        if context:
            backend.catalog.remember(_KEPT + base, context)
    return report


_KEPT = "context:"  # meta key prefix: the context the last run with a base kept entries under


def _expected(backend: Backend, base: str) -> str:
    """The context the previous run kept its entries under, if it had this base (the
    trace's references and the files the log may match are those it had)."""
    if not base or backend.catalog is None:
        return ""
    return backend.catalog.remembered(_KEPT + base) or ""


def _kept_frames(report: Report, groups: Groups) -> bool:
    """Whether a file kept as its finished entry is a frame of a sequence (of ``groups``)."""
    briefs = briefs_of(report.files)
    return any(briefs[index].finished for members in groups.values() for index, _, _ in members)


def _material(report: Report, log: AiLog | None) -> str:
    """The files a log entry may match (those with AI evidence of their own) and their
    content: a file's guideline findings look at the other files its entries match (a C2PA
    manifest another copy carries), so its kept entry stands only while they are the same."""
    if log is None:
        return "-"
    files, digest = report.files, hashlib.blake2b(digest_size=16)
    for index, brief in briefs_where(files, _candidate):
        item = files.item(index) if isinstance(files, Results) else files[index]
        sha = sha_of(item) if isinstance(item, Entry) else content_sha(item)
        digest.update(f"{brief.path}\x00{sha}\x01".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def _candidate(brief: Brief) -> bool:
    return brief.verdict_scanned in CANDIDATES


def _roots(target: Path, sources: Sequence[Path]) -> dict[str, Path]:
    """Each report path prefix and the folder scanned under it ("" the deliverable)."""
    roots = {"": target}
    roots.update({f"{label}/": folder for label, folder in source_labels(sources).items()})
    return roots


def _unkept(
    report: Report,
    target: Path,
    sources: Sequence[Path],
    backend: Backend,
    rescan: Callable[[], Report],
) -> Report:
    """The report with each kept entry replaced by its file's stored evidence (they were
    judged under another context), nothing read again; a file whose evidence is missing
    (never expected) has the whole scan run again without kept entries."""
    catalog, stats = backend.catalog, backend.stats
    assert catalog is not None and stats is not None
    ids = {prefix: catalog.root_id(folder) for prefix, folder in _roots(target, sources).items()}
    files, compactor = report.files, Compactor()
    out = Results(held=files.held if isinstance(files, Results) else None)
    for item in items_of(files):
        if isinstance(item, Entry):
            brief = item.brief
            prefix = "" if brief.role != SOURCE else brief.path.partition("/")[0] + "/"
            text = catalog.evidence(ids[prefix], brief.path[len(prefix) :])
            if text is None:
                stats.clear()
                return rescan()
            out.append(decode(brief.path, text, brief.role, compactor))
        else:
            out.append(item)
    stats.kept = 0
    return replace(report, files=out)


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
               for _, b in briefs_named(report.files, ASSETMAP_WORD))  # fmt: skip


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
    roots = _roots(target, sources)
    contexts = {prefix: refined(context, prefix) for prefix in roots} if context else {}
    record_gates(backend.catalog, report, roots, contexts, backend.stats, unsettled)
    path = backend.catalog_path or Path(backend.catalog.path)
    options = {**report.options, "catalog": backend.stats.as_dict(path)}
    return replace(report, options=options)
