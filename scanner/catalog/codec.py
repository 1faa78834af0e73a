"""A FileResult as JSON text and back: the evidence a catalog keeps for each file.

Rules are stored by code and looked up again (their words may improve between versions;
the engine fingerprint decides whether stored evidence is still valid). The gate's own
outcome (gate, approval, policy findings) is not stored: it is recomputed from the log and
policy of each run.
"""

from __future__ import annotations

import json
import sys
from functools import cache
from typing import Any

from provscan.compact import Compactor
from provscan.model import (
    Confidence,
    Evidence,
    FileResult,
    Finding,
    MediaKind,
    Rule,
    Verdict,
)
from provscan.rulebook import by_code


def encode(result: FileResult) -> str:
    """The scan's conclusion about one file (no descriptions, no gate) as compact JSON."""
    data = {
        "k": result.kind.value,
        "f": result.format,
        "m": result.mime,
        "s": result.size,
        "v": result.verdict.value,
        "d": list(result.deciding),
        "x": [finding_to_list(f) for f in result.findings],
        "h": result.sha256,
        "p": result.phash,
    }
    # ASCII: a value read from a file may hold a lone surrogate (bytes that were not UTF-8),
    # which SQLite's UTF-8 text cannot take; escaped, it goes in and comes back unchanged.
    return json.dumps(data, separators=(",", ":"), ensure_ascii=True, default=str)


def finding_to_list(finding: Finding) -> list[Any]:
    """One finding as a JSON-ready list."""
    ev = finding.evidence
    return [finding.rule.code, ev.message, ev.key, ev.value, ev.confidence.value,
            dict(ev.details), finding.fingerprint]  # fmt: skip


def decode(
    path: str, text: str, role: str = "deliverable", compactor: Compactor | None = None
) -> FileResult:
    """The FileResult stored by :func:`encode`, under its report path; with a ``compactor``
    its evidence is shared with equal evidence decoded before (no copy made)."""
    data = json.loads(text)
    rules = _rules()
    findings = tuple(finding_from_list(item, rules) for item in data["x"])
    if compactor is not None:
        findings = tuple(compactor.finding(f) for f in findings)
    return FileResult(
        path=path,
        kind=MediaKind(data["k"]),
        format=sys.intern(data["f"]),
        mime=sys.intern(data["m"]),
        size=int(data["s"]),
        verdict=Verdict(data["v"]),
        findings=findings,
        deciding=tuple(int(i) for i in data["d"]),
        role=role,
        sha256=data.get("h", ""),
        phash=data.get("p", ""),
    )


@cache
def _rules() -> dict[str, Rule]:
    return by_code()


def finding_from_list(item: list[Any], rules: dict[str, Rule] | None = None) -> Finding:
    """The finding stored by :func:`finding_to_list` (``rules``: every rule by code)."""
    rules = rules if rules is not None else _rules()
    code, message, key, value, confidence, details, fingerprint = item
    evidence = Evidence(code, message, key, value, Confidence(confidence), details)
    return Finding(rules[code], evidence, fingerprint)
