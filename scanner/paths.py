"""Where a reported file is: report paths of the deliverable and of its sources folders
(``<label>/<path>``) mapped to files on disk, and a path-free identity of their bytes."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from provscan.asset import Asset
from provscan.model import FileResult, Report
from provscan.results import Brief

SOURCE = "source"  # the role of a file from a sources folder (--sources)


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


def content_id(report: Report, result: FileResult) -> str:
    """A path-free identity of a reported file's bytes, for the fingerprints of findings
    the later stages add (its quick id; its report path when it is gone)."""
    try:
        with Asset(locate(report, result), result.path) as asset:
            return asset.quick_id()
    except OSError:
        return result.path


def locate(report: Report, result: FileResult | Brief) -> Path:
    """Where a reported file is on disk (sources files under their own folder)."""
    root = Path(report.root)
    if result.role == SOURCE:
        label, _, rel = result.path.partition("/")
        roots = report.options.get("sources", {})
        assert isinstance(roots, dict)
        return Path(str(roots[label])) / rel
    return root if root.is_file() else root / result.path
