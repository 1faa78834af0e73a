"""The pipeline: walk -> sniff -> detectors -> findings -> verdict, one file at a time.

Per-file trouble never stops a run: a file that cannot be opened, a detector that
raises, a name that lies about the format, all become findings on that file.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from detectors.registry import DETECTORS, Detector
from scanner import __version__
from scanner.asset import Asset, find_sidecar
from scanner.backend import LOCAL, Backend, analyse_entries
from scanner.compact import Compactor
from scanner.ignore import NO_IGNORE, Ignore
from scanner.isolate import Limits
from scanner.model import (
    Evidence,
    FileResult,
    Finding,
    Line,
    MediaKind,
    Report,
    Rule,
    Section,
    Settings,
    Skipped,
    Verdict,
)
from scanner.progress import NO_PROGRESS, Progress
from scanner.rulebook import by_code
from scanner.rules import scan as scanrules
from scanner.sniff import EMPTY, UNKNOWN, extension_matches
from scanner.verdict import decide
from scanner.walk import Entry, iter_entries


def scan(
    root: Path,
    settings: Settings | None = None,
    limits: Limits | None = None,
    progress: Progress = NO_PROGRESS,
    backend: Backend = LOCAL,
    ignore: Ignore = NO_IGNORE,
) -> Report:
    """Scan a folder (or one file) and return the whole report.

    With ``limits`` each file is analysed in a worker process under a time and memory limit
    (the CLI's default); without, in this process (the library default, and tests').
    ``progress`` hears a "scanning" stage with the number of walked entries, then each file.
    ``ignore`` says what the walk leaves out (the CLI's default list; nothing by default
    here); the report lists it in ``skipped``.
    """
    started, clock = datetime.now(UTC), time.perf_counter()
    # The walk is listed first so the bar knows its total; it is cheap next to the analysis.
    skipped: list[Skipped] = []
    entries = list(iter_entries(root, ignore, skipped))
    progress.stage("scanning", len(entries))
    report = scan_entries(
        root, entries, settings, limits, progress, started=(started, clock), backend=backend
    )
    if ignore is NO_IGNORE:
        return report
    options = {**report.options, "ignore": ignore.options()}
    return replace(report, skipped=tuple(skipped), options=options)


def scan_entries(
    root: Path,
    entries: Sequence[Entry],
    settings: Settings | None,
    limits: Limits | None,
    progress: Progress,
    *,
    started: tuple[datetime, float] | None = None,
    backend: Backend = LOCAL,
) -> Report:
    """The report of already walked ``entries`` under ``root``; ``progress`` hears each file
    (its stage is the caller's). ``started`` is when the scan began (wall clock, perf_counter),
    so the walk counts in the duration."""
    settings = settings or Settings()
    when, clock = started or (datetime.now(UTC), time.perf_counter())
    if limits is not None:
        limits = capped(limits, entries)
    results = _results(root, entries, settings, limits, backend)
    files = tuple(_reported(results, progress))
    return Report(
        root=str(root),
        files=files,
        tool_version=__version__,
        started=when.isoformat(timespec="seconds").replace("+00:00", "Z"),
        duration_s=round(time.perf_counter() - clock, 3),
    )


def capped(limits: Limits, entries: Sequence[Entry]) -> Limits:
    """``limits`` with no more workers than files to read: each worker costs a process and
    its libraries' start-up, which an idle one never pays back (-j 50 on 3 files)."""
    readable = sum(1 for entry in entries if not entry.problem)
    jobs = max(1, min(limits.jobs, readable))
    return limits if jobs == limits.jobs else replace(limits, jobs=jobs)


def _results(
    root: Path,
    entries: Sequence[Entry],
    settings: Settings,
    limits: Limits | None,
    backend: Backend,
) -> Iterator[FileResult]:
    if backend.catalog is None or backend.stats is None:
        return analyse_entries(iter(entries), settings, limits, backend)
    from scanner.catalog.scan import catalogued

    settings = replace(settings, identities=True)  # the catalog keeps hashes for the log
    return catalogued(root, entries, backend.catalog, backend.stats,
                      lambda todo: analyse_entries(todo, settings, limits, backend))  # fmt: skip


def _reported(results: Iterator[FileResult], progress: Progress) -> Iterator[FileResult]:
    """``results`` passed through, compacted (repeated evidence shared) and each told to
    ``progress`` as it arrives."""
    compactor = Compactor()
    for result in results:
        progress.advance(result.path)
        yield compactor.result(result)


def scan_entry(entry: Entry, settings: Settings) -> FileResult:
    """Everything the scanner concludes about one walked entry."""
    if entry.problem and entry.rule is not None:
        return problem_result(entry.rel, entry.rule.code, entry.problem)
    try:
        asset = Asset(entry.path, entry.rel, sidecar=find_sidecar(entry.path), settings=settings)
    except FileNotFoundError:
        return problem_result(
            entry.rel, scanrules.CHANGED.code, "the file vanished during the scan"
        )
    except OSError as exc:
        return problem_result(entry.rel, scanrules.UNREADABLE.code,
                              f"cannot be opened: {exc.strerror or exc}")  # fmt: skip
    result = analyse(asset)
    if settings.identities:
        result = _with_identities(result, asset)
    change = _changed(asset)
    if change:
        return _with_finding(result, Evidence(scanrules.CHANGED.code, change, key="path"), asset)
    return result


_CANDIDATES = frozenset({Verdict.AI_GENERATED, Verdict.AI_EDITED, Verdict.AI_SUSPECTED})


def _with_identities(result: FileResult, asset: Asset) -> FileResult:
    """The result with the file's SHA-256 and, for a still with AI evidence, its pHash: what
    AI-use log entries are matched by, kept so a catalog can re-apply a log without the media."""
    try:
        sha = asset.sha256()
        phash = ""
        if result.kind is MediaKind.IMAGE and result.verdict in _CANDIDATES:
            from scanner.extract.phash import phash_of  # numpy: loaded only when needed

            phash = phash_of(asset) or ""
    except OSError:
        return result  # unreadable now: no identity; the gate will try (and say) itself
    return replace(result, sha256=sha, phash=phash)


def _changed(asset: Asset) -> str:
    """Why the file is not what was analysed (replaced, size or mtime moved, or it vanished),
    or ''."""
    try:
        now = os.stat(asset.path, follow_symlinks=False)
    except FileNotFoundError:
        return "the file vanished during the scan"
    except OSError as exc:
        return f"the file could not be examined again after the scan: {exc.strerror}"
    if (now.st_dev, now.st_ino) != asset.inode:
        return "the file was replaced by another during the scan (renamed over)"
    if (now.st_size, now.st_mtime_ns) != (asset.size, asset.mtime_ns):
        return (f"the file changed during the scan (size {asset.size:,} -> {now.st_size:,} "
                "bytes, or its modification time moved)")  # fmt: skip
    return ""


def _with_finding(result: FileResult, evidence: Evidence, asset: Asset) -> FileResult:
    findings = (*result.findings, _finding(evidence, asset.quick_id()))
    verdict, deciding = decide(findings)
    return replace(result, findings=findings, verdict=verdict, deciding=deciding)


def analyse(asset: Asset) -> FileResult:
    """Run every applicable detector on an opened asset and decide its verdict."""
    evidence = list(_scanner_evidence(asset))
    sections: list[Section] = []
    for detector in DETECTORS:
        if asset.kind in detector.KINDS:
            evidence.extend(_run(detector, asset))
            if asset.settings.describe:
                sections.extend(_describe(detector, asset))
    findings = tuple(_finding(ev, asset.quick_id()) for ev in _first_of_each(evidence))
    verdict, deciding = decide(findings)
    return FileResult(
        path=asset.rel,
        kind=asset.kind,
        format=asset.format,
        mime=asset.mime,
        size=asset.size,
        verdict=verdict,
        findings=findings,
        deciding=deciding,
        sections=tuple(sections),
    )


def _first_of_each(evidence: list[Evidence]) -> list[Evidence]:
    """One finding per (rule, key, value): the fingerprint must identify a single finding."""
    seen: set[tuple[str, str, str]] = set()
    unique = []
    for ev in evidence:
        if (ev.rule, ev.key, ev.value) not in seen:
            seen.add((ev.rule, ev.key, ev.value))
            unique.append(ev)
    return unique


def _scanner_evidence(asset: Asset) -> Iterator[Evidence]:
    """The scanner's own checks: unsupported format, name that disagrees with the bytes."""
    if asset.sniffed is UNKNOWN:
        yield Evidence(scanrules.UNSUPPORTED.code, "format not recognised from its bytes")
    elif asset.sniffed is not EMPTY and not extension_matches(asset.format, asset.path.name):
        yield Evidence(
            scanrules.EXTENSION_MISMATCH.code,
            f"named {asset.path.suffix or '(no extension)'} "
            f"but the bytes are {asset.format.upper()}",
            key="extension",
            value=asset.path.suffix,
        )


def _run(detector: Detector, asset: Asset) -> list[Evidence]:
    """A detector's evidence; its failure becomes an SCN002 finding, never a crash."""
    try:
        return list(detector.detect(asset))
    except Exception as exc:  # a detector bug or a parser choking on hostile bytes
        message = f"{detector.NAME} failed: {type(exc).__name__}: {exc}"
        return [Evidence(scanrules.DETECTOR_FAILED.code, message[:500], key=detector.NAME)]


def _describe(detector: Detector, asset: Asset) -> list[Section]:
    try:
        return list(detector.describe(asset))
    except Exception as exc:
        return [Section(detector.NAME, (Line(f"could not describe: {type(exc).__name__}"),))]


def _finding(evidence: Evidence, identity: str) -> Finding:
    rule = by_code()[evidence.rule]
    return Finding(rule, evidence, fingerprint(rule, evidence, identity))


def fingerprint(rule: Rule, evidence: Evidence, identity: str) -> str:
    """A stable id for a finding: rule, key, value and the bytes' identity, never the path.

    The path is left out on purpose: deliverables are renamed and moved, and an approval
    should follow the bytes (detect-secrets keeps line numbers out of secret ids likewise).
    """
    digest = hashlib.blake2b(digest_size=12)
    for part in (rule.code, evidence.key, evidence.value, identity):
        digest.update(part.encode("utf-8", "surrogateescape") + b"\x00")
    return digest.hexdigest()


def problem_result(rel: str, code: str, message: str) -> FileResult:
    """A result for an entry that could not be analysed at all (special file, permissions,
    a crash or a time-out in its worker)."""
    rule = by_code()[code]
    evidence = Evidence(rule.code, message, key="path")
    findings = (Finding(rule, evidence, fingerprint(rule, evidence, message)),)
    verdict, deciding = decide(findings)
    return FileResult(
        path=rel,
        kind=MediaKind.OTHER,
        format="unknown",
        mime="application/octet-stream",
        size=0,
        verdict=verdict,
        findings=findings,
        deciding=deciding,
    )
