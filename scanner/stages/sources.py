"""Project media scanned beside the deliverable (``--sources``): labelled, never final.

The stills an edit used live in the project's media folders, where their AI markers survive.
Each sources folder is scanned like the deliverable and its files join the report under
``<label>/<path>`` with role ``source``, so a trace hit can name the still as the report shows
it. The label is the folder's name (made unique when two folders share one).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from provscan.backend import LOCAL, Backend
from provscan.engine import scan_entries
from provscan.ignore import NO_IGNORE, Ignore
from provscan.limits import Limits
from provscan.model import FileResult, Report, Settings, Skipped, evolve
from provscan.paths import SOURCE, source_labels
from provscan.progress import NO_PROGRESS, Progress
from provscan.results import Entry, items_of, joined
from provscan.walk import list_entries


def scan_sources(
    report: Report,
    folders: Sequence[Path],
    settings: Settings,
    limits: Limits | None,
    progress: Progress = NO_PROGRESS,
    backend: Backend = LOCAL,
    ignores: Mapping[Path, Ignore] | None = None,
) -> Report:
    """The report with every sources folder's files appended (role ``source``).

    ``progress`` hears one "sources" stage over every folder's files, each by its report path.
    ``ignores``: what the walk of each folder leaves out (none when absent); it joins the
    report's ``skipped`` under the folder's label.
    """
    labels = source_labels(folders)
    clock = time.perf_counter()
    # Every folder is walked first so the bar's total covers them all.
    skipped: list[Skipped] = []
    walked = {}
    for label, folder in labels.items():
        found: list[Skipped] = []
        walked[label] = list_entries(folder, (ignores or {}).get(folder, NO_IGNORE), found)
        skipped.extend(replace(s, path=f"{label}/{s.path}") for s in found)
    progress.stage("sources", sum(len(entries) for entries in walked.values()))
    files = report.files
    seconds = report.duration_s + time.perf_counter() - clock  # the walks count too
    for label, folder in labels.items():
        labelled = _Labelled(progress, label)
        scanned = scan_entries(folder, walked[label], settings, limits, labelled,
                               backend=backend.under(f"{label}/"))  # fmt: skip
        seconds += scanned.duration_s
        files = joined(files, _labelled(items_of(scanned.files), label))
    roots = {label: str(folder.resolve()) for label, folder in labels.items()}
    options = {**report.options, "sources": roots}
    return replace(report, files=files, options=options, duration_s=round(seconds, 3),
                   skipped=(*report.skipped, *skipped))  # fmt: skip


def _labelled(files: Iterable[FileResult | Entry], label: str) -> Iterator[FileResult | Entry]:
    """A sources folder's results under their report path (``<label>/<path>``), role
    ``source``, one at a time (an archive's sources are not all held at once); a finished
    entry a catalog kept was kept under that path (its label is in the run context)."""
    for result in files:
        if isinstance(result, Entry):
            yield result
            continue
        yield evolve(result, path=f"{label}/{result.path}", role=SOURCE)


class _Labelled:
    """Passes a folder's files on under their report path (``<label>/<path>``); the stage is
    the caller's, so the folder's own scan does not start one."""

    def __init__(self, progress: Progress, label: str) -> None:
        self.progress, self.label = progress, label

    def stage(self, name: str, total: int) -> None:
        """Ignored: one "sources" stage covers every folder."""

    def advance(self, label: str) -> None:
        """Passed on with the folder's label in front."""
        self.progress.advance(f"{self.label}/{label}")

    def close(self) -> None:
        """Ignored: closing is the caller's."""
