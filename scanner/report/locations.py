"""Where CI reports say a file is: each reported path as a path relative to a chosen
folder (a repository's root, for code scanning and merge-request widgets), or relative to
where provscan ran when none is chosen.

The scan report's paths are relative to the scan root (sources files to their own folder,
under a label); a CI system resolves paths against the repository it checked out, so SARIF
(``--sarif-root``), GitHub annotations and GitLab Code Quality reports need them rebased.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from provscan.model import Report
from provscan.paths import locate


class OutsideRoot(ValueError):
    """A scanned folder lies outside the folder paths are to be relative to (one line)."""


def relative_paths(report: Report, base: Path | None) -> dict[str, str]:
    """Each reported path -> the file's POSIX path relative to ``base`` (default: the
    current folder). A file outside ``base`` keeps its ``../`` steps."""
    start = os.path.abspath(base or Path.cwd())
    paths = {}
    for result in report.files:
        where = os.path.abspath(locate(report, result))
        paths[result.path] = PurePosixPath(Path(os.path.relpath(where, start))).as_posix()
    return paths


def check_inside(folders: list[Path], base: Path) -> None:
    """OutsideRoot naming the first of ``folders`` that is not ``base`` or below it."""
    root = os.path.abspath(base)
    for folder in folders:
        where = os.path.abspath(folder)
        if os.path.commonpath([root, where]) != root:
            raise OutsideRoot(f"{folder} is not inside {base}: paths relative to {base} "
                              "would climb out of it")  # fmt: skip
