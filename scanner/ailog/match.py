"""Which log entry covers which file: every key an entry gives must agree (AND), strongest named.

Keys: ``sha256`` (the bytes), ``c2pa_instance_id`` (any manifest's instance id in the file's
C2PA store, ingredients included), ``phash`` within ``phash_max_distance`` bits (a re-encoded or
resized copy of a still), ``path`` (a glob relative to the scan root: ``*`` within a folder
name, ``**`` across folders, ``?``, ``[abc]``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from scanner.ailog.entry import LogEntry


@dataclass(frozen=True, slots=True)
class FileFacts:
    """What a file offers to match against: its path and the identities computed for it."""

    path: str  # POSIX, relative to the scan root
    sha256: str = ""  # empty when not computed (no entry asks for it)
    phash: str = ""  # empty for non-images or when not computed
    instance_ids: frozenset[str] = frozenset()


def matched_key(entry: LogEntry, facts: FileFacts) -> str | None:
    """The strongest key of ``entry`` when all its keys agree with ``facts``; else None."""
    if not entry.keys:
        return None
    for key in entry.keys:
        if not _agrees(key, entry, facts):
            return None
    return entry.keys[0]


def _agrees(key: str, entry: LogEntry, facts: FileFacts) -> bool:
    if key == "sha256":
        return facts.sha256 == entry.sha256
    if key == "c2pa_instance_id":
        return entry.c2pa_instance_id in facts.instance_ids
    if key == "phash":
        if not (facts.phash and is_distinctive(facts.phash)):
            return False
        return _bits(facts.phash, entry.phash) <= entry.phash_max_distance
    return glob_matches(entry.path, facts.path)


MIN_PHASH_BITS = 4  # of 64: fewer (or as few unset) means a flat picture


def is_distinctive(phash: str) -> bool:
    """Whether a perceptual hash can identify a picture: a flat or nearly flat picture has
    no low-frequency structure, its hash is almost all zeros (or ones), and every such
    picture hashes alike, so matching on it would approve the wrong files."""
    ones = int(phash, 16).bit_count()
    return MIN_PHASH_BITS <= ones <= 64 - MIN_PHASH_BITS


def _bits(a: str, b: str) -> int:
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
