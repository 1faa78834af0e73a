"""The JSON report: the one dict every other format is derived from (schema in README).

Stable core for scripts: ``schema_version``, ``files[].path``, ``files[].verdict`` and
``files[].findings[]`` with ``rule``, ``severity``, ``message``, ``key``, ``value``,
``confidence``. Bump the major version on any change to those.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from scanner.model import FileResult, Finding, Report, Verdict

SCHEMA_VERSION = "1.0"


def to_dict(report: Report) -> dict[str, Any]:
    """The report as plain JSON-ready data."""
    files = [file_dict(f) for f in report.files]
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "provscan", "version": report.tool_version},
        "root": report.root,
        "started": report.started,
        "duration_s": report.duration_s,
        "summary": summary(report),
        "files": files,
    }


def summary(report: Report) -> dict[str, Any]:
    """Counts by verdict and by severity of findings."""
    verdicts = Counter(f.verdict.value for f in report.files)
    severities = Counter(x.rule.severity.value for f in report.files for x in f.findings)
    return {
        "files": len(report.files),
        "by_verdict": {v.value: verdicts.get(v.value, 0) for v in Verdict},
        "by_severity": {s: severities.get(s, 0) for s in ("error", "warning", "info")},
    }


def file_dict(result: FileResult) -> dict[str, Any]:
    """One file's entry."""
    return {
        "path": result.path,
        "kind": result.kind.value,
        "format": result.format,
        "mime": result.mime,
        "size": result.size,
        "verdict": result.verdict.value,
        "decided_by": [result.findings[i].rule.code for i in result.deciding],
        "findings": [finding_dict(f) for f in result.findings],
    }


def finding_dict(finding: Finding) -> dict[str, Any]:
    """One finding: the rule's identity and severity plus the evidence."""
    ev = finding.evidence
    return {
        "rule": finding.rule.code,
        "name": finding.rule.name,
        "severity": finding.rule.severity.value,
        "message": ev.message,
        "key": ev.key,
        "value": ev.value,
        "confidence": ev.confidence.value,
        "details": dict(ev.details),
        "fingerprint": finding.fingerprint,
    }


def render(report: Report) -> str:
    """The JSON text; non-UTF-8 file names keep their bytes as surrogate escapes, visibly."""
    return json.dumps(to_dict(report), indent=2, ensure_ascii=True, default=str) + "\n"
