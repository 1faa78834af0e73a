"""What a file's findings say for the guideline checks: its prompts and prompt-like texts, its
machine-readable marking layers and provider disclosures, its AI-training reservation, and
what it leaks. Read from the findings' details only, so a catalogued archive is checked
again under a new policy without reading any media.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from provscan.detectors.tool_identity import identify
from provscan.model import TOOL_KEYS, FileResult, Finding, Gating, Signal
from provscan.rulebook import by_code

_AI = frozenset({Signal.AI_GENERATED, Signal.AI_EDITED})


def means(finding: Finding, gating: Gating) -> bool:
    """Whether the finding's rule means ``gating`` to the gate (the rulebook's rule of its
    code answers; the finding's copy when none has it)."""
    bits = _gating_bits().get(finding.rule.code)
    if bits is None:
        bits = finding.rule.gating.value
    return bits & gating.value != 0


@cache
def _gating_bits() -> dict[str, int]:
    """Each rule's gating as its bits: the gate asks a dozen questions of every finding, and
    a Flag's ``&`` builds a new member each time (a third of a changed log's re-judging)."""
    return {code: rule.gating.value for code, rule in by_code().items()}


@dataclass(frozen=True, slots=True)
class Text:
    """A prompt or prompt-like text a file carries, where it was read, and whether it is a
    prompt proper (what a final must not leak) or a description."""

    where: str
    text: str
    prompt: bool


def texts(result: FileResult) -> list[Text]:
    """Every prompt and prompt-like text of the file's findings, each text once: generation
    records' prompts, negative prompts and other text nodes, the IPTC AIPromptInformation,
    C2PA action descriptions and parameters, the XMP description of an AI file."""
    out: list[Text] = []
    seen: set[str] = set()
    for finding in result.findings:
        for text in _texts_of(finding):
            key = " ".join(text.text.split()).casefold()
            if key and key not in seen:
                seen.add(key)
                out.append(text)
    return out


def _texts_of(finding: Finding) -> Iterator[Text]:
    details = finding.evidence.details
    field = str(details.get("prompt_field") or finding.evidence.key or finding.rule.code)
    for key, words in (("prompt", "prompt"), ("negative", "negative prompt")):
        value = details.get(key)
        if isinstance(value, str) and value.strip():
            yield Text(f"{field} ({words})", value, True)
    for value in _strings(details.get("texts")):
        yield Text(f"{field} (text node)", value, True)
    actions = details.get("action_texts")
    for item in actions if isinstance(actions, list) else ():
        if isinstance(item, dict) and isinstance(item.get("text"), str):
            yield Text(str(item.get("where", "C2PA action")), item["text"], False)
    description = details.get("description")
    if isinstance(description, str) and description.strip():
        yield Text("XMP dc:description", description, False)


def _strings(value: object) -> list[str]:
    return [v for v in value if isinstance(v, str) and v.strip()] if isinstance(value, list) else []


def has_manifest(result: FileResult) -> bool:
    """Whether the file carries a C2PA manifest (a read manifest or its AI claims)."""
    return any(means(f, Gating.MARK_C2PA) for f in result.findings)


def manifest_words(result: FileResult) -> str:
    """' (by CLAIM GENERATOR)' for the file's C2PA manifest, or ''."""
    for finding in result.findings:
        generator = finding.evidence.details.get("claim_generator")
        if means(finding, Gating.MARK_C2PA) and isinstance(generator, str) and generator:
            found = identify(generator)
            return f" (by {found.name if found else generator})"
    return ""


def layers(result: FileResult) -> tuple[list[str], list[str]]:
    """The machine-readable marking layers the file carries, and those it lacks, in words."""
    found = {
        "C2PA manifest": has_manifest(result),
        "XMP/IPTC AI declaration": _any(result, Gating.MARK_METADATA),
        "vendor tags or generation record": any(_vendor(f) for f in result.findings),
        "declared watermark or soft binding": _any(result, Gating.MARK_BINDING),
        "GB 45438 implicit label": _any(result, Gating.MARK_LABEL),
    }
    return [k for k, v in found.items() if v], [k for k, v in found.items() if not v]


def _any(result: FileResult, gating: Gating) -> bool:
    return any(means(f, gating) for f in result.findings)


def _vendor(finding: Finding) -> bool:
    """AI evidence in the file's own tags or records (not C2PA, XMP/IPTC or the label, and not
    another file's material seen in this one)."""
    marked = Gating.MARK_C2PA | Gating.MARK_METADATA | Gating.MARK_LABEL | Gating.BY_REFERENCE
    return finding.rule.signal in _AI and not means(finding, marked)


# The California AI Transparency Act's latent disclosure (Bus. & Prof. Code 22757.3(b)):
# the provider, the system's name and version, the time of creation, a unique identifier.
LATENT_FIELDS = ("provider", "system name and version", "creation time", "unique identifier")


def latent_disclosure(result: FileResult) -> dict[str, str]:
    """The latent disclosure fields the file's marking carries (field -> value)."""
    found: dict[str, str] = {}
    for finding in result.findings:
        if not means(finding, Gating.MARK_C2PA | Gating.MARK_METADATA | Gating.MARK_LABEL):
            continue
        for field, value in _disclosed(finding).items():
            found.setdefault(field, value)
    return found


def _disclosed(finding: Finding) -> dict[str, str]:
    details = finding.evidence.details
    out: dict[str, str] = {}
    provider = details.get("ContentProducer") or details.get("issuer") or details.get("signer")
    for key in TOOL_KEYS:
        raw = details.get(key)
        found = identify(str(raw)) if raw else None
        if found is None:
            continue
        version = found.version or str(details.get("version") or "")
        provider = provider or found.vendor
        if version:
            out["system name and version"] = f"{found.product} {version}"
            break
    if provider:
        out["provider"] = str(provider)
    if details.get("signed_at"):
        out["creation time"] = str(details["signed_at"])
    unique = details.get("instance_id") or details.get("ProduceID") or details.get("manifest")
    if unique:
        out["unique identifier"] = str(unique)
    return out


LABEL_VALUES = ("1", "2", "3")


def label_problem(result: FileResult) -> str:
    """What is wrong with the file's GB 45438 implicit label ("" when one is well formed)."""
    labels = [f.evidence.details for f in result.findings if means(f, Gating.MARK_LABEL)]
    if not labels:
        return "no GB 45438 implicit label (XMP TC260:AIGC, or an AIGC tag)"
    problems = []
    for details in labels:
        missing = [k for k in ("ContentProducer", "ProduceID") if not details.get(k)]
        label = str(details.get("label", ""))
        if label in LABEL_VALUES and not missing:
            return ""
        if label not in LABEL_VALUES:
            problems.append(f"Label={label!r} is not 1, 2 or 3")
        if missing:
            problems.append(f"no {' or '.join(missing)}")
    return "the GB 45438 label is malformed: " + "; ".join(dict.fromkeys(problems))


_TRAINING_WORDS = ("training", "mining", "inference")


def reservation(result: FileResult) -> tuple[bool, str]:
    """Whether the file reserves AI training and data mining, and what it says in words (""
    when it says nothing): a C2PA training-mining entry 'notAllowed', a PLUS data-mining
    value 'prohibited'."""
    said = []
    for finding in result.findings:
        if not means(finding, Gating.RESERVATION):
            continue
        details = finding.evidence.details
        for name, use in details.items():
            if any(w in name.lower() for w in _TRAINING_WORDS) and isinstance(use, str):
                said.append(f"{name.rsplit('.', 1)[-1]}={use}")
                if use.lower() == "notallowed":
                    return True, f"C2PA {name}={use}"
        value = finding.evidence.value
        if "DMI-" in value.upper():  # PLUS data mining: a vocabulary URI or its code
            code = value.rsplit("/", 1)[-1]
            said.append(f"PLUS data mining {code}")
            if "PROHIBITED" in code.upper():
                return True, f"PLUS data mining {code}"
    return False, ", ".join(said)


def leaked_paths(result: FileResult) -> list[tuple[str, str, str]]:
    """(field, path, user) of every internal path the file's metadata holds."""
    out = []
    for finding in result.findings:
        if means(finding, Gating.LEAK):
            details = finding.evidence.details
            out.append((str(details.get("field", finding.evidence.key)),
                        str(details.get("path", finding.evidence.value)),
                        str(details.get("user", ""))))  # fmt: skip
    return out


def ingredients(result: FileResult) -> tuple[list[str], int]:
    """The titles of the file's C2PA ingredients, and how many of the ingredients that are
    other material (components, inputs: not the file's own earlier version, its parent)
    carry an embedded thumbnail."""
    titles: list[str] = []
    thumbnails = 0
    for finding in result.findings:
        tree = finding.evidence.details.get("ingredients")
        stack = list(tree) if isinstance(tree, list) else []
        while stack and len(titles) < 256:
            node = stack.pop()
            if not isinstance(node, dict):
                continue
            titles.append(str(node.get("title", "")))
            other = node.get("relationship") != "parentOf"
            thumbnails += bool(node.get("thumbnail")) and other
            children = node.get("children")
            stack.extend(children if isinstance(children, list) else ())
        if tree:
            break
    return titles, thumbnails
