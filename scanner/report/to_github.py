"""GitHub Actions workflow commands: one ``::error`` or ``::warning`` annotation per finding
the gate counts (fail or warn), naming the file, for the run's summary and the pull request.

Syntax as GitHub documents it ("Workflow commands for GitHub Actions": ``::error
file={name},title={title}::{message}``): in the message ``%``, CR and LF are escaped as
``%25``, ``%0D`` and ``%0A``; property values escape ``:`` and ``,`` too (``%3A``, ``%2C``).
Media files have no lines, so no ``line`` is given: GitHub then annotates the file. Text from
files (names, prompts) passes through these escapes, so it cannot start a command of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from provscan.model import Report
from provscan.report.decisions import decisions

COMMANDS = {"fail": "error", "warn": "warning"}


def render(report: Report, *, base: Path | None = None) -> str:
    """The annotations, one line each (empty when the gate counts nothing)."""
    return "".join(iter_lines(report, base=base))


def iter_lines(report: Report, *, base: Path | None = None) -> Iterator[str]:
    """One workflow command per gating finding; paths relative to ``base`` (the repository
    root; default: the current folder, where a workflow step runs)."""
    for decision in decisions(report, base):
        finding = decision.finding
        title = f"{finding['rule']} {finding['name']}"
        props = [f"title={escape_property(title)}"]
        if decision.path:
            props.insert(0, f"file={escape_property(decision.path)}")
        where = f"{decision.path}: " if decision.path else ""
        message = f"{where}{finding['message'] or finding['name']}"
        yield f"::{COMMANDS[decision.gate]} {','.join(props)}::{escape_data(message)}\n"


def escape_data(text: str) -> str:
    """A command's message: ``%``, CR and LF escaped (``%`` first)."""
    return _safe(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value: as a message, and ``:`` and ``,`` escaped too."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _safe(text: str) -> str:
    """Lone surrogates (undecodable names) as U+FFFD: the runner reads UTF-8."""
    return text.encode("utf-8", "replace").decode("utf-8")
