"""Value types shared by the scanner and the detectors: kinds, rules, evidence, findings, verdicts.

Frozen, slotted dataclasses and StrEnums only: no printing, colours or serialisation here
(that lives in ``provscan.report``), so every output format derives from the same values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Flag, StrEnum, auto
from operator import attrgetter
from typing import Any, TypeVar


class MediaKind(StrEnum):
    """What a file is, decided from its bytes (never from its name alone)."""

    IMAGE = "image"
    VIDEO = "video"
    AUDIO = "audio"
    SIDECAR = "sidecar"  # .xmp and .c2pa files that describe another file
    DOCUMENT = "document"  # PDF, fonts and other non-media that may carry C2PA
    OTHER = "other"


class Severity(StrEnum):
    """How serious a rule is; it belongs to the rule, not to one observation."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        """Order for comparisons: info < warning < error."""
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


class Confidence(StrEnum):
    """How sure one observation is; it belongs to the evidence, not to the rule."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        """Order for comparisons: low < medium < high."""
        return _CONFIDENCE_RANK[self]


_CONFIDENCE_RANK = {Confidence.LOW: 0, Confidence.MEDIUM: 1, Confidence.HIGH: 2}


class Signal(StrEnum):
    """What a rule's evidence says about the file, the input to the per-file verdict."""

    AI_GENERATED = "ai-generated"  # the content itself was made by a generative model
    AI_EDITED = "ai-edited"  # generative AI was used on part of the content (composite)
    AI_HINT = "ai-hint"  # weak: a generator name in free text, a tool that may or may not be gen-AI
    CAPTURE = "capture"  # a signed, valid claim of camera or microphone capture
    UNREADABLE = "unreadable"  # the file could not be read as what it claims to be
    NONE = "none"  # informational: provenance facts that do not move the verdict


class Verdict(StrEnum):
    """The per-file conclusion. ``no-ai-markers`` never means "authentic"."""

    AI_GENERATED = "ai-generated"
    AI_EDITED = "ai-edited"
    AI_SUSPECTED = "ai-suspected"
    CAPTURE_PROVENANCE = "capture-provenance"
    NO_AI_MARKERS = "no-ai-markers"
    UNREADABLE = "unreadable"


class Gate(StrEnum):
    """The QC gate's outcome for a file or a delivery, decided by the policy and the AI-use log."""

    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"

    @property
    def rank(self) -> int:
        """Order for comparisons: pass < warn < fail."""
        return _GATE_RANK[self]


_GATE_RANK = {Gate.PASS: 0, Gate.WARN: 1, Gate.FAIL: 2}


class Gating(Flag):
    """What a rule's finding means to the QC gate besides its signal (a rule may mean several
    things): the gate asks the rule, never for a list of codes."""

    NONE = 0
    # Another file's material seen in this one (details["reference"]: a trace hit, a clip of
    # an edit, a track file of a composition): approved by that file's log entries.
    BY_REFERENCE = auto()
    PART_UNCHECKED = auto()  # a part of a final, or its search for AI stills, was not checked
    OUTSIDE_COMPOSITION = auto()  # a track file no composition of its package plays
    OTHER_VERSION = auto()  # the edit given for a final does not fit it
    UNVERIFIED = auto()  # not verifiably what it claims: misnamed, unsupported, special file
    UNTRUSTED_PROVENANCE = auto()  # its Content Credentials are invalid or unreadable
    INTEGRITY_STORY = auto()  # details["headline"] tells what holds of its Content Credentials
    # Machine-readable marking layers of AI material (the guideline checks of marking,
    # provider disclosures and marking lost in post): a C2PA manifest and its AI claims,
    # XMP/IPTC declarations, a declared soft binding or watermark, China's GB 45438 label.
    MARK_C2PA = auto()
    MARK_METADATA = auto()
    MARK_BINDING = auto()
    MARK_LABEL = auto()
    RESERVATION = auto()  # a statement of AI training and data-mining rights
    LEAK = auto()  # production information left in metadata (an internal path)


@dataclass(frozen=True, slots=True)
class Rule:
    """A check with a stable code (3-letter family + 3 digits), never renamed or reused."""

    code: str
    name: str
    severity: Severity
    summary: str
    signal: Signal = Signal.NONE
    gating: Gating = Gating.NONE

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled by value and unpickled as the one equal Rule of this process: every
        finding of an archive's results names one of a hundred rules."""
        return (_interned_rule, _values(self))


_RULES: dict[tuple[Any, ...], Rule] = {}


def _interned_rule(*values: Any) -> Rule:
    """The rule with these field values, made once per process."""
    rule = _RULES.get(values)
    if rule is None:
        rule = _RULES.setdefault(values, Rule(*values))
    return rule


_GETTERS: dict[type, attrgetter[Any]] = {}


def _values(obj: object) -> tuple[Any, ...]:
    """A slotted dataclass's field values, in field order (its ``__slots__``)."""
    cls = type(obj)
    getter = _GETTERS.get(cls)
    if getter is None:
        getter = _GETTERS[cls] = attrgetter(*cls.__slots__)  # type: ignore[attr-defined]
    values: tuple[Any, ...] = getter(obj)
    return values


@dataclass(frozen=True, slots=True)
class Evidence:
    """What one detector saw in one file: no path, no verdict.

    ``details`` carries structured facts a reviewer needs (prompt, model, seed, tool,
    signer...); values must be JSON-serialisable.
    """

    rule: str
    message: str
    key: str = ""
    value: str = ""
    confidence: Confidence = Confidence.HIGH
    details: Mapping[str, object] = field(default_factory=dict)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its field values (see FileResult.__reduce__)."""
        return (Evidence, _values(self))


# Evidence.details keys that name a tool, most specific first (what the report shows as the
# tool, and what the catalog records as "tool").
TOOL_KEYS = ("software_agent", "tool", "system", "claim_generator")


@dataclass(frozen=True, slots=True)
class Finding:
    """A rule firing on a file: the rule, the evidence and a path-free fingerprint.

    The fingerprint leaves the path out on purpose: deliverables are renamed and moved,
    and an approval should follow the bytes, not the file name.
    """

    rule: Rule
    evidence: Evidence
    fingerprint: str
    approval: str | None = None  # id of the AI-use log entry whose written approval covers it
    gate: Gate | None = None  # set on policy findings (POL/LOG): what the policy decided
    baselined: bool = False  # listed in the --baseline file: accepted, so it passes the gate

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its field values (see FileResult.__reduce__)."""
        return (Finding, _values(self))


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a human description: ``label: value`` indented by ``depth``."""

    label: str
    value: str = ""
    depth: int = 0


@dataclass(frozen=True, slots=True)
class Section:
    """A titled block of description lines, as ``provscan inspect`` prints it."""

    title: str
    lines: tuple[Line, ...]


@dataclass(frozen=True, slots=True)
class FileResult:
    """Everything the scan concluded about one file."""

    path: str  # POSIX, relative to the scan root (the file name when one file is scanned)
    kind: MediaKind
    format: str
    mime: str
    size: int
    verdict: Verdict
    findings: tuple[Finding, ...]
    deciding: tuple[int, ...] = ()  # indexes into findings of the evidence that decided the verdict
    sections: tuple[Section, ...] = ()  # filled only when a description was asked for (inspect)
    gate: Gate = Gate.PASS  # the policy's outcome for this file
    approval: str | None = None  # id of the log entry covering the file's AI material, if any
    matched_by: str = ""  # the strongest key that matched that entry (sha256, c2pa_instance_id...)
    final: bool = True  # whether the policy counts the file as final content
    role: str = "deliverable"  # or "source": project media scanned for references (--sources)
    # Content identities, computed in the scan only when asked (a catalog keeps them so the
    # AI-use log can be matched again without reading the media): the file's SHA-256, and
    # the pHash of a still with AI evidence (what log entries' phash keys are matched against)
    sha256: str = ""
    phash: str = ""
    # A numbered frame sequence reported as one item (its findings are its frames', merged);
    # None for a single file.
    sequence: FrameSequence | None = None


@dataclass(frozen=True, slots=True)
class FrameSequence:
    """The frames of one shot (``name.1001.exr`` ... in one folder), judged as one deliverable.

    ``pattern`` is the report path with the frame number as ``#`` (one per digit of the
    zero-padded number: ``shot.####.exr``); every frame keeps its own result, in frame order,
    so each stays addressable; ``gaps`` are the missing numbers as inclusive ranges;
    ``differing`` the frames whose header or size differs from the rest, and why."""

    pattern: str
    first: int
    last: int
    numbers: tuple[int, ...]
    frames: tuple[FileResult, ...]
    gaps: tuple[tuple[int, int], ...] = ()
    differing: tuple[tuple[int, str], ...] = ()
    timecode: str = ""  # the first frame's, when its header has one
    frame_rate: str = ""

    @property
    def count(self) -> int:
        """How many frames the sequence holds."""
        return len(self.frames)

    @property
    def missing(self) -> int:
        """How many frame numbers between the first and the last are missing."""
        return sum(end - start + 1 for start, end in self.gaps)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its field values, rebuilt by the constructor: every result crosses a
        pipe from its worker, and dataclasses' own pickling of slotted classes looks the
        fields up again for every object (a fifth of the hand-off's time)."""
        return (FileResult, _values(self))


@dataclass(frozen=True, slots=True)
class Source:
    """A configuration file the run used (AI-use log or policy): where, its hash, a summary."""

    path: str  # "" for the built-in default policy
    sha256: str
    summary: str  # e.g. "12 entries" or "final: **"


@dataclass(frozen=True, slots=True)
class Skipped:
    """A path the walk left out (a folder's ends in "/"): the pattern that matched it and
    which list that pattern came from ("default", "--exclude" or ".provscanignore:LINE")."""

    path: str
    pattern: str
    by: str


@dataclass(frozen=True, slots=True)
class Report:
    """A whole scan: the files in walk order plus the run's context."""

    root: str
    # in walk order: a tuple, or at archive scale a provscan.results.Results (kept on disk)
    files: Sequence[FileResult]
    tool_version: str
    started: str  # ISO 8601 UTC
    duration_s: float
    options: Mapping[str, object] = field(default_factory=dict)
    log: Source | None = None  # the AI-use log checked against, if one was given
    policy: Source | None = None  # the policy applied (path "" = built-in default)
    log_findings: tuple[Finding, ...] = ()  # log hygiene: stale, expired, weak, unapproved entries
    skipped: tuple[Skipped, ...] = ()  # paths the ignore lists left out, in walk order
    delivery_findings: tuple[Finding, ...] = ()  # about the delivery as a whole (POL011)

    @property
    def gate(self) -> Gate:
        """The delivery's outcome: the worst of its files, of the log's own findings and of
        the findings about the delivery as a whole."""
        whole = (*self.log_findings, *self.delivery_findings)
        worst = getattr(self.files, "worst_gate", None)  # Results count it as files arrive
        gates = [worst] if isinstance(worst, Gate) else [f.gate for f in self.files]
        gates += [f.gate or Gate.PASS for f in whole]
        return max(gates, key=lambda g: g.rank, default=Gate.PASS)


@dataclass(frozen=True, slots=True)
class TrustList:
    """A dated list of trust anchors for C2PA validation: its identity, where it came from,
    and the PEM/config text the C2PA SDK is given (``kind``: manifest signers, time-stamping
    authorities or CAWG identity issuers, as c2pa-rs names them)."""

    id: str
    name: str
    kind: str  # "manifest", "tsa" or "cawg"
    date: str  # snapshot date, YYYY-MM-DD
    anchors: str = ""  # PEM text of the root (and intermediate) certificates
    allowed: str = ""  # PEM text of end-entity certificates trusted as they are
    config: str = ""  # store.cfg text: the extended key usages accepted
    source: str = ""
    licence: str = ""
    origin: str = "bundled"  # bundled, installed (by `provscan trust`), or given (a flag)

    @property
    def uri(self) -> str:
        """The identity c2pa-rs reports back as the list that trusted a signer."""
        return f"provscan:trust/{self.id}@{self.date}"

    @property
    def label(self) -> str:
        """The list as reports name it: its name and snapshot date."""
        return f"the {self.name} of {self.date}" if self.date else f"the {self.name}"


@dataclass(frozen=True, slots=True)
class Settings:
    """Per-run settings detectors may read (through the asset); nothing here enables network."""

    trust_anchors: str | None = None  # PEM text: C2PA trust anchors (given on the command line)
    allowed_list: str | None = None  # PEM text: end-entity certificates trusted as-is
    trust_config: str | None = None  # c2pa store.cfg text: allowed EKU OIDs
    trust_lists: tuple[TrustList, ...] = ()  # dated lists (bundled, installed) also used
    describe: bool = False  # also build human descriptions (inspect)
    identities: bool = False  # also hash every file (sha256; pHash of AI stills): --catalog


T = TypeVar("T")


def evolve(obj: T, **changes: object) -> T:
    """A copy of a frozen slots dataclass with ``changes``: ``dataclasses.replace`` without
    its per-call introspection (it was the largest single cost of a catalogued re-scan,
    three calls per file). Field names are not checked: callers pass real fields."""
    new = object.__new__(type(obj))
    for name in type(obj).__slots__:  # type: ignore[attr-defined]
        object.__setattr__(new, name, changes[name] if name in changes else getattr(obj, name))
    return new
