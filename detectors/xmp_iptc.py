"""XMP / IPTC signals: digital source type, IPTC 2025.1 AI fields, tool fields, Google's
credit lines, C2PA manifest pointers, PLUS data-mining rights, and packets we refused.

XMP is read from every container and from an ``.xmp`` sidecar next to the media (the
engine passes it as ``asset.sidecar``); each value remembers its packet, and evidence
that came from a sidecar says so. Legacy IPTC IIM (Photoshop resource 0x0404) adds the
credit line, the originating program and free text. All of it is unsigned metadata:
it can declare AI, never prove capture, so a ``digitalCapture`` claim stays INFO.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain

from provscan.asset import Asset
from provscan.detectors import xmp_describe
from provscan.detectors import xmp_rules as rules
from provscan.detectors import xmp_vocab as vocab
from provscan.detectors.known_tools import match_tool
from provscan.detectors.source_types import SourceClass, classify
from provscan.detectors.xmp_names import iter_credits, iter_free_text, iter_tools, where, xmp_items
from provscan.extract.c2pa_probe import Embedded, probe
from provscan.extract.c2pa_store import ReadOutcome, read_store
from provscan.extract.iptc_iim import Iim, iptc_iim
from provscan.extract.xmp import Xmp, xmp
from provscan.model import Confidence, Evidence, MediaKind, Section

NAME = "xmp_iptc"
KINDS = frozenset(
    {MediaKind.IMAGE, MediaKind.VIDEO, MediaKind.AUDIO, MediaKind.DOCUMENT, MediaKind.SIDECAR}
)
RULES = rules.RULES
_H, _M, _L = Confidence.HIGH, Confidence.MEDIUM, Confidence.LOW


def detect(asset: Asset) -> Iterator[Evidence]:
    """Evidence from the asset's XMP (embedded and sidecar) and legacy IIM."""
    data, iim = xmp(asset), iptc_iim(asset)
    found = chain(
        _problems(data, iim),
        _source_types(data),
        _ai_fields(data),
        iter_tools(data, iim),
        iter_credits(data, iim),
        iter_free_text(data, iim),
        _pointers(asset, data),
        _data_mining(data),
    )
    described = _described(data)
    for ev in found:  # the engine keeps one finding per (rule, key, value)
        yield _with(ev, described) if described and ev.rule in _AI_RULES else ev


# The rules whose evidence marks the file as AI: their evidence carries the file's XMP
# description, the prompt-like text the gate screens for protected names.
_AI_RULES = frozenset(r.code for r in RULES if r.signal.value.startswith("ai-"))
MAX_DESCRIPTION = 2000


def _described(data: Xmp) -> dict[str, object]:
    texts = [v.strip() for v in data.values(vocab.DESCRIPTION) if v.strip()]
    return {"description": texts[0][:MAX_DESCRIPTION]} if texts else {}


def _with(ev: Evidence, extra: dict[str, object]) -> Evidence:
    return Evidence(ev.rule, ev.message, ev.key, ev.value, ev.confidence,
                    {**ev.details, **extra})  # fmt: skip


def describe(asset: Asset) -> Iterator[Section]:
    """The XMP, rights and IIM fields a reviewer looks at, for ``provscan inspect``."""
    yield from xmp_describe.sections(xmp(asset), iptc_iim(asset))


def _problems(data: Xmp, iim: Iim) -> Iterator[Evidence]:
    for problem in data.problems:
        yield Evidence(rules.MALFORMED.code, problem, key="xmp", value=problem[:200])
    for problem in iim.problems:
        yield Evidence(rules.MALFORMED.code, problem, key="iptc-iim", value=problem[:200])


def in_vocabulary(value: str) -> bool:
    """True for a bare term or a URI of the IPTC (or C2PA) source type vocabulary."""
    return "/" not in value or bool(vocab.VOCAB_URI.match(value.strip()))


def _dst_keys(data: Xmp) -> list[str]:
    return [k for k in data.props if vocab.is_dst_key(k)]


def _source_types(data: Xmp) -> Iterator[Evidence]:
    """Each distinct declared value once, though old and new property names may repeat it."""
    seen: set[tuple[str, bool, str]] = set()
    for key, value, source in xmp_items(data, _dst_keys(data)):
        if (value, "/" in key, source) not in seen:
            seen.add((value, "/" in key, source))
            yield source_type_evidence(key, value, source)


def source_type_evidence(key: str, value: str, source: str) -> Evidence:
    """Evidence for one declared source type; nested (inside a struct) counts as a part."""
    term, cls, words = classify(value)
    nested = "/" in key
    said = f"digital source type {term}: {words}" + (" (for a part of the image)" * nested)
    details: dict[str, object] = {"term": term, "meaning": words, "source": source}
    exact = _H if in_vocabulary(value) else _M  # a look-alike URI outside the vocabulary
    if cls is SourceClass.AI_GENERATED and not nested:
        rule, confidence = rules.AI_SOURCE, exact
    elif cls in (SourceClass.AI_GENERATED, SourceClass.AI_COMPOSITE):
        rule, confidence = rules.AI_COMPOSITE, exact
        if term == "compositeSynthetic":
            # IPTC: "a mix of synthetic elements". Synthetic covers generative output but
            # also CGI and algorithmic renders, so it reads as AI-edited, less surely.
            confidence = _M
    elif cls is SourceClass.UNKNOWN:
        rule, confidence = rules.UNKNOWN_SOURCE, _H
        said = f"digital source type {value!r}, not a term of the IPTC vocabulary"
    else:
        rule, confidence = rules.NON_GENERATIVE, _H
        if cls is SourceClass.CAPTURE:
            said += " (unsigned metadata: not proof of capture)"
    message = f"XMP declares {said}{where(source)}"
    return Evidence(rule.code, message, key, value, confidence, details)


def _ai_fields(data: Xmp) -> Iterator[Evidence]:
    """IPTC 2025.1 AI fields as one evidence: HIGH when the source type says generated."""
    present = {k: v for k, v, _ in reversed(xmp_items(data, vocab.AI_FIELDS))}
    if not present:
        return
    key = next(k for k in vocab.AI_FIELDS if k in present)
    source = xmp_items(data, [key])[0][2]
    classes = {classify(v)[1] for _, v, _ in xmp_items(data, _dst_keys(data))}
    confidence, agrees = _M, ""
    if SourceClass.AI_GENERATED in classes:
        confidence, agrees = _H, "; the source type agrees"
    elif SourceClass.AI_COMPOSITE in classes:  # the fields describe the edit: XMP002 decides
        confidence, agrees = _L, "; the source type says AI composite"
    system = " ".join(present[k] for k in (vocab.AI_SYSTEM, vocab.AI_VERSION) if k in present)
    what = f"the AI system {system}" if system else "AI use"
    prompt = " with a prompt" if vocab.AI_PROMPT in present else ""
    yield Evidence(
        rules.AI_FIELDS.code,
        f"IPTC AI fields declare {what}{prompt}{agrees}{where(source)}",
        key=key,
        value=present[key][:200],
        confidence=confidence,
        details=_ai_details(present, source),
    )


def _ai_details(present: dict[str, str], source: str) -> dict[str, object]:
    tool = match_tool(present.get(vocab.AI_SYSTEM, ""))
    details = {
        "system": present.get(vocab.AI_SYSTEM, ""),
        "version": present.get(vocab.AI_VERSION, ""),
        "prompt": present.get(vocab.AI_PROMPT, "")[:4000],
        "prompt_field": f"XMP {vocab.AI_PROMPT}" if vocab.AI_PROMPT in present else "",
        "prompt_writer": present.get(vocab.AI_PROMPT_WRITER, ""),
        "tool": tool.tool.name if tool else "",
        "source": source,
    }
    return {k: v for k, v in details.items() if v}


def _pointers(asset: Asset, data: Xmp) -> Iterator[Evidence]:
    """dcterms:provenance: remote and foreign pointers always; self pointers when stripped."""
    for key, value, source in xmp_items(data, [vocab.PROVENANCE]):
        if value.lower().startswith(("http://", "https://")):
            said = f"a remote C2PA manifest at {value} (not fetched: provscan works offline)"
        elif value.startswith(vocab.SELF_JUMBF):
            if asset.format == "xmp" or has_manifest(asset) is not False:
                continue  # embedded as pointed at, or no way to tell (a sidecar alone)
            said = f"an embedded C2PA manifest ({value}) but the file has none: it was stripped"
        else:
            said = f"a C2PA manifest stored elsewhere ({value})"
        yield Evidence(
            rules.POINTER.code,
            f"XMP points at {said}{where(source)}",
            key=key,
            value=value,
            details={"pointer": value, "source": source},
        )


def has_manifest(asset: Asset) -> bool | None:
    """Whether manifest bytes are embedded: the header probe, else the (cached) Reader."""
    embedded = probe(asset)
    if embedded is not Embedded.UNKNOWN:
        return embedded is Embedded.YES
    outcome = read_store(asset).outcome
    if outcome is ReadOutcome.UNSUPPORTED:
        return None
    return outcome is not ReadOutcome.ABSENT


def _data_mining(data: Xmp) -> Iterator[Evidence]:
    """PLUS data-mining values in words, with the other constraints they point to."""
    constraints = [v for v in data.values(vocab.OTHER_CONSTRAINTS) if v.strip()]
    for key, value, source in xmp_items(data, [vocab.DATA_MINING]):
        words = vocab.dmi_words(value)
        details: dict[str, object] = {"meaning": words, "source": source}
        if constraints:
            details["other_constraints"] = constraints
        yield Evidence(
            rules.DATA_MINING.code,
            f"PLUS data mining: {words}{where(source)}",
            key=key,
            value=value,
            details=details,
        )
