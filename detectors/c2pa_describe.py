"""Human description of a C2PA manifest store: the chain, its actions, validation in words."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from provscan.detectors.c2pa_vocab import classify_code, explain
from provscan.detectors.source_types import SourceClass, classify
from provscan.extract.c2pa_store import (
    MAX_DEPTH,
    Manifest,
    ReadOutcome,
    StoreRead,
    iter_chain,
    training_entries,
)
from provscan.model import Line, Section

if TYPE_CHECKING:  # the story is told only of a manifest (start-up: most files carry none)
    from provscan.detectors.c2pa_integrity import Story

_STATE_WORDS = {
    "Trusted": "valid, signed by a trusted signer",
    "Valid": "valid signature and hashes (signer not checked against a trust list)",
    "Invalid": "a failure code below (see integrity for what it means)",
}


def sections(read: StoreRead, integrity: Story | None = None) -> Iterator[Section]:
    """The C2PA section for ``inspect``: absent, remote, unreadable, or the full chain;
    ``integrity`` is the story told of it (detectors.c2pa_integrity)."""
    if read.outcome is ReadOutcome.ABSENT:
        yield Section("C2PA", (Line("no C2PA manifest"),))
    elif read.outcome is not ReadOutcome.READ:
        lines = [Line(read.outcome.value, read.detail)]
        if integrity is not None:
            lines.insert(0, Line("integrity", integrity.headline))
        yield Section("C2PA", tuple(lines))
    else:
        yield Section("C2PA manifest chain", tuple(_chain_lines(read)))
        yield Section("C2PA validation", tuple(_validation_lines(read, integrity)))


def _chain_lines(read: StoreRead) -> Iterator[Line]:
    for depth, manifest, via in iter_chain(read):
        indent = depth * 2
        if via is not None:
            yield Line(f"ingredient: {via.title or '(untitled)'}", via.relationship, indent - 1)
        elif depth:
            yield Line("manifest not referenced by any ingredient", "", indent - 1)
        yield from _manifest_lines(manifest, indent, active=depth == 0)


def _manifest_lines(m: Manifest, depth: int, *, active: bool) -> Iterator[Line]:
    yield Line("active manifest" if active else "manifest", m.label, depth)
    yield Line("claim generator", m.claim_generator or "(none)", depth + 1)
    if m.title:
        yield Line("title", m.title, depth + 1)
    if m.instance_id:
        yield Line("instance id", m.instance_id, depth + 1)
    signer = ", ".join(x for x in (m.signer, m.issuer) if x) or "(unknown)"
    when = f" at {m.signed_at}" if m.signed_at else " (no timestamp: signing time unknown)"
    yield Line("signed by", f"{signer}{when}", depth + 1)
    for action in m.actions:
        yield Line("action", _action_text(action.action, action.source_type, action.agent),
                   depth + 1)  # fmt: skip
    for name, use in training_entries(m):
        yield Line("training/mining", f"{name}: {use}", depth + 1)
    others = [label for label in m.assertion_labels if not label.startswith("c2pa.actions")]
    if others:
        yield Line("other assertions", ", ".join(others), depth + 1)


def _action_text(action: str, source_type: str, agent: str) -> str:
    parts = [action]
    if source_type:
        term, _, words = classify(source_type)
        parts.append(f"source type {term} ({words})")
    if agent:
        parts.append(f"software agent {agent}")
    return "; ".join(parts)


def _validation_lines(read: StoreRead, integrity: Story | None) -> Iterator[Line]:
    if integrity is not None:
        yield Line("integrity", integrity.headline)
    state = read.state or "unknown"
    yield Line("state", f"{state}: {_STATE_WORDS.get(state, 'unknown state')}")
    for code, text, scope in read.failures:
        kind = classify_code(code).value
        yield Line(f"{code} [{kind}, {scope}]", explain(code, text), 1)
    for code, text, scope in read.notes:
        if code.startswith("timeStamp."):
            yield Line(f"{code} [informational, {scope}]", explain(code, text), 1)
    if not read.embedded:
        yield Line("manifest location", "external (not embedded in the file)")


MAX_TREE_NODES = 64  # a report card shows a small tree; a store with more is summarised


def ingredient_tree(read: StoreRead) -> list[dict[str, object]]:
    """The active manifest's ingredients as a nested tree for reports.

    Each node: ``title``, ``relationship``, and when the ingredient carries its own manifest
    ``claim_generator``, ``signer`` and ``source_type`` (the first generative or declared
    source type term of its actions), with ``children`` for its own ingredients. Cycles and
    repeats are cut (a manifest is expanded once; later references say ``repeat``); at most
    ``MAX_TREE_NODES`` nodes.
    """
    active = read.active_manifest
    if active is None:
        return []
    seen = {read.active}
    budget = [MAX_TREE_NODES]
    return _children(active, read, seen, budget, 0)


def _children(
    manifest: Manifest, read: StoreRead, seen: set[str], budget: list[int], depth: int
) -> list[dict[str, object]]:
    nodes: list[dict[str, object]] = []
    for ingredient in manifest.ingredients:
        if budget[0] <= 0 or depth >= MAX_DEPTH:
            break
        budget[0] -= 1
        node: dict[str, object] = {
            "title": ingredient.title or "(untitled)",
            "relationship": ingredient.relationship or "",
        }
        if ingredient.thumbnail:
            node["thumbnail"] = True  # a picture of other material, embedded in this file
        child = read.manifests.get(ingredient.manifest)
        if child is not None and ingredient.manifest in seen:
            node["repeat"] = True  # its manifest, and what it holds, are in the tree already
        elif child is not None:
            seen.add(ingredient.manifest)
            node.update(_manifest_facts(child))
            node["children"] = _children(child, read, seen, budget, depth + 1)
        nodes.append(node)
    return nodes


def _manifest_facts(m: Manifest) -> dict[str, object]:
    facts: dict[str, object] = {"claim_generator": m.claim_generator, "signer": m.signer}
    terms = [classify(a.source_type) for a in m.actions if a.source_type]
    ai = [t for t in terms if t[1] in (SourceClass.AI_GENERATED, SourceClass.AI_COMPOSITE)]
    chosen = ai[0] if ai else (terms[0] if terms else None)
    if chosen is not None:
        facts["source_type"] = chosen[0]
        facts["ai"] = bool(ai)
    agents = [a.agent for a in m.actions if a.agent]
    if agents:
        facts["software_agent"] = agents[0]
    return {k: v for k, v in facts.items() if v not in ("", None)}
