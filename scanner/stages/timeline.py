"""The timeline stage of a scan: each clip of an edit resolved to a scanned source, and each
source's verdict applied to the clip's record range in the final.

A cut belongs to the deliverable video (or audio) whose name is the timeline's (file stem
or timeline name: ``final_cut.edl`` and ``final_cut.mp4``); a timeline inside the
deliverable with no such final carries the findings itself; otherwise the timeline joins
the report as its own entry (role ``timeline``), since the edit is what reaches the screen.
TML001 per clip whose source has AI evidence (approved, at the gate, by that source's log
entries, as a trace hit is), TML002/TML003 per clip that could not be checked, TML004 with
every clip, TML005 when the final does not fit the edit.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any

from provscan.findings import findings_for
from provscan.limits import Limits
from provscan.model import (
    Confidence,
    Evidence,
    FileResult,
    MediaKind,
    Report,
    Rule,
    Verdict,
    evolve,
)
from provscan.paths import content_id, locate
from provscan.rules import timeline as rules
from provscan.timeline.agree import disagreements, was_searched
from provscan.timeline.cut import Clip, Cut, TimelineError
from provscan.timeline.isolated import probe_isolated, read_isolated
from provscan.timeline.probe import Span
from provscan.timeline.resolve import Resolution, Sources, candidates, decide, needs_span
from provscan.verdict import with_findings

TIMELINE = "timeline"  # role of a report entry that stands for a timeline outside the scan
AI_SOURCE = frozenset({Verdict.AI_GENERATED, Verdict.AI_EDITED, Verdict.AI_SUSPECTED})
_FINAL_KINDS = frozenset({MediaKind.VIDEO, MediaKind.AUDIO})


@dataclass(frozen=True, slots=True)
class Resolved:
    """A cut with each clip's resolution and the report entries it is the edit of."""

    cut: Cut
    clips: tuple[Resolution, ...]
    finals: tuple[str, ...]  # report paths
    final_spans: dict[str, Span]  # the finals' timecode spans, where known (mismatch check)


def resolve_cuts(report: Report, cuts: Sequence[Cut], limits: Limits) -> list[Resolved]:
    """Every clip of every cut resolved against the report's files (spans probed once)."""
    sources = Sources.of((r, locate(report, r)) for r in report.files)
    fits = [[candidates(cut, clip, sources) for clip in cut.clips] for cut in cuts]
    finals = [_finals(report, cut) for cut in cuts]
    wanted = {p for per_cut in fits for fit in per_cut for p in needs_span(fit, sources)}
    wanted |= {p for paths in finals for p in paths if sources.files[p].kind is MediaKind.VIDEO}
    spans = _probe(report, sorted(wanted), limits)
    cuts = [_anchored(_at_final_rate(cut, final, spans, limits), final, spans)
            for cut, final in zip(cuts, finals, strict=True)]  # fmt: skip
    fits = [[candidates(cut, clip, sources) for clip in cut.clips] for cut in cuts]
    resolved = []
    for cut, per_cut, final in zip(cuts, fits, finals, strict=True):
        clips = tuple(decide(clip, fit, spans.get) for clip, fit in zip(cut.clips, per_cut,
                                                                       strict=True))  # fmt: skip
        known = {p: spans[p] for p in final if p in spans}
        resolved.append(Resolved(cut, clips, final, known))
    return resolved


def _at_final_rate(cut: Cut, finals: tuple[str, ...], spans: dict[str, Span],
                   limits: Limits) -> Cut:  # fmt: skip
    """An EDL whose rate nobody gave, read again at its final's frame rate (an EDL's frame
    numbers mean nothing without it); as it was when there is no single final rate, or
    when it does not read at that rate."""
    rates = {spans[p].rate for p in finals if p in spans}
    if cut.rate_source != "guessed" or len(rates) != 1:
        return cut
    rate = rates.pop()
    if rate == cut.rate:
        return replace(cut, rate_source="final")
    try:
        again = read_isolated(Path(cut.path), rate, limits)
    except TimelineError:
        return cut
    same = next((c for c in again if c.name == cut.name), None)
    return replace(same, rate_source="final") if same is not None else cut


def _anchored(cut: Cut, finals: tuple[str, ...], spans: dict[str, Span]) -> Cut:
    """The cut with its origin at the final's start timecode, when the final has one and
    its timecode span overlaps the cut's record span (a master with a leader before the
    program): record timecode and the final's own timecode then agree. A final whose
    timecode does not meet the cut at all says nothing about where the cut starts."""
    known = [spans[p] for p in finals if p in spans and spans[p].timecode]
    if len(known) != 1:
        return cut
    span = known[0]
    origin = round(span.start * cut.rate / span.rate)
    length = round(span.frames * cut.rate / span.rate)
    overlaps = origin < cut.start + cut.duration and cut.start < origin + length
    return replace(cut, origin=origin) if overlaps and origin != cut.start else cut


def _probe(report: Report, paths: list[str], limits: Limits) -> dict[str, Span]:
    if not paths:
        return {}
    wanted = set(paths)
    where = {str(locate(report, f)): f.path for f in report.files if f.path in wanted}
    found = probe_isolated([Path(p) for p in where], limits)
    return {where[disk]: span for disk, span in found.items() if disk in where}


def _finals(report: Report, cut: Cut) -> tuple[str, ...]:
    """The deliverable file given for the edit (``EDIT=FINAL``: its path, or a path ending
    in it), else the deliverable videos/audio named like the timeline (its file stem or
    its own name)."""
    if cut.final:
        named = [f.path for f in report.files if f.role != "source"]
        exact = [p for p in named if p == cut.final]
        return tuple(exact or [p for p in named if p.endswith("/" + cut.final)])
    names = {Path(cut.path).stem.lower(), cut.name.strip().lower()} - {""}
    return tuple(
        f.path for f in report.files
        if f.role != "source" and f.kind in _FINAL_KINDS
        and PurePosixPath(f.path).stem.lower() in names
    )  # fmt: skip


def apply_timelines(report: Report, cuts: Sequence[Cut], limits: Limits) -> Report:
    """The report with each cut's findings on its final (or on the timeline's own entry)."""
    if not cuts:
        return report
    files = list(report.files)
    where = {f.path: i for i, f in enumerate(files)}
    summaries = []
    for item in resolve_cuts(report, cuts, limits):
        targets = list(item.finals) or [_timeline_entry(report, item.cut, files, where)]
        for path in targets:
            index = where[path]
            evidence = list(_evidence(item, files, where, path, report.options.get("trace")))
            files[index] = _with(report, files[index], evidence)
        summaries.append(describe(item, {p: files[where[p]] for p in where}, targets))
    options = {**report.options, "timelines": summaries}
    return evolve(report, files=tuple(files), options=options)


def _timeline_entry(report: Report, cut: Cut, files: list[FileResult],
                    where: dict[str, int]) -> str:  # fmt: skip
    """The timeline's own report entry: the scanned file if it is in the deliverable."""
    disk = Path(cut.path).absolute()
    for result in files:
        if result.role != "source" and locate(report, result).absolute() == disk:
            return result.path
    path = f"{TIMELINE}:{Path(cut.path).name}" + (f" ({cut.name})" if cut.name else "")
    if path not in where:
        where[path] = len(files)
        files.append(FileResult(path=path, kind=MediaKind.OTHER, format=_format(cut),
                                mime="", size=_size(cut.path), verdict=Verdict.NO_AI_MARKERS,
                                findings=(), role=TIMELINE))  # fmt: skip
    return path


def _format(cut: Cut) -> str:
    return {"CMX 3600 EDL": "edl", "FCP 7 XML": "xmeml", "FCPXML": "fcpxml", "AAF": "aaf",
            "OTIO": "otio"}.get(cut.format, "timeline")  # fmt: skip


def _size(path: str) -> int:
    try:
        return Path(path).stat().st_size
    except OSError:
        return 0


def _evidence(item: Resolved, files: list[FileResult], where: dict[str, int],
              final: str, trace: object) -> Iterator[Evidence]:  # fmt: skip
    cut = item.cut
    for res in item.clips:
        if not res.clip.enabled or res.generated:
            continue
        if not res.source:
            yield _unresolved(cut, res)
            continue
        source = files[where[res.source]]
        if source.verdict is Verdict.UNREADABLE:
            what = "its source could not be read, so its markers were not checked"
            yield _clip_evidence(rules.CLIP_SOURCE_UNREADABLE, cut, res, source, what)
        elif source.verdict in AI_SOURCE:
            yield _ai_clip(cut, res, source)
    yield _summary(item, files, where)
    result = files[where[final]]
    if final in item.finals and was_searched(result, trace):
        yield from disagreements(cut, item.clips, result, lambda p: files[where[p]])
    mismatch = _mismatch(cut, item.final_spans.get(final))
    if mismatch:
        yield Evidence(rules.CUT_MISMATCH.code, mismatch, key="timeline", value=cut.path,
                       confidence=Confidence.MEDIUM)  # fmt: skip


def _where(cut: Cut, clip: Clip) -> str:
    """``clip 2 "name" (V1) at 00:00:04:00-00:00:09:00 in final_cut.edl``."""
    record = f"{cut.tc(clip.record_in)}-{cut.tc(clip.record_out)}"
    name = clip.name or "(unnamed)"
    return f'clip {clip.index} "{name}" ({clip.track}) at {record} in {Path(cut.path).name}'


def _clip_details(cut: Cut, res: Resolution) -> dict[str, object]:
    clip = res.clip
    source_in, source_out = clip.source_tc()
    return {
        "timeline": cut.path, "timeline_name": cut.name, "format": cut.format,
        "clip": clip.name, "clip_index": clip.index, "track": clip.track, "reel": clip.reel or None,
        "media_path": clip.url or None,
        "record_in_tc": cut.tc(clip.record_in), "record_out_tc": cut.tc(clip.record_out),
        "record_in_s": cut.seconds(clip.record_in), "record_out_s": cut.seconds(clip.record_out),
        "source_in_tc": source_in, "source_out_tc": source_out,
        "resolved_by": res.how or None, "where": _where(cut, clip),
    }  # fmt: skip


def _ai_clip(cut: Cut, res: Resolution, source: FileResult) -> Evidence:
    reasons = [source.findings[i].evidence.message for i in source.deciding][:3]
    sure = Confidence.LOW if source.verdict is Verdict.AI_SUSPECTED else Confidence.HIGH
    if "name" in res.how and "timecode" not in res.how and sure is Confidence.HIGH:
        sure = Confidence.MEDIUM  # a name can be reused; a path or timecode is firmer
    first = f": {reasons[0]}" if reasons else ""
    message = (f"{_where(cut, res.clip)} shows {res.source} ({source.verdict.value}{first}; "
               f"matched by {res.how})")  # fmt: skip
    details = {**_clip_details(cut, res), "reference": res.source,
               "reference_verdict": source.verdict.value,
               "reference_evidence": reasons}  # fmt: skip
    return Evidence(rules.AI_SOURCE_IN_CUT.code, message, key="reference", value=res.source,
                    confidence=sure, details=details)  # fmt: skip


def _clip_evidence(rule: Rule, cut: Cut, res: Resolution, source: FileResult,
                   what: str) -> Evidence:  # fmt: skip
    message = f"{_where(cut, res.clip)} shows {source.path}: {what}"
    details = {**_clip_details(cut, res), "reference": source.path}
    return Evidence(rule.code, message, key="clip", value=source.path, details=details)


def _unresolved(cut: Cut, res: Resolution) -> Evidence:
    clip = res.clip
    named = f", reel {clip.reel}" if clip.reel else ""
    message = f"{_where(cut, clip)}{named}: source not checked, {res.why}"
    details = {**_clip_details(cut, res), "why": res.why, "candidates": list(res.candidates)}
    return Evidence(rules.CLIP_UNRESOLVED.code, message, key="clip", value=clip.name,
                    details=details)  # fmt: skip


def _summary(item: Resolved, files: list[FileResult], where: dict[str, int]) -> Evidence:
    cut = item.cut
    played = [r for r in item.clips if r.clip.enabled]
    matched = sum(1 for r in played if r.source)
    ai = sum(1 for r in played if r.source and files[where[r.source]].verdict in AI_SOURCE)
    rate = f"{float(cut.rate):.3f}".rstrip("0").rstrip(".")
    assumed = _RATE_NOTES.get(cut.rate_source, "")
    message = (f"edit {Path(cut.path).name} ({cut.format}, {rate} fps{assumed}): "
               f"{len(played)} clips, {matched} matched to scanned files, "
               f"{ai} with AI evidence")  # fmt: skip
    if cut.final and not item.finals:
        message += f"; the final given for it, {cut.final}, is not in the deliverable"
    return Evidence(rules.CUT_SUMMARY.code, message, key="timeline", value=cut.path,
                    details={"timeline": cut.path, "clips": len(played), "matched": matched,
                             "with_ai": ai})  # fmt: skip


_RATE_NOTES = {
    "guessed": " (rate guessed from its timecodes; pass --rate)",
    "final": " (rate of this final: an EDL names none)",
    "--rate": " (rate from --rate)",
}


def _mismatch(cut: Cut, span: Span | None) -> str:
    """Why the final does not fit the edit, or "" (not known, or it fits)."""
    if span is None or span.frames <= 0:
        return ""
    edit_s = float(cut.duration / cut.rate)
    final_s = float(span.frames / span.rate)
    if abs(edit_s - final_s) > max(1.0, 0.02 * edit_s):
        return (f"the edit {Path(cut.path).name} lasts {edit_s:.2f} s but this final "
                f"{final_s:.2f} s: another version of the cut?")  # fmt: skip
    if not cut.rate_assumed and abs(float(cut.rate) - float(span.rate)) > 0.01:
        return (f"the edit {Path(cut.path).name} runs at {float(cut.rate):.3f} fps but this "
                f"final at {float(span.rate):.3f} fps: clip times may be off")  # fmt: skip
    return ""


def _with(report: Report, result: FileResult, evidence: list[Evidence]) -> FileResult:
    identity = content_id(report, result) if result.role != TIMELINE else result.path
    return with_findings(result, findings_for(evidence, identity))


def describe(item: Resolved, files: dict[str, FileResult], finals: list[str]) -> dict[str, Any]:
    """A cut as plain data (report options, ``inspect``): every clip, matched or not."""
    cut = item.cut
    return {
        "timeline": cut.path, "name": cut.name, "format": cut.format,
        "rate": f"{cut.rate.numerator}/{cut.rate.denominator}", "rate_source": cut.rate_source,
        "start_tc": cut.tc(cut.start), "end_tc": cut.tc(cut.start + cut.duration),
        "finals": list(finals),
        "clips": [_clip_row(cut, r, files.get(r.source)) for r in item.clips],
    }  # fmt: skip


def _clip_row(cut: Cut, res: Resolution, source: FileResult | None) -> dict[str, Any]:
    row = _clip_details(cut, res)
    for key in ("timeline", "timeline_name", "format", "where"):
        row.pop(key)
    row.update(enabled=res.clip.enabled, generator=res.clip.generator or None,
               source=res.source or None, why=res.why or None,
               candidates=list(res.candidates) or None,
               verdict=source.verdict.value if source else None)  # fmt: skip
    return row
