"""Scanning through the catalog: unchanged files come from it, the rest are analysed and
recorded, all in walk order; the walk's missing files are forgotten at the end.

The entries are annotated lazily (stat + lookup) and the ones to analyse are fed to the
analysis as it asks for them, so only a read-ahead window is held besides the results.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from provscan.catalog.codec import decode, encode
from provscan.catalog.store import Catalog, Identity, Row
from provscan.compact import Compactor
from provscan.model import TOOL_KEYS, FileResult, Report
from provscan.walk import Entry

Analyse = Callable[[Iterator[Entry]], Iterator[FileResult]]

# Outcomes that depend on the moment, not the bytes: never kept, so the next run retries.
_TRANSIENT = frozenset({"SCN007", "SCN008", "SCN009"})
_FOLDERS_KEPT = 16  # folders whose records are held while the walk is in or around them


@dataclass(slots=True)
class Stats:
    """What a run did with the catalog (reported in the scan's options)."""

    reused: int = 0
    scanned: int = 0
    removed: int = 0
    resumed: int = 0  # files an interrupted earlier run had recorded
    roots: list[str] = field(default_factory=list)

    def as_dict(self, path: Path) -> dict[str, object]:
        """The options entry of the report."""
        return {"path": str(path), "reused": self.reused, "scanned": self.scanned,
                "removed": self.removed, "resumed_from_interrupted": self.resumed}  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Item:
    entry: Entry
    identity: Identity | None
    stored: str | None


def catalogued(
    root: Path,
    entries: Sequence[Entry],
    catalog: Catalog,
    stats: Stats,
    analyse: Analyse,
) -> Iterator[FileResult]:
    """One result per entry, in order: stored evidence for unchanged files, fresh analysis
    (recorded) for the others."""
    root_id = catalog.root_id(root)
    run_id, resumed = catalog.begin_run(root_id)
    stats.resumed += resumed
    stats.roots.append(str(root))
    feed = _Feed(iter(entries), catalog, root_id)
    fresh = analyse(feed.misses())
    reused, compactor = 0, Compactor()
    for item in feed.in_order():
        if item.stored is not None:
            reused += 1
            yield decode(item.entry.rel, item.stored, compactor=compactor)
            continue
        result = next(fresh)
        if item.identity is not None and not _transient(result):
            catalog.record(root_id, _row(item, result), run_id)
        yield result
    removed = catalog.remove_missing(root_id, {e.rel for e in entries})
    catalog.finish_run(run_id, len(entries), reused, removed)
    stats.reused += reused
    stats.scanned += len(entries) - reused
    stats.removed += removed


class _Feed:
    """Annotates entries once, lazily; hands them out in order and the misses separately."""

    def __init__(self, entries: Iterator[Entry], catalog: Catalog, root_id: int) -> None:
        self.entries, self.catalog, self.root_id = entries, catalog, root_id
        self.pending: deque[_Item] = deque()
        self.missed: deque[Entry] = deque()
        self.folders: dict[str, dict[str, tuple[Identity, str, str]]] = {}

    def _pull(self) -> bool:
        entry = next(self.entries, None)
        if entry is None:
            return False
        identity = None if entry.problem else Identity.of(entry.path)
        stored = None
        if identity is not None:
            stored = self._stored(entry.rel, identity)
        item = _Item(entry, identity, stored)
        self.pending.append(item)
        if stored is None:
            self.missed.append(entry)
        return True

    def _stored(self, rel: str, identity: Identity) -> str | None:
        """The evidence recorded for an unchanged file by this engine, read a folder at a
        time (the walk visits a folder's files together, around its subfolders)."""
        folder = rel.rpartition("/")[0]
        rows = self.folders.get(folder)
        if rows is None:
            if len(self.folders) >= _FOLDERS_KEPT:
                self.folders.pop(next(iter(self.folders)))
            rows = self.folders[folder] = self.catalog.folder(self.root_id, folder)
        return self.catalog.reusable(rows.get(rel), identity)

    def misses(self) -> Iterator[Entry]:
        """The entries to analyse, in order, pulled as the analysis asks for them."""
        while True:
            while not self.missed:
                if not self._pull():
                    return
            yield self.missed.popleft()

    def in_order(self) -> Iterator[_Item]:
        """Every entry, in order, with its identity and stored evidence (if reusable)."""
        while self.pending or self._pull():
            yield self.pending.popleft()


def _transient(result: FileResult) -> bool:
    return any(f.rule.code in _TRANSIENT for f in result.findings)


def _row(item: _Item, result: FileResult) -> Row:
    assert item.identity is not None
    signed = any(f.rule.code.startswith("C2P") for f in result.findings)
    return Row(item.entry.rel, item.identity, result.sha256, result.kind.value, result.format,
               result.verdict.value, tool_of(result), encode(result), signed)  # fmt: skip


def tool_of(result: FileResult) -> str:
    """The tool the deciding evidence names (else any finding), for catalog queries."""
    deciding = [result.findings[i] for i in result.deciding]
    for group in (deciding, result.findings):
        for finding in group:
            for key in TOOL_KEYS:
                value = finding.evidence.details.get(key)
                if value:
                    return str(value)[:200]
    return ""


def record_gates(catalog: Catalog, report: Report, roots: dict[str, Path]) -> None:
    """Each catalogued file's final verdict, gate and approval from this run's report.

    ``roots`` maps a report path prefix ('' for the deliverable, '<label>/' for a sources
    folder) to the folder it was scanned from."""
    ids = {prefix: catalog.root_id(folder) for prefix, folder in roots.items()}
    rows = []
    for result in report.files:
        if result.role == "timeline":  # an edit given with --timeline: not a catalogued file
            continue
        prefix = "" if result.role != "source" else result.path.partition("/")[0] + "/"
        if prefix not in ids:
            continue
        # A frame sequence is judged whole: each of its frames (the catalogued files) keeps
        # its own verdict and takes the sequence's gate and approval.
        frames = result.sequence.frames if result.sequence is not None else (result,)
        for frame in frames:
            rel = frame.path[len(prefix) :]
            rows.append((frame.verdict.value, result.gate.value, result.approval,
                         ids[prefix], rel))  # fmt: skip
    catalog.record_outcomes(rows)
    catalog.record_run_gate(report.gate.value)
