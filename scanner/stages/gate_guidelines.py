"""The guidelines the gate checks against what files say and what the studio knows.

Beyond what a log entry says about itself (:mod:`provscan.stages.gate`), the policy knows the
tools the studio approved (``[[tool]]``), the names prompts must not use (``[[protected]]``),
the production's id, its jurisdictions and code names. For each file this module yields:

- POL012/POL003 for the tool identified from the file (or declared by its entry when the file
  names none) against the registry, for the file and for each AI still, clip or track file
  seen in it (trace, timeline and IMF hits: the referenced file's tool);
- POL002 for a protected name in a prompt or prompt-like text of an AI file in final content
  (or of the material seen in it) that no entry flags and approves in writing;
- POL013 for an incomplete consent record (:mod:`provscan.guidelines.consent`);
- POL014 for AI material depicting real people, places or events with no disclosure (EU);
- POL020 (information) for the marking layers of an AI asset in final content, POL015 when an
  AI source's C2PA manifest was lost in its final copy, POL016 for the California latent
  disclosure, POL017 for China's implicit label;
- POL018 for what a final's metadata leaks, POL019 for a missing AI-training reservation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from provscan.ailog.entry import LogEntry
from provscan.guidelines.consent import consent_problems
from provscan.guidelines.names import NameHit, find_names, find_words
from provscan.guidelines.tools import (
    NamedTool,
    RegisteredTool,
    Registry,
    mismatch,
    named_tools,
    normal,
)
from provscan.model import Evidence, FileResult, Finding, Gating, MediaKind, Rule
from provscan.policy import Policy
from provscan.rules import policy as pol
from provscan.stages import gate_facts as facts

G_REGISTRY = "use only the tools the studio approved, for the uses approved, under reviewed terms"
G_TOOLS = "avoid tools that train on production data; use enterprise-secure environments"
G_SENSITIVE = "third-party IP, talent likeness and private data need written approval"
G_CONSENT = ("digital replicas and replaced performances need the performer's informed consent "
             "for this production (SAG-AFTRA 2023 TV/Theatrical; Cal. Labor Code 927)")  # fmt: skip
G_DISCLOSE = ("tell the audience when AI depicts real persons, places or events as if authentic "
              "(EU AI Act Art. 50(4))")  # fmt: skip
G_MARKING = "AI output stays marked in a machine-readable format (EU AI Act Art. 50(2))"
G_LATENT = ("latent disclosure: provider, system and version, time, unique id (California AI "
            "Transparency Act, Bus. & Prof. Code 22757.3(b))")  # fmt: skip
G_LABEL = ("implicit label in the file's metadata (GB 45438-2025; CAC labelling measures, "
           "Art. 5)")  # fmt: skip
G_LEAK = ("deliver no prompts, internal paths, user names, code names or pictures of other "
          "material in metadata (studio confidentiality; GDPR Art. 5(1)(c))")  # fmt: skip
G_RESERVE = ("reserve AI training and data mining in machine-readable form (EU Directive "
             "2019/790 Art. 4(3))")  # fmt: skip

Decision = tuple[Rule, Evidence]
_MEDIA = frozenset({MediaKind.IMAGE, MediaKind.VIDEO, MediaKind.AUDIO})
_EXCERPT = 60


@dataclass(frozen=True, slots=True)
class Studio:
    """What the gate knows beyond one log entry, and the run's other files."""

    policy: Policy
    registry: Registry
    today: dt.date
    matched: dict[str, list[tuple[LogEntry, str]]]  # report path -> entries matching it
    files: Mapping[str, FileResult]  # report path -> result (read back when asked for)
    holders: dict[str, list[str]] = field(default_factory=dict)  # entry id -> paths it matched
    carriers: dict[str, tuple[str, FileResult] | None] = field(default_factory=dict)

    @classmethod
    def of(
        cls, policy: Policy, today: dt.date, matched: dict[str, list[tuple[LogEntry, str]]],
        files: Mapping[str, FileResult],
    ) -> Studio:  # fmt: skip
        """The studio for one run: the policy's registry, and which files each entry matched."""
        holders: dict[str, list[str]] = {}
        for path, found in matched.items():
            for entry_id in dict.fromkeys(e.id for e, _ in found):
                holders.setdefault(entry_id, []).append(path)
        return cls(policy, Registry(policy.tools), today, matched, files, holders)

    def carrier(self, entry_id: str) -> tuple[str, FileResult] | None:
        """The first file ``entry_id`` matched that carries a C2PA manifest, and its path;
        found once per entry (a glob entry matches thousands of files, and each of them
        would read them all back)."""
        if entry_id not in self.carriers:
            self.carriers[entry_id] = next(
                ((p, other) for p in self.holders.get(entry_id, ())
                 if (other := self.files.get(p)) is not None and facts.has_manifest(other)),
                None,
            )  # fmt: skip
        return self.carriers[entry_id]


def evidence(
    rule: Rule, message: str, guideline: str, entry: LogEntry | None,
    extra: Mapping[str, object] | None = None,
) -> Evidence:  # fmt: skip
    """A policy finding's evidence: the message with its guideline, the entry (or the log)."""
    details: dict[str, object] = {"guideline": guideline or None,
                                  "entry": entry.id if entry else None}  # fmt: skip
    details.update(extra or {})
    return Evidence(
        rule.code,
        f"{message} (guideline: {guideline})" if guideline else message,
        key=entry.id if entry else "ai-use-log",
        value=entry.place if entry else "",
        details=details,
    )


def refused(entry: LogEntry, named: list[NamedTool], registry: Registry) -> NamedTool | None:
    """The tool the file names when ``entry`` declares another (the entry then does not
    approve the file), else None."""
    return mismatch(entry.tool, named, registry)


def mismatch_words(entry: LogEntry, tool: NamedTool) -> str:
    """Why an entry whose tool is not the file's does not approve it, in words."""
    return (f"log entry {entry.id} declares {entry.tool}, but the file was made with "
            f"{tool.name} ({tool.where}): the entry does not approve it")  # fmt: skip


def decisions(
    result: FileResult, final: bool, ai: bool, entries: Sequence[LogEntry],
    cover: LogEntry | None, studio: Studio,
) -> Iterator[Decision]:  # fmt: skip
    """Every guideline decision on one file: ``ai`` whether the file itself carries AI
    material, ``entries`` the log entries that match it and approve its tool."""
    deliverable = result.role != "source"
    if deliverable and ai:
        uses = ("final",) if final else (cover.scope if cover else ())
        yield from _registry(result, entries, uses, studio, "")
    if final and ai:
        yield from _screen(result, entries, studio, "")
        yield from _marking(result, entries, studio)
    if final:
        yield from _depictions(entries, studio)
    for reference, where, found in _references(result, studio) if deliverable else ():
        prefix = f"{where}: "
        yield from _registry(reference, found, ("final",) if final else (), studio, prefix)
        if final:
            yield from _screen(reference, found, studio, prefix)
            yield from _depictions(found, studio)
            yield from _lost(result, reference, prefix)
    if final and deliverable:
        yield from _leaks(result, studio)
        yield from _reservation(result, studio)


def entry_decisions(entry: LogEntry, studio: Studio) -> Iterator[Decision]:
    """POL013 when an entry that uses a likeness or replaces a performance lacks a complete
    consent record for this production."""
    problems = consent_problems(entry, studio.policy.production)
    if problems:
        who = f" ({entry.performer})" if entry.performer else ""
        message = f"log entry {entry.id}{who}: consent record incomplete: {'; '.join(problems)}"
        yield pol.CONSENT_INCOMPLETE, evidence(pol.CONSENT_INCOMPLETE, message, G_CONSENT, entry)


def registry_note(entry: LogEntry, flag: str, studio: Studio) -> str:
    """'; the tool registry says it does not' when the registry contradicts what an entry
    says of its tool (``flag``: trains_on_inputs or enterprise), else ''."""
    tool = studio.registry.resolve(entry.tool)
    if tool is None:
        return ""
    if flag == "trains_on_inputs" and tool.trains_on_inputs is False:
        return f"; the tool registry says {tool.name} does not{tool.terms}"
    if flag == "enterprise" and tool.enterprise is True:
        return f"; the tool registry says {tool.name} is enterprise-secure{tool.terms}"
    return ""


def _references(
    result: FileResult, studio: Studio
) -> Iterator[tuple[FileResult, str, list[LogEntry]]]:
    """Each distinct file seen in this one (trace, timeline, IMF hits): its result, where it
    appears (the first hit's words) and its entries that approve its tool."""
    seen: set[str] = set()
    for finding in result.findings:
        if not facts.means(finding, Gating.BY_REFERENCE):
            continue
        reference = str(finding.evidence.details.get("reference", ""))
        other = studio.files.get(reference)
        if other is None or reference in seen or reference == result.path:
            continue
        seen.add(reference)
        named = named_tools(other)
        found = [e for e, _ in studio.matched.get(reference, [])
                 if refused(e, named, studio.registry) is None]  # fmt: skip
        yield other, _where(finding), found


def _where(finding: Finding) -> str:
    details = finding.evidence.details
    return str(details.get("where") or finding.evidence.message.split(" (found by")[0])


def _registry(
    subject: FileResult, entries: Sequence[LogEntry], uses: tuple[str, ...], studio: Studio,
    prefix: str,
) -> Iterator[Decision]:  # fmt: skip
    """POL012/POL003 for each distinct tool the subject names (or its entries declare)."""
    if not studio.registry:
        return
    named = named_tools(subject)
    checks: list[tuple[str, str, LogEntry | None]]
    checks = [(n.raw, f"made with {n.name} ({n.where})", None) for n in named]
    if not named:
        checks = [(e.tool, f"the file names no tool; log entry {e.id} declares {e.tool}", e)
                  for e in entries if e.tool]  # fmt: skip
    seen: set[str] = set()
    for raw, how, entry in checks:
        tool = studio.registry.resolve(raw)
        key = tool.name if tool else normal(raw)
        if key in seen:
            continue
        seen.add(key)
        said = f"{prefix}{how}"
        if tool is None:
            message = f"{said}: not in the policy's tool registry"
            yield pol.TOOL_NOT_APPROVED, evidence(pol.TOOL_NOT_APPROVED, message, G_REGISTRY,
                                                  entry, {"tool": raw})  # fmt: skip
            continue
        yield from _registered(tool, said, entries, uses, studio, entry)


def _registered(
    tool: RegisteredTool, said: str, entries: Sequence[LogEntry], uses: tuple[str, ...],
    studio: Studio, entry: LogEntry | None,
) -> Iterator[Decision]:  # fmt: skip
    extra: dict[str, object] = {"tool": tool.name, "registry": tool.place}
    if tool.expired(studio.today):
        message = f"{said}: {tool.name}'s registration ({tool.place}) expired on {tool.expires}"
        yield pol.TOOL_NOT_APPROVED, evidence(pol.TOOL_NOT_APPROVED, message, G_REGISTRY,
                                              entry, extra)  # fmt: skip
    missing = [use for use in uses if use not in tool.scopes]
    if missing:
        message = (f"{said}: the tool registry approves {tool.name} for "
                   f"{', '.join(tool.scopes)} only, not {', '.join(missing)}")  # fmt: skip
        yield pol.TOOL_NOT_APPROVED, evidence(pol.TOOL_NOT_APPROVED, message, G_REGISTRY,
                                              entry, extra)  # fmt: skip
    risks = (
        (tool.trains_on_inputs is True, "tool_trains_on_inputs", "trains on production inputs",
         [e for e in entries if e.tool_trains_on_inputs is False], "says it does not"),
        (tool.enterprise is False, "non_enterprise_environment",
         "is not an enterprise-secure environment",
         [e for e in entries if e.enterprise_environment is True], "says it was one"),
    )  # fmt: skip
    for risk, exception, words, contradicting, claim in risks:
        if not risk or any(e.has_written_approval and exception in e.approved_exceptions
                           for e in entries):  # fmt: skip
            continue
        note = f"; log entry {contradicting[0].id} {claim}" if contradicting else ""
        message = (f"{said}: the tool registry says {tool.name} {words}{tool.terms}{note}, "
                   "and no written approval accepts that (approved_exceptions)")  # fmt: skip
        yield pol.UNSAFE_TOOL, evidence(pol.UNSAFE_TOOL, message, G_TOOLS, entry, extra)


def _screen(
    subject: FileResult, entries: Sequence[LogEntry], studio: Studio, prefix: str
) -> Iterator[Decision]:
    """POL002 for each protected name the subject's prompts name without a flagged, approved
    entry."""
    names = studio.policy.protected
    if not names:
        return
    hits: dict[str, tuple[facts.Text, NameHit]] = {}
    for text in facts.texts(subject):
        for hit in find_names(text.text, names):
            hits.setdefault(hit.protected.name, (text, hit))
    for text, hit in hits.values():
        flag = hit.protected.flag
        if any(getattr(e, flag) and e.has_written_approval for e in entries):
            continue
        flagged = next((e for e in entries if getattr(e, flag)), None)
        if flagged is not None:
            reason = f"log entry {flagged.id} marks {flag} without a written approval"
        elif entries:
            reason = f"log entry {entries[0].id} does not mark {flag}"
        else:
            reason = f"no log entry marks {flag} with a written approval"
        form = f", as {hit.form!r}" if hit.form != hit.protected.name else ""
        message = (f'{prefix}{text.where} names "{hit.matched}" ({hit.protected.kind} '
                   f"{hit.protected.name!r}{form}, {hit.protected.place}): {reason}")  # fmt: skip
        entry = flagged or (entries[0] if entries else None)
        extra = {"protected": hit.as_dict(), "field": text.where}
        yield pol.SENSITIVE_USE, evidence(pol.SENSITIVE_USE, message, G_SENSITIVE, entry, extra)


def _depictions(entries: Sequence[LogEntry], studio: Studio) -> Iterator[Decision]:
    """POL014 (EU) for entries depicting the real as if authentic with no disclosure."""
    if "eu" not in studio.policy.jurisdictions:
        return
    for entry in entries:
        if entry.depicts_real and entry.disclosure in ("", "none"):
            how = "disclosure = none" if entry.disclosure else "no disclosure stated"
            message = (f"log entry {entry.id} depicts real persons, places or events as if "
                       f"authentic, and the audience is not told ({how}: use an on-screen "
                       "card or the credits)")  # fmt: skip
            yield pol.UNDISCLOSED_DEPICTION, evidence(pol.UNDISCLOSED_DEPICTION, message,
                                                      G_DISCLOSE, entry)  # fmt: skip


def _marking(result: FileResult, entries: Sequence[LogEntry], studio: Studio) -> Iterator[Decision]:
    """POL020 (the layers), POL015 (a C2PA manifest another copy of it carries, lost in this
    one), POL016 (us-ca) and POL017 (cn) for an AI asset in final content."""
    carried, lacking = facts.layers(result)
    said = ", ".join(carried) if carried else "no machine-readable marking"
    message = f"marking: {said}; none of: {', '.join(lacking)}" if lacking else f"marking: {said}"
    yield pol.MARKING_LAYERS, evidence(pol.MARKING_LAYERS, message, G_MARKING, None,
                                       {"layers": carried, "missing": lacking})  # fmt: skip
    if not facts.has_manifest(result):
        for entry in entries:
            found = studio.carrier(entry.id)  # (not this file: it carries no manifest)
            if found is not None:
                path, other = found
                yield from _lost(result, other, f"log entry {entry.id} matches {path}: ")
    if "us-ca" in studio.policy.jurisdictions:
        disclosed = facts.latent_disclosure(result)
        missing = [f for f in facts.LATENT_FIELDS if f not in disclosed]
        if missing:
            message = (f"the provider's latent disclosure lacks {', '.join(missing)}"
                       + (f" (it gives {', '.join(disclosed)})" if disclosed else ""))  # fmt: skip
            yield pol.LATENT_DISCLOSURE, evidence(pol.LATENT_DISCLOSURE, message, G_LATENT,
                                                  None, {"disclosed": disclosed})  # fmt: skip
    problem = facts.label_problem(result) if "cn" in studio.policy.jurisdictions else ""
    if problem:
        yield pol.IMPLICIT_LABEL, evidence(pol.IMPLICIT_LABEL, problem, G_LABEL, None)


def _lost(result: FileResult, source: FileResult, prefix: str) -> Iterator[Decision]:
    """POL015 when ``source`` carries a C2PA manifest and its copy ``result`` carries none."""
    if facts.has_manifest(source) and not facts.has_manifest(result):
        message = (f"{prefix}{source.path} carries a C2PA manifest"
                   f"{facts.manifest_words(source)}; this file carries none: the marking was "
                   "lost in post (sign the final with the AI source as an ingredient)")  # fmt: skip
        yield pol.MARKING_LOST, evidence(pol.MARKING_LOST, message, G_MARKING, None,
                                         {"reference": source.path})  # fmt: skip


def _leaks(result: FileResult, studio: Studio) -> Iterator[Decision]:
    """POL018 for each kind of production information a final's metadata leaks."""
    found: list[tuple[str, str]] = []  # (message, field to strip)
    texts = facts.texts(result)
    prompts: dict[str, str] = {}
    for text in texts:
        if text.prompt:
            prompts.setdefault(_field(text.where), text.text)
    for where, prompt in prompts.items():
        found.append((f'{where} holds a prompt ("{_excerpt(prompt)}")', where))
    paths = facts.leaked_paths(result)
    for where, path, user in paths:
        whose = f", naming the user {user}" if user else ""
        found.append((f"{where} holds the internal path {path}{whose}", where))
    titles, thumbnails = facts.ingredients(result)
    searched = [(t.where, t.text) for t in texts] + [(f, p) for f, p, _ in paths]
    searched += [("C2PA ingredient title", t) for t in titles]
    for where, said in searched:
        for code, matched in find_words(said, studio.policy.code_names):
            found.append((f'{where} names the project code name {code!r} ("{matched}")',
                          _field(where)))  # fmt: skip
    if thumbnails:
        count = f"{thumbnails} ingredient{'s' * (thumbnails > 1)}"
        found.append((f"the C2PA manifest embeds thumbnails of {count} (pictures of other "
                      "material)", "C2PA ingredient thumbnails"))  # fmt: skip
    for message, where in dict.fromkeys(found):
        words = f"{message}: {_strip(where)}"
        yield pol.PROVENANCE_LEAK, evidence(pol.PROVENANCE_LEAK, words, G_LEAK, None,
                                            {"field": where})  # fmt: skip


def _reservation(result: FileResult, studio: Studio) -> Iterator[Decision]:
    """POL019 when the policy requires this final to reserve AI training and it does not."""
    if result.kind not in _MEDIA or not studio.policy.must_reserve_training(result.path):
        return
    reserved, said = facts.reservation(result)
    if reserved:
        return
    says = f" (it declares {said})" if said else ""
    message = (
        f"no AI-training reservation{says}: add a C2PA training-and-data-mining "
        "assertion (c2pa.ai_training, c2pa.ai_generative_training, c2pa.data_mining: "
        "notAllowed) or the IPTC PLUS data-mining field (DMI-PROHIBITED-AIMLTRAINING)"
    )
    yield pol.TRAINING_RESERVATION, evidence(pol.TRAINING_RESERVATION, message, G_RESERVE, None)


def _field(where: str) -> str:
    """The metadata field a text was read from, without what it was ('PNG text prompt')."""
    if where.endswith(")") and not where.startswith("C2PA"):
        return where.rsplit(" (", 1)[0]
    return where


def _strip(field: str) -> str:
    """What to do about a leaking field, in words."""
    if field.startswith("C2PA"):
        return f"re-sign the C2PA manifest without this ({field}) before delivery"
    return f"strip {field} before delivery"


def _excerpt(text: str) -> str:
    short = " ".join(text.split())
    return short if len(short) <= _EXCERPT else short[: _EXCERPT - 1] + "…"
