"""Files under a scan root, in a stable order, without ever leaving the root.

Symbolic links are never followed (a link to a file elsewhere in the tree is scanned at
its target; a link out of the root is reported); FIFOs, sockets and devices are reported
and never opened (opening a FIFO blocks); unreadable directories are reported. What the
ignore lists (scanner.ignore) leave out is handed to a ``skipped`` list, never dropped
silently; an ignored folder is not entered.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from provscan.asset import MANIFEST_SUFFIX, manifest_names, sidecar_names
from provscan.ignore import NO_IGNORE, Ignore
from provscan.model import Rule, Skipped
from provscan.rules.scan import NOT_REGULAR, SYMLINK, UNREADABLE


@dataclass(frozen=True, slots=True)
class Entry:
    """One walked path; ``problem`` is set when it must be reported instead of read.
    ``location`` is where it is on disk, as text (a Path is made when the file is read:
    making one per walked file was a fifth of a catalogued re-scan)."""

    location: str
    rel: str
    problem: str = ""
    rule: Rule | None = None
    # Companions found in the folder's listing: a walked file's XMP sidecar and detached
    # C2PA manifest (names beside it, "" for none), so that no worker probes five names
    # on disk per file. ``listed`` False: not known (a file named alone), the reader probes.
    sidecar: str = ""
    manifest: str = ""
    listed: bool = False

    @property
    def path(self) -> Path:
        """Where the entry is on disk."""
        return Path(self.location)

    def __reduce__(self) -> tuple[object, ...]:
        """Pickled as its field values (each is sent to a worker)."""
        return (Entry, (self.location, self.rel, self.problem, self.rule, self.sidecar,
                        self.manifest, self.listed))  # fmt: skip


def iter_entries(
    root: Path, ignore: Ignore = NO_IGNORE, skipped: list[Skipped] | None = None
) -> Iterator[Entry]:
    """Every file under ``root`` (or ``root`` itself when it is a file: a file named on the
    command line is always scanned), sorted by path. What ``ignore`` leaves out is appended
    to ``skipped`` (when given) as the walk meets it."""
    if root.is_file() and not root.is_symlink():
        yield Entry(str(root), root.name)
        return
    for folder, prefix, items in _blocks(root, ignore, skipped):
        for item in items:
            if isinstance(item, str):
                item = Entry(folder + item, prefix + item, listed=True)
            yield item


def list_entries(
    root: Path, ignore: Ignore = NO_IGNORE, skipped: list[Skipped] | None = None
) -> Listing:
    """The whole walk of ``root`` (as :func:`iter_entries`), kept compactly."""
    if root.is_file() and not root.is_symlink():
        return Listing(iter_entries(root, ignore, skipped))
    return Listing.of_blocks(_blocks(root, ignore, skipped))


# A run of one folder's walked items: the folder's location with its separator, its
# root-relative prefix, and each item: a plain listed file's name, or its Entry when it is
# more (a problem, a companion, a link...). A plain file is never made an Entry here.
_Block = tuple[str, str, list["str | Entry"]]


def _blocks(root: Path, ignore: Ignore, skipped: list[Skipped] | None) -> Iterator[_Block]:
    walk = _Walk(root.resolve(), ignore, skipped if skipped is not None else [])
    return walk.folder(root, "")


class Listing:
    """A finished walk, iterable as often as needed, that keeps a plain file as its name
    only: a folder's location and root-relative prefix are shared by its files. A scan
    holds its walk to the end (the progress bar's total, the catalog's removed files), and
    every worker forked meanwhile inherits it: as entry objects, 100,000 files held 32 MB
    in each process, as names 9 MB. Entries are made again as they are iterated."""

    __slots__ = ("_blocks", "_count", "readable")

    def __init__(self, entries: Iterable[Entry] = ()) -> None:
        self._blocks: list[_Block] = []  # in walk order
        self._count = self.readable = 0
        for entry in entries:
            self._add(entry)

    @classmethod
    def of_blocks(cls, blocks: Iterable[_Block]) -> Listing:
        """The listing of a walk's blocks, as they come."""
        listing = cls()
        for folder, prefix, items in blocks:
            listing._count += len(items)
            listing.readable += sum(1 for i in items if isinstance(i, str) or not i.problem)
            last = listing._blocks[-1] if listing._blocks else None
            if last is not None and last[:2] == (folder, prefix):
                last[2].extend(items)  # (a subfolder between them gave nothing)
            else:
                listing._blocks.append((folder, prefix, items))
        return listing

    def _add(self, entry: Entry) -> None:
        self._count += 1
        self.readable += not entry.problem
        name = entry.rel.rpartition("/")[2]
        plain = entry.listed and not (entry.problem or entry.sidecar or entry.manifest)
        folder, prefix = entry.location[: -len(name)], entry.rel[: -len(name)]
        if not plain or not name or not entry.location.endswith(name) or entry.rule:
            self._item(folder, prefix, entry)
        else:
            self._item(folder, prefix, name)

    def _item(self, folder: str, prefix: str, item: str | Entry) -> None:
        if not self._blocks or self._blocks[-1][:2] != (folder, prefix):
            self._blocks.append((folder, prefix, []))
        self._blocks[-1][2].append(item)

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Entry]:
        for location, rel, entry in self.located():
            yield entry or Entry(location, rel, listed=True)

    def located(self) -> Iterator[tuple[str, str, Entry | None]]:
        """Every entry as (location, rel, entry), in order; ``entry`` is None for a plain
        listed file, whose Entry a caller may never need (a catalogued re-scan's unchanged
        files: making one per file was a twentieth of that re-scan)."""
        for folder, prefix, items in self._blocks:
            for item in items:
                if isinstance(item, str):
                    yield folder + item, prefix + item, None
                else:
                    yield item.location, item.rel, item

    def nested_folders(self) -> set[str]:
        """The folders (root-relative, "" for the root) that hold a walked folder."""
        nested: set[str] = set()
        for _, prefix, _ in self._blocks:
            folder = prefix.rstrip("/")
            while folder:
                folder = folder.rpartition("/")[0]
                if folder in nested:
                    break
                nested.add(folder)
        return nested

    def paths(self) -> set[str]:
        """Every entry's root-relative path."""
        return {
            prefix + item if isinstance(item, str) else item.rel
            for _, prefix, items in self._blocks
            for item in items
        }

    def __contains__(self, entry: object) -> bool:
        return any(entry == mine for mine in self)


@dataclass(frozen=True, slots=True)
class _Walk:
    real_root: Path
    ignore: Ignore
    skipped: list[Skipped]

    def folder(self, directory: Path, prefix: str) -> Iterator[_Block]:
        """The items of one folder and, depth first, of the folders in it, in blocks."""
        children = list(_children(directory, prefix))
        companions = _companions(children)
        location = os.path.join(directory, "")  # (what scandir puts before each name)
        items: list[str | Entry] = []
        for child, rel in children:
            if isinstance(child, Entry):
                items.append(child)  # the folder could not be listed
                continue
            try:
                is_folder = child.is_dir(follow_symlinks=False)
                skip = self._skip(child, rel, is_folder)
            except OSError:
                is_folder, skip = False, None  # examined again, and reported, as an entry
            if skip is not None:
                self.skipped.append(skip)
            elif is_folder:
                if items:
                    yield location, prefix, items
                    items = []
                yield from self.folder(Path(child.path), rel + "/")
            else:
                items.append(_item(child, rel, self.real_root, companions))
        if items:
            yield location, prefix, items

    def _skip(self, child: os.DirEntry[str], rel: str, is_folder: bool) -> Skipped | None:
        """What the ignore lists decide for one child: the root's ignore file is configuration;
        then user patterns (the user's decision); then the default list (folders by name,
        regular files by name and bytes)."""
        if rel == self.ignore.ignore_file:
            return Skipped(rel, rel, "ignore file")
        if skip := self.ignore.user(rel + "/" if is_folder else rel):
            return skip
        if is_folder:
            return self.ignore.junk_folder(rel, child.name)
        if child.is_file(follow_symlinks=False):
            return self.ignore.junk_file(rel, child.path, child.name)
        return None


def _children(directory: Path, prefix: str) -> Iterator[tuple[os.DirEntry[str] | Entry, str]]:
    """A folder's children in byte order of their names, with their root-relative paths; or
    one problem entry when the folder cannot be listed."""
    try:
        with os.scandir(directory) as it:
            children = sorted(it, key=lambda e: os.fsencode(e.name))
    except OSError as exc:
        rel = prefix.rstrip("/") or "."
        problem = f"directory cannot be listed: {exc.strerror}"
        yield Entry(str(directory), rel, problem, UNREADABLE), rel
        return
    for child in children:
        yield child, prefix + child.name


def _companions(children: list[tuple[os.DirEntry[str] | Entry, str]]) -> frozenset[str]:
    """The folder's regular files that may be a sidecar or a detached manifest (most folders
    have none, and their files then need no look-up at all)."""
    return frozenset(
        child.name
        for child, _ in children
        if isinstance(child, os.DirEntry)
        and child.name.lower().endswith(_COMPANION_SUFFIXES)
        and _regular(child)
    )


_COMPANION_SUFFIXES = (".xmp", MANIFEST_SUFFIX)


def _regular(child: os.DirEntry[str]) -> bool:
    try:
        return child.is_file(follow_symlinks=False)
    except OSError:
        return False


def _item(
    child: os.DirEntry[str], rel: str, real_root: Path, companions: frozenset[str] = frozenset()
) -> str | Entry:
    """A child that is not a folder to enter: its name when it is a plain regular file, else
    its entry (a file with companions, a link, a special file, a problem)."""
    try:
        if child.is_file(follow_symlinks=False):
            if not companions:
                return child.name
            sidecar = next((n for n in sidecar_names(child.name) if n in companions), "")
            manifest = next((n for n in manifest_names(child.name) if n in companions), "")
            if not (sidecar or manifest):
                return child.name
            return Entry(child.path, rel, sidecar=sidecar, manifest=manifest, listed=True)
        if child.is_symlink():
            return _symlink_entry(Path(child.path), rel, real_root)
        return _special_entry(Path(child.path), rel)
    except OSError as exc:
        return Entry(child.path, rel, f"cannot be examined: {exc.strerror}", UNREADABLE)


def _symlink_entry(path: Path, rel: str, real_root: Path) -> Entry:
    target = os.readlink(path)
    try:
        resolved = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return Entry(str(path), rel, f"symbolic link to {target!s} is broken or loops", SYMLINK)
    if not resolved.is_relative_to(real_root):
        return Entry(
            str(path), rel, f"symbolic link to {target!s} leaves the scan root; not followed",
            SYMLINK,
        )  # fmt: skip
    return Entry(str(path), rel, f"symbolic link to {target!s}; the target is scanned in place",
                 SYMLINK)  # fmt: skip


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
    return Entry(str(path), rel, f"{what}; not opened", NOT_REGULAR)
