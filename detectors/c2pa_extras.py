"""Two things a manifest may carry besides its claims: CAWG identity assertions and soft
bindings.

CAWG identity (Creator Assertions Working Group, identity assertion 1.1): ``cawg.identity``
assertions bind a named person or organisation to the manifest, either through an X.509
certificate (``sig_type`` ``cawg.x509.cose``) or an identity claims aggregation credential
(a W3C verifiable credential listing ``verifiedIdentities``: a document check, a social
account, an affiliation, each with its provider). c2pa-rs decodes and validates them; its
``cawg.*`` status codes say whether the credential holds and whether its issuer is trusted.

Soft bindings (C2PA 2.x, "Soft Binding"): a ``c2pa.soft-binding`` assertion names a
watermark or fingerprint algorithm (``alg``) whose value finds the manifest again after the
metadata is stripped; a ``c2pa.watermarked`` action says a watermark was embedded. The
algorithm must be registered in the C2PA soft-binding algorithm list, which c2pa-rs does
not check: provscan checks it against the bundled, dated snapshot.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from provscan.extract.c2pa_store import Manifest, StoreRead

_MAX_IDENTITIES = 8


@dataclass(frozen=True, slots=True)
class Identity:
    """One identity a manifest names: who, by what credential, and whether it holds."""

    who: str
    credential: str
    state: str  # "verified", or what c2pa-rs said is wrong / not trusted


@dataclass(frozen=True, slots=True)
class SoftBinding:
    """A declared watermark or fingerprint, and its entry in the C2PA list (or none)."""

    alg: str
    kind: str  # the list's type (watermark, fingerprint), or "" when not registered
    registered: bool


def identities(read: StoreRead) -> list[Identity]:
    """The active manifest's CAWG identities, each with its validation state."""
    active = read.active_manifest
    if active is None:
        return []
    codes = [(c, text) for c, text, scope in (*read.failures, *read.notes) if c.startswith("cawg.")]
    found = [_identity(data, codes) for label, data in active.assertions
             if label.startswith("cawg.identity") and isinstance(data, dict)]  # fmt: skip
    return found[:_MAX_IDENTITIES]


def _identity(data: dict[str, Any], codes: list[tuple[str, str]]) -> Identity:
    state = "; ".join(f"{text or code} ({code})" for code, text in codes) or "verified"
    if "verifiedIdentities" in data:
        people = [_person(v) for v in data.get("verifiedIdentities") or [] if isinstance(v, dict)]
        issuer = str(data.get("issuer") or "an unnamed issuer")[:80]
        return Identity("; ".join(people[:4]) or "(no identity listed)",
                        f"identity claims aggregation issued by {issuer}", state)  # fmt: skip
    info = data.get("signature_info") or {}
    who = str(info.get("common_name") or "an unnamed signer")
    issuer = str(info.get("issuer") or "")
    credential = "X.509 certificate" + (f" issued by {issuer}" if issuer else "")
    return Identity(who, credential, state)


def _person(entry: dict[str, Any]) -> str:
    provider = entry.get("provider") or {}
    name = entry.get("name") or entry.get("username") or entry.get("uri") or "unnamed"
    kind = str(entry.get("type") or "").removeprefix("cawg.").replace("_", " ")
    by = provider.get("name") if isinstance(provider, dict) else ""
    return f"{name} ({kind}{f', by {by}' if by else ''})"


def soft_bindings(read: StoreRead) -> list[SoftBinding]:
    """Every soft-binding algorithm the manifests declare, checked against the list."""
    known = registered_algorithms()
    seen: dict[str, SoftBinding] = {}
    for manifest in read.manifests.values():
        for alg in _declared(manifest):
            kind = known.get(alg, "")
            seen.setdefault(alg, SoftBinding(alg, kind, alg in known))
    return list(seen.values())


def watermarked(read: StoreRead) -> bool:
    """Whether an action says a watermark was embedded (``c2pa.watermarked``)."""
    active = read.active_manifest
    return active is not None and any(a.action.startswith("c2pa.watermarked")
                                      for a in active.actions)  # fmt: skip


def _declared(manifest: Manifest) -> Iterator[str]:
    for label, data in manifest.assertions:
        if label.startswith("c2pa.soft-binding") and isinstance(data, dict):
            alg = data.get("alg")
            if isinstance(alg, str) and alg:
                yield alg[:120]


@lru_cache(maxsize=1)
def registered_algorithms() -> dict[str, str]:
    """``alg`` -> type of every algorithm in the bundled C2PA soft-binding list."""
    text = resources.files("provscan") / "trust_data" / "softbinding-algorithm-list.json"
    rows = json.loads(text.read_text("utf-8"))
    return {str(r["alg"]): str(r.get("type", "")) for r in rows if isinstance(r, dict)}
