"""The JUnit XML report, for CI test reporters (GitLab, Jenkins, GitHub test-report actions).

One ``<testsuite name="provscan">`` inside ``<testsuites>``; one ``<testcase>`` per file, named
by its path and classed ``provscan.<top folder>`` (``provscan..`` for files at the root). A
file whose gate is ``fail`` fails with the policy findings that failed it plus the detector
evidence that decided its verdict. JUnit has no warning state: a ``warn`` file passes and lists
its warnings in ``<system-out>`` (every case lists its verdict and findings there). The AI-use
log's own findings are cases of class ``provscan.ai-use-log``, one per log entry id; findings
about the delivery as a whole (nothing to check) a case of class ``provscan.delivery``. What
the ignore lists left out is counted in the suite's ``skipped.paths`` property.

Derived from :func:`provscan.report.to_json.to_dict`. Built with ElementTree, which escapes
markup; characters XML 1.0 cannot carry (control characters, lone surrogates left by
undecodable file names) become U+FFFD, so the output always parses.
"""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET  # building only: parse untrusted XML with defusedxml
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from provscan.model import Report
from provscan.report.to_json import file_dicts, finding_dict, run_dict

SUITE_NAME = "provscan"
LOG_CLASS = "provscan.ai-use-log"
DELIVERY_CLASS = "provscan.delivery"
WARN_NOTE = (
    ' JUnit has no warning state: a file whose gate is "warn" passes and lists its warnings'
    " in system-out. "
)
_GATE_RANK = {"pass": 0, "warn": 1, "fail": 2}
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True, slots=True)
class _Case:
    """One test case before it becomes XML: who it is, its gate and what to say about it."""

    classname: str
    name: str
    gate: str
    failing: tuple[dict[str, Any], ...]  # policy findings whose gate is fail
    evidence: tuple[dict[str, Any], ...]  # detector findings that decided the verdict
    out: tuple[str, ...]  # lines of <system-out>


def render(report: Report) -> str:
    """The JUnit XML text of a whole scan (UTF-8 declared, newline-terminated)."""
    return "".join(iter_chunks(report))


def iter_chunks(report: Report) -> Iterator[str]:
    """The XML of :func:`render` in pieces, a test case at a time: the suite's counts come
    from the report's (kept) counts, so no file is held while the cases are written. Each
    case is indented as ElementTree indents the whole document, so the text is the same."""
    data = run_dict(report)
    log_findings = [finding_dict(f) for f in report.log_findings]
    delivery_findings = [finding_dict(f) for f in report.delivery_findings]
    whole = [_log_case(key, group, data["log"]) for key, group in _by_entry(log_findings)]
    whole += [_delivery_case(f, data["root"]) for f in delivery_findings]
    tests = len(report.files) + len(whole)
    failures = data["summary"]["by_gate"]["fail"] + sum(1 for c in whole if c.gate == "fail")
    root = _testsuites(data, tests, failures)
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    if tests == 0:
        ET.indent(root)
        yield ET.tostring(root, encoding="unicode") + "\n"
        return
    suite = root[0]
    _element(suite, _PLACE)  # where the cases go, in the document's own indentation
    ET.indent(root)
    head, tail = ET.tostring(root, encoding="unicode").split(f"<{_PLACE} />")
    yield head
    cases = itertools.chain((_file_case(entry) for entry in file_dicts(report, frames=0)), whole)
    for number, case in enumerate(cases):
        yield ("\n    " if number else "") + _case_xml(case)
    yield tail + "\n"


_PLACE = "provscan-test-cases"


def _case_xml(case: _Case) -> str:
    """One test case as ElementTree writes it at its depth in the document."""
    elem = _testcase(None, case)
    ET.indent(elem, level=2)
    return ET.tostring(elem, encoding="unicode")


def clean(text: str) -> str:
    """``text`` with every character XML 1.0 cannot carry replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


def classname(path: str) -> str:
    """``provscan.<top folder>``, or ``provscan..`` for a file at the scan root."""
    top, sep, _ = path.partition("/")
    return f"{SUITE_NAME}.{top if sep else '.'}"


def _file_case(entry: dict[str, Any]) -> _Case:
    findings: list[dict[str, Any]] = entry["findings"]
    out = [f"verdict: {entry['verdict']}", f"gate: {entry['gate']}"]
    if entry["approval"]:
        matched = f" (matched by {entry['matched_by']})" if entry["matched_by"] else ""
        out.append(f"approval: AI-use log entry {entry['approval']}{matched}")
    if not entry["final"]:
        out.append("not final content")
    out += [finding_line(f) for f in findings]
    return _Case(
        classname=classname(entry["path"]),
        name=entry["path"],
        gate=entry["gate"],
        failing=_failing(findings),
        evidence=_deciding(entry),
        out=tuple(out),
    )


def _log_case(key: str, findings: list[dict[str, Any]], log: dict[str, Any] | None) -> _Case:
    gate = max((f["gate"] or "pass" for f in findings), key=_GATE_RANK.__getitem__)
    where = f"AI-use log: {log['path']}" if log else "AI-use log"
    out = [where, f"gate: {gate}", *(finding_line(f) for f in findings)]
    return _Case(LOG_CLASS, key, gate, _failing(findings), (), tuple(out))


def _delivery_case(finding: dict[str, Any], root: str) -> _Case:
    gate = finding["gate"] or "pass"
    out = (f"delivery: {root}", f"gate: {gate}", finding_line(finding))
    return _Case(DELIVERY_CLASS, finding["name"], gate, _failing([finding]), (), out)


def _by_entry(findings: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Log findings grouped by entry id (their key; the rule code when there is none)."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for finding in findings:
        groups.setdefault(finding["key"] or finding["rule"], []).append(finding)
    return list(groups.items())


def _failing(findings: list[dict[str, Any]]) -> tuple[dict[str, Any], ...]:
    return tuple(f for f in findings if f["gate"] == "fail")


def _deciding(entry: dict[str, Any]) -> tuple[dict[str, Any], ...]:
    """The detector findings whose rules decided the file's verdict."""
    codes = set(entry["decided_by"])
    return tuple(f for f in entry["findings"] if f["gate"] is None and f["rule"] in codes)


def finding_line(finding: dict[str, Any]) -> str:
    """One finding in words: ``[level] CODE name: message (key: value)`` plus approval."""
    level = finding["gate"] or finding["severity"]
    line = f"[{level}] {finding['rule']} {finding['name']}: {finding['message']}"
    if finding["key"] and finding["value"]:
        line += f" ({finding['key']}: {finding['value']})"
    if finding["confidence"] != "high":
        line += f" [{finding['confidence']} confidence]"
    if finding["approval"]:
        line += f" [approved in AI-use log entry {finding['approval']}]"
    return line


def _testsuites(data: dict[str, Any], tests: int, failures: int) -> ET.Element:
    """The document without its test cases."""
    counts = _counts(tests, failures, data["duration_s"])
    root = _element(None, "testsuites", name=SUITE_NAME, **counts)
    suite = _element(root, "testsuite", name=SUITE_NAME, **counts)
    stamp = _timestamp(data["started"])
    if stamp:
        suite.set("timestamp", stamp)
    _properties(suite, data)
    suite.append(ET.Comment(WARN_NOTE))
    return root


def _counts(tests: int, failures: int, duration_s: float) -> dict[str, str]:
    return {
        "tests": str(tests),
        "failures": str(failures),
        "errors": "0",
        "skipped": "0",
        "time": f"{duration_s:.3f}",
    }


def _timestamp(started: str) -> str:
    """JUnit's timestamp: ISO 8601 in UTC without a zone designator ("" if unparsable)."""
    try:
        moment = datetime.fromisoformat(started)
    except ValueError:
        return ""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="seconds")


def _properties(suite: ET.Element, data: dict[str, Any]) -> None:
    props = _element(suite, "properties")
    pairs = [("gate", data["gate"]), ("root", data["root"]), ("version", data["tool"]["version"])]
    pairs.append(("skipped.paths", data["summary"]["skipped"]))
    for name in ("log", "policy"):
        source = data[name]
        if source is not None:
            path = source["path"] or "(built-in default)"
            pairs += [(f"{name}.path", path), (f"{name}.sha256", source["sha256"])]
            pairs.append((f"{name}.summary", source["summary"]))
    for name, value in pairs:
        _element(props, "property", name=name, value=str(value))


def _testcase(suite: ET.Element | None, case: _Case) -> ET.Element:
    elem = _element(suite, "testcase", classname=case.classname, name=case.name)
    if case.gate == "fail":
        _failure(elem, case)
    _element(elem, "system-out", text="\n".join(case.out))
    return elem


def _failure(elem: ET.Element, case: _Case) -> None:
    codes = list(dict.fromkeys(f["rule"] for f in case.failing))
    message = "; ".join(f["message"] for f in case.failing) or "the policy failed this file"
    lines = [finding_line(f) for f in case.failing]
    lines += ["evidence: " + finding_line(f) for f in case.evidence]
    _element(elem, "failure", text="\n".join(lines), message=message, type=",".join(codes))


def _element(
    parent: ET.Element | None, tag: str, text: str | None = None, **attrs: str
) -> ET.Element:
    """A new element (appended to ``parent``) whose text and attributes are XML-safe."""
    safe = {name: clean(value) for name, value in attrs.items()}
    elem = ET.Element(tag, safe) if parent is None else ET.SubElement(parent, tag, safe)
    if text is not None:
        elem.text = clean(text)
    return elem
