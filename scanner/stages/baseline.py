"""A baseline: findings a team has accepted, so the gate fails only on new ones (as bandit's
``-b`` and ruff's ``--add-noqa`` do for code).

``--write-baseline FILE`` lists every finding the gate counts (fail or warn) by rule and
fingerprint; ``--baseline FILE`` reads such a file, or a provscan JSON report, and each
finding it lists passes the gate, marked ``baselined`` in every report. Fingerprints leave
the path out (they follow the bytes), so a file renamed or moved keeps its acceptance; a
file whose bytes or evidence changed gets new fingerprints and is judged again.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from provscan.model import FileResult, Finding, Gate, Report, evolve

FORMAT = "provscan-baseline"
VERSION = 1
MAX_BASELINE_BYTES = 256 * 1024 * 1024  # a JSON report of an archive may serve as one
_COUNTED = (Gate.FAIL, Gate.WARN)


class BaselineError(ValueError):
    """The baseline cannot be used: one line naming the file and what is wrong."""


@dataclass(frozen=True, slots=True)
class Baseline:
    """The accepted findings, as (rule code, fingerprint) pairs."""

    path: str
    accepted: frozenset[tuple[str, str]]


def load_baseline(path: Path) -> Baseline:
    """The baseline at ``path`` (a baseline file or a provscan JSON report)."""
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_BASELINE_BYTES + 1)
    except OSError as exc:
        raise BaselineError(f"{path}: --baseline: cannot be read ({exc.strerror})") from None
    if len(data) > MAX_BASELINE_BYTES:
        raise BaselineError(f"{path}: --baseline: larger than {MAX_BASELINE_BYTES} bytes")
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BaselineError(f"{path}: --baseline: not JSON ({exc})") from None
    pairs = _pairs(doc)
    if pairs is None:
        raise BaselineError(f"{path}: --baseline: neither a provscan baseline "
                            "(--write-baseline) nor a provscan JSON report")  # fmt: skip
    return Baseline(str(path), frozenset(pairs))


def _pairs(doc: Any) -> list[tuple[str, str]] | None:
    if isinstance(doc, dict) and doc.get("format") == FORMAT:
        items = doc.get("findings")
    elif isinstance(doc, dict) and "schema_version" in doc and isinstance(doc.get("files"), list):
        items = [f for entry in doc["files"] if isinstance(entry, dict)
                 for f in entry.get("findings") or ()]  # fmt: skip
        items += list(doc.get("log_findings") or ()) + list(doc.get("delivery_findings") or ())
        items = [f for f in items if isinstance(f, dict) and f.get("gate") in ("fail", "warn")]
    else:
        return None
    if not isinstance(items, list):
        return None
    return [(str(f["rule"]), str(f["fingerprint"])) for f in items
            if isinstance(f, dict) and f.get("rule") and f.get("fingerprint")]  # fmt: skip


def render_baseline(report: Report) -> str:
    """The baseline of a run: every finding the gate counts, sorted (a stable file to keep
    under version control), with its path and message for the people who review it."""
    rows = sorted(_rows(report), key=lambda r: (r["path"], r["rule"], r["fingerprint"]))
    doc = {"format": FORMAT, "version": VERSION, "tool_version": report.tool_version,
           "findings": rows}  # fmt: skip
    return json.dumps(doc, indent=2, ensure_ascii=True) + "\n"


def _rows(report: Report) -> Iterator[dict[str, str]]:
    for result in report.files:
        for finding in result.findings:
            if finding.gate in _COUNTED or finding.baselined:
                yield _row(result.path, finding)
    for finding in (*report.log_findings, *report.delivery_findings):
        if finding.gate in _COUNTED or finding.baselined:
            yield _row("", finding)


def _row(path: str, finding: Finding) -> dict[str, str]:
    return {"rule": finding.rule.code, "fingerprint": finding.fingerprint, "path": path,
            "message": finding.evidence.message}  # fmt: skip


def accept(report: Report, baseline: Baseline) -> Report:
    """The report with every finding the baseline lists passed (and marked), and each
    file's gate decided again from what is left."""
    files = tuple(_accepted_file(result, baseline) for result in report.files)
    return replace(
        report,
        files=files,
        log_findings=tuple(_accepted(f, baseline) for f in report.log_findings),
        delivery_findings=tuple(_accepted(f, baseline) for f in report.delivery_findings),
    )


def _accepted_file(result: FileResult, baseline: Baseline) -> FileResult:
    findings = tuple(_accepted(f, baseline) for f in result.findings)
    if findings == result.findings:
        return result
    gate = max((f.gate or Gate.PASS for f in findings), key=lambda g: g.rank, default=Gate.PASS)
    return evolve(result, findings=findings, gate=gate)


def _accepted(finding: Finding, baseline: Baseline) -> Finding:
    if finding.gate not in _COUNTED:
        return finding
    if (finding.rule.code, finding.fingerprint) not in baseline.accepted:
        return finding
    return evolve(finding, gate=Gate.PASS, baselined=True)


def counts(report: Report) -> tuple[int, int]:
    """How many findings the gate counts (fail or warn) and how many the baseline accepted."""
    every = [f for r in report.files for f in r.findings]
    every += [*report.log_findings, *report.delivery_findings]
    return (sum(1 for f in every if f.gate in _COUNTED), sum(1 for f in every if f.baselined))
