"""``provscan log init``: a draft AI-use log with one entry per file that carries AI evidence.

Match keys are filled from the files (path, sha256, C2PA instance id, perceptual hash for
stills); the tool is taken from the evidence; everything a person must decide (purpose,
scope, the guideline flags, the written approval) is the placeholder, which ``log check``
refuses until it is replaced.

Paths are written relative to the root the log will be used with: the folder drafted, or
``--root`` (a file drafted alone: its folder, unless ``--root`` names the delivery). With an
existing log (``--log``), only files no entry of it matches are drafted, their ids continue
the log's, and the output is what to append to it (TOML tables, or CSV rows in its columns).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from provscan.ailog.entry import PLACEHOLDER, SCOPES
from provscan.ailog.load import AiLog
from provscan.ailog.match import FileFacts, matched_key
from provscan.ailog.near import nearest
from provscan.asset import Asset
from provscan.detectors.tool_identity import identify
from provscan.model import FileResult, MediaKind, Report, Verdict

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
_KEY_FIELDS = ("path", "c2pa_instance_id", "sha256", "phash")
_NUMBERED = re.compile(r"AI-(\d+)", re.IGNORECASE)


class DraftError(ValueError):
    """``log init`` cannot draft as asked; the message is one line naming the option."""


@dataclass(frozen=True, slots=True)
class Drafted:
    """One drafted entry: its fields in writing order, with a hint for each decision."""

    fields: tuple[tuple[str, str, str], ...]  # (name, value, hint)
    comments: tuple[str, ...] = field(default=())  # said above it in TOML (not in CSV)


def draft_prefix(target: Path, root: Path | None) -> str:
    """The path of the drafted folder (or a drafted file's folder) relative to ``root``,
    ending in "/" (empty when they are the same): what every drafted path starts with."""
    folder = target if target.is_dir() else target.parent
    if root is None:
        return ""
    if not root.is_dir():
        raise DraftError(f"{root}: --root: not a folder")
    try:
        relative = folder.resolve().relative_to(root.resolve())
    except ValueError:
        raise DraftError(f"{target}: --root: not inside {root} (paths in the log are "
                         "relative to the folder it is scanned with)") from None  # fmt: skip
    text = relative.as_posix()
    return "" if text == "." else text + "/"


def render_draft(
    report: Report,
    target: Path,
    today: dt.date,
    *,
    root: Path | None = None,
    existing: AiLog | None = None,
) -> str:
    """The draft for every AI-flagged file of ``report`` (scanned at ``target``) that no entry
    of ``existing`` covers, paths relative to ``root`` (default: the folder drafted, or the
    file's folder): a whole TOML log, or with ``existing`` what to append to it."""
    prefix = draft_prefix(target, root)
    flagged = [r for r in report.files if r.verdict in _AI]
    drafted: list[Drafted] = []
    covered = 0
    ids = _ids(existing)
    for result in flagged:
        facts, key_lines = _identity(result, target, prefix)
        if existing is not None and _covered(existing, facts):
            covered += 1
            continue
        drafted.append(_entry(next(ids), result, facts, key_lines, existing))
    if existing is not None and existing.columns:
        return _csv(existing, drafted)
    base = root if root is not None else (target if target.is_dir() else target.parent)
    return _toml(drafted, report, str(base), today, existing, covered)


def _ids(existing: AiLog | None) -> Iterator[str]:
    """AI-001, AI-002 ... after the highest AI-N of the existing log, skipping ids it uses."""
    used = {e.id.upper() for e in existing.entries} if existing else set()
    numbers = [int(m.group(1)) for e in (existing.entries if existing else ())
               if (m := _NUMBERED.fullmatch(e.id))]  # fmt: skip
    number = max(numbers, default=0)
    while True:
        number += 1
        candidate = f"AI-{number:03d}"
        if candidate.upper() not in used:
            yield candidate


def _identity(result: FileResult, target: Path, prefix: str) -> tuple[FileFacts, list[str]]:
    """The file's match keys (as facts, and as TOML comment lines for what failed)."""
    path = prefix + result.path if target.is_dir() else prefix + target.name
    ids = [str(f.evidence.details["instance_id"]) for f in result.findings
           if f.rule.code == "C2P012" and f.evidence.details.get("instance_id")]  # fmt: skip
    sha, phash, notes = "", "", []
    if result.sequence is not None:  # a frame sequence: its pattern is its name
        notes.append(f"a frame sequence of {result.sequence.count} frames: the path (its "
                     "pattern) names it; no single file's sha256 does")  # fmt: skip
        return FileFacts(path, "", "", frozenset(ids[:1])), notes
    try:
        with Asset(target if target.is_file() else target / result.path, result.path) as asset:
            sha = asset.sha256()
            from provscan.extract.phash import phash_of  # numpy: loaded only when needed

            phash = (phash_of(asset) if result.kind is MediaKind.IMAGE else None) or ""
    except OSError:
        notes.append("the file could not be read again to compute its sha256")
    return FileFacts(path, sha, phash, frozenset(ids[:1])), notes


def _covered(existing: AiLog, facts: FileFacts) -> bool:
    return any(matched_key(entry, facts) is not None for entry in existing.entries)


def _entry(
    entry_id: str, result: FileResult, facts: FileFacts, notes: list[str], existing: AiLog | None
) -> Drafted:
    tool, vendor = _tool(result)
    fields = [("id", entry_id, ""), ("tool", tool or PLACEHOLDER, ""),
              ("vendor", vendor or PLACEHOLDER, "")]  # fmt: skip
    fields += [(name, PLACEHOLDER, hint) for name, hint in _DECIDE]
    fields.append(("path", _glob_literal(facts.path), ""))
    instance_id = next(iter(facts.instance_ids), "")
    keys = {"c2pa_instance_id": instance_id, "sha256": facts.sha256, "phash": facts.phash}
    fields += [(name, value, "") for name, value in keys.items() if value]
    codes = ", ".join(sorted({f.rule.code for f in result.findings}))
    fields.append(("notes", f"provscan: {result.verdict.value} ({codes})", ""))
    comments = list(notes)
    near = nearest(existing.entries, facts) if existing is not None else None
    if near is not None:
        comments.append(f"nearest existing entry {near.words}")
    return Drafted(tuple(fields), tuple(comments))


def _toml(
    drafted: list[Drafted],
    report: Report,
    root: str,
    today: dt.date,
    existing: AiLog | None,
    covered: int,
) -> str:
    lines = [f"# AI-use log drafted by 'provscan log init' on {today.isoformat()} from "
             f"{report.root}."]  # fmt: skip
    lines.append(f"# Paths are relative to {root}: scan that folder with this log.")
    if existing is None:
        lines.append(f"# Replace every {PLACEHOLDER!r}: 'provscan log check' refuses the log "
                     "until then.")  # fmt: skip
        lines.append("version = 1")
    else:
        lines.append(f"# {_count(len(drafted), 'new entry', 'new entries')} for {existing.path} "
                     f"({_count(covered, 'file', 'files')} with AI evidence covered by it): "
                     f"append them, then replace every {PLACEHOLDER!r}.")  # fmt: skip
    for entry in drafted:
        lines.append("")
        lines.extend(f"# {comment}" for comment in entry.comments)
        lines.append("[[entry]]")
        for name, value, hint in entry.fields:
            lines.append(f"{name} = {_q(value)}" + (f"  # {hint}" if hint else ""))
    return "\n".join(lines) + "\n"


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


def _csv(existing: AiLog, drafted: list[Drafted]) -> str:
    """Rows to append to a CSV log, in its own columns (a column it lacks for a key the
    draft needs is an error: the row would lose the key that finds its file)."""
    columns = existing.columns
    needed = sorted({name for entry in drafted for name, _, _ in entry.fields
                     if name in (*_KEY_FIELDS, "id") and name not in columns})  # fmt: skip
    if needed:
        raise DraftError(f"{existing.path}: row 1: no column for {', '.join(needed)} (add "
                         "them to the header to append drafted entries)")  # fmt: skip
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for entry in drafted:
        values = {name: value for name, value, _ in entry.fields}
        writer.writerow([values.get(column, "") for column in columns])
    return out.getvalue()


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
