"""The JSON report: the one dict every other format is derived from (schema.json beside this
module, described in docs/reports.md).

Stable core for scripts: ``schema_version``, ``files[].path``, ``files[].verdict`` and
``files[].findings[]`` with ``rule``, ``severity``, ``message``, ``key``, ``value``,
``confidence``. Bump the major version on any change to those.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator
from typing import Any

from provscan.model import (
    FileResult,
    Finding,
    FrameSequence,
    Gate,
    Report,
    Skipped,
    Source,
    Verdict,
)
from provscan.results import Entry, counts_of, items_of, kept_lines

SCHEMA_VERSION = "1.6"  # 1.1 added the gate (gate, approval, matched_by, final, log, policy);
# 1.2 added files[].role, options (sources, trace summary) and the trace findings (TRC);
# 1.3 added timeline (TML) and IMF findings, options.timelines and .imf, role "timeline";
# 1.4 added skipped (what the ignore lists left out), summary.skipped, options.ignore and
# delivery_findings (POL011: nothing to check); 1.5 added findings[].baselined (present and
# true on a finding the --baseline file accepted) and a gate on detector findings whose rule
# the policy's [levels] raised; 1.6 added files[].sequence (a numbered
# frame sequence as one item: pattern, first, last, count, gaps, differing, frames[])


def to_dict(report: Report, frames: int | None = None) -> dict[str, Any]:
    """The report as plain JSON-ready data (every file at once: the streaming renderers use
    :func:`run_dict` and :func:`file_dicts` instead); ``frames``: see :func:`file_dict`."""
    return {
        **_run(report),
        "files": list(file_dicts(report, frames)),
        "log_findings": [finding_dict(f) for f in report.log_findings],
        "delivery_findings": [finding_dict(f) for f in report.delivery_findings],
        "skipped": [skipped_dict(s) for s in report.skipped],
    }


def file_dicts(report: Report, frames: int | None = None) -> Iterator[dict[str, Any]]:
    """Each file's entry, in order, one at a time (a finished entry a catalog kept is parsed
    from its JSON text); ``frames``: see :func:`file_dict`."""
    for item in items_of(report.files):
        yield json.loads(item.line) if isinstance(item, Entry) else file_dict(item, frames)


def file_lines(report: Report) -> Iterator[Iterable[str]]:
    """Each file's entry as the JSON report writes it (compact, one line), in order, as the
    pieces of its line (see file_pieces); a finished entry a catalog kept is written as it
    was kept."""
    for item in kept_lines(report.files):
        yield (item,) if isinstance(item, str) else file_pieces(item)


def file_json(result: FileResult) -> str:
    """One file's entry as the JSON report writes it."""
    return _dumps(file_dict(result))


def file_pieces(result: FileResult) -> Iterator[str]:
    """:func:`file_json` in pieces: a frame sequence's frames one at a time (its line is as
    long as its frames are many: a reel's hundred thousand frames are not one string)."""
    sequence = result.sequence
    if sequence is None:
        yield file_json(result)
        return
    entry = _file_entry(result)
    entry["sequence"] = sequence_dict(sequence, entry, frames=0)
    text = _dumps(entry)  # ends with the frames: "sequence" is the last member, "frames" its
    assert text.endswith(_NO_FRAMES)
    yield text[: -len(_NO_FRAMES)] + '"frames": ['
    for index, frame in enumerate(_frame_dicts(sequence, entry)):
        yield (", " if index else "") + _dumps(frame)
    yield "]}}"


_NO_FRAMES = '"frames": []}}'


def run_dict(report: Report) -> dict[str, Any]:
    """The members before the files: the run, its configuration and its counts."""
    return _run(report)


def _run(report: Report) -> dict[str, Any]:
    """The members before the files: the run, its configuration and its counts."""
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "provscan", "version": report.tool_version},
        "root": report.root,
        "started": report.started,
        "duration_s": report.duration_s,
        "gate": report.gate.value,
        "log": source_dict(report.log),
        "policy": source_dict(report.policy),
        "options": _options(report),
        "summary": summary(report),
    }


def _options(report: Report) -> dict[str, Any]:
    """Run options worth recording: the sources folders, what the trace searched, what the
    catalog saved, the edits read (every clip, matched or not) and the IMF packages found."""
    kept = ("sources", "trace", "catalog", "timelines", "imf", "ignore")
    return {k: v for k, v in report.options.items() if k in kept}


def source_dict(source: Source | None) -> dict[str, Any] | None:
    """The AI-use log or policy file a run used (path, sha256, summary), or None."""
    if source is None:
        return None
    return {"path": source.path, "sha256": source.sha256, "summary": source.summary}


def summary(report: Report) -> dict[str, Any]:
    """Counts by verdict and by severity of findings (kept as the files arrived, for a
    Results: no pass over the files)."""
    counts = counts_of(report.files)
    verdicts, severities, gates = counts.verdicts, counts.severities, counts.gates
    return {
        "files": len(report.files),
        "by_verdict": {v.value: verdicts.get(v.value, 0) for v in Verdict},
        "by_severity": {s: severities.get(s, 0) for s in ("error", "warning", "info")},
        "by_gate": {g.value: gates.get(g.value, 0) for g in Gate},
        "skipped": len(report.skipped),
    }


def skipped_dict(skipped: Skipped) -> dict[str, str]:
    """One path the ignore lists left out (a folder's ends in "/"), the pattern, its list."""
    return {"path": skipped.path, "pattern": skipped.pattern, "by": skipped.by}


def file_dict(result: FileResult, frames: int | None = None) -> dict[str, Any]:
    """One file's entry (a frame sequence's with its ``sequence``: each frame's own entry,
    or only the first ``frames`` for a renderer that shows no more: a reel's hundred
    thousand frames' entries would take a gigabyte)."""
    entry = _file_entry(result)
    if result.sequence is not None:
        entry["sequence"] = sequence_dict(result.sequence, entry, frames)
    return entry


_JUDGED_WHOLE = ("gate", "final", "role", "approval", "matched_by")


def sequence_dict(
    sequence: FrameSequence, whole: dict[str, Any], frames: int | None = None
) -> dict[str, Any]:
    """A frame sequence: pattern, range, gaps, the frames that differ, and every frame (its
    number and its own entry, so a frame stays addressable by path; only the first
    ``frames`` when a renderer needs no more: ``count`` says how many there are). A frame's
    verdict and findings are its own; its gate and approval are its sequence's (``whole``),
    which is judged as one deliverable."""
    return {
        "pattern": sequence.pattern,
        "first": sequence.first,
        "last": sequence.last,
        "count": sequence.count,
        "missing": sequence.missing,
        "gaps": [list(gap) for gap in sequence.gaps],
        "differing": [{"frame": n, "why": why} for n, why in sequence.differing],
        "timecode": sequence.timecode or None,
        "frame_rate": sequence.frame_rate or None,
        "frames": list(itertools.islice(_frame_dicts(sequence, whole), frames)),
    }


def _frame_dicts(sequence: FrameSequence, whole: dict[str, Any]) -> Iterator[dict[str, Any]]:
    judged = {key: whole[key] for key in _JUDGED_WHOLE}
    for number, frame in zip(sequence.numbers, sequence.frames, strict=True):
        yield {"frame": number, **_file_entry(frame), **judged}


def _file_entry(result: FileResult) -> dict[str, Any]:
    return {
        "path": result.path,
        "kind": result.kind.value,
        "format": result.format,
        "mime": result.mime,
        "size": result.size,
        "verdict": result.verdict.value,
        "gate": result.gate.value,
        "final": result.final,
        "role": result.role,
        "approval": result.approval,
        "matched_by": result.matched_by or None,
        "decided_by": [result.findings[i].rule.code for i in result.deciding],
        "findings": [finding_dict(f) for f in result.findings],
    }


def finding_dict(finding: Finding) -> dict[str, Any]:
    """One finding: the rule's identity and severity plus the evidence."""
    ev = finding.evidence
    out: dict[str, Any] = {
        "rule": finding.rule.code,
        "name": finding.rule.name,
        "severity": finding.rule.severity.value,
        "message": ev.message,
        "key": ev.key,
        "value": ev.value,
        "confidence": ev.confidence.value,
        "details": dict(ev.details),
        "fingerprint": finding.fingerprint,
        "approval": finding.approval,
        "gate": finding.gate.value if finding.gate else None,
    }
    if finding.baselined:
        out["baselined"] = True
    return out


def render(report: Report) -> str:
    """The JSON text; non-UTF-8 file names keep their bytes as surrogate escapes, visibly.

    The run's members are indented; each file and each log finding is one compact line.
    That reads well (one file per line, grep-able) and keeps an archive-sized report fast:
    Python's C encoder only runs without ``indent``, and the indenting pure-Python encoder
    took 40% of a catalogued re-scan.
    """
    return "".join(iter_chunks(report))


def iter_chunks(report: Report) -> Iterator[str]:
    """The JSON text of :func:`render` in pieces, one file at a time: written as it is made,
    an archive's report never exists whole in memory."""
    yield _dumps(_run(report), indent=2)[:-2]  # without the closing "\n}"
    yield from _texts("files", file_lines(report))
    yield from _array("log_findings", (finding_dict(f) for f in report.log_findings))
    yield from _array("delivery_findings", (finding_dict(f) for f in report.delivery_findings))
    yield from _array("skipped", (skipped_dict(s) for s in report.skipped))
    yield "\n}\n"


def _array(key: str, items: Iterator[dict[str, Any]]) -> Iterator[str]:
    return _texts(key, ((_dumps(item),) for item in items))


def _texts(key: str, texts: Iterator[Iterable[str]]) -> Iterator[str]:
    """The member ``key``, an array of texts (each given in pieces), in chunks of up to
    _JOINED pieces (one write per chunk, not per file; a long text in several)."""
    chunk: list[str] = []
    empty = True
    for text in texts:
        chunk.append(f',\n  "{key}": [\n    ' if empty else ",\n    ")
        empty = False
        for piece in text:
            chunk.append(piece)
            if len(chunk) >= _JOINED:
                yield "".join(chunk)
                chunk.clear()
    chunk.append(f',\n  "{key}": []' if empty else "\n  ]")
    yield "".join(chunk)


_JOINED = 512  # pieces of text joined into one chunk of the output


def _dumps(value: Any, indent: int | None = None) -> str:
    separators = None if indent else (", ", ": ")
    return json.dumps(value, indent=indent, separators=separators, ensure_ascii=True,
                      default=str)  # fmt: skip
