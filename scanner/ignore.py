"""What the walk leaves out: operating-system and version-control junk, ``--exclude`` and
the scan root's ``.provscanignore``.

A delivery prepared on a Mac carries ``.DS_Store`` and ``._name`` AppleDouble files, one
that went through Windows a ``Thumbs.db`` and a ``desktop.ini``, one cut from a repository
a ``.git/`` folder. None of them is content, and each would fail the gate as a format
provscan does not read. The default list (``DEFAULT_IGNORES``) names what file systems,
desktops, sync clients and version-control systems write by themselves; names are compared
without regard to case, as the file systems that write them do. Two guarantees:

- A *file* named like junk is read (its first bytes only) and scanned anyway when they
  are a format provscan reads: ignoring never hides media behind a junk name.
- A *folder* named like junk (``.git``, ``.Trashes``...) is not entered at all, so a
  large repository costs one directory entry; it is listed as skipped like any file.

User patterns (``--exclude`` and ``.provscanignore`` lines) use gitignore syntax, matched
by the ``pathspec`` library against the path relative to the scan root; they are the
user's decision, so what they match is skipped whatever its bytes. Everything skipped is
reported (path, pattern, and which list it came from).
"""

from __future__ import annotations

import errno
import fnmatch
import os
import re
import stat
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from provscan.model import MediaKind, Skipped
from provscan.sniff import sniff

if TYPE_CHECKING:  # pathspec loads only when there are patterns to compile (start-up)
    import pathspec

IGNORE_FILE = ".provscanignore"
MAX_IGNORE_FILE_BYTES = 1024 * 1024
DEFAULT = "default"
EXCLUDE = "--exclude"
_SNIFF_BYTES = 512  # what the scan's own sniff reads to decide a format


# A NamedTuple: used as a frozen dataclass would be, and a tenth of its cost to define.
class Junk(NamedTuple):
    """One entry of the default ignore list: a name glob, what it matches, who writes it."""

    pattern: str
    folder: bool  # True: matches folders (not entered); False: matches files (sniffed first)
    why: str


def _files(why: str, *patterns: str) -> tuple[Junk, ...]:
    return tuple(Junk(p, False, why) for p in patterns)


def _folders(why: str, *patterns: str) -> tuple[Junk, ...]:
    return tuple(Junk(p, True, why) for p in patterns)


# What an OS, a file system, a desktop, a sync client, a VCS or an editor's cache writes by
# itself, never a person's content. Left out on purpose: partial downloads and temporary
# files (*.part, *.crdownload, *.tmp, ~$*): one in a delivery means a transfer or a save did
# not finish, which the gate must show; and lost+found, where fsck puts files it recovered.
DEFAULT_IGNORES: tuple[Junk, ...] = (
    *_files("macOS Finder folder settings", ".DS_Store"),
    *_files("macOS AppleDouble (resource fork and extended attributes)", "._*"),
    *_files("macOS custom folder icon", "Icon\r", ".VolumeIcon.icns"),
    *_files("macOS localised folder name marker", ".localized"),
    *_files("macOS volume markers", ".com.apple.timemachine.donotpresent", ".apdisk"),
    *_folders(
        "macOS AppleDouble folders (file servers, zip archives)",
        ".AppleDouble",
        "__MACOSX",
        ".AppleDB",
        ".AppleDesktop",
    ),
    *_folders(
        "macOS volume indexes, trash and caches",
        ".Spotlight-V100",
        ".Trashes",
        ".fseventsd",
        ".TemporaryItems",
        ".DocumentRevisions-V100",
        "Network Trash Folder",
        "Temporary Items",
    ),
    *_files("Windows thumbnail caches", "Thumbs.db", "ehthumbs.db", "ehthumbs_vista.db"),
    *_files("Windows folder settings", "desktop.ini"),
    *_folders(
        "Windows recycle bin and volume data",
        "$RECYCLE.BIN",
        "RECYCLER",
        "System Volume Information",
    ),
    *_files("KDE folder settings", ".directory"),
    *_folders("freedesktop trash on removable drives", ".Trash-*"),
    *_files("Dropbox markers", ".dropbox", ".dropbox.attr"),
    *_folders(
        "sync clients' caches and old versions", ".dropbox.cache", ".stfolder", ".stversions"
    ),
    *_files(
        "audio and video editors' waveform and conform caches (rebuilt from the media)",
        "*.pkf",
        "*.cfa",
        "*.sfk",
        "*.reapeaks",
        "*.pek",
    ),
    *_folders("version control", ".git", ".svn", ".hg", ".bzr", "_darcs"),
    *_files(
        "version control",
        ".git",
        ".gitignore",
        ".gitattributes",
        ".gitmodules",
        ".gitkeep",
        ".hgignore",
    ),
)


def _index(folder: bool) -> tuple[dict[str, Junk], tuple[Junk, ...]]:
    """The default list for files or folders: exact names by their case-folded form (one
    lookup per walked name), then the few globs."""
    chosen = [j for j in DEFAULT_IGNORES if j.folder == folder]
    exact = {j.pattern.casefold(): j for j in chosen if not any(c in j.pattern for c in "*?[")}
    return exact, tuple(j for j in chosen if j.pattern.casefold() not in exact)


_BY_NAME = {folder: _index(folder) for folder in (False, True)}


@cache
def _globs(folder: bool) -> re.Pattern[str]:
    """The default list's globs for files or folders as one pattern, group ``j<i>`` for glob i:
    one match per walked name instead of one per glob (a 100,000-file re-scan is mostly the
    walk). Compiled when first needed, so a command that walks nothing never pays for it."""
    globs = _BY_NAME[folder][1]
    return re.compile(
        "|".join(
            f"(?P<j{i}>{fnmatch.translate(j.pattern.casefold())})" for i, j in enumerate(globs)
        )
    )


class IgnoreError(ValueError):
    """An ignore pattern or file cannot be used; the message names the place."""


# A NamedTuple: used as a frozen dataclass would be, and a tenth of its cost to define.
class _Origin(NamedTuple):
    """Where a user pattern came from: its text and ``--exclude`` or ``FILE:LINE``."""

    pattern: str
    by: str


@dataclass(frozen=True)
class Ignore:
    """What a walk leaves out: the default list (unless switched off) and user patterns."""

    defaults: bool = True
    origins: tuple[_Origin, ...] = ()
    ignore_file: str = ""  # the root's .provscanignore that was read ("" when none)
    _spec: pathspec.GitIgnoreSpec | None = field(default=None, repr=False, compare=False)

    def user(self, rel: str) -> Skipped | None:
        """The skip a user pattern decides for ``rel`` (a folder's ends in "/"), or None."""
        if self._spec is None:
            return None
        result = self._spec.check_file(rel)
        if not result.include or result.index is None:
            return None
        origin = self.origins[result.index]
        return Skipped(rel, origin.pattern, origin.by)

    def junk_folder(self, rel: str, name: str) -> Skipped | None:
        """The default-list skip for a folder, or None."""
        junk = self._junk(name, folder=True)
        return Skipped(rel + "/", junk.pattern, DEFAULT) if junk else None

    def junk_file(self, rel: str, path: str | Path, name: str) -> Skipped | None:
        """The default-list skip for a regular file, or None; a file whose bytes are a format
        provscan reads is never skipped, nor one that cannot be read to tell (the scan then
        reports why)."""
        junk = self._junk(name, folder=False)
        if junk is None or _readable_as_media(path, name):
            return None
        return Skipped(rel, junk.pattern, DEFAULT)

    def _junk(self, name: str, *, folder: bool) -> Junk | None:
        if not self.defaults:
            return None
        folded = name.casefold()
        exact, globs = _BY_NAME[folder]
        if folded in exact:
            return exact[folded]
        hit = _globs(folder).match(folded) if globs else None
        return globs[_glob_index(hit)] if hit else None

    def options(self) -> dict[str, object]:
        """What the report records about the ignore lists used."""
        return {
            "default_list": self.defaults,
            "exclude": [o.pattern for o in self.origins if o.by == EXCLUDE],
            "ignore_file": self.ignore_file or None,
        }


def _glob_index(hit: re.Match[str]) -> int:
    """Which glob matched: its group closes last (translate's own groups sit inside it)."""
    assert hit.lastgroup is not None  # (a match of the alternation took one glob's group)
    return int(hit.lastgroup[1:])


NO_IGNORE = Ignore(defaults=False)


def load_ignore(root: Path, excludes: Sequence[str] = (), *, defaults: bool = True) -> Ignore:
    """The ignore lists for a scan of ``root``: the default list, the root's
    ``.provscanignore`` (gitignore syntax) then ``excludes`` (later patterns win, as in
    gitignore). Raise IgnoreError naming the file and line, or the option, of a bad one."""
    origins: list[_Origin] = []
    patterns: list[object] = []
    ignore_file = root / IGNORE_FILE if root.is_dir() else None
    read = _read_ignore_file(ignore_file) if ignore_file else None
    for number, line in enumerate(read or [], 1):
        _add(patterns, origins, line, f"{IGNORE_FILE}:{number}", f"{ignore_file}: line {number}")
    for pattern in excludes:
        _add(patterns, origins, pattern, EXCLUDE, f"--exclude {pattern!r}")
    spec = None
    if patterns:
        import pathspec

        spec = pathspec.GitIgnoreSpec(patterns)  # type: ignore[arg-type]
    name = IGNORE_FILE if read is not None else ""
    return Ignore(defaults, tuple(origins), name, spec)


def _add(patterns: list[object], origins: list[_Origin], line: str, by: str, where: str) -> None:
    """One gitignore line: comments and blank lines add nothing."""
    line = line.rstrip("\r\n")
    if not line.strip() or line.startswith("#"):
        return
    import pathspec

    try:
        compiled = pathspec.GitIgnoreSpec.from_lines([line]).patterns
    except (ValueError, TypeError) as exc:
        raise IgnoreError(f"{where}: not a usable gitignore pattern ({exc})") from None
    for pattern in compiled:
        if pattern.include is not None:
            patterns.append(pattern)
            origins.append(_Origin(line.strip(), by))


def _read_ignore_file(path: Path) -> list[str] | None:
    """The lines of the ignore file, or None when there is none (a folder or a link of that
    name is refused: the file is configuration, read only when it is plainly one)."""
    try:
        info = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise IgnoreError(f"{path}: cannot be examined ({exc.strerror})") from None
    if not stat.S_ISREG(info.st_mode):
        raise IgnoreError(f"{path}: not a regular file")
    try:
        data = _read_head(path, MAX_IGNORE_FILE_BYTES + 1)
    except OSError as exc:
        raise IgnoreError(f"{path}: cannot be read ({exc.strerror})") from None
    if len(data) > MAX_IGNORE_FILE_BYTES:
        raise IgnoreError(f"{path}: larger than {MAX_IGNORE_FILE_BYTES // 1024} KiB")
    try:
        return data.decode("utf-8-sig").splitlines()
    except UnicodeDecodeError as exc:
        raise IgnoreError(f"{path}: not UTF-8 text (byte {exc.start})") from None


def _read_head(path: str | Path, size: int) -> bytes:
    """Up to ``size`` bytes, opened as the scan opens files: read-only, no link, no block."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        return os.read(fd, size)
    finally:
        os.close(fd)


def _readable_as_media(path: str | Path, name: str) -> bool:
    """Whether the first bytes are a format provscan reads (or cannot be read to tell)."""
    try:
        head = _read_head(path, _SNIFF_BYTES)
    except OSError:
        return True  # fail closed: the scan opens it and reports why it cannot
    return sniff(head, name).kind is not MediaKind.OTHER


def skipped_summary(skipped: Sequence[Skipped]) -> str:
    """How many paths each pattern left out, most first: "3 ._*, 1 .git/"."""
    counts = Counter(_label(s) for s in skipped)
    return ", ".join(f"{n} {label}" for label, n in counts.most_common())


def _label(skip: Skipped) -> str:
    folder = skip.path.endswith("/") and not skip.pattern.endswith("/")
    return skip.pattern + ("/" if folder else "")
