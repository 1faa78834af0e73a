"""The QC gate: the AI-use log and the policy applied to a scan's results.

For each file: is it final content, which log entries cover it (every key agreeing), and
what the guidelines then say: unapproved AI material in final content fails; sensitive
uses and unsafe tools fail without the written approval they need; weak evidence and
untrustworthy provenance are flagged for review; an unreadable file fails closed. An entry
approves only the files made by the tool it declares; what the studio knows beyond the log
(its tool registry, protected names, consent, disclosure, marking, leaks) is checked by
:mod:`provscan.stages.gate_guidelines`. Then the log itself is checked: entries that matched
nothing, expired, weak, unapproved, declaring another tool than their file's, or whose path
no longer names the file their content keys matched.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from provscan.ailog.entry import LogEntry
from provscan.ailog.load import AiLog
from provscan.ailog.match import EntryIndex, FileFacts, matched_key, path_moved
from provscan.ailog.near import Near, nearest
from provscan.asset import Asset
from provscan.catalog.entry import Usage, usage_of
from provscan.catalog.entry import make as make_entry
from provscan.findings import make_finding
from provscan.guidelines.consent import has_consent
from provscan.guidelines.tools import NamedTool, named_tools
from provscan.model import (
    Confidence,
    Evidence,
    FileResult,
    Finding,
    Gate,
    Gating,
    MediaKind,
    Report,
    Rule,
    Signal,
    Source,
    Verdict,
    evolve,
)
from provscan.paths import SOURCE, locate
from provscan.policy import Policy
from provscan.results import Entry, Results, briefs_of, items_of, looked_at, unfinished
from provscan.rules import policy as pol
from provscan.stages import gate_guidelines as guide
from provscan.stages.gate_facts import means as _means
from provscan.verdict import decide

AI_MATERIAL = frozenset({Verdict.AI_GENERATED, Verdict.AI_EDITED})
CANDIDATES = AI_MATERIAL | {Verdict.AI_SUSPECTED}
_AI_SIGNALS = frozenset({Signal.AI_GENERATED, Signal.AI_EDITED, Signal.AI_HINT})
_SENSITIVE = {
    "third_party_ip": "third-party IP",
    "talent_likeness": "a talent's likeness",
    "private_data": "private data",
    "replaces_talent_or_union_work": "replacing talent or union work",
}
G_FINAL = "keep AI material out of final content unless approved in writing"
G_SENSITIVE = "third-party IP, talent likeness and private data need written approval"
G_TALENT = "never replace talent or union work without consent"
G_TOOLS = guide.G_TOOLS
G_REVIEW = "declare generative-AI use (weak evidence needs a person to look)"
G_PROVENANCE = "provenance of final content must be verifiable"
G_READ = "every file of a delivery must be checked (fail closed)"


@dataclass(slots=True)
class _Usage:
    """Which entries matched which files, for the log's own hygiene findings."""

    keys: dict[str, str] = field(default_factory=dict)  # entry id -> key of its first match
    # entry id -> (first file it matched at another path than its own, how many such files)
    moved: dict[str, tuple[str, int]] = field(default_factory=dict)
    # entry id -> (a file with AI evidence it came closest to matching, why it did not)
    near: dict[str, tuple[str, str]] = field(default_factory=dict)
    nearest: dict[str, Near] = field(default_factory=dict)  # report path -> nearest entry
    # entry id -> (first file it matched that another tool made, that tool, how many such files)
    mismatched: dict[str, tuple[str, NamedTool, int]] = field(default_factory=dict)
    refusals: int = 0  # how many refusals were recorded (a file that had one keeps no entry)

    def refused(self, entry: LogEntry, path: str, tool: NamedTool) -> None:
        """Record a file an entry matched but does not approve (made by another tool)."""
        first, named, count = self.mismatched.get(entry.id, (path, tool, 0))
        self.mismatched[entry.id] = (first, named, count + 1)
        self.refusals += 1

    def matched(self, entry: LogEntry, key: str, facts: FileFacts) -> None:
        """Record a match (and a path that no longer names the file)."""
        self.keys.setdefault(entry.id, key)
        if path_moved(entry, facts):
            first, count = self.moved.get(entry.id, (facts.path, 0))
            self.moved[entry.id] = (first, count + 1)

    def missed(self, near: Near, path: str) -> None:
        """Record the entry that came closest to matching an unmatched file."""
        self.nearest[path] = near
        self.near.setdefault(near.entry.id, (path, near.why))


def apply_gate(
    report: Report,
    root: Path,
    log: AiLog | None,
    policy: Policy,
    today: dt.date,
    *,
    entries: bool = False,
) -> Report:
    """The report with each file's gate, approval and policy findings, plus log findings.

    ``entries``: the judged files are handed on as finished entries (their report text and
    their part in the log's own findings: scanner.catalog.entry), as a catalog keeps them.
    A file that arrives as a finished entry (kept by a catalog, unchanged, under the same
    run context) is not judged again: its part in the log's findings is replayed in order.
    """
    log_entries = log.entries if log else ()
    by_id = {e.id: e for e in log_entries}
    usage = _Usage()
    # Every file's matching entries first: a trace hit on a video is approved (or not) by the
    # entries of the still it shows, which may come later in the report. Two passes over the
    # files, each reading them back one at a time; only the matches (few: files with AI
    # evidence) and the parts to keep are held, other files are read back when named.
    index = EntryIndex(log_entries)
    matched: dict[str, list[tuple[LogEntry, str]]] = {}
    parts: dict[int, Usage] = {}
    for position, item in looked_at(report.files):
        if isinstance(item, Entry):
            part, path = usage_of(item), item.brief.path
        else:
            part, path = _part(item, report, log, index), item.path
            if entries and (part.matches or part.near):
                parts[position] = part
        _replay(part, path, usage, by_id, matched)
    by_path = _ByPath(report.files)
    studio = guide.Studio.of(policy, today, matched, by_path)
    context = _Context(matched, by_id, policy, today, usage, by_path, studio, [])
    files = _judged(report.files, context, parts if entries else None)
    log_findings = tuple(_hygiene(log_entries, usage, policy, today)) if log else ()
    return replace(
        report,
        files=files,
        log=Source(log.path, log.sha256, f"{len(log_entries)} entries") if log else None,
        policy=Source(policy.path, policy.sha256, policy.summary),
        log_findings=log_findings,
    )


class _ByPath(Mapping[str, FileResult]):
    """Every file's result by report path, read back when asked for (the guideline checks
    and trace approvals look at the few files another file names or shares an entry with;
    an archive's files are not all held)."""

    def __init__(self, files: Sequence[FileResult]) -> None:
        self.files = files
        self._where: dict[str, int] | None = None
        self.recent: dict[str, FileResult] = {}

    @property
    def where(self) -> dict[str, int]:
        """Each path's index, made when first asked (most runs ask for no other file)."""
        if self._where is None:
            self._where = {b.path: i for i, b in enumerate(briefs_of(self.files))}
        return self._where

    def __getitem__(self, path: str) -> FileResult:
        found = self.recent.get(path)
        if found is None:
            found = self.files[self.where[path]]
            if len(self.recent) >= _RECENT:
                self.recent.clear()
            self.recent[path] = found
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self.where)

    def __len__(self) -> int:
        return len(self.where)


_RECENT = 256  # results read back and held for the next question


@dataclass(frozen=True, slots=True)
class _Context:
    """What judging one file needs to know about the others and the run."""

    matched: dict[str, list[tuple[LogEntry, str]]]  # report path -> entries matching it
    by_id: dict[str, LogEntry]
    policy: Policy
    today: dt.date
    usage: _Usage
    files: Mapping[str, FileResult]  # report path -> result (a reference's own trace hits)
    studio: guide.Studio  # the policy's registry and names, for the guideline checks
    approved: list[str]  # entries a trace hit of the file being judged was approved by


def _judged(
    files: Sequence[FileResult], ctx: _Context, parts: dict[int, Usage] | None
) -> Sequence[FileResult]:
    """Every file judged, in order (``parts``: as finished entries, with their part in the
    log's findings, but a file an entry refused, whose refusal is not replayed, and a frame
    sequence, whose frames the catalog records one by one); a kept entry
    is passed on as it is. A Results stays one (its files are not all held); when most of
    its files are kept entries, only the others are replaced."""
    changes: dict[int, FileResult | Entry] = {}
    out: Results | list[FileResult] | None = None
    if isinstance(files, Results):
        pending = sum(1 for _ in files.where(unfinished))
        if pending > files.held or pending == len(files):
            out = Results(held=files.held)
    elif parts is not None:
        out = Results()
    else:
        out = []
    visited = looked_at(files) if out is None else enumerate(items_of(files))
    for position, item in visited:
        if isinstance(item, Entry):
            for entry_id in usage_of(item).approved:
                ctx.usage.keys.setdefault(entry_id, "phash")
            if isinstance(out, Results):
                out.append(item)
            continue
        ctx.approved.clear()
        refusals = ctx.usage.refusals
        result = _judge(item, ctx)
        judged: FileResult | Entry = result
        if parts is not None and ctx.usage.refusals == refusals and result.sequence is None:
            part = parts.get(position) or Usage()
            part.approved = list(ctx.approved)
            judged = make_entry(result, part)
        if out is None:
            changes[position] = judged
        elif isinstance(out, Results):
            out.append(judged)
        else:
            assert isinstance(judged, FileResult)  # (entries only in a Results)
            out.append(judged)
    if out is None:
        assert isinstance(files, Results)
        return files.replaced(changes)
    return out if isinstance(out, Results) else tuple(out)


def _part(result: FileResult, report: Report, log: AiLog | None, index: EntryIndex) -> Usage:
    """The file's part in the log's findings: the entries whose keys all agree with it (files
    with AI evidence only), or the entry that came nearest when none does."""
    if log is None or _own_verdict(result) not in CANDIDATES:
        return Usage()
    facts = _facts(report, result, log)
    candidates = index.candidates(facts)
    matches = [(e, k) for e in candidates if (k := matched_key(e, facts)) is not None]
    part = Usage([(e.id, k, path_moved(e, facts)) for e, k in matches])
    if not matches:
        near = nearest(index.near(facts), facts)
        if near is not None:
            part.near = (near.entry.id, near.agrees, near.differs, near.why)
    return part


def _replay(
    part: Usage,
    path: str,
    usage: _Usage,
    by_id: dict[str, LogEntry],
    matched: dict[str, list[tuple[LogEntry, str]]],
) -> None:
    """Record a file's part in the log's findings (found now, or kept from an earlier run),
    in walk order: the first match of each entry, moved paths, the nearest entry."""
    found = [(by_id[e], key) for e, key, _ in part.matches if e in by_id]
    if found:
        matched[path] = found
    for entry_id, key, moved in part.matches:
        usage.keys.setdefault(entry_id, key)
        if moved:
            first, count = usage.moved.get(entry_id, (path, 0))
            usage.moved[entry_id] = (first, count + 1)
    if part.near is not None and part.near[0] in by_id:
        entry_id, agrees, differs, why = part.near
        usage.missed(Near(by_id[entry_id], agrees, differs, why), path)


def _own_verdict(result: FileResult) -> Verdict:
    """The verdict from what the file itself carries (trace hits left out)."""
    if not any(_means(f, Gating.BY_REFERENCE) for f in result.findings):
        return result.verdict
    return decide([f for f in result.findings if not _means(f, Gating.BY_REFERENCE)])[0]


def _judge(result: FileResult, ctx: _Context) -> FileResult:
    final = ctx.policy.is_final(result.path) and result.role != SOURCE
    matches = ctx.matched.get(result.path, [])
    own = _own_verdict(result)
    refused = _refused(result, matches, ctx) if matches else {}
    valid = [(e, k) for e, k in matches if e.id not in refused]
    cover = next((e for e, _ in valid if _covers(e, final, ctx.today)), None)
    traced = {f.fingerprint: _trace_cover(f, final, ctx) for f in result.findings
              if _means(f, Gating.BY_REFERENCE)}  # fmt: skip
    near = ctx.usage.nearest.get(result.path)
    decided = list(_decisions(result, final, matches, cover, ctx, near, refused))
    decided += list(_trace_decisions(result, final, traced, ctx))
    decided += list(guide.decisions(result, final, own in AI_MATERIAL, [e for e, _ in valid],
                                    cover, ctx.studio))  # fmt: skip
    identity = "|".join(f.fingerprint for f in result.findings) or result.path
    unique = {(rule.code, ev.message): (rule, ev) for rule, ev in decided}  # a hit seen twice
    policy_findings = [
        make_finding(rule, ev, identity, gate=ctx.policy.level(rule))
        for rule, ev in unique.values()
        if not ctx.policy.off(rule)
    ]
    findings = [
        _approved(f, traced[f.fingerprint][0] if f.fingerprint in traced else cover)
        for f in result.findings
    ] + policy_findings
    gate = max((f.gate or Gate.PASS for f in policy_findings), key=lambda g: g.rank,
               default=Gate.PASS)  # fmt: skip
    approval, key = _file_approval(matches, cover, traced)
    return evolve(
        result, findings=tuple(findings), gate=gate, final=final, approval=approval,
        matched_by=key,
    )  # fmt: skip


def _refused(
    result: FileResult, matches: list[tuple[LogEntry, str]], ctx: _Context
) -> dict[str, NamedTool]:
    """The matching entries that declare another tool than the file's (entry id -> the
    file's tool): they do not approve it (recorded for LOG006)."""
    named = named_tools(result)
    out = {}
    for entry, _key in matches:
        tool = guide.refused(entry, named, ctx.studio.registry)
        if tool is not None and entry.id not in out:
            out[entry.id] = tool
            ctx.usage.refused(entry, result.path, tool)
    return out


def _file_approval(
    matches: list[tuple[LogEntry, str]],
    cover: LogEntry | None,
    traced: dict[str, tuple[LogEntry | None, list[tuple[LogEntry, str]]]],
) -> tuple[str | None, str]:
    """The entry named as the file's approval: its own, else the one covering its trace hits."""
    if cover is not None:
        return cover.id, next((k for e, k in matches if e.id == cover.id), "")
    covers = [(c, m) for c, m in traced.values() if c is not None]
    if covers and len(covers) == len(traced):
        entry, found = covers[0]
        key = next((k for e, k in found if e.id == entry.id), "")
        return entry.id, f"trace ({key} of the still)" if key else "trace"
    return None, ""


def _trace_cover(
    finding: Finding, final: bool, ctx: _Context
) -> tuple[LogEntry | None, list[tuple[LogEntry, str]]]:
    """The entry approving a trace hit (the still's entry, or the log entry whose pHash was
    found), and every entry that matched that still."""
    found = _reference_entries(finding, ctx, depth=0)
    referenced = ctx.files.get(str(finding.evidence.details.get("reference", "")))
    if referenced is not None:  # an entry declaring another tool than the still's approves none
        named = named_tools(referenced)
        found = [(e, k) for e, k in found if guide.refused(e, named, ctx.studio.registry) is None]
    cover = next((e for e, _ in found if _covers(e, final, ctx.today)), None)
    return cover, found


def _reference_entries(finding: Finding, ctx: _Context, depth: int) -> list[tuple[LogEntry, str]]:
    """The entries of the material a by-reference finding names: the pHash entry that found
    it, else the entries matching the referenced file, else (a track file or a clip whose
    AI material is itself a trace hit) the entries of what that file's own hits name."""
    details = finding.evidence.details
    entry_id = details.get("entry")
    if isinstance(entry_id, str) and entry_id in ctx.by_id:
        entry = ctx.by_id[entry_id]
        ctx.usage.keys.setdefault(entry.id, "phash")
        ctx.approved.append(entry.id)
        return [(entry, "phash")]
    reference = str(details.get("reference", ""))
    found = ctx.matched.get(reference, [])
    referenced = ctx.files.get(reference)
    if found or referenced is None or depth >= 2:  # two hops: a hit inside a clip's source
        return found
    for hit in referenced.findings:
        if _means(hit, Gating.BY_REFERENCE):
            found = found + _reference_entries(hit, ctx, depth + 1)
    return found


def _trace_decisions(
    result: FileResult,
    final: bool,
    traced: dict[str, tuple[LogEntry | None, list[tuple[LogEntry, str]]]],
    ctx: _Context,
) -> Iterator[tuple[Rule, Evidence]]:
    """POL001 (or POL004 for weak hits) per trace hit in final content that no entry covers."""
    if not final:
        return
    for finding in result.findings:
        if finding.fingerprint not in traced or traced[finding.fingerprint][0] is not None:
            continue
        found = traced[finding.fingerprint][1]
        entry = found[0][0] if found else None
        where = str(
            finding.evidence.details.get("where") or finding.evidence.message.split(" (found by")[0]
        )
        reference = str(finding.evidence.details.get("reference", ""))
        near = None if found else ctx.usage.nearest.get(reference)  # the still's nearest
        if finding.evidence.confidence is Confidence.LOW and not found:
            rule, guideline = pol.SUSPECTED_AI, G_REVIEW
            message = f"{where}: weak AI evidence on the still and no log entry: review it"
        else:
            rule, guideline = pol.UNAPPROVED_AI, G_FINAL
            message = f"{where}: {_why_not(found, ctx.today, near)}"
        ev = _ev(rule, message, guideline, entry, near)
        yield rule, replace(ev, value=finding.evidence.value)


def _facts(report: Report, result: FileResult, log: AiLog) -> FileFacts:
    """The identities the log's keys need; full-file hashes only when an entry asks for one."""
    ids = frozenset(
        str(f.evidence.details["instance_id"])
        for f in result.findings
        if f.evidence.details.get("instance_id")
    )
    sha, phash = result.sha256, result.phash  # kept by the scan when a catalog is used
    if sha and (phash or result.kind is not MediaKind.IMAGE or not log.needs_phash):
        return FileFacts(result.path, sha, phash, ids)
    if log.needs_sha256 or (log.needs_phash and result.kind is MediaKind.IMAGE):
        try:
            with Asset(locate(report, result), result.path) as asset:
                sha = asset.sha256() if log.needs_sha256 else ""
                if log.needs_phash and result.kind is MediaKind.IMAGE:
                    from provscan.extract.phash import phash_of  # numpy: on demand

                    phash = phash_of(asset) or ""
        except OSError:
            pass  # vanished since the scan: no identity, so no key-based match
    return FileFacts(result.path, sha, phash, ids)


def _covers(entry: LogEntry, final: bool, today: dt.date) -> bool:
    """A written, current approval whose scope includes where the file is used."""
    if not entry.has_written_approval or entry.expired(today):
        return False
    return "final" in entry.scope if final else True


def _approved(finding: Finding, cover: LogEntry | None) -> Finding:
    if cover is None or finding.rule.signal not in _AI_SIGNALS:
        return finding
    return evolve(finding, approval=cover.id)


def _decisions(
    result: FileResult,
    final: bool,
    matches: list[tuple[LogEntry, str]],
    cover: LogEntry | None,
    ctx: _Context,
    near: Near | None,
    refused: dict[str, NamedTool],
) -> Iterator[tuple[Rule, Evidence]]:
    today = ctx.today
    if final and _unreadable(result):
        reason = next((f.evidence.message for f in result.findings
                       if f.rule.signal is Signal.UNREADABLE), "unreadable")  # fmt: skip
        yield pol.UNREADABLE_FINAL, _ev(pol.UNREADABLE_FINAL, f"cannot be cleared: {reason}",
                                        G_READ, None)  # fmt: skip
    unverified = [f for f in result.findings if _means(f, Gating.UNVERIFIED)]
    if final and unverified and not _unreadable(result):
        yield pol.UNVERIFIED_FINAL, _ev(pol.UNVERIFIED_FINAL, unverified[0].evidence.message,
                                        G_READ, None)  # fmt: skip
    own = _own_verdict(result)
    if final and own in AI_MATERIAL and cover is None:
        reason = _why_not(matches, today, near, refused)
        yield pol.UNAPPROVED_AI, _ev(pol.UNAPPROVED_AI, f"{own.value} material in "
                                     f"final content: {reason}", G_FINAL,
                                     matches[0][0] if matches else None, near)  # fmt: skip
    if final and own is Verdict.AI_SUSPECTED and not matches:
        message = "weak AI evidence and no AI-use log entry: review it, then log it or clear it"
        if near is not None:
            message += f" (nearest entry {near.words})"
        yield pol.SUSPECTED_AI, _ev(pol.SUSPECTED_AI, message, G_REVIEW, None, near)
    for entry in dict.fromkeys(e for e, _ in matches):
        yield from _entry_decisions(entry, ctx.studio)
    yield from _composition_decisions(result, final)
    if final and any(_means(f, Gating.UNTRUSTED_PROVENANCE) for f in result.findings):
        yield pol.UNTRUSTED_PROVENANCE, _ev(pol.UNTRUSTED_PROVENANCE, _provenance_words(result),
                                            G_PROVENANCE, None)  # fmt: skip


def _provenance_words(result: FileResult) -> str:
    """What is wrong with the file's Content Credentials: the integrity headline the C2PA
    detector told (detectors.c2pa_integrity), else the general words."""
    for finding in result.findings:
        headline = finding.evidence.details.get("headline")
        if _means(finding, Gating.INTEGRITY_STORY) and headline:
            text = str(headline)
            said = text.startswith("Content Credentials")
            return text if said else f"Content Credentials: {text}"
    return "the C2PA manifest is invalid, unreadable, or the file changed after signing"


def _composition_decisions(result: FileResult, final: bool) -> Iterator[tuple[Rule, Evidence]]:
    """POL008 when a clip or track file of a final cut could not be checked against its
    source; POL009 for a track file that no composition of its package plays; POL010 when
    the edit given for a final does not match it."""
    if not final:
        return
    unchecked = [f for f in result.findings if _means(f, Gating.PART_UNCHECKED)]
    if unchecked:
        more = f" (and {len(unchecked) - 1} more)" if len(unchecked) > 1 else ""
        message = f"{unchecked[0].evidence.message}{more}"
        yield pol.UNCHECKED_PART, _ev(pol.UNCHECKED_PART, message, G_READ, None)
    outside = next((f for f in result.findings if _means(f, Gating.OUTSIDE_COMPOSITION)), None)
    if outside is not None:
        yield pol.OUTSIDE_COMPOSITION, _ev(pol.OUTSIDE_COMPOSITION, outside.evidence.message,
                                           G_READ, None)  # fmt: skip
    other = next((f for f in result.findings if _means(f, Gating.OTHER_VERSION)), None)
    if other is not None:
        yield pol.EDIT_NOT_FINAL, _ev(pol.EDIT_NOT_FINAL, other.evidence.message, G_READ, None)


def _unreadable(result: FileResult) -> bool:
    return result.verdict is Verdict.UNREADABLE or any(
        f.rule.signal is Signal.UNREADABLE for f in result.findings
    )


def _why_not(
    matches: list[tuple[LogEntry, str]],
    today: dt.date,
    near: Near | None,
    refused: dict[str, NamedTool] | None = None,
) -> str:
    """Why no matching entry covers the file, in a producer's words (with no match, the
    entry that came closest and what differs; an entry declaring another tool, which)."""
    if not matches and near is not None:
        return f"no entry in the AI-use log matches it; nearest {near.words}"
    if not matches:
        return "no entry in the AI-use log matches it"
    entry = matches[0][0]
    if refused and entry.id in refused:
        return guide.mismatch_words(entry, refused[entry.id])
    if entry.status != "approved":
        return f"log entry {entry.id} is {entry.status}, not approved"
    if not entry.has_written_approval:
        return f"log entry {entry.id} has no written approval (approved_by, approved_on, ref)"
    if entry.expired(today):
        return f"log entry {entry.id}'s approval expired on {entry.expires}"
    return f"log entry {entry.id} approves it for {', '.join(entry.scope)} only, not final"


def _entry_decisions(entry: LogEntry, studio: guide.Studio) -> Iterator[tuple[Rule, Evidence]]:
    sensitive = [words for flag, words in _SENSITIVE.items() if getattr(entry, flag)]
    if sensitive and not entry.has_written_approval:
        yield pol.SENSITIVE_USE, _ev(pol.SENSITIVE_USE, f"log entry {entry.id} involves "
                                     f"{', '.join(sensitive)} without a written approval",
                                     G_SENSITIVE, entry)  # fmt: skip
    if entry.replaces_talent_or_union_work and not has_consent(entry):
        yield pol.SENSITIVE_USE, _ev(pol.SENSITIVE_USE, f"log entry {entry.id} replaces talent "
                                     "or union work without recorded consent (consent_ref, or "
                                     "talent_consent)", G_TALENT, entry)  # fmt: skip
    yield from guide.entry_decisions(entry, studio)
    for risk, exception, words, flag in (
        (entry.tool_trains_on_inputs, "tool_trains_on_inputs", "trains on production inputs",
         "trains_on_inputs"),
        (entry.enterprise_environment is False, "non_enterprise_environment",
         "was used outside an enterprise environment", "enterprise"),
    ):  # fmt: skip
        if risk and not (entry.has_written_approval and exception in entry.approved_exceptions):
            tool = entry.tool or "the tool"
            note = guide.registry_note(entry, flag, studio)
            message = (f"log entry {entry.id}: {tool} {words}{note}, with no written approval "
                       "for that")  # fmt: skip
            yield pol.UNSAFE_TOOL, _ev(pol.UNSAFE_TOOL, message, G_TOOLS, entry)


def _ev(
    rule: Rule, message: str, guideline: str, entry: LogEntry | None, near: Near | None = None
) -> Evidence:
    extra = {"nearest": near.as_dict()} if near is not None else None
    return guide.evidence(rule, message, guideline, entry, extra)


def _hygiene(
    entries: Sequence[LogEntry], usage: _Usage, policy: Policy, today: dt.date
) -> Iterator[Finding]:
    for entry in entries:
        for rule, message in _entry_problems(entry, usage, today):
            if not policy.off(rule):
                ev = _ev(rule, message, "", entry)
                yield make_finding(rule, ev, entry.id, gate=policy.level(rule))


def _entry_problems(entry: LogEntry, usage: _Usage, today: dt.date) -> Iterator[tuple[Rule, str]]:
    where = f"log entry {entry.id} ({entry.place})"
    if entry.id not in usage.keys:
        near = usage.near.get(entry.id)
        closest = f" (nearest: {near[0]}: {near[1]})" if near else ""
        yield pol.STALE_ENTRY, f"{where} matched no file with AI evidence{closest}"
    if entry.id in usage.moved:
        path, count = usage.moved[entry.id]
        more = f" (and {count - 1} more)" if count > 1 else ""
        yield pol.PATH_MOVED, (f"{where} matched {path}{more} by {usage.keys[entry.id]}, but "
                               f"its path is {entry.path}: the file was renamed or moved "
                               "(update path, or set require_path = true to refuse such "
                               "matches)")  # fmt: skip
    if entry.expired(today):
        yield pol.EXPIRED_ENTRY, f"{where} expired on {entry.expires}"
    if entry.id in usage.keys and entry.keys == ("path",):
        yield pol.WEAK_MATCH, f"{where} matched by path alone ({entry.path}); add sha256 or phash"
    if entry.status in ("pending", "denied"):
        yield pol.NOT_APPROVED, f"{where} is {entry.status}"
    if entry.id in usage.mismatched:
        path, tool, count = usage.mismatched[entry.id]
        more = f" (and {count - 1} more)" if count > 1 else ""
        yield pol.TOOL_MISMATCH, (f"{where} declares {entry.tool}, but matched {path}{more}, "
                                  f"made by {tool.name} ({tool.where}): it does not approve "
                                  "that file")  # fmt: skip
