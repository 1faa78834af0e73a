"""The terminal report: per file, the verdict and the evidence in words, then a summary."""

from __future__ import annotations

import re
from typing import Any

from scanner.model import Report
from scanner.report.to_json import to_dict

_VERDICT_WORDS = {
    "ai-generated": "AI-GENERATED",
    "ai-edited": "AI-EDITED",
    "ai-suspected": "AI-SUSPECTED",
    "capture-provenance": "capture provenance",
    "no-ai-markers": "no AI markers found",
    "unreadable": "UNREADABLE",
}


_GATE_WORDS = {"pass": "pass", "warn": "WARN", "fail": "FAIL"}


def safe(text: str) -> str:
    """Control characters made visible: a file name or a tag value must not drive the
    terminal (an ESC sequence in a name could rewrite what the reviewer sees)."""
    return _CONTROL.sub(lambda m: repr(m.group(0))[1:-1], text)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def render(report: Report) -> str:
    """Human-readable text for a whole scan."""
    data = to_dict(report)
    lines: list[str] = []
    for entry in data["files"]:
        lines.extend(_file_lines(entry))
    if data["log_findings"]:
        lines.extend(["", "AI-use log:"])
        lines.extend(_finding_line(f) for f in data["log_findings"])
    lines.extend(_summary_lines(data))
    return "\n".join(lines) + "\n"


def _file_lines(entry: dict[str, Any]) -> list[str]:
    verdict = _VERDICT_WORDS[entry["verdict"]]
    gate = _GATE_WORDS[entry["gate"]]
    if entry["approval"]:
        gate += f" (approved: log entry {entry['approval']}, matched by {entry['matched_by']})"
    elif not entry["final"]:
        gate += " (not final content)"
    lines = [f"{safe(entry['path'])}  [{entry['format']}]  {verdict}  gate: {gate}"]
    lines.extend(_finding_line(f) for f in entry["findings"])
    return lines


def _finding_line(finding: dict[str, Any]) -> str:
    if finding["gate"]:
        mark = {"fail": "X", "warn": "!", "pass": "-"}[finding["gate"]]
    else:
        mark = {"error": "x", "warning": "!", "info": "-"}[finding["severity"]]
    conf = "" if finding["confidence"] == "high" else f" ({finding['confidence']} confidence)"
    approved = f" [approved: {finding['approval']}]" if finding["approval"] else ""
    return f"  {mark} {finding['rule']} {safe(finding['message'])}{conf}{approved}"


def _summary_lines(data: dict[str, Any]) -> list[str]:
    summary = data["summary"]
    counts = ", ".join(f"{n} {_VERDICT_WORDS[v]}" for v, n in summary["by_verdict"].items() if n)
    gates = summary["by_gate"]
    sev = summary["by_severity"]
    log, policy = data["log"], data["policy"]
    log_line = f"{log['path']} ({log['summary']})" if log else "none given (--log)"
    policy_line = (
        (policy["path"] or "built-in default") + f" ({policy['summary']})" if policy else ""
    )
    return [
        "",
        f"{summary['files']} files scanned in {data['duration_s']:.2f} s: {counts or 'nothing'}",
        f"gate: {data['gate'].upper()} ({gates['fail']} fail, {gates['warn']} warn, "
        f"{gates['pass']} pass)",
        f"AI-use log: {log_line}; policy: {policy_line}",
        f"findings: {sev['error']} error, {sev['warning']} warning, {sev['info']} info",
        '("no AI markers found" means no marker was present, not that a file is authentic)',
    ]
