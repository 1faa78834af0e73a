"""A judged file as the catalog keeps it, to be written again without being judged again.

When a run has judged a file, the catalog keeps its finished report entry (the JSON text
the report writes for it) with a few facts in ``extra``: its brief (kind, format, role,
verdict, gate), the severities of its findings, what rebuilds the FileResult losslessly
(deciding indexes, hashes) and its part in the AI-use log's own findings (which entries it
matched by which key and whether their path still names it, the entry that came nearest
when none did, the entries a trace hit on it was approved by). A re-scan that finds the
file unchanged, under the same run context (scanner.catalog.context), writes the text as
it is and replays that part; nothing of the file is decoded, judged or encoded again.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from provscan.model import (
    Confidence,
    Evidence,
    FileResult,
    Finding,
    Gate,
    MediaKind,
    Rule,
    Severity,
    Verdict,
)
from provscan.report.to_json import file_json
from provscan.results import Brief, Entry, brief_of, severities_of
from provscan.rulebook import by_code


@dataclass(slots=True)
class Usage:
    """A file's part in the AI-use log's own findings, in the order the gate met it:
    ``matches`` (entry id, key, whether the entry's path no longer names the file),
    ``near`` (entry id, keys agreeing, keys differing, why) when none matched, and the
    entries ``approved`` a trace hit on it through their pHash."""

    matches: list[tuple[str, str, bool]] = field(default_factory=list)
    near: tuple[str, tuple[str, ...], tuple[str, ...], str] | None = None
    approved: list[str] = field(default_factory=list)

    def as_json(self) -> list[Any]:
        """The usage as JSON-ready data."""
        near = list(self.near) if self.near else None
        return [[list(m) for m in self.matches], near, self.approved]

    @classmethod
    def from_json(cls, data: list[Any]) -> Usage:
        """The usage :meth:`as_json` gave."""
        matches, near, approved = data
        found = [(str(e), str(k), bool(m)) for e, k, m in matches]
        kept = None
        if near:
            entry, agrees, differs, why = near
            kept = (str(entry), tuple(agrees), tuple(differs), str(why))
        return cls(found, kept, [str(e) for e in approved])


def make(result: FileResult, usage: Usage) -> Entry:
    """The finished entry of a judged file."""
    brief = brief_of(result)
    severities = severities_of(result)
    fields = [brief.path, brief.kind.value, brief.format, brief.role, brief.verdict.value,
              brief.gate.value, result.approval]  # fmt: skip
    extra = {
        "b": fields,
        "s": list(severities),
        "d": list(result.deciding),
        "h": result.sha256,
        "p": result.phash,
        "u": usage.as_json(),
    }
    text = json.dumps(extra, separators=(",", ":"), ensure_ascii=True)
    finished = Brief(brief.path, brief.kind, brief.format, brief.role, brief.verdict,
                     brief.gate, finished=True)  # fmt: skip
    return Entry(file_json(result), finished, severities, text, rebuild)


def kept(line: str, extra: str) -> Entry:
    """The finished entry a catalog kept (``stored``: nothing to write back)."""
    data = json.loads(extra)
    path, kind, fmt, role, verdict, gate, _ = data["b"]
    brief = Brief(path, MediaKind(kind), sys.intern(fmt), sys.intern(role), Verdict(verdict),
                  Gate(gate), finished=True)  # fmt: skip
    error, warning, info = data["s"]
    return Entry(line, brief, (error, warning, info), extra, rebuild, stored=True)


def approval_of(entry: Entry) -> str | None:
    """The log entry named as the file's approval."""
    approval: str | None = json.loads(entry.extra)["b"][6]
    return approval


def sha_of(entry: Entry) -> str:
    """The file's SHA-256, when the run computed it."""
    sha: str = json.loads(entry.extra)["h"]
    return sha


def usage_of(entry: Entry) -> Usage:
    """The kept entry's part in the log's own findings."""
    return Usage.from_json(json.loads(entry.extra)["u"])


def rebuild(line: str, extra: str) -> FileResult:
    """The FileResult an entry was made from (what a reader of ``report.files`` gets; its
    details are as JSON gives them back: lists for tuples, strings for other values)."""
    data, more = json.loads(line), json.loads(extra)
    rules = _rules()
    return FileResult(
        path=data["path"],
        kind=MediaKind(data["kind"]),
        format=sys.intern(data["format"]),
        mime=sys.intern(data["mime"]),
        size=int(data["size"]),
        verdict=Verdict(data["verdict"]),
        findings=tuple(_finding(item, rules) for item in data["findings"]),
        deciding=tuple(int(i) for i in more["d"]),
        gate=Gate(data["gate"]),
        approval=data["approval"],
        matched_by=data["matched_by"] or "",
        final=bool(data["final"]),
        role=data["role"],
        sha256=more["h"],
        phash=more["p"],
    )


@cache
def _rules() -> dict[str, Rule]:
    return by_code()


def _finding(item: dict[str, Any], rules: dict[str, Rule]) -> Finding:
    code = item["rule"]
    rule = rules.get(code) or Rule(code, item["name"], Severity(item["severity"]), "")
    evidence = Evidence(code, item["message"], item["key"], item["value"],
                        Confidence(item["confidence"]), item["details"])  # fmt: skip
    gate = Gate(item["gate"]) if item["gate"] else None
    return Finding(rule, evidence, item["fingerprint"], item["approval"], gate)
