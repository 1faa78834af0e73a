"""The analysis of one file, as a worker process runs it: sniff, every applicable detector,
findings, verdict.

Per-file trouble never stops a run: a file that cannot be opened, a detector that
raises, a name that lies about the format, all become findings on that file.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from provscan.asset import Asset, find_manifest, find_sidecar
from provscan.detectors.registry import DETECTORS, Detector
from provscan.findings import finding_for, problem_result
from provscan.model import (
    Evidence,
    FileResult,
    Line,
    MediaKind,
    Section,
    Settings,
    Verdict,
)
from provscan.rules import scan as scanrules
from provscan.sniff import EMPTY, NOT_READ, UNKNOWN, extension_matches
from provscan.verdict import decide
from provscan.walk import Entry


def scan_entry(entry: Entry, settings: Settings) -> FileResult:
    """Everything the scanner concludes about one walked entry."""
    if entry.problem and entry.rule is not None:
        return problem_result(entry.rel, entry.rule, entry.problem)
    try:
        path = entry.path
        asset = Asset(path, entry.rel, sidecar=_sidecar(entry, path), settings=settings,
                      manifest=_manifest(entry, path))  # fmt: skip
    except FileNotFoundError:
        return problem_result(entry.rel, scanrules.CHANGED, "the file vanished during the scan")
    except OSError as exc:
        return problem_result(entry.rel, scanrules.UNREADABLE,
                              f"cannot be opened: {exc.strerror or exc}")  # fmt: skip
    with asset:
        result = analyse(asset)
        if settings.identities:
            result = _with_identities(result, asset)
        change = _changed(asset)
        if change:
            evidence = Evidence(scanrules.CHANGED.code, change, key="path")
            return _with_finding(result, evidence, asset)
        return result


def _sidecar(entry: Entry, path: Path) -> Path | None:
    """The entry's XMP sidecar: from the walk's listing when it had one, else probed."""
    if not entry.listed:
        return find_sidecar(path)
    return path.with_name(entry.sidecar) if entry.sidecar else None


def _manifest(entry: Entry, path: Path) -> Path | None:
    """The entry's detached C2PA manifest: from the walk's listing, else probed."""
    if not entry.listed:
        return find_manifest(path)
    return path.with_name(entry.manifest) if entry.manifest else None


_CANDIDATES = frozenset({Verdict.AI_GENERATED, Verdict.AI_EDITED, Verdict.AI_SUSPECTED})


def _with_identities(result: FileResult, asset: Asset) -> FileResult:
    """The result with the file's SHA-256 and, for a still with AI evidence, its pHash: what
    AI-use log entries are matched by, kept so a catalog can re-apply a log without the media."""
    try:
        sha = asset.sha256()
        phash = ""
        if result.kind is MediaKind.IMAGE and result.verdict in _CANDIDATES:
            from provscan.extract.phash import phash_of  # numpy: loaded only when needed

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
    findings = (*result.findings, finding_for(evidence, asset.quick_id()))
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
    findings = tuple(finding_for(ev, asset.quick_id()) for ev in _first_of_each(evidence))
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
    elif asset.format in NOT_READ:
        yield Evidence(scanrules.UNSUPPORTED.code, NOT_READ[asset.format])
    known = asset.sniffed not in (EMPTY, UNKNOWN)
    if known and not extension_matches(asset.format, asset.path.name):
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
