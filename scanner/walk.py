"""Files under a scan root, in a stable order, without ever leaving the root.

Symbolic links are never followed (a link to a file elsewhere in the tree is scanned at
its target; a link out of the root is reported); FIFOs, sockets and devices are reported
and never opened (opening a FIFO blocks); unreadable directories are reported.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from scanner.model import Rule
from scanner.scanrules import NOT_REGULAR, SYMLINK, UNREADABLE


@dataclass(frozen=True, slots=True)
class Entry:
    """One walked path; ``problem`` is set when it must be reported instead of read."""

    path: Path
    rel: str
    problem: str = ""
    rule: Rule | None = None


def iter_entries(root: Path) -> Iterator[Entry]:
    """Every file under ``root`` (or ``root`` itself when it is a file), sorted by path."""
    if root.is_file() and not root.is_symlink():
        yield Entry(root, root.name)
        return
    yield from _walk_dir(root, root.resolve(), "")


def _walk_dir(directory: Path, real_root: Path, prefix: str) -> Iterator[Entry]:
    try:
        with os.scandir(directory) as it:
            children = sorted(it, key=lambda e: os.fsencode(e.name))
    except OSError as exc:
        rel = prefix.rstrip("/") or "."
        yield Entry(directory, rel, f"directory cannot be listed: {exc.strerror}", UNREADABLE)
        return
    for child in children:
        rel = prefix + child.name
        path = Path(child.path)
        try:
            if child.is_symlink():
                yield _symlink_entry(path, rel, real_root)
            elif child.is_dir(follow_symlinks=False):
                yield from _walk_dir(path, real_root, rel + "/")
            elif child.is_file(follow_symlinks=False):
                yield Entry(path, rel)
            else:
                yield _special_entry(path, rel)
        except OSError as exc:
            yield Entry(path, rel, f"cannot be examined: {exc.strerror}", UNREADABLE)


def _symlink_entry(path: Path, rel: str, real_root: Path) -> Entry:
    target = os.readlink(path)
    try:
        resolved = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return Entry(path, rel, f"symbolic link to {target!s} is broken or loops", SYMLINK)
    if not resolved.is_relative_to(real_root):
        return Entry(
            path, rel, f"symbolic link to {target!s} leaves the scan root; not followed", SYMLINK
        )
    return Entry(path, rel, f"symbolic link to {target!s}; the target is scanned in place", SYMLINK)


def _special_entry(path: Path, rel: str) -> Entry:
    mode = path.lstat().st_mode
    what = (
        "a FIFO (named pipe)"
        if stat.S_ISFIFO(mode)
        else "a socket"
        if stat.S_ISSOCK(mode)
        else "a device file"
        if stat.S_ISBLK(mode) or stat.S_ISCHR(mode)
        else "not a regular file"
    )
    return Entry(path, rel, f"{what}; not opened", NOT_REGULAR)
