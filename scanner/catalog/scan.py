"""Scanning through the catalog: unchanged files come from it, the rest are analysed and
recorded, all in walk order; the walk's missing files are forgotten at the end.

An unchanged file comes back as its finished entry when one was kept under the run's
context (scanner.catalog.entry: nothing of it is decoded), else as its decoded evidence.
The entries are annotated lazily (stat + lookup) and the ones to analyse are fed to the
analysis as it asks for them, so only a read-ahead window is held besides the results.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Set
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from provscan.catalog.codec import decode, encode
from provscan.catalog.entry import approval_of, kept, packed
from provscan.catalog.store import Catalog, Identity, Outcome, Row, Stored
from provscan.compact import Compactor
from provscan.model import TOOL_KEYS, FileResult, Report
from provscan.paths import SOURCE
from provscan.results import Entry as Finished
from provscan.results import looked_at
from provscan.walk import Entry, Listing

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
    kept: int = 0  # unchanged files whose finished entry was reused (of ``reused``)
    transient: set[tuple[int, str]] = field(default_factory=set)  # (root id, rel): not kept

    def clear(self) -> None:
        """Forget what was counted (a run that scans again)."""
        self.reused = self.scanned = self.removed = self.resumed = self.kept = 0
        self.roots.clear()
        self.transient.clear()

    def as_dict(self, path: Path) -> dict[str, object]:
        """The options entry of the report."""
        return {"path": str(path), "reused": self.reused, "reused_as_judged": self.kept,
                "scanned": self.scanned, "removed": self.removed,
                "resumed_from_interrupted": self.resumed}  # fmt: skip


# One walked file as the feed hands it out: its rel, its Entry (None when it is unchanged:
# it is never analysed, so none is made), its identity now, what the catalog holds of it.
# A plain tuple: a re-scan makes one per file.
_Item = tuple[str, Entry | None, Identity | None, Stored | None]


def catalogued(
    root: Path,
    entries: Listing,
    catalog: Catalog,
    stats: Stats,
    analyse: Analyse,
    context: str = "",
) -> Iterator[FileResult | Finished]:
    """One result per entry, in order: for an unchanged file its finished entry when one was
    kept under ``context``, else its stored evidence; fresh analysis (recorded) for the
    others."""
    root_id = catalog.root_id(root)
    run_id, resumed = catalog.begin_run(root_id)
    stats.resumed += resumed
    stats.roots.append(str(root))
    feed = _Feed(entries.located(), catalog, root_id, context, entries.nested_folders())
    fresh = analyse(feed.misses())
    reused, compactor = 0, Compactor()
    for rel, _, identity, stored in feed.in_order():
        if stored is not None:
            reused += 1
            if stored.entry is not None and stored.extra is not None and stored.brief:
                stats.kept += 1
                yield kept(stored.entry, stored.extra, stored.brief, stored.usage)
                continue
            assert stored.evidence is not None  # (asked for whenever no entry is)
            yield decode(rel, stored.evidence, compactor=compactor)
            continue
        result = next(fresh)
        if identity is not None and not _transient(result):
            catalog.record(root_id, _row(rel, identity, result), run_id)
        else:
            stats.transient.add((root_id, rel))
        yield result
    left = next(fresh, None)  # runs the analysis to its end, so its workers stop now
    assert left is None  # one fresh result per missed entry
    # The walk's paths are gathered now, not as files pass: strings kept from then on, each
    # left between the freed pages of a file's analysis, would hold those pages.
    removed = catalog.remove_missing(root_id, entries.paths())
    catalog.finish_run(run_id, len(entries), reused, removed)
    stats.reused += reused
    stats.scanned += len(entries) - reused
    stats.removed += removed


class _Feed:
    """Annotates entries once, lazily; hands them out in order and the misses separately."""

    def __init__(
        self,
        entries: Iterator[tuple[str, str, Entry | None]],
        catalog: Catalog,
        root_id: int,
        context: str,
        nested: Set[str] = frozenset(),
    ) -> None:
        self.entries, self.catalog, self.root_id = entries, catalog, root_id
        self.context, self.nested = context, nested
        self.pending: deque[_Item] = deque()
        self.missed: deque[Entry] = deque()
        self.folders: dict[str, dict[str, tuple[Any, ...]]] = {}

    def _pull(self) -> bool:
        walked = next(self.entries, None)
        if walked is None:
            return False
        location, rel, entry = walked
        identity = None if entry is not None and entry.problem else Identity.of(location)
        stored = None
        if identity is not None:
            stored = self._stored(rel, identity)
        if stored is None:
            entry = entry or Entry(location, rel, listed=True)
            self.missed.append(entry)
        self.pending.append((rel, entry, identity, stored))
        return True

    def _stored(self, rel: str, identity: Identity) -> Stored | None:
        """What is recorded for an unchanged file by this engine, read a folder at a time
        (the walk visits a folder's files together, around its subfolders)."""
        folder = rel.rpartition("/")[0]
        rows = self.folders.get(folder)
        if rows is None:
            if len(self.folders) >= _FOLDERS_KEPT:
                self.folders.pop(next(iter(self.folders)))
            rows = self.folders[folder] = self.catalog.folder(
                self.root_id, folder, self.context, leaf=folder not in self.nested
            )
        # Taken out as used: a folder's kept entries (their report text) are held only until
        # the walk reaches each file, not for the whole folder.
        return self.catalog.reusable(rows.pop(rel, None), identity)

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


def _row(rel: str, identity: Identity, result: FileResult) -> Row:
    signed = any(f.rule.code.startswith("C2P") for f in result.findings)
    return Row(rel, identity, result.sha256, result.kind.value, result.format,
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


def record_gates(
    catalog: Catalog,
    report: Report,
    roots: dict[str, Path],
    contexts: dict[str, str] | None = None,
    stats: Stats | None = None,
    unsettled: Set[str] = frozenset(),
) -> None:
    """Each catalogued file's final verdict, gate and approval from this run's report, and
    (``contexts``: report path prefix -> the run context) its finished entry, kept for the
    next run under that context. A file kept from an earlier run is not written again; a
    file whose analysis was not recorded (a crash or time limit: ``stats.transient``) or
    whose trace search was not (``unsettled``, report paths) keeps no entry.

    ``roots`` maps a report path prefix ('' for the deliverable, '<label>/' for a sources
    folder) to the folder it was scanned from."""
    ids = {prefix: catalog.root_id(folder) for prefix, folder in roots.items()}
    contexts = contexts or {}
    transient = stats.transient if stats is not None else set()

    def outcomes() -> Iterator[Outcome]:
        for _, item in looked_at(report.files, noted=False):
            if isinstance(item, Finished):
                if item.stored:  # kept as it was: nothing changed
                    continue
                brief = item.brief
                path, role, verdict, gate = brief.path, brief.role, brief.verdict, brief.gate
                approval = approval_of(item)
            else:
                path, role, verdict = item.path, item.role, item.verdict
                gate, approval = item.gate, item.approval
            if role == "timeline":  # an edit given with --timeline: not a catalogued file
                continue
            prefix = "" if role != SOURCE else path.partition("/")[0] + "/"
            if prefix not in ids:
                continue
            root_id = ids[prefix]
            if isinstance(item, FileResult) and item.sequence is not None:
                # A frame sequence is judged whole: each of its frames (the catalogued
                # files) keeps its own verdict and takes the sequence's gate and approval.
                for frame in item.sequence.frames:
                    yield Outcome(root_id, frame.path[len(prefix) :], frame.verdict.value,
                                  gate.value, approval)  # fmt: skip
                continue
            rel = path[len(prefix) :]
            context = contexts.get(prefix, "")
            keep = (root_id, rel) not in transient and path not in unsettled
            if isinstance(item, Finished) and context and keep:
                yield Outcome(root_id, rel, verdict.value, gate.value, approval, context,
                              item.line, item.extra, packed(item), item.usage or None)  # fmt: skip
            else:
                yield Outcome(root_id, rel, verdict.value, gate.value, approval)

    catalog.record_outcomes(outcomes())
    catalog.record_run_gate(report.gate.value)
