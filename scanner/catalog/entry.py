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
from provscan.results import Brief, Entry, Tally, brief_of, severities_of
from provscan.rulebook import by_code
from provscan.rules import trace as trace_rules
from provscan.verdict import decide


@dataclass(slots=True)
class Usage:
    """A file's part in the AI-use log's own findings, in the order the gate met it:
    ``matches`` (entry id, key, whether the entry's path no longer names the file),
    ``near`` (entry id, keys agreeing, keys differing, why) when none matched, and the
    entries ``approved`` a trace hit on it through their pHash."""

    matches: list[tuple[str, str, bool]] = field(default_factory=list)
    near: tuple[str, tuple[str, ...], tuple[str, ...], str] | None = None
    approved: list[str] = field(default_factory=list)

    def as_text(self) -> str:
        """The usage as JSON text ("" when the file has no part in the log's findings)."""
        if not (self.matches or self.near or self.approved):
            return ""
        near = list(self.near) if self.near else None
        data = [[list(m) for m in self.matches], near, self.approved]
        return json.dumps(data, separators=(",", ":"), ensure_ascii=True)

    @classmethod
    def from_json(cls, data: list[Any]) -> Usage:
        """The usage :meth:`as_text` gave, parsed."""
        matches, near, approved = data
        found = [(str(e), str(k), bool(m)) for e, k, m in matches]
        kept = None
        if near:
            entry, agrees, differs, why = near
            kept = (str(entry), tuple(agrees), tuple(differs), str(why))
        return cls(found, kept, [str(e) for e in approved])


def make(result: FileResult, usage: Usage) -> Entry:
    """The finished entry of a judged file."""
    brief = brief_of(result)._replace(scanned=scanned_verdict(result))
    severities = severities_of(result)
    extra = {"d": list(result.deciding), "h": result.sha256, "p": result.phash,
             "a": result.approval}  # fmt: skip
    text = json.dumps(extra, separators=(",", ":"), ensure_ascii=True)
    used = usage.as_text()
    return Entry(file_json(result), brief, severities, text, rebuild, usage=used)


# A packed brief: "kind format role verdict gate scanned" (unit separators; scanned: the
# verdict before the trace's findings), then its tally "e,w,i,f,w,b" (results.Tally), then
# the path (last: it may hold anything), record separators between the three.
_UNIT, _RECORD = "\x1f", "\x1e"


def packed(entry: Entry) -> str:
    """The entry's brief (with the verdict before the trace) and severities as one short
    text (what a catalog keeps beside the entry, so that a kept entry is made without
    parsing anything)."""
    b, tally = entry.brief, ",".join(str(n) for n in entry.severities)
    head = _UNIT.join((b.kind.value, b.format, b.role, b.verdict.value, b.gate.value,
                       b.verdict_scanned.value))  # fmt: skip
    return f"{head}{_RECORD}{tally}{_RECORD}{b.path}"


def scanned_verdict(result: FileResult) -> Verdict:
    """The verdict of the file's own evidence, without the trace's findings (a kept entry
    must tell the next run's trace whether the file is a reference, as a fresh scan would)."""
    if not any(f.rule in _TRACE_RULES for f in result.findings):
        return result.verdict
    return decide([f for f in result.findings if f.rule not in _TRACE_RULES])[0]


_TRACE_RULES = frozenset(trace_rules.RULES)


def kept(line: str, extra: str, brief: str, usage: str | None) -> Entry:
    """The finished entry a catalog kept (``stored``: nothing to write back): its text, its
    extra, its packed brief (see :func:`packed`) and its part in the log's findings."""
    head, severities, path = brief.split(_RECORD, 2)
    kind, fmt, role, verdict, gate, scanned = _heads(head)
    found = Brief(path, kind, fmt, role, verdict, gate, True, scanned)
    return Entry(line, found, _severities(severities), extra, rebuild, True, usage or "")


@cache
def _heads(head: str) -> tuple[MediaKind, str, str, Verdict, Gate, Verdict]:
    """A packed brief's head as values (an archive's files share a few dozen heads)."""
    kind, fmt, role, verdict, gate, scanned = head.split(_UNIT)
    return (MediaKind(kind), sys.intern(fmt), sys.intern(role), Verdict(verdict), Gate(gate),
            Verdict(scanned))  # fmt: skip


@cache
def _severities(text: str) -> Tally:
    error, warning, info, fail, warn, accepted = (int(n) for n in text.split(","))
    return error, warning, info, fail, warn, accepted


def approval_of(entry: Entry) -> str | None:
    """The log entry named as the file's approval."""
    approval: str | None = json.loads(entry.extra)["a"]
    return approval


def sha_of(entry: Entry) -> str:
    """The file's SHA-256, when the run computed it."""
    sha: str = json.loads(entry.extra)["h"]
    return sha


def usage_of(entry: Entry) -> Usage:
    """The entry's part in the log's own findings (empty for most files: nothing parsed)."""
    return Usage.from_json(json.loads(entry.usage)) if entry.usage else Usage()


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
