"""The findings a CI system should show: those the gate counts (level fail or warn), each
with the file it is about, for the formats that annotate files (GitHub workflow commands,
GitLab Code Quality). Evidence that decides nothing stays in the full reports."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from provscan.model import Report
from provscan.report.locations import relative_paths
from provscan.report.to_json import to_dict

GATING = ("fail", "warn")


@dataclass(frozen=True, slots=True)
class Decision:
    """One finding the gate counts: where (a file, the log, or the delivery's folder; POSIX,
    relative to the chosen base), what the gate made of it, and the finding itself."""

    path: str
    gate: str  # "fail" or "warn"
    finding: dict[str, Any]
    whole: bool = False  # about the log or the delivery as a whole, not one file


def decisions(report: Report, base: Path | None = None) -> Iterator[Decision]:
    """Every finding at gate fail or warn, files first (in report order), then the log's,
    then the delivery's; paths relative to ``base`` (default: the current folder)."""
    data = to_dict(report, frames=0)
    paths = relative_paths(report, base)
    for entry in data["files"]:
        for finding in entry["findings"]:
            if finding["gate"] in GATING:
                yield Decision(paths[entry["path"]], finding["gate"], finding)
    log_path = _relative(data["log"]["path"], base) if data["log"] else ""
    for finding in data["log_findings"]:
        if finding["gate"] in GATING:
            yield Decision(log_path, finding["gate"], finding, whole=True)
    root = _relative(data["root"], base)
    for finding in data["delivery_findings"]:
        if finding["gate"] in GATING:
            yield Decision(root, finding["gate"], finding, whole=True)


def _relative(path: str, base: Path | None) -> str:
    """A path given on the command line (log, scan root) relative to ``base``, POSIX."""
    if not path:
        return ""
    rel = os.path.relpath(os.path.abspath(path), os.path.abspath(base or Path.cwd()))
    return Path(rel).as_posix()
