"""When no log entry matches a file with AI evidence: which entry came closest, and why not.

A producer who logged a file and then sees "no entry matches it" needs the difference in
words: "AI-002: path matches, sha256 differs (the bytes changed since it was logged)". An
entry is near when it shares at least one key with the file (an exact sha256, a C2PA instance
id, a plain path) or its pHash lies within twice its distance; the nearest is the one whose
agreeing key is strongest, then the one agreeing on most keys, then the closest pHash.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from provscan.ailog.entry import MATCH_KEYS, LogEntry
from provscan.ailog.match import FileFacts, bits, glob_matches, is_distinctive


@dataclass(frozen=True, slots=True)
class Near:
    """An entry that shares something with a file it does not match, and the difference."""

    entry: LogEntry
    agrees: tuple[str, ...]  # keys that agree, strongest first
    differs: tuple[str, ...]  # keys that do not
    why: str  # "path matches, sha256 differs (the bytes changed since it was logged)"

    def as_dict(self) -> dict[str, object]:
        """For the JSON report (``details.nearest``)."""
        return {"entry": self.entry.id, "agrees": list(self.agrees),
                "differs": list(self.differs), "why": self.why}  # fmt: skip

    @property
    def words(self) -> str:
        """'AI-002: path matches, sha256 differs (...)' for a message."""
        return f"{self.entry.id}: {self.why}"


def nearest(entries: Iterable[LogEntry], facts: FileFacts) -> Near | None:
    """The entry of ``entries`` closest to matching ``facts`` (none matches), or None."""
    best: tuple[tuple[int, int, int], Near] | None = None
    for entry in entries:
        near = _compare(entry, facts)
        if near is None:
            continue
        score = _score(near, entry, facts)
        if best is None or score > best[0]:
            best = (score, near)
    return best[1] if best else None


def _compare(entry: LogEntry, facts: FileFacts) -> Near | None:
    agrees: list[str] = []
    differs: list[str] = []
    words: list[str] = []
    for key in entry.keys:
        agree, text = _key(key, entry, facts)
        (agrees if agree else differs).append(key)
        words.append(text)
    # A glob such as "**" agrees with every path: on its own no sign of closeness.
    telling = [k for k in agrees if not (k == "path" and _is_glob(entry.path))]
    if not telling and not _phash_near(entry, facts):
        return None
    ordered = [w for k, w in zip(entry.keys, words, strict=True) if k in agrees] + [
        w for k, w in zip(entry.keys, words, strict=True) if k in differs
    ]
    return Near(entry, tuple(agrees), tuple(differs), ", ".join(ordered))


def _is_glob(pattern: str) -> bool:
    return any(c in pattern for c in "*?[")


def _key(key: str, entry: LogEntry, facts: FileFacts) -> tuple[bool, str]:
    """Whether one key agrees, and the words saying so."""
    if key == "sha256":
        if entry.sha256 == facts.sha256:
            return True, "sha256 matches"
        if not facts.sha256:
            return False, "sha256 not computed (the file could not be read again)"
        return False, "sha256 differs (the bytes changed since it was logged)"
    if key == "c2pa_instance_id":
        if entry.c2pa_instance_id in facts.instance_ids:
            return True, "C2PA instance id matches"
        if not facts.instance_ids:
            return False, "the file carries no C2PA instance id (Content Credentials removed?)"
        return False, "C2PA instance id differs (another manifest)"
    if key == "phash":
        return _phash_words(entry, facts)
    if glob_matches(entry.path, facts.path):
        return True, "path matches"
    strict = " (require_path)" if entry.require_path else ""
    return False, f"path differs{strict}: logged as {entry.path}"


def _phash_words(entry: LogEntry, facts: FileFacts) -> tuple[bool, str]:
    if not facts.phash or not is_distinctive(facts.phash):
        return False, "no pHash for this file (not a still, or a flat picture)"
    distance = bits(facts.phash, entry.phash)
    if distance <= entry.phash_max_distance:
        return True, f"pHash matches ({distance} bits apart)"
    return False, f"pHash {distance} bits away (limit {entry.phash_max_distance})"


def _phash_near(entry: LogEntry, facts: FileFacts) -> bool:
    """A pHash that misses, but by less than twice its limit: likely the same picture edited
    (two unrelated pictures differ in about 32 of 64 bits)."""
    if not (entry.phash and facts.phash and is_distinctive(facts.phash)):
        return False
    return bits(facts.phash, entry.phash) <= 2 * entry.phash_max_distance


def _score(near: Near, entry: LogEntry, facts: FileFacts) -> tuple[int, int, int]:
    strongest = min((MATCH_KEYS.index(k) for k in near.agrees), default=len(MATCH_KEYS))
    distance = bits(facts.phash, entry.phash) if entry.phash and facts.phash else 64
    return (len(MATCH_KEYS) - strongest, len(near.agrees), -distance)
