"""``provscan log init``: a draft AI-use log with one entry per file that carries AI evidence.

Match keys are filled from the files (path, sha256, C2PA instance id, perceptual hash for
stills); the tool is taken from the evidence; everything a person must decide (purpose,
scope, the guideline flags, the written approval) is the placeholder, which ``log check``
refuses until it is replaced.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

from detectors.tool_identity import identify
from scanner.ailog.entry import PLACEHOLDER, SCOPES
from scanner.asset import Asset
from scanner.model import FileResult, MediaKind, Report, Verdict

_AI = (Verdict.AI_GENERATED, Verdict.AI_EDITED, Verdict.AI_SUSPECTED)
_DECIDE = (
    ("purpose", "what the AI material is for"),
    ("scope", f"where it may appear: {', '.join(SCOPES)}"),
    ("third_party_ip", "true/false: recreates third-party IP?"),
    ("talent_likeness", "true/false: uses a talent's likeness?"),
    ("private_data", "true/false: uses private or personal data?"),
    ("replaces_talent_or_union_work", "true/false"),
    ("talent_consent", "true/false: consent recorded?"),
    ("tool_trains_on_inputs", "true/false: does the tool train on what you give it?"),
    ("enterprise_environment", "true/false: enterprise-secure account/environment?"),
    ("status", "approved, pending or denied"),
    ("approved_by", "who approved it in writing"),
    ("approved_on", "YYYY-MM-DD"),
    ("approval_ref", "the approving document or ticket"),
)


def render_draft(report: Report, root: Path, today: dt.date) -> str:
    """TOML text of the draft log for every AI-flagged file of ``report``."""
    lines = [
        f"# AI-use log drafted by 'provscan log init' on {today.isoformat()} from {report.root}.",
        f"# Replace every {PLACEHOLDER!r}: 'provscan log check' refuses the log until then.",
        "version = 1",
    ]
    flagged = [r for r in report.files if r.verdict in _AI]
    for number, result in enumerate(flagged, 1):
        lines.append("")
        lines.extend(_entry(number, result, root))
    return "\n".join(lines) + "\n"


def _entry(number: int, result: FileResult, root: Path) -> Iterator[str]:
    tool, vendor = _tool(result)
    yield "[[entry]]"
    yield f'id = "AI-{number:03d}"'
    yield f"tool = {_q(tool or PLACEHOLDER)}"
    yield f"vendor = {_q(vendor or PLACEHOLDER)}"
    for name, hint in _DECIDE:
        yield f"{name} = {_q(PLACEHOLDER)}  # {hint}"
    yield f"path = {_q(_glob_literal(result.path))}"
    yield from _keys(result, root)
    codes = ", ".join(sorted({f.rule.code for f in result.findings}))
    yield f"notes = {_q(f'provscan: {result.verdict.value} ({codes})')}"


def _keys(result: FileResult, root: Path) -> Iterator[str]:
    ids = [str(f.evidence.details["instance_id"]) for f in result.findings
           if f.rule.code == "C2P012" and f.evidence.details.get("instance_id")]  # fmt: skip
    if ids:
        yield f"c2pa_instance_id = {_q(ids[0])}"
    try:
        asset = Asset(root if root.is_file() else root / result.path, result.path)
        yield f"sha256 = {_q(asset.sha256())}"
        from scanner.extract.phash import phash_of  # numpy: loaded only when needed

        phash = phash_of(asset) if result.kind is MediaKind.IMAGE else None
        if phash:
            yield f"phash = {_q(phash)}"
    except OSError:
        yield "# the file could not be read again to compute its sha256"


def _tool(result: FileResult) -> tuple[str, str]:
    for index in result.deciding:
        details = result.findings[index].evidence.details
        raw = details.get("software_agent") or details.get("tool") or details.get("claim_generator")
        found = identify(str(raw)) if raw else None
        if found is not None:
            return found.name, found.vendor or str(details.get("vendor", ""))
    return "", ""


def _glob_literal(path: str) -> str:
    """The path as a glob matching only itself ([*] escapes glob characters); a byte that is
    not UTF-8 (kept as a surrogate escape) cannot be written in TOML, so it becomes ``?``."""
    return "".join(
        f"[{c}]" if c in "*?[" else "?" if "\udc80" <= c <= "\udcff" else c for c in path
    )


def _q(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(text, ensure_ascii=False)
