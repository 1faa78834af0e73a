"""The SARIF 2.1.0 report, for code-scanning dashboards (GitHub, GitLab, Azure DevOps, VS Code).

One run: ``tool.driver.rules`` lists every rule the report uses (sorted by code); one result
per finding, detector and policy alike, located at the file (a URI relative to
``%SRCROOT%``, the scan root). A policy finding's level is what the policy decided (fail ->
error, warn -> warning); a detector finding's comes from its rule's severity. A finding the
AI-use log approved carries an accepted external suppression naming the log entry. The log's
own findings point at the log file. ``artifacts`` lists every file with its verdict and gate,
so clean files appear too; ``run.properties`` carries the gate and the log and policy used.

For code-scanning dashboards, ``base`` (``--sarif-root``: the repository's root) makes every
URI relative to that folder, which ``%SRCROOT%`` then names; and results of level ``note``
(info findings that are evidence only) are left out unless ``info`` is asked for: a dashboard
lists what needs a decision.

Derived from :func:`provscan.report.to_json.to_dict`; lone surrogates (undecodable names) are
replaced by U+FFFD in text, while URIs percent-encode the original bytes.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any, TypeAlias
from urllib.parse import quote

from provscan.model import Report
from provscan.report.locations import relative_paths
from provscan.report.to_json import to_dict
from provscan.rulebook import by_code

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/provscan/provscan"
SRCROOT = "%SRCROOT%"
FINGERPRINT = "provscanFingerprint/v1"
SEVERITY_LEVELS = {"error": "error", "warning": "warning", "info": "note"}
GATE_LEVELS = {"fail": "error", "warn": "warning", "pass": "note"}
_SURROGATE = re.compile("[\ud800-\udfff]")
_MIME = re.compile(r"[^/]+/.+")  # the schema's pattern for artifact.mimeType

# a finding with its file entry and that file's artifact index (None, None for the log's)
_Located: TypeAlias = tuple[dict[str, Any] | None, int | None, dict[str, Any]]


def render(report: Report, *, base: Path | None = None, info: bool = True) -> str:
    """The SARIF JSON text of a whole scan (ASCII, newline-terminated); ``base`` and
    ``info`` as for :func:`to_sarif`."""
    sarif = to_sarif(report, base=base, info=info)
    return json.dumps(sarif, indent=2, ensure_ascii=True, default=str) + "\n"


def to_sarif(report: Report, *, base: Path | None = None, info: bool = True) -> dict[str, Any]:
    """The SARIF log as plain JSON-ready data: URIs relative to ``base`` when given (else to
    the scan root); results of level note only with ``info``."""
    data = to_dict(report, frames=0)
    if base is not None:
        _rebase(data, relative_paths(report, base))
    located = [item for item in _located(data) if info or _kept(item[2])]
    rules = rule_descriptors(f for _, _, f in located)
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    root = _base_location(base) if base is not None else _root_location(data)
    run = {
        "tool": {"driver": _driver(data, rules)},
        "invocations": [_invocation(data)],
        "originalUriBaseIds": {SRCROOT: root},
        "artifacts": [_artifact(entry) for entry in data["files"]],
        "results": [_result(e, i, f, index, data["log"]) for e, i, f in located],
        "properties": {k: data[k] for k in ("gate", "root", "log", "policy", "summary")},
    }
    sarif: dict[str, Any] = _without_surrogates(
        {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}
    )
    return sarif


def _kept(finding: dict[str, Any]) -> bool:
    """Whether a result is kept without ``info``: its level is above note, or it is
    suppressed (an approval a dashboard should show as such)."""
    return level(finding) != "note" or bool(finding["approval"])


def _rebase(data: dict[str, Any], paths: dict[str, str]) -> None:
    """Each file entry's path replaced by its path relative to the chosen base."""
    for entry in data["files"]:
        entry["path"] = paths.get(entry["path"], entry["path"])


def _base_location(base: Path) -> dict[str, Any]:
    """``%SRCROOT%`` as the chosen base folder (``--sarif-root``)."""
    uri = Path(os.path.abspath(base)).as_uri()
    return {"uri": uri if uri.endswith("/") else uri + "/",
            "description": {"text": f"the folder paths are relative to: {base}"}}  # fmt: skip


# The artifact index given to findings about the delivery as a whole: they have no location.
_DELIVERY = -1


def _located(data: dict[str, Any]) -> Iterator[_Located]:
    """Every finding with its file entry and artifact index (None for the log's findings,
    _DELIVERY for those about the delivery as a whole)."""
    for i, entry in enumerate(data["files"]):
        for finding in entry["findings"]:
            yield entry, i, finding
    for finding in data["log_findings"]:
        yield None, None, finding
    for finding in data["delivery_findings"]:
        yield None, _DELIVERY, finding


def rule_descriptors(findings: Iterator[dict[str, Any]]) -> list[dict[str, Any]]:
    """One reportingDescriptor per rule code used, sorted by code."""
    seen: dict[str, dict[str, Any]] = {}
    for finding in findings:
        seen.setdefault(finding["rule"], finding)
    return [_descriptor(seen[code]) for code in sorted(seen)]


def _descriptor(finding: dict[str, Any]) -> dict[str, Any]:
    rule = by_code().get(finding["rule"])
    return {
        "id": finding["rule"],
        "name": finding["name"],
        "shortDescription": {"text": rule.summary if rule else finding["name"]},
        "defaultConfiguration": {"level": SEVERITY_LEVELS[finding["severity"]]},
        "properties": {"severity": finding["severity"]},
    }


def _driver(data: dict[str, Any], rules: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "name": data["tool"]["name"],
        "version": data["tool"]["version"],
        "informationUri": INFORMATION_URI,
        "rules": rules,
    }


def _invocation(data: dict[str, Any]) -> dict[str, Any]:
    """The run: always successful (per-file trouble is a finding); times when parsable."""
    invocation: dict[str, Any] = {"executionSuccessful": True}
    try:
        start = datetime.fromisoformat(data["started"])
    except ValueError:
        return invocation
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    end = start + timedelta(seconds=data["duration_s"])
    invocation["startTimeUtc"] = _utc(start)
    invocation["endTimeUtc"] = _utc(end)
    return invocation


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _root_location(data: dict[str, Any]) -> dict[str, Any]:
    """Where ``%SRCROOT%`` is: a file URI when the root is absolute, else only described.

    When one file was scanned, the root is that file and its path is its name, so the base
    is the file's folder (a folder holding only a file of its own name would look the same).
    """
    root = PurePosixPath(data["root"])
    described = {"description": {"text": f"the scan root: {data['root']}"}}
    if not root.is_absolute():
        return described
    paths = [entry["path"] for entry in data["files"]]
    if paths == [root.name]:
        root = root.parent
    uri = root.as_uri()
    return {"uri": uri if uri.endswith("/") else uri + "/", **described}


def uri(path: str) -> str:
    """A relative URI for a POSIX path; undecodable names keep their original bytes."""
    return quote(path.encode("utf-8", "surrogateescape"), safe="/")


def _artifact(entry: dict[str, Any]) -> dict[str, Any]:
    artifact: dict[str, Any] = {
        "location": {"uri": uri(entry["path"]), "uriBaseId": SRCROOT},
        "length": entry["size"],
    }
    if _MIME.fullmatch(entry["mime"]):
        artifact["mimeType"] = entry["mime"]
    keys = ("kind", "format", "verdict", "gate", "final", "approval", "matched_by", "decided_by")
    artifact["properties"] = {k: entry[k] for k in keys}
    if entry.get("sequence"):  # a frame sequence: one artifact, its frames named in words
        sequence = entry["sequence"]
        artifact["properties"]["sequence"] = {
            k: sequence[k] for k in ("pattern", "first", "last", "count", "missing")
        }
    return artifact


def _result(
    entry: dict[str, Any] | None,
    artifact: int | None,
    finding: dict[str, Any],
    index: dict[str, int],
    log: dict[str, Any] | None,
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding["rule"],
        "ruleIndex": index[finding["rule"]],
        "level": level(finding),
        "message": {"text": finding["message"] or finding["name"]},
    }
    if entry:
        locations = _file_locations(entry, artifact)
    else:
        locations = [] if artifact == _DELIVERY else _log_locations(finding, log)
    if locations:
        result["locations"] = locations
    if finding["fingerprint"]:
        result["partialFingerprints"] = {FINGERPRINT: finding["fingerprint"]}
    if finding["approval"]:
        result["suppressions"] = [suppression(finding["approval"])]
    if finding.get("baselined"):  # accepted by --baseline: SARIF's own word for it
        result["baselineState"] = "unchanged"
    keys = ["key", "value", "confidence", "details"] + (["gate"] if finding["gate"] else [])
    result["properties"] = {k: finding[k] for k in keys}
    return result


def level(finding: dict[str, Any]) -> str:
    """SARIF level: the policy's decision for policy findings, else the rule's severity."""
    if finding["gate"]:
        return GATE_LEVELS[finding["gate"]]
    return SEVERITY_LEVELS[finding["severity"]]


def suppression(entry_id: str) -> dict[str, str]:
    """An accepted external suppression: the AI-use log entry that approved the finding."""
    return {
        "kind": "external",
        "status": "accepted",
        "justification": f"approved in AI-use log entry {entry_id}",
    }


def _file_locations(entry: dict[str, Any], artifact: int | None) -> list[dict[str, Any]]:
    where = {"uri": uri(entry["path"]), "uriBaseId": SRCROOT, "index": artifact}
    return [{"physicalLocation": {"artifactLocation": where}}]


def _log_locations(finding: dict[str, Any], log: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The log file (its path is relative to where provscan ran) and the entry's id."""
    location: dict[str, Any] = {}
    if log and log["path"]:
        path = PurePosixPath(log["path"])
        where = path.as_uri() if path.is_absolute() else uri(log["path"])
        location["physicalLocation"] = {"artifactLocation": {"uri": where}}
    if finding["key"]:
        location["logicalLocations"] = [{"name": finding["key"], "kind": "object"}]
    return [location] if location else []


def _without_surrogates(value: Any) -> Any:
    """``value`` with lone surrogates in every string (keys too) replaced by U+FFFD."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_without_surrogates(k): _without_surrogates(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_without_surrogates(v) for v in value]
    return value
