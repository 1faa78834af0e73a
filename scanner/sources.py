"""Project media scanned beside the deliverable (``--sources``): labelled, never final.

The stills an edit used live in the project's media folders, where their AI markers survive.
Each sources folder is scanned like the deliverable and its files join the report under
``<label>/<path>`` with role ``source``, so a trace hit can name the still as the report shows
it. The label is the folder's name (made unique when two folders share one).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from scanner.engine import scan
from scanner.isolate import Limits
from scanner.model import FileResult, Report, Settings

SOURCE = "source"


def source_labels(folders: Sequence[Path]) -> dict[str, Path]:
    """A unique label per sources folder (its name; ``name-2`` ... on a clash), in order."""
    labels: dict[str, Path] = {}
    for folder in folders:
        base = folder.resolve().name or "sources"
        label, n = base, 1
        while label in labels:
            n += 1
            label = f"{base}-{n}"
        labels[label] = folder
    return labels


def scan_sources(
    report: Report, folders: Sequence[Path], settings: Settings, limits: Limits | None
) -> Report:
    """The report with every sources folder's files appended (role ``source``)."""
    labels = source_labels(folders)
    extra: list[FileResult] = []
    seconds = report.duration_s
    for label, folder in labels.items():
        scanned = scan(folder, settings, limits)
        seconds += scanned.duration_s
        extra.extend(replace(f, path=f"{label}/{f.path}", role=SOURCE) for f in scanned.files)
    roots = {label: str(folder.resolve()) for label, folder in labels.items()}
    options = {**report.options, "sources": roots}
    return replace(
        report, files=(*report.files, *extra), options=options, duration_s=round(seconds, 3)
    )


def locate(report: Report, result: FileResult) -> Path:
    """Where a reported file is on disk (sources files under their own folder)."""
    root = Path(report.root)
    if result.role == SOURCE:
        label, _, rel = result.path.partition("/")
        roots = report.options.get("sources", {})
        assert isinstance(roots, dict)
        return Path(str(roots[label])) / rel
    return root if root.is_file() else root / result.path
