"""The editor's spot-check: everything provscan knows about one file, for a person to read."""

from __future__ import annotations

from scanner.model import FileResult, Section
from scanner.report.to_text import _VERDICT_WORDS, safe

_WIDTH = 100


def render(result: FileResult) -> str:
    """The file's identity, each detector's description, then the verdict and its evidence."""
    lines = [
        f"File: {safe(result.path)}",
        f"Format: {result.format} ({result.mime}), {result.kind.value}, {result.size:,} bytes",
        "",
    ]
    for section in result.sections:
        lines.extend(_section_lines(section))
    lines.extend(_verdict_lines(result))
    return "\n".join(lines) + "\n"


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
