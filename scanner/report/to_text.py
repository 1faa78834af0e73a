"""The terminal report: per file, the verdict and the evidence in words, then a summary."""

from __future__ import annotations

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


def render(report: Report) -> str:
    """Human-readable text for a whole scan."""
    data = to_dict(report)
    lines: list[str] = []
    for entry in data["files"]:
        lines.extend(_file_lines(entry))
    lines.extend(_summary_lines(data))
    return "\n".join(lines) + "\n"


def _file_lines(entry: dict[str, Any]) -> list[str]:
    verdict = _VERDICT_WORDS[entry["verdict"]]
    lines = [f"{entry['path']}  [{entry['format']}]  {verdict}"]
    for finding in entry["findings"]:
        mark = {"error": "x", "warning": "!", "info": "-"}[finding["severity"]]
        conf = "" if finding["confidence"] == "high" else f" ({finding['confidence']} confidence)"
        lines.append(f"  {mark} {finding['rule']} {finding['message']}{conf}")
    return lines


def _summary_lines(data: dict[str, Any]) -> list[str]:
    summary = data["summary"]
    counts = ", ".join(f"{n} {_VERDICT_WORDS[v]}" for v, n in summary["by_verdict"].items() if n)
    sev = summary["by_severity"]
    return [
        "",
        f"{summary['files']} files scanned in {data['duration_s']:.2f} s: {counts or 'nothing'}",
        f"findings: {sev['error']} error, {sev['warning']} warning, {sev['info']} info",
        '("no AI markers found" means no marker was present, not that a file is authentic)',
    ]
