"""C2PA signals: manifest presence and validation, AI source types, generative tools, rights.

The active manifest's own claim decides first: an action whose digital source type is
trainedAlgorithmicMedia on a ``created``/``opened`` action means the content was generated;
on ``placed``/``edited`` it means AI material was put into a composite, as do the
composite terms. Ingredient manifests count through their relationship: an AI-generated
parent makes the file AI-derived, an AI-generated component makes it a composite. A
manifest that names a generative tool (claim generator, software agent, Adobe's
``com.adobe.generative-ai`` assertion) without any source type still counts: older
Firefly and Bing Image Creator files carry only the tool name.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from provscan.asset import Asset
from provscan.detectors import c2pa_describe
from provscan.detectors.c2pa_vocab import (
    SOFTBINDING_LIST_DATE,
    Integrity,
    Problem,
    classify_code,
    explain,
)
from provscan.detectors.known_tools import match_tool
from provscan.detectors.source_types import SourceClass, classify
from provscan.detectors.tool_identity import display
from provscan.extract.c2pa_store import (
    NO_C2PA_FORMATS,
    Action,
    Manifest,
    ReadOutcome,
    StoreRead,
    iter_chain,
    read_store,
    run_lists,
    training_entries,
)
from provscan.model import (
    Confidence,
    Evidence,
    Gating,
    MediaKind,
    Rule,
    Section,
    Severity,
    Signal,
)

# The integrity story, the trust answer, identities and soft bindings load with the first
# file that carries a manifest (start-up: most files carry none).
if TYPE_CHECKING:
    from provscan.detectors.c2pa_integrity import Story

NAME = "c2pa"
KINDS = frozenset({MediaKind.IMAGE, MediaKind.VIDEO, MediaKind.AUDIO, MediaKind.DOCUMENT,
                   MediaKind.SIDECAR})  # fmt: skip

AI_GENERATED = Rule("C2P001", "c2pa-ai-generated", Severity.ERROR,
                    "A C2PA manifest declares content created by generative AI "
                    "(trainedAlgorithmicMedia).", Signal.AI_GENERATED,
                    Gating.MARK_C2PA)  # fmt: skip
AI_EDITED = Rule("C2P002", "c2pa-ai-edited", Severity.ERROR,
                 "A C2PA manifest declares a composite with generative-AI elements.",
                 Signal.AI_EDITED, Gating.MARK_C2PA)  # fmt: skip
TOOL_CREATOR = Rule("C2P003", "c2pa-generative-tool-creator", Severity.ERROR,
                    "A C2PA manifest names a generative-AI tool as the content's creator.",
                    Signal.AI_GENERATED, Gating.MARK_C2PA)  # fmt: skip
TOOL_EDIT = Rule("C2P004", "c2pa-generative-tool-edit", Severity.ERROR,
                 "A C2PA manifest names a generative-AI tool for an edit of the content.",
                 Signal.AI_EDITED, Gating.MARK_C2PA)  # fmt: skip
INVALID = Rule("C2P005", "c2pa-manifest-invalid", Severity.WARNING,
               "The C2PA manifest fails validation (tampered or badly signed): its claims "
               "cannot be trusted, whatever they say.",
               gating=Gating.UNTRUSTED_PROVENANCE)  # fmt: skip
UNTRUSTED = Rule(
    "C2P006",
    "c2pa-signer-untrusted",
    Severity.INFO,
    "The signature is intact but the signer is not on the configured trust list.",
)
EXPIRED = Rule("C2P007", "c2pa-certificate-expired", Severity.INFO,
               "The signer's certificate had expired at validation time (no trusted "
               "time-stamp).")  # fmt: skip
CAPTURE = Rule("C2P008", "c2pa-capture", Severity.INFO,
               "A valid C2PA manifest declares a capture by a device (camera, microphone).",
               Signal.CAPTURE)  # fmt: skip
REMOTE = Rule(
    "C2P009",
    "c2pa-remote-manifest",
    Severity.WARNING,
    "The manifest is stored remotely and was not fetched (provscan works offline).",
)
UNREADABLE = Rule(
    "C2P010",
    "c2pa-manifest-unreadable",
    Severity.WARNING,
    "C2PA manifest bytes are present but could not be read.",
    gating=Gating.UNTRUSTED_PROVENANCE | Gating.INTEGRITY_STORY,
)
TRAINING = Rule(
    "C2P011",
    "c2pa-training-mining",
    Severity.INFO,
    "The manifest states training and data-mining permissions (rights information).",
    gating=Gating.RESERVATION,
)
PRESENT = Rule(
    "C2P012",
    "c2pa-manifest-present",
    Severity.INFO,
    "A C2PA manifest is present: who made the claim and who signed it.",
    gating=Gating.INTEGRITY_STORY | Gating.MARK_C2PA,
)
NON_GENERATIVE = Rule(
    "C2P013",
    "c2pa-non-generative-source-type",
    Severity.INFO,
    "A C2PA action declares a source type that is not generative AI.",
)
UNSUPPORTED = Rule(
    "C2P014",
    "c2pa-format-unsupported",
    Severity.INFO,
    "The C2PA SDK does not read this format, so no manifest could be checked.",
)
IDENTITY = Rule(
    "C2P015",
    "c2pa-identity-unverified",
    Severity.INFO,
    "A CAWG identity assertion in the manifest could not be verified.",
)

SOFT_BINDING = Rule("C2P016", "c2pa-soft-binding", Severity.INFO,
                    "The manifest declares a soft binding (a watermark or fingerprint that "
                    "finds it again when the metadata is stripped), with an algorithm "
                    "registered in the C2PA soft-binding algorithm list.",
                    gating=Gating.MARK_BINDING)  # fmt: skip
UNREGISTERED_BINDING = Rule("C2P017", "c2pa-soft-binding-unregistered", Severity.WARNING,
                            "The manifest declares a soft binding whose algorithm is not in "
                            "the C2PA soft-binding algorithm list (snapshot "
                            f"{SOFTBINDING_LIST_DATE}): a conformant validator cannot look it "
                            "up. c2pa-rs does not check this.",
                            gating=Gating.MARK_BINDING)  # fmt: skip
IDENTIFIED = Rule("C2P018", "c2pa-cawg-identity", Severity.INFO,
                  "A CAWG identity assertion names who stands behind the manifest (a person "
                  "or organisation, by certificate or verified-identity credential), with "
                  "its validation state.")  # fmt: skip

RULES: tuple[Rule, ...] = (AI_GENERATED, AI_EDITED, TOOL_CREATOR, TOOL_EDIT, INVALID,
                           UNTRUSTED, EXPIRED, CAPTURE, REMOTE, UNREADABLE, TRAINING,
                           PRESENT, NON_GENERATIVE, UNSUPPORTED, IDENTITY, SOFT_BINDING,
                           UNREGISTERED_BINDING, IDENTIFIED)  # fmt: skip

# Actions whose source type describes the whole content rather than an added part.
_WHOLE = frozenset({"c2pa.created", "c2pa.opened", "c2pa.converted", "c2pa.transcoded"})
_GENAI_ASSERTIONS = ("com.adobe.generative-ai",)  # Adobe's pre-DST generative assertion
_PROBLEM_RULES = {Problem.UNTRUSTED: UNTRUSTED, Problem.EXPIRED: EXPIRED,
                  Problem.IDENTITY: IDENTITY, Problem.TAMPERED: INVALID}  # fmt: skip
# The outcomes with a story to tell: a manifest read, found elsewhere, or unreadable.
_TOLD = frozenset({ReadOutcome.READ, ReadOutcome.REMOTE, ReadOutcome.UNREADABLE})


def detect(asset: Asset) -> Iterator[Evidence]:
    """Evidence from the asset's manifest store (nothing when there is none)."""
    read = read_store(asset)
    if read.outcome not in _TOLD:
        if read.outcome is ReadOutcome.UNSUPPORTED:
            yield Evidence(UNSUPPORTED.code, _unsupported(asset.format), key="format",
                           value=asset.format)  # fmt: skip
        return
    from provscan.detectors.c2pa_integrity import story_of, trust_facts

    lists = run_lists(asset.settings)
    integrity = story_of(read, detached=_detached(asset), lists=lists)
    trust = trust_facts(read, lists)
    if read.outcome is ReadOutcome.READ and integrity is not None:
        if read.salvaged:
            yield Evidence(UNREADABLE.code, "C2PA manifest read from the intact head of a "
                           "damaged file (its hashes cannot be checked); the SDK refused the "
                           f"file itself: {read.salvaged}", key="c2pa",
                           value=read.salvaged[:200])  # fmt: skip
        yield from _read_evidence(read, integrity, trust)
    elif read.outcome is ReadOutcome.REMOTE and integrity is not None:
        yield Evidence(REMOTE.code, integrity.headline, key="remote_manifest", value=read.detail,
                       details=_story_details(integrity))  # fmt: skip
    elif read.outcome is ReadOutcome.UNREADABLE and integrity is not None:
        yield Evidence(UNREADABLE.code, integrity.headline, key="c2pa", value=read.detail[:200],
                       details=_story_details(integrity))  # fmt: skip


def _unsupported(fmt: str) -> str:
    if fmt in NO_C2PA_FORMATS:
        return f"no C2PA support exists for {fmt.upper()}: no manifest can be embedded or checked"
    return f"the C2PA SDK cannot read {fmt.upper()} files, so no manifest could be checked"


def describe(asset: Asset) -> Iterator[Section]:
    """The manifest chain, validation and rights, for ``provscan inspect``."""
    read = read_store(asset)
    story = None
    if read.outcome in _TOLD:
        from provscan.detectors.c2pa_integrity import story_of

        story = story_of(read, detached=_detached(asset), lists=run_lists(asset.settings))
    yield from c2pa_describe.sections(read, story)


def _detached(asset: Asset) -> bool:
    """A manifest store read alone (a .c2pa file): no asset for its content hashes."""
    return asset.format == "c2pa"


def _story_details(integrity: Story) -> dict[str, object]:
    return {"integrity": integrity.category.value, "headline": integrity.headline,
            "integrity_codes": list(integrity.codes)}  # fmt: skip


def _read_evidence(
    read: StoreRead, integrity: Story, trust: dict[str, object]
) -> Iterator[Evidence]:
    active = read.active_manifest
    tampered = any(classify_code(code) is Problem.TAMPERED for code, _, _ in read.failures)
    if active is not None:
        yield _present(active, read, integrity, trust)
        yield from _training(active)
    else:  # a store whose active manifest could not be parsed still has its story told
        details = {"validation_state": read.state, **_story_details(integrity)}
        yield Evidence(PRESENT.code, f"{integrity.headline}; C2PA manifest store without a "
                       "readable active manifest", key="c2pa.active_manifest",
                       value=read.active, details=details)  # fmt: skip
    yield from _validation(read, integrity)
    yield from _extras(read)
    ai_found = False
    for depth, manifest, relation in _chain_with_relation(read):
        for ev in _manifest_evidence(manifest, depth, relation):
            ai_found = ai_found or ev.rule in _AI_CODES
            yield ev
    if active is not None and not ai_found and not tampered:
        yield from _capture(active)


_AI_CODES = frozenset({AI_GENERATED.code, AI_EDITED.code, TOOL_CREATOR.code, TOOL_EDIT.code})


def _extras(read: StoreRead) -> Iterator[Evidence]:
    """CAWG identities and soft bindings (detectors.c2pa_extras)."""
    from provscan.detectors.c2pa_extras import identities, soft_bindings, watermarked

    for person in identities(read):
        yield Evidence(IDENTIFIED.code, f"identity: {person.who}, by {person.credential}: "
                       f"{person.state}", key="cawg.identity", value=person.who[:200],
                       details={"who": person.who, "credential": person.credential,
                                "state": person.state})  # fmt: skip
    marked = watermarked(read)
    for binding in soft_bindings(read):
        rule = SOFT_BINDING if binding.registered else UNREGISTERED_BINDING
        listed = f"the C2PA soft-binding algorithm list of {SOFTBINDING_LIST_DATE}"
        where = f"{binding.kind}, in {listed}" if binding.registered else f"not in {listed}"
        watermark = marked and binding.kind in ("watermark", "")
        embedded = "; a c2pa.watermarked action says it was embedded" if watermark else ""
        yield Evidence(rule.code, f"soft binding {binding.alg} ({where}){embedded}",
                       key="c2pa.soft-binding", value=binding.alg,
                       details={"alg": binding.alg, "type": binding.kind or None,
                                "registered": binding.registered,
                                "list_date": SOFTBINDING_LIST_DATE})  # fmt: skip


def _chain_with_relation(read: StoreRead) -> Iterator[tuple[int, Manifest, str]]:
    """Each manifest with the relationship of the first-level ingredient it hangs from."""
    relation = ""
    for depth, manifest, via in iter_chain(read):
        if depth == 1:
            relation = via.relationship if via is not None else "unreferenced"
        yield depth, manifest, ("" if depth == 0 else relation)


def _details(manifest: Manifest, **extra: str) -> dict[str, object]:
    base = {"manifest": manifest.label, "claim_generator": manifest.claim_generator,
            "signer": manifest.signer, "issuer": manifest.issuer,
            "signed_at": manifest.signed_at, "instance_id": manifest.instance_id}  # fmt: skip
    base.update({k: v for k, v in extra.items() if v})
    return {k: v for k, v in base.items() if v}


def _present(
    active: Manifest, read: StoreRead, integrity: Story, trust: dict[str, object]
) -> Evidence:
    signer = active.signer or "an unnamed signer"
    if active.issuer and active.issuer != active.signer:
        signer += f" ({active.issuer})"
    when = f" at {active.signed_at}" if active.signed_at else ""
    generator = display(active.claim_generator) if active.claim_generator else ""
    message = (f"{integrity.headline}; C2PA manifest by {generator or 'an unnamed generator'}, "
               f"signed by {signer}{when}")  # fmt: skip
    if read.detached:
        message += f" (detached manifest {read.detached}, validated against this file)"
    details = _details(active, validation_state=read.state, manifests=str(len(read.manifests)))
    if read.detached:
        details["detached_manifest"] = read.detached
    details.update(_story_details(integrity))
    details.update(trust)
    tree = c2pa_describe.ingredient_tree(read)
    if tree:
        details["ingredients"] = tree
    texts = _action_texts(read)
    if texts:
        details["action_texts"] = texts
    return Evidence(PRESENT.code, message, key="c2pa.active_manifest",
                    value=active.instance_id or active.label, details=details)  # fmt: skip


MAX_ACTION_TEXTS = 32


def _action_texts(read: StoreRead) -> list[dict[str, str]]:
    """Every action's description and parameter text in the chain, with where each was read:
    what a tool recorded of the request it carried out (a prompt, an instruction), which the
    gate screens for protected names."""
    found: list[dict[str, str]] = []
    for depth, manifest, _via in iter_chain(read):
        place = "active manifest" if depth == 0 else "ingredient manifest"
        for action in manifest.actions:
            texts = [("description", action.description)]
            texts += [("parameters", text) for text in action.parameters]
            for part, text in texts:
                if text.strip() and len(found) < MAX_ACTION_TEXTS:
                    where = f"C2PA {action.action or 'action'} {part} ({place})"
                    found.append({"where": where, "text": text})
    return found


def _training(active: Manifest) -> Iterator[Evidence]:
    entries = training_entries(active)
    if entries:
        text = ", ".join(f"{name.split('.')[-1]}={use}" for name, use in entries)
        yield Evidence(TRAINING.code, f"training and data mining: {text}",
                       key="training-mining", value=text, details=dict(entries))  # fmt: skip


def _validation(read: StoreRead, integrity: Story) -> Iterator[Evidence]:
    for code, text, scope in read.failures:
        rule = _PROBLEM_RULES[classify_code(code)]
        words = explain(code, text)
        if integrity.category is Integrity.DETACHED and code in integrity.codes:
            words = "read without the asset it describes, its content hash cannot be checked"
        yield Evidence(rule.code, f"{words} ({code}, {scope})", key="validation",
                       value=code)  # fmt: skip


def _manifest_evidence(manifest: Manifest, depth: int, relation: str) -> Iterator[Evidence]:
    """AI source types and generative tools of one manifest of the chain."""
    where = "the active manifest" if depth == 0 else f"an ingredient manifest ({relation})"
    declared = False
    for action in manifest.actions:
        if action.source_type:
            declared = True
            yield from _source_type(manifest, action, depth, relation, where)
    if not declared:
        yield from _named_tools(manifest, depth, relation, where)


def _ai_rule(generated: bool, depth: int, relation: str) -> tuple[Rule, Confidence]:
    """Which rule an AI fact supports, seen from the file: parents derive, components compose."""
    if depth == 0:
        return (AI_GENERATED if generated else AI_EDITED), Confidence.HIGH
    if relation == "parentOf":
        return (AI_GENERATED if generated else AI_EDITED), Confidence.MEDIUM
    return AI_EDITED, Confidence.MEDIUM


def _source_type(
    manifest: Manifest, action: Action, depth: int, relation: str, where: str
) -> Iterator[Evidence]:
    term, cls, words = classify(action.source_type)
    details = _details(manifest, action=action.action, source_type=action.source_type,
                       software_agent=action.agent, field=action.source_field)  # fmt: skip
    agent = f" by {action.agent}" if action.agent else ""
    if cls in (SourceClass.AI_GENERATED, SourceClass.AI_COMPOSITE):
        generated = cls is SourceClass.AI_GENERATED and action.action in _WHOLE
        rule, confidence = _ai_rule(generated, depth, relation)
        if term == "compositeSynthetic":
            confidence = Confidence.MEDIUM
        message = f"{action.action}{agent} declares {term} ({words}) in {where}"
        yield Evidence(rule.code, message, key=action.source_field, value=action.source_type,
                       confidence=confidence, details=details)  # fmt: skip
    elif cls is not SourceClass.CAPTURE:
        yield Evidence(NON_GENERATIVE.code, f"{action.action}{agent} declares {term} ({words})",
                       key=action.source_field, value=action.source_type,
                       details=details)  # fmt: skip


def _named_tools(manifest: Manifest, depth: int, relation: str, where: str) -> Iterator[Evidence]:
    """Generative tools named by a manifest that declares no source type at all."""
    names = [("claim_generator", manifest.claim_generator, True)]
    names += [(f"softwareAgent ({a.action})", a.agent, a.action in _WHOLE)
              for a in manifest.actions if a.agent]  # fmt: skip
    names += [(label, _assertion_text(data), True) for label, data in manifest.assertions
              if label in _GENAI_ASSERTIONS]  # fmt: skip
    # A signer whose name is a generative service's (Ideogram, Black Forest Labs...) signs
    # that service's outputs; medium at most, since the certificate names a company.
    names.append(("signer", f"{manifest.signer} / {manifest.issuer}", True))
    for key, text, creates in names:
        found = match_tool(text)
        if found is None:
            continue
        rule, confidence = _ai_rule(creates, depth, relation)
        rule = TOOL_CREATOR if rule is AI_GENERATED else TOOL_EDIT
        confidence = min(confidence, found.tool.confidence, key=lambda c: c.rank)
        if key == "signer":
            confidence = min(confidence, Confidence.MEDIUM, key=lambda c: c.rank)
        message = f"{key} names {found.tool.name} ({found.tool.vendor}) in {where}"
        yield Evidence(rule.code, message, key=key, value=text, confidence=confidence,
                       details=_details(manifest, tool=found.tool.name))  # fmt: skip


def _assertion_text(data: object) -> str:
    if isinstance(data, dict):
        return " ".join(str(v) for v in data.values() if isinstance(v, str)) or "generative AI"
    return "generative AI"


def _capture(active: Manifest) -> Iterator[Evidence]:
    for action in active.actions:
        term, cls, words = classify(action.source_type)
        if cls is SourceClass.CAPTURE and action.action in _WHOLE:
            yield Evidence(CAPTURE.code, f"{action.action} declares {term} ({words})",
                           key="digitalSourceType", value=action.source_type,
                           details=_details(active, source_type=action.source_type))  # fmt: skip
            return
