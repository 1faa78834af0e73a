"""Which log entry covers which file: the content keys decide, the path only when it is all.

Keys: ``sha256`` (the bytes), ``c2pa_instance_id`` (any manifest's instance id in the file's
C2PA store, ingredients included), ``phash`` within ``phash_max_distance`` bits (a re-encoded or
resized copy of a still), ``path`` (a glob relative to the scan root: ``*`` within a folder
name, ``**`` across folders, ``?``, ``[abc]``).

An entry that gives content keys matches a file when every one of them agrees: a file renamed
or moved with the same content keeps its approval, and a ``path`` that no longer agrees is only
reported (LOG005). ``require_path = true`` makes the path a condition too. An entry with only a
path matches by path (weak: LOG003). When no entry matches a file, :func:`nearest` says which
came closest and why it did not match.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from provscan.ailog.entry import LogEntry


@dataclass(frozen=True, slots=True)
class FileFacts:
    """What a file offers to match against: its path and the identities computed for it."""

    path: str  # POSIX, relative to the scan root
    sha256: str = ""  # empty when not computed (no entry asks for it)
    phash: str = ""  # empty for non-images or when not computed
    instance_ids: frozenset[str] = frozenset()


def matched_key(entry: LogEntry, facts: FileFacts) -> str | None:
    """The strongest key of ``entry`` when it matches ``facts``, else None: every content key
    agrees (and the path too under ``require_path``), or, with no content key, the path."""
    content = entry.content_keys
    if not content:
        return "path" if entry.path and _agrees("path", entry, facts) else None
    if not all(_agrees(key, entry, facts) for key in content):
        return None
    if entry.require_path and not _agrees("path", entry, facts):
        return None
    return content[0]


def path_moved(entry: LogEntry, facts: FileFacts) -> bool:
    """Whether a matching entry's path no longer names the file (renamed or moved)."""
    return bool(entry.content_keys and entry.path) and not _agrees("path", entry, facts)


class EntryIndex:
    """Log entries indexed by their strongest key (sha256, instance id, an exact path), so
    matching a file only tries the entries that could agree with it: every content key must
    agree, so an entry whose strongest key differs cannot match. Entries with a pHash as
    their strongest key, or a path glob as their only key, are tried for every file.
    Candidates keep the log's order. :meth:`near` finds entries sharing any key."""

    def __init__(self, entries: Sequence[LogEntry]) -> None:
        self.by_sha: dict[str, list[int]] = defaultdict(list)
        self.by_id: dict[str, list[int]] = defaultdict(list)
        self.by_path: dict[str, list[int]] = defaultdict(list)
        self.always: list[int] = []
        self.entries = tuple(entries)
        for pos, entry in enumerate(self.entries):
            self._add(pos, entry)
        self.any_sha: dict[str, list[int]] = defaultdict(list)
        self.any_id: dict[str, list[int]] = defaultdict(list)
        self.any_path: dict[str, list[int]] = defaultdict(list)
        self.fuzzy = [p for p, e in enumerate(self.entries) if e.phash]
        for pos, entry in enumerate(self.entries):
            self._add_any(pos, entry)

    def _add_any(self, pos: int, entry: LogEntry) -> None:
        if entry.sha256:
            self.any_sha[entry.sha256].append(pos)
        if entry.c2pa_instance_id:
            self.any_id[entry.c2pa_instance_id].append(pos)
        if entry.path and _is_plain(entry.path):
            self.any_path[_plain_path(entry.path)].append(pos)

    def _add(self, pos: int, entry: LogEntry) -> None:
        if entry.sha256:
            self.by_sha[entry.sha256].append(pos)
        elif entry.c2pa_instance_id:
            self.by_id[entry.c2pa_instance_id].append(pos)
        elif entry.phash or not _is_plain(entry.path):
            self.always.append(pos)  # a pHash is near or far; a glob may match any path
        else:  # a plain path decides (path only, or pHash-free with require_path)
            self.by_path[_plain_path(entry.path)].append(pos)

    def candidates(self, facts: FileFacts) -> list[LogEntry]:
        """The entries that could match ``facts``, in log order."""
        found = set(self.always)
        found.update(self.by_sha.get(facts.sha256, ()) if facts.sha256 else ())
        for instance_id in facts.instance_ids:
            found.update(self.by_id.get(instance_id, ()))
        found.update(self.by_path.get(facts.path, ()))
        return [self.entries[pos] for pos in sorted(found)]

    def near(self, facts: FileFacts) -> list[LogEntry]:
        """Entries sharing at least one key with ``facts`` (an exact sha256, instance id or
        plain path), and every pHash entry: the candidates for :func:`nearest`."""
        found = set(self.fuzzy)
        found.update(self.any_sha.get(facts.sha256, ()) if facts.sha256 else ())
        for instance_id in facts.instance_ids:
            found.update(self.any_id.get(instance_id, ()))
        found.update(self.any_path.get(facts.path, ()))
        return [self.entries[pos] for pos in sorted(found)]


def _is_plain(pattern: str) -> bool:
    return not any(c in pattern for c in "*?[")


def _plain_path(pattern: str) -> str:
    pattern = pattern.strip()
    return pattern[2:] if pattern.startswith("./") else pattern


def _agrees(key: str, entry: LogEntry, facts: FileFacts) -> bool:
    if key == "sha256":
        return facts.sha256 == entry.sha256
    if key == "c2pa_instance_id":
        return entry.c2pa_instance_id in facts.instance_ids
    if key == "phash":
        if not (facts.phash and is_distinctive(facts.phash)):
            return False
        return bits(facts.phash, entry.phash) <= entry.phash_max_distance
    return glob_matches(entry.path, facts.path)


MIN_PHASH_BITS = 4  # of 64: fewer (or as few unset) means a flat picture


def is_distinctive(phash: str) -> bool:
    """Whether a perceptual hash can identify a picture: a flat or nearly flat picture has
    no low-frequency structure, its hash is almost all zeros (or ones), and every such
    picture hashes alike, so matching on it would approve the wrong files."""
    ones = int(phash, 16).bit_count()
    return MIN_PHASH_BITS <= ones <= 64 - MIN_PHASH_BITS


def bits(a: str, b: str) -> int:
    """Hamming distance of two validated 64-bit hex hashes (numpy-free on purpose: start-up)."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


def glob_matches(pattern: str, path: str) -> bool:
    """Whether the POSIX ``path`` matches the glob ``pattern`` (whole path, case-sensitive)."""
    pattern = pattern.strip()
    if pattern.startswith("./"):
        pattern = pattern[2:]
    return _compile(pattern).fullmatch(path) is not None


@lru_cache(maxsize=1024)
def _compile(pattern: str) -> re.Pattern[str]:
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[" and (end := pattern.find("]", i + 2)) != -1:
            body = pattern[i + 1 : end].replace("\\", "\\\\")
            out.append("[^" + body[1:] + "]" if body.startswith("!") else "[" + body + "]")
            i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out), re.DOTALL)
