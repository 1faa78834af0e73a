"""The trace stage of a scan: references from the report, searches, findings on the files.

References are the scanned stills with AI evidence (the deliverable's and the sources') and
the AI-use log's ``phash`` entries. Every readable video of the deliverable is searched for
them, and every still of the deliverable without AI evidence is checked for being a copy.
Hits become TRC findings on the file searched, so the verdict and then the gate treat them
as any AI material: a still that was never approved for final content fails the delivery
even though the rendered file carries no marker at all.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import PurePosixPath
from typing import Any

from provscan.ailog.load import AiLog
from provscan.ailog.match import is_distinctive
from provscan.catalog.entry import sha_of
from provscan.catalog.trace_cache import TraceCache
from provscan.findings import findings_for
from provscan.limits import Limits
from provscan.model import (
    Confidence,
    Evidence,
    FileResult,
    Finding,
    MediaKind,
    Report,
    Verdict,
)
from provscan.paths import SOURCE, content_id, locate
from provscan.progress import NO_PROGRESS, Progress
from provscan.results import Brief, Entry, Results, briefs_of, with_changes
from provscan.rules import trace as rules
from provscan.timecode import to_timecode
from provscan.trace.worker import Job, Outcome, ReferenceSpec, run_jobs
from provscan.verdict import with_findings

AI_REFERENCE = frozenset({Verdict.AI_GENERATED, Verdict.AI_EDITED, Verdict.AI_SUSPECTED})
_SEARCHABLE = frozenset({MediaKind.VIDEO, MediaKind.IMAGE})
# Camera raw files hold a sensor's readout, which no editing tool writes for a copy of a
# picture: they are not searched (their embedded previews are often stripped, too).
_CAMERA_RAW = frozenset({".cr2", ".cr3", ".crw", ".nef", ".nrw", ".arw", ".srf", ".sr2",
                         ".orf", ".rw2", ".raf", ".pef", ".dng", ".srw", ".x3f", ".3fr",
                         ".iiq", ".erf", ".mrw", ".kdc", ".dcr", ".mos", ".rwl"})  # fmt: skip
MAX_LISTED_RANGES = 4  # in the message; the evidence lists them all


def apply_trace(
    report: Report,
    log: AiLog | None,
    limits: Limits,
    progress: Progress = NO_PROGRESS,
    cache: TraceCache | None = None,
) -> Report:
    """The report with trace findings on its videos and stills (unchanged without references
    or without anything to search). ``progress`` hears a "tracing" stage with one item per
    file searched, when there is a search. With a ``cache`` (the catalog), a file already
    searched for the same references, by content, is not decoded again."""
    clock = time.perf_counter()
    briefs = briefs_of(report.files)
    specs = list(_still_specs(report, briefs)) + list(_log_specs(log))
    jobs = list(_jobs(report, briefs, {s.name for s in specs}))
    summary: dict[str, Any] = {"references": len(specs), "searched": len(jobs)}
    files = report.files
    if specs and jobs:
        progress.stage("tracing", len(jobs))  # before the references load: that takes a while
        search = _Search(report, briefs, specs, jobs, cache)
        summary.update(search.run(jobs, limits, progress))
        files = with_changes(files, search.changed)
    summary["seconds"] = round(time.perf_counter() - clock, 3)
    return replace(
        report,
        files=files,
        duration_s=round(report.duration_s + summary["seconds"], 3),
        options={**report.options, "trace": summary},
    )


class _Search:
    """One trace run: cached answers first, the rest searched in the isolated worker. Only
    the references' and the searched files' results are read back (``files``), and the
    results it changes are collected in ``changed`` (by index in the report)."""

    def __init__(
        self,
        report: Report,
        briefs: Sequence[Brief],
        specs: list[ReferenceSpec],
        jobs: list[Job],
        cache: TraceCache | None,
    ) -> None:
        self.report, self.specs, self.cache = report, specs, cache
        wanted = {s.name for s in specs} | {job.rel for job in jobs}
        self.where = {b.path: i for i, b in enumerate(briefs) if b.path in wanted}
        # finished entries a catalog kept (same references): already searched, not changed
        self.finished = {b.path for b in briefs if b.finished and b.path in wanted}
        self.changed: dict[int, FileResult] = {}
        self.files = _Files(report.files, self.changed, self.where)
        self.key = cache.references_key(specs, self.files.sha) if cache else ""

    def _sha(self, name: str) -> str:
        return self.files.sha(name)

    def run(self, jobs: list[Job], limits: Limits, progress: Progress) -> dict[str, Any]:
        """Search (or recall) every job; the summary's counts. Only lasting answers are
        kept in the catalog: a refused still and a file that will not decode are the same
        next time; a crash or a time limit may not be, so those are searched again."""
        todo = [job for job in jobs if not self._recalled(job, progress)]
        stills = [s.name for s in self.specs if not s.phash]
        # Stored refusals stand in for loading the references only when nothing is left to
        # search (applied otherwise, the worker's refusals would be added a second time).
        refused_known = None if todo else self._recalled_refusals(stills)
        if refused_known is not None:
            return {"unusable_references": refused_known, "recalled": len(jobs)}
        refused, outcomes = run_jobs(self.specs, todo, limits)
        complete = all(refusal.lasting for refusal in refused.values())
        for name in stills:
            refusal = refused.get(name)
            findings = self._apply(name, _refused(refusal.why) if refusal else [])
            if refusal is None or refusal.lasting:
                self._remember(name, "reference", findings)
            else:
                self._unsettled(name)
        for outcome in outcomes:
            findings = self._apply(outcome.job.rel, list(self._evidence(outcome)))
            if outcome.lasting and complete:  # searched for every reference the key names
                self._remember(outcome.job.rel, outcome.job.kind, findings)
            else:
                self._unsettled(outcome.job.rel)
            progress.advance(outcome.job.rel)
        return {"unusable_references": len(refused), "recalled": len(jobs) - len(todo)}

    def _evidence(self, outcome: Outcome) -> Iterator[Evidence]:
        return _evidence(outcome, self.files)

    def _recalled(self, job: Job, progress: Progress) -> bool:
        if job.rel in self.finished:  # its entry holds what its search found
            progress.advance(job.rel)
            return True
        sha = self.files.sha(job.rel)
        if self.cache is None or not sha:
            return False
        found = self.cache.recall(self.key, sha, job.kind)
        if found is None:
            return False
        self._set(job.rel, found)
        progress.advance(job.rel)
        return True

    def _recalled_refusals(self, stills: list[str]) -> int | None:
        """Apply the stored refusals of every reference still (how many), or None when one
        is not known (the worker must load the references)."""
        if self.cache is None:
            return None
        known = [self.cache.recall(self.key, self._sha(n), "reference") for n in stills]
        if any(k is None or not self._sha(n) for n, k in zip(stills, known, strict=True)):
            return None
        for name, findings in zip(stills, known, strict=True):
            self._set(name, findings or ())
        return sum(1 for k in known if k)

    def _apply(self, rel: str, evidence: list[Evidence]) -> tuple[Finding, ...]:
        if rel in self.finished or not evidence:
            return ()  # (a kept entry holds its findings already)
        findings = _findings(self.files[rel], evidence, self.report)
        self._set(rel, findings)
        return findings

    def _set(self, rel: str, findings: tuple[Finding, ...]) -> None:
        if findings and rel not in self.finished:  # (a kept entry holds them already)
            self.changed[self.where[rel]] = with_findings(self.files[rel], findings)

    def _unsettled(self, rel: str) -> None:
        if self.cache is not None:  # (its finished entry must not be kept either)
            self.cache.unsettled.add(rel)

    def _remember(self, rel: str, kind: str, findings: tuple[Finding, ...]) -> None:
        if rel in self.finished:  # remembered by the run that kept it
            return
        sha = self.files.sha(rel)
        if self.cache is not None and sha:
            self.cache.remember(self.key, sha, kind, findings)


class _Files:
    """The results a search reads, by report path: the changed one when there is one, else
    read back from the report once (at archive scale they are on disk)."""

    def __init__(
        self, files: Sequence[FileResult], changed: dict[int, FileResult], where: dict[str, int]
    ) -> None:
        self.files, self.changed, self.where = files, changed, where
        self.read: dict[int, FileResult] = {}

    def sha(self, path: str) -> str:
        """What the file at ``path`` is, by content (see content_sha; "" when unknown or not
        computed), read from a kept entry without rebuilding its result."""
        index = self.where.get(path)
        if index is None:
            return ""
        if index not in self.changed and isinstance(self.files, Results):
            item = self.files.item(index)
            if isinstance(item, Entry):
                return sha_of(item)
        found = self.get(path)
        return content_sha(found) if found is not None else ""

    def get(self, path: str) -> FileResult | None:
        """The result at ``path``, or None when the search does not know it."""
        index = self.where.get(path)
        if index is None:
            return None
        if index in self.changed:
            return self.changed[index]
        if index not in self.read:
            self.read[index] = self.files[index]
        return self.read[index]

    def __getitem__(self, path: str) -> FileResult:
        found = self.get(path)
        if found is None:
            raise KeyError(path)
        return found


def content_sha(result: FileResult) -> str:
    """What a trace answer for ``result`` is kept under: its SHA-256; for a frame sequence
    (which has none of its own), a digest of its frames' numbers and SHA-256s, its frame
    rate and timecode, which its search and its findings' frame ranges depend on ("" when a
    frame's SHA-256 was not computed)."""
    sequence = result.sequence
    if sequence is None:
        return result.sha256
    if not all(frame.sha256 for frame in sequence.frames):
        return ""
    digest = hashlib.sha256(f"{sequence.frame_rate}\x00{sequence.timecode}\x01".encode())
    for number, frame in zip(sequence.numbers, sequence.frames, strict=True):
        digest.update(f"{number}\x00{frame.sha256}\x01".encode())
    return "sequence:" + digest.hexdigest()


def references_key(report: Report, log: AiLog | None, cache: TraceCache) -> str:
    """What a trace of this report would depend on (its references), as the catalog keys
    its answers: decided before the search, from the briefs and the references' hashes."""
    briefs = briefs_of(report.files)
    specs = list(_still_specs(report, briefs)) + list(_log_specs(log))
    names = {s.name for s in specs}
    where = {b.path: i for i, b in enumerate(briefs) if b.path in names}
    return cache.references_key(specs, _Files(report.files, {}, where).sha)


def _still_specs(report: Report, briefs: Sequence[Brief]) -> Iterator[ReferenceSpec]:
    for brief in briefs:
        if brief.sequence:  # an AI frame sequence is searched for, not a still
            continue
        if brief.kind is MediaKind.IMAGE and brief.verdict_scanned in AI_REFERENCE:
            yield ReferenceSpec(brief.path, path=str(locate(report, brief)))


def _log_specs(log: AiLog | None) -> Iterator[ReferenceSpec]:
    for entry in log.entries if log else ():
        if entry.phash and is_distinctive(entry.phash):
            yield ReferenceSpec(f"log entry {entry.id}", phash=entry.phash.lower(),
                                phash_max_distance=entry.phash_max_distance,
                                entry=entry.id)  # fmt: skip


def _jobs(report: Report, briefs: Sequence[Brief], references: set[str]) -> Iterator[Job]:
    """Deliverable videos (all readable ones) and deliverable stills that are not references
    (nor camera raws)."""
    for index, brief in enumerate(briefs):
        if brief.role == SOURCE or brief.kind not in _SEARCHABLE:
            continue
        if brief.verdict is Verdict.UNREADABLE or brief.path in references:
            continue
        if brief.sequence:
            yield _sequence_job(report, report.files[index])
            continue
        if brief.kind is MediaKind.IMAGE and PurePosixPath(brief.path).suffix.lower() in (
            _CAMERA_RAW
        ):
            continue
        kind = "video" if brief.kind is MediaKind.VIDEO else "still"
        yield Job(kind, str(locate(report, brief)), brief.path)


def _sequence_job(report: Report, result: FileResult) -> Job:
    """A frame sequence, searched as a video of its frames."""
    assert result.sequence is not None
    sequence = result.sequence
    paths = [str(locate(report, frame)) for frame in sequence.frames]
    frames = tuple(zip(sequence.numbers, paths, strict=True))
    return Job("sequence", paths[0], result.path, frames=frames, rate=sequence.frame_rate,
               timecode=sequence.timecode)  # fmt: skip


def _findings(result: FileResult, evidence: list[Evidence], report: Report) -> tuple[Finding, ...]:
    if not evidence:
        return ()
    identity = content_id(report, result)
    return findings_for(evidence, identity)


def _refused(why: str) -> list[Evidence]:
    return [Evidence(rules.UNUSABLE_REFERENCE.code, f"not traced: {why}", key="reference")]


def _evidence(outcome: Outcome, files: _Files) -> Iterator[Evidence]:
    if outcome.error:
        yield Evidence(rules.TRACE_FAILED.code, f"not searched for AI stills: {outcome.error}",
                       key="trace")  # fmt: skip
        return
    if outcome.unsearchable:
        message = f"not searched for AI stills: {outcome.unsearchable}"
        yield Evidence(rules.NOT_SEARCHABLE.code, message, key="trace")
        return
    if outcome.result is None:  # no moving pictures in it: nothing to search
        return
    if outcome.job.kind == "still":
        own = files.get(outcome.job.rel)
        signed = own is not None and _has_own_credentials(own)
        for match in outcome.result:
            reference = files.get(match.reference)
            if signed and (reference is None or reference.verdict is not Verdict.AI_GENERATED):
                continue  # not a stripped copy: it carries its own signed provenance
            yield _still_evidence(match, reference)
        return
    result = outcome.result
    for hit in result.hits:
        evidence = _video_evidence(hit, result.facts, files.get(hit.reference))
        if outcome.job.kind == "sequence":
            evidence = _with_frames(evidence, outcome.job, result.facts)
        yield evidence
    if result.stats.errors:
        first = result.stats.errors[0]
        yield Evidence(rules.TRACE_FAILED.code, f"parts of the video did not decode ({first}; "
                       f"{len(result.stats.errors)} errors): a still there could be missed",
                       key="trace", confidence=Confidence.MEDIUM)  # fmt: skip


def _with_frames(evidence: Evidence, job: Job, facts: Any) -> Evidence:
    """A sequence's hit with the frame numbers of its time ranges (time 0 is the first
    frame; a missing frame keeps its slot)."""
    first = job.frames[0][0]
    rate = facts.rate

    def number(seconds: float) -> int:
        return first + round(float(seconds) * float(rate))

    ranges = [dict(r) for r in evidence.details.get("ranges", [])]  # type: ignore[attr-defined]
    for r in ranges:
        r["start_frame"], r["end_frame"] = number(r["start"]), number(r["end"]) - 1
    frames = ", ".join(f"{r['start_frame']}-{r['end_frame']}" for r in ranges[:MAX_LISTED_RANGES])
    message = evidence.message.replace(" (found by", f" (frames {frames}; found by", 1)
    details = {**evidence.details, "ranges": ranges, "frames": frames}
    return replace(evidence, message=message, details=details)


def _has_own_credentials(result: FileResult) -> bool:
    """Whether the still carries a C2PA manifest of its own (C2P012). Such a still is not a
    copy "with the markers stripped": its manifest answers for it. Against an AI-edited
    reference (mostly a real picture) it is most often the picture the edit started from."""
    return any(f.rule.code == "C2P012" for f in result.findings)


def _provenance(reference: FileResult | None) -> tuple[str, list[str], Confidence]:
    """The reference's verdict, the evidence that decided it, and how sure a hit on it is."""
    if reference is None:  # a log entry's pHash
        return "ai-generated", [], Confidence.MEDIUM
    reasons = [reference.findings[i].evidence.message for i in reference.deciding][:3]
    sure = Confidence.LOW if reference.verdict is Verdict.AI_SUSPECTED else Confidence.HIGH
    return reference.verdict.value, reasons, sure


def _video_evidence(hit: Any, facts: Any, reference: FileResult | None) -> Evidence:
    verdict, reasons, confidence = _provenance(reference)
    if hit.method == "phash":
        confidence = min(confidence, Confidence.MEDIUM, key=lambda c: c.rank)

    def tc(seconds: float) -> str:
        return to_timecode(seconds, facts.rate, facts.start_frames)

    ranges = [{"start": r.start, "end": r.end, "start_tc": tc(r.start), "end_tc": tc(r.end)}
              for r in hit.ranges]  # fmt: skip
    listed = ", ".join(f"{r['start_tc']}-{r['end_tc']}" for r in ranges[:MAX_LISTED_RANGES])
    if len(ranges) > MAX_LISTED_RANGES:
        listed += f" and {len(ranges) - MAX_LISTED_RANGES} more"
    how = "its pixels" if hit.method == "features" else "whole-frame perceptual hash only"
    message = (f"AI still {hit.reference} ({verdict}) appears at {listed} "
               f"(found by {how}; the render carries none of its markers)")  # fmt: skip
    details = {
        "reference": hit.reference,
        "reference_verdict": verdict,
        "reference_evidence": reasons,
        "ranges": ranges,
        "method": hit.method,
        "inliers": hit.inliers,
        "scale": hit.scale,
        "best_time": hit.best_time,
        "best_tc": tc(hit.best_time),
        "frame_rate": f"{facts.rate.numerator}/{facts.rate.denominator}",
        "start_timecode": facts.start_timecode or None,
        "entry": hit.entry or None,
    }
    return Evidence(rules.STILL_IN_VIDEO.code, message, key="reference", value=hit.reference,
                    confidence=confidence, details=details)  # fmt: skip


def _still_evidence(match: Any, reference: FileResult | None) -> Evidence:
    verdict, reasons, confidence = _provenance(reference)
    copy = verdict == "ai-generated" and match.coverage >= 0.6
    rule = rules.COPY_OF_AI_STILL if copy else rules.COPY_OF_AI_EDITED_STILL
    what = "a copy of" if match.coverage >= 0.6 else "contains part of"
    message = (f"{what} AI still {match.reference} ({verdict}), metadata stripped "
               f"({match.coverage:.0%} of this picture)")  # fmt: skip
    if verdict != "ai-generated":
        # An AI-edited still is mostly a real picture: a still that matches it may be the
        # picture the edit started from as well as a copy of the edit, and pixels cannot
        # tell which way it went (the corpus's Canon test photos all match the Firefly
        # composite made from one of them). A person must look: a hint, not a verdict.
        confidence = Confidence.LOW
        message = (
            f"shares {match.coverage:.0%} of this picture with AI-edited still "
            f"{match.reference}: its source or a copy of it (pixels cannot tell which)"
        )
    details = {"reference": match.reference, "reference_verdict": verdict,
               "reference_evidence": reasons, "inliers": match.inliers, "scale": match.scale,
               "coverage": match.coverage}  # fmt: skip
    return Evidence(rule.code, message, key="reference", value=match.reference,
                    confidence=confidence, details=details)  # fmt: skip
