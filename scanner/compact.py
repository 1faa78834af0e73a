"""Sharing what results repeat, so an archive's results fit in a fraction of the memory.

A hundred thousand photographs from the same few cameras carry the same "camera make/model"
evidence; each result arrives as its own copy (unpickled from a worker, decoded from the
catalog). Equal evidence is frozen data, so one object can serve every file that has it;
only what is the file's own (path, fingerprint, hashes) stays per file.
"""

from __future__ import annotations

import sys

from provscan.model import Evidence, FileResult, Finding, evolve

MAX_SHARED = 100_000  # distinct evidence kept for sharing; beyond, new evidence is kept as is

_Key = tuple[object, ...]


class Compactor:
    """Replaces each result's evidence by an equal one seen before, when there is one."""

    def __init__(self) -> None:
        self.shared: dict[_Key, Evidence] = {}

    def result(self, result: FileResult) -> FileResult:
        """``result`` with shared evidence and interned format strings (same value)."""
        findings = tuple(self.finding(f) for f in result.findings)
        same = all(a is b for a, b in zip(findings, result.findings, strict=True))
        fmt, mime = sys.intern(result.format), sys.intern(result.mime)
        if same and fmt is result.format and mime is result.mime:
            return result
        return evolve(result, findings=findings, format=fmt, mime=mime)

    def finding(self, finding: Finding) -> Finding:
        """``finding`` with its evidence replaced by an equal one seen before, if any."""
        ev = finding.evidence
        key = _key(ev)
        if key is None:
            return finding
        shared = self.shared.get(key)
        if shared is None:
            if len(self.shared) < MAX_SHARED:
                self.shared[key] = ev
            return finding
        if shared is ev:
            return finding
        return evolve(finding, evidence=shared)


def _key(ev: Evidence) -> _Key | None:
    """A hashable identity of the evidence, or None when its details nest (lists, dicts)."""
    details = []
    for name, value in ev.details.items():
        if not isinstance(value, str | int | float | bool | None):
            return None
        details.append((name, value))
    return (ev.rule, ev.message, ev.key, ev.value, ev.confidence, tuple(details))
