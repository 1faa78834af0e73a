"""The editor's spot-check of one file, read like a Content Credentials viewer: the short
answer first ("AI-generated: Adobe Firefly, signed by Adobe Inc., valid signature, untrusted
root"), the facts behind it, then everything each detector found; or the same as JSON."""

from __future__ import annotations

import json
from typing import Any

from provscan import __version__
from provscan.model import FileResult, Section
from provscan.report.facts import file_facts
from provscan.report.to_json import file_dict
from provscan.report.to_text import _VERDICT_WORDS
from provscan.text import safe

_WIDTH = 100
INSPECT_SCHEMA_VERSION = "1.0"


def render(result: FileResult) -> str:
    """The short answer, the facts, the file's identity, each detector's description, then
    the verdict and its evidence."""
    facts = file_facts(file_dict(result))
    lines = [_clip(facts.answer), ""]
    if facts.items:
        width = max(len(label) for label, _ in facts.items)
        lines.extend(_clip(f"  {label:<{width}}  {value}") for label, value in facts.items)
        lines.append("")
    lines += [
        f"File: {safe(result.path)}",
        f"Format: {result.format} ({result.mime}), {result.kind.value}, {result.size:,} bytes",
        "",
    ]
    for section in result.sections:
        lines.extend(_section_lines(section))
    lines.extend(_verdict_lines(result))
    return "\n".join(lines) + "\n"


def render_json(result: FileResult) -> str:
    """The spot-check for scripts: the answer, the facts, the file's report entry (as in
    ``scan --format json``) and the detectors' descriptions."""
    facts = file_facts(file_dict(result))
    data: dict[str, Any] = {
        "schema_version": INSPECT_SCHEMA_VERSION,
        "tool": {"name": "provscan", "version": __version__},
        "answer": facts.answer,
        "facts": [{"label": k, "value": v} for k, v in facts.items],
        "file": file_dict(result),
        "sections": [_section_dict(s) for s in result.sections],
    }
    return json.dumps(data, indent=2, ensure_ascii=True, default=str) + "\n"


def _section_dict(section: Section) -> dict[str, Any]:
    return {
        "title": section.title,
        "lines": [
            {"label": line.label, "value": line.value, "depth": line.depth}
            for line in section.lines
        ],
    }


def _section_lines(section: Section) -> list[str]:
    lines = [section.title, "-" * len(section.title)]
    for line in section.lines:
        indent = "  " * (line.depth + 1)
        text = f"{line.label}: {line.value}" if line.value else line.label
        lines.append(_clip(indent + text))
    lines.append("")
    return lines


def _verdict_lines(result: FileResult) -> list[str]:
    lines = [f"Verdict: {_VERDICT_WORDS[result.verdict.value]}"]
    if result.deciding:
        lines.append("  decided by:")
        for i in result.deciding:
            f = result.findings[i]
            lines.append(_clip(f"    {f.rule.code} {f.rule.name}: {f.evidence.message}"))
    others = [f for i, f in enumerate(result.findings) if i not in result.deciding]
    if others:
        lines.append("  other findings:")
        lines.extend(
            _clip(f"    {f.rule.code} {f.rule.name}: {f.evidence.message}") for f in others
        )
    if not result.findings:
        lines.append("  no AI markers found (this does not prove the file is authentic)")
    return lines


def _clip(text: str) -> str:
    """Keep one logical line per fact: newlines shown as ⏎, very long values shortened."""
    text = safe(text.replace("\r", "").replace("\n", " ⏎ "))
    return text if len(text) <= 4 * _WIDTH else text[: 4 * _WIDTH - 1] + "…"
