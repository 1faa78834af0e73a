"""GitLab Code Quality report: a JSON array of issues, one per finding the gate counts (fail
or warn), for the merge request's Code Quality widget (``artifacts:reports:codequality``).

Each issue carries the members GitLab's documentation lists for its report format:
``description``, ``check_name`` (the rule code), ``fingerprint`` (unique per issue and stable
across runs: the finding's path-free fingerprint with the file's path, hashed), ``severity``
(``critical`` for a finding that fails the gate, ``minor`` for one that warns) and
``location.path`` with ``location.lines.begin`` (1: media files have no lines). Paths are
relative to the repository root (``--sarif-root``; default: the current folder).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from provscan.model import Report
from provscan.report.decisions import Decision, decisions

SEVERITIES = {"fail": "critical", "warn": "minor"}


def render(report: Report, *, base: Path | None = None) -> str:
    """The report's JSON text (an empty array when the gate counts nothing)."""
    issues = [issue(d) for d in decisions(report, base)]
    return json.dumps(issues, indent=2, ensure_ascii=True) + "\n"


def issue(decision: Decision) -> dict[str, Any]:
    """One Code Quality issue."""
    finding = decision.finding
    text = f"{finding['rule']} {finding['name']}: {finding['message'] or finding['name']}"
    return {
        "type": "issue",
        "description": _safe(text),
        "check_name": finding["rule"],
        "fingerprint": _fingerprint(decision),
        "severity": SEVERITIES[decision.gate],
        "location": {"path": _safe(decision.path or "."), "lines": {"begin": 1}},
    }


def _fingerprint(decision: Decision) -> str:
    """Unique per issue: the finding's fingerprint (path-free) with its path and rule, so
    two copies of one file are two issues, and the same finding keeps its id across runs."""
    finding = decision.finding
    parts = (decision.path, finding["rule"], finding["fingerprint"], finding["key"])
    digest = hashlib.sha256("\x00".join(parts).encode("utf-8", "surrogateescape"))
    return digest.hexdigest()[:32]


def _safe(text: str) -> str:
    return text.encode("utf-8", "replace").decode("utf-8")
