"""The terminal report: per file, the verdict and the evidence in words, then a summary.

Plain text by default (what a file or a pipe gets, pinned by tests/golden/report.txt). With
``color=True`` the same words get ANSI colours and the file lines are aligned in columns;
colour only ever repeats what the words say, and file-derived text is escaped first.

``show`` focuses the report on decisions: ``all`` (every file, every finding), ``warn``
(files whose gate is fail or warn, with the findings the gate counts and the evidence that
decided the verdict) or ``fail`` (files that fail, likewise). The summary is always whole.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from typing import Any, TextIO

from provscan.detectors.c2pa_vocab import LEADING
from provscan.ignore import skipped_summary
from provscan.model import Report
from provscan.report.to_json import file_dicts, finding_dict, run_dict
from provscan.results import Brief, briefs_of, counts_of
from provscan.text import cells, safe, safe_line

_VERDICT_WORDS = {
    "ai-generated": "AI-GENERATED",
    "ai-edited": "AI-EDITED",
    "ai-suspected": "AI-SUSPECTED",
    "capture-provenance": "capture provenance",
    "no-ai-markers": "no AI markers found",
    "unreadable": "UNREADABLE",
}


_GATE_WORDS = {"pass": "pass", "warn": "WARN", "fail": "FAIL"}
SHOWN = {"all": ("pass", "warn", "fail"), "warn": ("warn", "fail"), "fail": ("fail",)}

# SGR parameters. Colour only repeats the words next to it, for a reader scanning the page.
BOLD, DIM, RED, GREEN, YELLOW, MAGENTA = "1", "2", "31", "32", "33", "35"
_VERDICT_STYLE = {
    "ai-generated": (BOLD, RED),
    "ai-edited": (YELLOW,),
    "ai-suspected": (YELLOW,),
    "capture-provenance": (GREEN,),
    "no-ai-markers": (DIM,),
    "unreadable": (BOLD, MAGENTA),
}
_GATE_STYLE = {"fail": (BOLD, RED), "warn": (YELLOW,), "pass": (GREEN,)}
_MARK_STYLE = {"X": (BOLD, RED), "x": (RED,), "!": (YELLOW,), "-": (DIM,)}
PATH_COLUMN_MAX = 60  # a longer path pushes its own line out rather than every line
RESET = "\x1b[0m"
SGR = re.compile(r"\x1b\[[0-9;]*m")  # what paint() writes, for tests to strip


def wants_color(stream: TextIO) -> bool:
    """Whether to colour what goes to ``stream``: a terminal, NO_COLOR unset and TERM not
    "dumb"; a non-empty FORCE_COLOR forces it (https://no-color.org, force-color.org)."""
    if os.environ.get("FORCE_COLOR"):
        return True
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (ValueError, OSError):  # a closed or detached stream
        return False


class _Style:
    """Paints text with SGR codes, or leaves it alone when colour is off."""

    def __init__(self, color: bool) -> None:
        self.color = color

    def paint(self, text: str, codes: tuple[str, ...]) -> str:
        """``text`` wrapped in the SGR ``codes`` and a reset (as it is without colour)."""
        if not self.color or not codes or not text:
            return text
        return f"\x1b[{';'.join(codes)}m{text}{RESET}"


def render(report: Report, *, color: bool = False, show: str = "all") -> str:
    """Human-readable text for a whole scan; ``color`` adds ANSI colours and aligned columns
    (wants_color says when a stream should get them); ``show`` is all, warn or fail."""
    return "".join(iter_chunks(report, color=color, show=show))


def iter_chunks(report: Report, *, color: bool = False, show: str = "all") -> Iterator[str]:
    """The text of :func:`render` in pieces, a file at a time: an archive's report is never
    held whole, nor every file's entry at once."""
    data = run_dict(report)
    style = _Style(color)
    gates = SHOWN[show]
    briefs = briefs_of(report.files)
    shown = [b for b in briefs if b.gate.value in gates] if show != "all" else briefs
    columns = _columns(shown) if color else (0, 0, 0)
    for entry in file_dicts(report, frames=0):
        if entry["gate"] in gates:
            yield "".join(line + "\n" for line in _file_lines(_focused(entry, show), style,
                                                               columns))  # fmt: skip
    lines: list[str] = []
    hidden = len(briefs) - len(shown)
    if hidden:
        lines.append(f"({hidden} files whose gate is {_below(show)} not shown: --show all "
                     "lists every file)")  # fmt: skip
    log_findings = _at([finding_dict(f) for f in report.log_findings], show)
    if log_findings:
        lines.extend(["", "AI-use log:"])
        lines.extend(_finding_line(f, style) for f in log_findings)
    delivery_findings = _at([finding_dict(f) for f in report.delivery_findings], show)
    if delivery_findings:
        lines.extend(["", "Delivery:"])
        lines.extend(_finding_line(f, style) for f in delivery_findings)
    lines.extend(_summary_lines(report, data, style))
    yield "\n".join(lines) + "\n"


def _below(show: str) -> str:
    return "pass" if show == "warn" else "pass or warn"


def _at(findings: list[dict[str, Any]], show: str) -> list[dict[str, Any]]:
    """The findings shown at ``show``: all, or those whose gate is shown."""
    if show == "all":
        return findings
    return [f for f in findings if (f["gate"] or "pass") in SHOWN[show]]


def _focused(entry: dict[str, Any], show: str) -> dict[str, Any]:
    """A file entry with only the findings a focused view shows: those the gate counts at
    ``show`` and the evidence that decided the verdict."""
    if show == "all":
        return entry
    deciding = set(entry["decided_by"])
    kept = [f for f in entry["findings"]
            if (f["gate"] or "pass") in SHOWN[show] or (f["gate"] is None
                                                         and f["rule"] in deciding)]  # fmt: skip
    return {**entry, "findings": kept}


def _columns(files: Sequence[Brief]) -> tuple[int, int, int]:
    """Widths of the path (capped), format and verdict columns, so verdicts and gates align."""
    if not files:
        return 0, 0, 0
    path = min(max(cells(safe_line(f.path)) for f in files), PATH_COLUMN_MAX)
    fmt = max(len(safe(f.format)) + 2 for f in files)
    verdict = max(len(_VERDICT_WORDS[f.verdict.value]) for f in files)
    return path, fmt, verdict


def _pad(painted: str, plain: str, width: int) -> str:
    """``painted`` followed by the spaces that bring ``plain`` (its visible text) to ``width``;
    the padding stays outside the colour."""
    return painted + " " * max(width - cells(plain), 0)


def _file_lines(entry: dict[str, Any], style: _Style, columns: tuple[int, int, int]) -> list[str]:
    path_width, format_width, verdict_width = columns
    path = safe_line(entry["path"])
    fmt = f"[{safe(entry['format'])}]"
    words = _VERDICT_WORDS[entry["verdict"]]
    verdict = style.paint(words, _VERDICT_STYLE[entry["verdict"]])
    gate = style.paint(_GATE_WORDS[entry["gate"]], _GATE_STYLE[entry["gate"]])
    if entry["approval"]:
        gate += (f" (approved: log entry {safe(entry['approval'])}, "
                 f"matched by {safe(entry['matched_by'])})")  # fmt: skip
    elif not entry["final"]:
        gate += " (not final content)"
    head = "  ".join((_pad(path, path, path_width), _pad(fmt, fmt, format_width),
                      _pad(verdict, words, verdict_width)))  # fmt: skip
    lines = [f"{head}  gate: {gate}"]
    if entry.get("sequence"):
        lines.append(sequence_line(entry["sequence"]))
    lines.extend(_finding_line(f, style) for f in _integrity_first(entry["findings"]))
    return lines


def sequence_line(sequence: dict[str, Any]) -> str:
    """A frame sequence in one line: its frames, range, time code, gaps, differing frames."""
    parts = [f"  = frame sequence: {sequence['count']} frames {sequence['first']}-"
             f"{sequence['last']}"]  # fmt: skip
    if sequence.get("timecode"):
        rate = f" at {safe(sequence['frame_rate'])} fps" if sequence.get("frame_rate") else ""
        parts.append(f"starting {safe(sequence['timecode'])}{rate}")
    if sequence["missing"]:
        parts.append(f"{sequence['missing']} missing")
    if sequence["differing"]:
        parts.append(f"{len(sequence['differing'])} differing")
    return ", ".join(parts)


def _integrity_first(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The findings, a C2PA integrity story that must be read first (tampered, invalid,
    expired, remote ...: detectors.c2pa_integrity) moved to the top."""
    leading = {c.value for c in LEADING}
    first = [f for f in findings if f["details"].get("integrity") in leading]
    return first + [f for f in findings if f not in first]


def _finding_line(finding: dict[str, Any], style: _Style) -> str:
    if finding["gate"]:
        mark = {"fail": "X", "warn": "!", "pass": "-"}[finding["gate"]]
    else:
        mark = {"error": "x", "warning": "!", "info": "-"}[finding["severity"]]
    conf = "" if finding["confidence"] == "high" else f" ({finding['confidence']} confidence)"
    approved = f" [approved: {safe(finding['approval'])}]" if finding["approval"] else ""
    if finding.get("baselined"):
        approved += " [accepted by the baseline]"
    painted = style.paint(mark, _MARK_STYLE[mark])
    rule = style.paint(finding["rule"], (BOLD,))
    return f"  {painted} {rule} {safe_line(finding['message'])}{conf}{approved}"


def _summary_lines(report: Report, data: dict[str, Any], style: _Style) -> list[str]:
    summary = data["summary"]
    counts = ", ".join(f"{n} {_VERDICT_WORDS[v]}" for v, n in summary["by_verdict"].items() if n)
    gates = summary["by_gate"]
    sev = summary["by_severity"]
    log, policy = data["log"], data["policy"]
    # Log and policy paths and summaries come from files too: escaped like file names.
    log_line = f"{safe(log['path'])} ({safe(log['summary'])})" if log else "none given (--log)"
    policy_line = (
        safe(f"{policy['path'] or 'built-in default'} ({policy['summary']})") if policy else ""
    )
    gate_line = (f"gate: {data['gate'].upper()} ({gates['fail']} fail, {gates['warn']} warn, "
                 f"{gates['pass']} pass)")  # fmt: skip
    skipped = []
    if report.skipped:
        parts = skipped_summary(report.skipped)
        skipped.append(safe(f"{len(report.skipped)} skipped by the ignore lists: {parts} "
                            "(--format json lists each path)"))  # fmt: skip
    counted = _counted(report)
    scanned = _files(summary["files"])
    return [
        "",
        f"{scanned} scanned in {data['duration_s']:.2f} s: {counts or 'nothing'}",
        *skipped,
        *_catalog_line(data),
        style.paint(gate_line, _GATE_STYLE[data["gate"]]),
        f"AI-use log: {log_line}; policy: {policy_line}",
        f"findings by severity: {sev['error']} error, {sev['warning']} warning, {sev['info']} "
        f"info; counted by the gate: {counted[0]} error, {counted[1]} warning"
        + (f" ({counted[2]} more accepted by the baseline)" if counted[2] else ""),
        '("no AI markers found" means no marker was present, not that a file is authentic)',
    ]


def _catalog_line(data: dict[str, Any]) -> list[str]:
    """With --catalog: how many files came from it and how many were read."""
    stats = (data.get("options") or {}).get("catalog")
    if not isinstance(stats, dict):
        return []
    return [safe(f"catalog {stats.get('path', '')}: {stats.get('reused', 0)} files from the "
                 f"catalog, {stats.get('scanned', 0)} read")]  # fmt: skip


def _counted(report: Report) -> tuple[int, int, int]:
    """Findings the gate counts at error (fail) and warning (warn), and those the baseline
    accepted."""
    errors, warnings, accepted = counts_of(report.files).gated  # (kept as files arrived)
    every = [*report.log_findings, *report.delivery_findings]
    errors += sum(1 for x in every if x.gate is not None and x.gate.value == "fail")
    warnings += sum(1 for x in every if x.gate is not None and x.gate.value == "warn")
    return errors, warnings, accepted + sum(1 for x in every if x.baselined)


def summary_line(report: Report, written: list[str] | None = None) -> str:
    """The run in one line, for stderr and CI logs: the gate, the files by gate, the
    findings the gate counts (by level), those a baseline accepted, the reports written."""
    by_gate = counts_of(report.files).gates
    gates = {g: by_gate[g] for g in ("fail", "warn", "pass")}
    errors, warnings, accepted = _counted(report)
    files = _files(len(report.files))
    line = (f"gate {report.gate.value.upper()}: {gates['fail']} fail, {gates['warn']} warn, "
            f"{gates['pass']} pass of {files}; findings the gate counts: {errors} error, "
            f"{warnings} warning")  # fmt: skip
    if accepted:
        line += f" ({accepted} more accepted by the baseline)"
    if written:
        line += "; wrote " + ", ".join(written)
    return safe(line)


def _files(count: int) -> str:
    """``count`` files in words: "1 file", "20 files"."""
    return "1 file" if count == 1 else f"{count} files"
