"""The studio's tool registry, the tools a file names, and whether two names are one tool.

A file names its generating tool in its AI evidence: a C2PA software agent or claim
generator, a generator record's tool, the IPTC AI system, a tool field. Each name is read
through :func:`provscan.detectors.tool_identity.identify` (vendor, product and version
apart), so one tool has one name everywhere. A registered tool lists the names under which
files identify it (``match``); a name resolves to the registered tool whose name or match
name it is, or contains on word boundaries (``Adobe Firefly`` in ``Adobe_Firefly/1.0
c2pa-rs/0.32``), the longest such name winning.

A declared tool (a log entry's ``tool``) and a tool the file names agree when both resolve
to the same registered tool; when either does not resolve, their names are compared: one
contains the other on word boundaries, both are the same known generative tool, or both are
open-weight generators run locally (``Stable Diffusion`` declared, ``AUTOMATIC1111`` named).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from provscan.detectors.known_tools import LOCAL_GENERATORS, match_tools
from provscan.detectors.tool_identity import identify
from provscan.guidelines.names import fold
from provscan.model import TOOL_KEYS, FileResult, Finding, Gating, Signal

# A hint (a generator named in free text) says what a caption mentions, not what made the file.
_AI = frozenset({Signal.AI_GENERATED, Signal.AI_EDITED})
_NOT_A_TOOL = frozenset({"unknown generator", "generative ai"})
_NON_WORD = re.compile(r"[\W_]+")


@dataclass(frozen=True, slots=True)
class RegisteredTool:
    """One ``[[tool]]`` table of the policy: a tool the studio has reviewed, and its terms."""

    name: str
    place: str  # where the policy lists it: '[[tool]] #2'
    vendor: str = ""
    match: tuple[str, ...] = ()
    trains_on_inputs: bool | None = None  # None: the registry does not say
    enterprise: bool | None = None
    data_terms: str = ""  # the contract or terms reviewed
    scopes: tuple[str, ...] = ()  # where its output may be used
    expires: dt.date | None = None

    def names(self) -> tuple[str, ...]:
        """Its name and every match name, normalised."""
        return tuple(dict.fromkeys(n for n in map(normal, (self.name, *self.match)) if n))

    def expired(self, today: dt.date) -> bool:
        """Whether its registration has expired."""
        return self.expires is not None and self.expires < today

    @property
    def terms(self) -> str:
        """' (data terms: REF)' for messages, or ''."""
        return f" (data terms: {self.data_terms})" if self.data_terms else ""


@dataclass(frozen=True, slots=True)
class NamedTool:
    """A tool a file names: the text as written, where, and its one display name."""

    raw: str
    where: str  # e.g. "C2PA software agent", "generator record"
    name: str


class Registry:
    """The policy's registered tools, looked up by any name a file or a log entry gives."""

    def __init__(self, tools: Iterable[RegisteredTool]) -> None:
        self.tools = tuple(tools)

    def __bool__(self) -> bool:
        return bool(self.tools)

    def resolve(self, text: str) -> RegisteredTool | None:
        """The registered tool ``text`` names (its longest matching name), or None."""
        if not text or not self.tools:
            return None
        candidates = _forms(text)
        whole = f" {normal(text)} "
        best: tuple[int, RegisteredTool] | None = None
        for tool in self.tools:
            for name in tool.names():
                if (name in candidates or f" {name} " in whole) and (
                    best is None or len(name) > best[0]
                ):
                    best = (len(name), tool)
        return best[1] if best else None


def normal(text: str) -> str:
    """Lower case, accents and punctuation gone, words single-spaced: how names compare."""
    return " ".join(_NON_WORD.sub(" ", fold(text)).split())


def _forms(text: str) -> set[str]:
    """The text, its product and its product with version, normalised."""
    found = identify(text)
    forms = {normal(text)}
    if found is not None:
        forms |= {normal(found.product), normal(found.name)}
    return {f for f in forms if f}


def named_tools(result: FileResult) -> list[NamedTool]:
    """The tools a file's AI evidence names, the deciding evidence first: software agents,
    tools and AI systems, and claim generators that are themselves generative tools (an
    editor that only signed names the signer, not the generator). Hints (free text) and
    other files' material seen in this one (trace hits) name nothing of the file's own."""
    deciding = [result.findings[i] for i in result.deciding if i < len(result.findings)]
    seen: set[str] = set()
    out = []
    for finding in (*deciding, *result.findings):
        for named in _names_of(finding):
            key = normal(named.name)
            if key and key not in seen:
                seen.add(key)
                out.append(named)
    return out


_WHERE = {"software_agent": "C2PA softwareAgent", "system": "IPTC AISystemUsed",
          "claim_generator": "C2PA claim generator"}  # fmt: skip


def _names_of(finding: Finding) -> Iterator[NamedTool]:
    if finding.rule.signal not in _AI or finding.rule.gating & Gating.BY_REFERENCE:
        return
    details = finding.evidence.details
    for key in TOOL_KEYS:
        raw = str(details.get(key) or "").strip()
        if not raw or raw.lower() in _NOT_A_TOOL:
            continue
        found = identify(raw)
        if found is None or (key == "claim_generator" and not found.generative):
            continue
        field = _WHERE.get(key) or finding.evidence.key or "its evidence"
        yield NamedTool(raw, f"{field}, {finding.rule.code}", found.name)


def agrees(declared: str, named: NamedTool, registry: Registry) -> bool:
    """Whether a declared tool and a tool the file names are the same tool."""
    mine, theirs = registry.resolve(declared), registry.resolve(named.raw)
    if mine is not None and theirs is not None:
        return mine.name == theirs.name
    return same_name(declared, named.raw)


def same_name(a: str, b: str) -> bool:
    """Whether two tool names name one tool: one's name (or product) contains the other's on
    word boundaries, both name a same known generative tool, or both name open-weight
    generators run locally (a model family and a front-end: Stable Diffusion, ComfyUI)."""
    forms_a, forms_b = _forms(a), _forms(b)
    for x in forms_a:
        for y in forms_b:
            if f" {x} " in f" {y} " or f" {y} " in f" {x} ":
                return True
    known_a = {m.tool.name for m in match_tools(a)}
    known_b = {m.tool.name for m in match_tools(b)}
    return bool(known_a & known_b) or (bool(known_a & LOCAL_GENERATORS)
                                       and bool(known_b & LOCAL_GENERATORS))  # fmt: skip


def mismatch(declared: str, named: list[NamedTool], registry: Registry) -> NamedTool | None:
    """The tool the file names when a declared tool is none of the tools it names (the
    entry then does not approve the file); None when they agree or either side says nothing."""
    if not declared.strip() or not named:
        return None
    if any(agrees(declared, tool, registry) for tool in named):
        return None
    return named[0]
