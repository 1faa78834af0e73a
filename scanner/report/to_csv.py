"""The CSV report, for producers who open it in a spreadsheet.

One row per finding, one row per file without findings (rule empty) so every file appears,
then one row per finding about the AI-use log itself (path = the log's path, verdict empty),
then one per finding about the delivery as a whole (path = the scan root, verdict empty).
``gate`` and ``verdict`` are the file's; ``approval`` is the log entry approving that finding
(the file's approval on a finding-less row); ``level`` is what the policy decided for a policy
finding (pass/warn/fail), else the rule's severity (info/warning/error).

File names, prompts and metadata are attacker-controlled, so every cell is neutralised against
formula injection (OWASP): a cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage
return gets a leading ``'``. Lone surrogates (undecodable names) and control characters other
than tab, LF and CR become U+FFFD. Lines end in CRLF (the csv module's default, as Excel
writes). Derived from :func:`provscan.report.to_json.to_dict`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Any

from provscan.model import Report
from provscan.report.to_json import file_dicts, finding_dict, run_dict

HEADER = (
    "path", "gate", "verdict", "approval", "rule", "severity", "level", "message", "key",
    "value", "confidence",
)  # fmt: skip
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def render(report: Report) -> str:
    """The CSV text of a whole scan: the header, then the rows."""
    return "".join(iter_chunks(report))


_CHUNK = 1 << 16  # characters written before a piece is handed on


def iter_chunks(report: Report) -> Iterator[str]:
    """The text of :func:`render` in pieces of about 64 KiB, the files read one at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    data = {**run_dict(report), "files": file_dicts(report, frames=0),
            "log_findings": [finding_dict(f) for f in report.log_findings],
            "delivery_findings": [finding_dict(f) for f in report.delivery_findings]}  # fmt: skip
    for row in rows(data):
        writer.writerow([safe_cell(cell) for cell in row])
        if buffer.tell() >= _CHUNK:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def rows(data: dict[str, Any]) -> Iterator[list[str]]:
    """The raw rows (not yet neutralised), in the order of the header (``data["files"]``:
    any iterable of file entries)."""
    for entry in data["files"]:
        if not entry["findings"]:
            yield _row(entry["path"], entry["gate"], entry["verdict"], entry["approval"], None)
        for finding in entry["findings"]:
            yield _row(entry["path"], entry["gate"], entry["verdict"], finding["approval"], finding)
    log_path = data["log"]["path"] if data["log"] else ""
    for finding in data["log_findings"]:
        yield _row(log_path, finding["gate"] or "pass", "", finding["approval"], finding)
    for finding in data["delivery_findings"]:
        yield _row(data["root"], finding["gate"] or "pass", "", None, finding)


def _row(
    path: str, gate: str, verdict: str, approval: str | None, finding: dict[str, Any] | None
) -> list[str]:
    head = [path, gate, verdict, approval or ""]
    if finding is None:
        return head + [""] * (len(HEADER) - len(head))
    return [
        *head,
        finding["rule"],
        finding["severity"],
        finding["gate"] or finding["severity"],
        finding["message"],
        finding["key"],
        finding["value"],
        finding["confidence"],
    ]


def safe_cell(cell: str) -> str:
    """``cell`` made safe for a spreadsheet: no formula start, no undecodable characters."""
    cell = _UNSAFE.sub("\ufffd", cell)
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell
