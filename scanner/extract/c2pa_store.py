"""Read a C2PA manifest store with c2pa-python, offline, into plain typed values.

The Reader runs with remote manifest fetch and OCSP off, so a file never makes the
scanner touch the network; a remote manifest comes back as an error naming its URL.
Trust settings come from the run's Settings (``--trust-anchors`` and friends).
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from provscan.asset import Asset, manifest_media
from provscan.extract.c2pa_probe import Embedded, probe
from provscan.extract.c2pa_salvage import salvaged
from provscan.extract.xmp import xmp
from provscan.model import Settings, TrustList
from provscan.trustlists import given

MAX_DEPTH = 32  # ingredient chains deeper than this are reported, not followed


class ReadOutcome(StrEnum):
    """What happened when the store was read."""

    ABSENT = "absent"  # no manifest (headers said so, or the Reader found none)
    READ = "read"
    REMOTE = "remote"  # only a reference to a manifest stored elsewhere (not fetched)
    UNREADABLE = "unreadable"  # manifest bytes present but the SDK could not read them
    UNSUPPORTED = "unsupported"  # the SDK does not read this format


# A NamedTuple: used as a frozen dataclass would be, and a tenth of its cost to define.
class Action(NamedTuple):
    """One action of a manifest (c2pa.actions / c2pa.actions.v2)."""

    action: str
    source_type: str = ""  # digitalSourceType (URI), or a vendor field's value
    source_field: str = ""  # where the source type came from
    agent: str = ""  # softwareAgent name (and version)
    description: str = ""
    # Free text of its parameters (a tool's prompt or settings in words), ids and URIs left out
    parameters: tuple[str, ...] = ()


# A NamedTuple: used as a frozen dataclass would be, and a tenth of its cost to define.
class Ingredient(NamedTuple):
    """An ingredient reference; ``manifest`` is the label of its own manifest, if any."""

    title: str
    relationship: str
    manifest: str = ""
    instance_id: str = ""
    thumbnail: bool = False  # a picture of the ingredient is embedded in the manifest


# A NamedTuple: used as a frozen dataclass would be, and a tenth of its cost to define.
class Manifest(NamedTuple):
    """The parts of one manifest provscan reasons about."""

    label: str
    claim_generator: str
    title: str
    instance_id: str
    signer: str  # certificate common name
    issuer: str
    signed_at: str
    alg: str
    actions: tuple[Action, ...]
    ingredients: tuple[Ingredient, ...]
    assertion_labels: tuple[str, ...]
    assertions: tuple[tuple[str, Any], ...]  # (label, data) for rights and vendor assertions
    format: str = ""  # the asset's MIME type as the claim records it


@dataclass(frozen=True, slots=True)
class StoreRead:
    """The result of reading one file's manifest store."""

    outcome: ReadOutcome
    detail: str = ""  # error text or remote URL
    state: str = ""  # Valid / Invalid / Trusted
    active: str = ""
    manifests: dict[str, Manifest] = field(default_factory=dict)
    failures: tuple[tuple[str, str, str], ...] = ()  # (code, explanation, scope)
    embedded: bool = True
    salvaged: str = ""  # why the file itself could not be read, when its head was read
    trust_list: str = ""  # the URI of the list that trusted the signer (c2pa trustListUri)
    detached: str = ""  # the file name of the detached manifest (.c2pa) it was read from
    notes: tuple[tuple[str, str, str], ...] = ()  # the active manifest's informational codes

    @property
    def active_manifest(self) -> Manifest | None:
        """The active manifest, when the store was read."""
        return self.manifests.get(self.active)


def read_store(asset: Asset) -> StoreRead:
    """The asset's manifest store (cached view); the Reader runs only when headers allow."""
    return asset.view("c2pa_store", _read)


# Video/audio containers for which neither the C2PA specification nor c2pa-rs defines an
# embedding (FIELD-NOTES: MKV/WebM, MXF, ...): a manifest can be neither embedded nor checked.
NO_C2PA_FORMATS = frozenset({"matroska", "mxf", "ogg", "aiff", "aac", "asf", "flv", "mpegts"})


MAX_MANIFEST = 64 * 1024 * 1024  # a detached manifest store (thumbnails included) is far smaller


def _read(asset: Asset) -> StoreRead:
    if asset.format == "c2pa" and manifest_media(asset.path) is not None:
        # A detached manifest is validated against its media, and reported there: read
        # alone, its hashes cannot match anything (assertion.dataHash.mismatch).
        return StoreRead(ReadOutcome.ABSENT, "detached manifest: read with its media")
    if asset.manifest is not None and probe(asset) is not Embedded.YES:
        return _detached(asset, asset.manifest)
    if asset.format in NO_C2PA_FORMATS:
        return StoreRead(ReadOutcome.UNSUPPORTED, "no C2PA embedding is defined for this format")
    embedded = probe(asset)
    pointer = xmp(asset).first("dcterms:provenance")
    if embedded is Embedded.NO and not pointer:
        return StoreRead(ReadOutcome.ABSENT)
    mime = "application/c2pa" if asset.format == "c2pa" else asset.mime
    import c2pa  # the SDK loads only for files whose headers show a manifest (start-up)

    try:
        with asset.open() as stream:
            reader = c2pa.Reader.try_create(mime, stream, context=context(asset.settings))
            if reader is None:
                return StoreRead(ReadOutcome.ABSENT)
            with reader:
                store = json.loads(reader.json())
                remote = reader.get_remote_url() or ""
                is_embedded = bool(reader.is_embedded())
    except c2pa.C2paError as exc:
        failed = _from_error(exc, embedded)
        if failed.outcome is ReadOutcome.UNREADABLE:
            return _salvage(asset, mime, failed.detail) or failed
        return failed
    return _parse(store, remote, is_embedded)


def _detached(asset: Asset, manifest: Path) -> StoreRead:
    """The asset's store from its detached manifest, validated against the asset's bytes
    (c2pa-python's ``Reader(mime, stream, manifest_data)``, for any format, EXR included)."""
    try:
        with manifest.open("rb") as f:
            data = f.read(MAX_MANIFEST + 1)
    except OSError as exc:
        return StoreRead(ReadOutcome.UNREADABLE, f"{manifest.name}: {exc.strerror or exc}",
                         embedded=False, detached=manifest.name)  # fmt: skip
    if len(data) > MAX_MANIFEST:
        return StoreRead(ReadOutcome.UNREADABLE, f"{manifest.name} is larger than "
                         f"{MAX_MANIFEST >> 20} MiB", embedded=False,
                         detached=manifest.name)  # fmt: skip
    import c2pa  # (start-up: see _read)

    try:
        with asset.open() as stream:
            reader = c2pa.Reader(asset.mime, stream, data, context=context(asset.settings))
            with reader:
                store = json.loads(reader.json())
    except c2pa.C2paError as exc:
        failed = _from_error(exc, Embedded.YES)
        return dataclasses.replace(failed, embedded=False, detached=manifest.name)
    read = _parse(store, "", False)
    return dataclasses.replace(read, detached=manifest.name)


def _salvage(asset: Asset, mime: str, why: str) -> StoreRead | None:
    """The manifest of a damaged file, read from its intact head (see c2pa_salvage)."""
    head = salvaged(asset)
    if head is None:
        return None
    import c2pa

    try:
        reader = c2pa.Reader.try_create(mime, io.BytesIO(head), context=context(asset.settings))
        if reader is None:
            return None
        with reader:
            store = json.loads(reader.json())
    except c2pa.C2paError:
        return None
    read = _parse(store, "", True)
    return dataclasses.replace(read, salvaged=why)


def _from_error(exc: Exception, embedded: Embedded) -> StoreRead:
    text = str(exc).strip()
    if text.startswith("Remote:"):
        url = text.split("url", 1)[-1].strip() if "url" in text else text
        return StoreRead(ReadOutcome.REMOTE, url, embedded=False)
    if text.startswith("NotSupported") or type(exc).__name__.endswith("NotSupported"):
        return StoreRead(ReadOutcome.UNSUPPORTED, text)
    if embedded is Embedded.YES:
        return StoreRead(ReadOutcome.UNREADABLE, text)
    # Headers could not confirm manifest bytes: the error is about the container, which
    # the integrity check judges; there is no evidence of a manifest to report.
    return StoreRead(ReadOutcome.ABSENT, text)


@lru_cache(maxsize=8)
def _context(lists: tuple[TrustList, ...]) -> Any:
    import c2pa

    settings: dict[str, Any] = {"verify": {"remote_manifest_fetch": False, "ocsp_fetch": False}}
    if lists:
        # c2pa-rs 0.91's current shape: one entry per list, each with its kind and the URI
        # it reports back (validation_results.trustListUri) when it trusts a signer. A
        # top-level ``trust.allowed_list`` would be ignored without a word (FIELD-NOTES).
        settings["trust"] = {"anchors": [_anchor_entry(t) for t in lists]}
    return c2pa.Context.from_dict(settings)


def _anchor_entry(trust: TrustList) -> dict[str, str]:
    entry = {"trust_kind": trust.kind, "trust_anchors": trust.anchors, "trust_uri": trust.uri}
    if trust.allowed:
        entry["allowed_list"] = trust.allowed
    if trust.config:
        entry["trust_config"] = trust.config
    return entry


def context(settings: Settings) -> Any:
    """An offline Reader context for the run's trust lists (built once, then reused)."""
    return _context(run_lists(settings))


def run_lists(settings: Settings) -> tuple[TrustList, ...]:
    """Every list the run validates against: its dated lists, then its own options."""
    own = given(settings.trust_anchors, settings.allowed_list, settings.trust_config)
    return (*settings.trust_lists, *own)


def _parse(store: dict[str, Any], remote: str, embedded: bool) -> StoreRead:
    manifests = {
        label: _manifest(label, data)
        for label, data in (store.get("manifests") or {}).items()
        if isinstance(data, dict)
    }
    return StoreRead(
        ReadOutcome.READ,
        remote,
        state=str(store.get("validation_state") or ""),
        active=str(store.get("active_manifest") or ""),
        manifests=manifests,
        failures=tuple(_failures(store)),
        embedded=embedded,
        notes=tuple(_informational(store)),
        trust_list=str((store.get("validation_results") or {}).get("trustListUri") or ""),
    )


def _informational(store: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Informational codes of the active manifest (time stamps that do not hold, skipped
    OCSP): no failure, but what a valid signature's time rests on."""
    results = store.get("validation_results") or {}
    items = (results.get("activeManifest") or {}).get("informational") or []
    return [(str(i.get("code")), str(i.get("explanation", "")), "active manifest")
            for i in items if isinstance(i, dict)]  # fmt: skip


def _failures(store: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Failure codes of the active manifest and of ingredients, without duplicates."""
    results = store.get("validation_results") or {}
    found: list[tuple[str, str, str]] = []
    for item in (results.get("activeManifest") or {}).get("failure") or []:
        found.append((str(item.get("code")), str(item.get("explanation", "")), "active manifest"))
    for delta in results.get("ingredientDeltas") or []:
        for item in (delta.get("validationDeltas") or {}).get("failure") or []:
            found.append((str(item.get("code")), str(item.get("explanation", "")), "ingredient"))
    if not results:  # older store JSON: a flat list of failures
        for item in store.get("validation_status") or []:
            found.append((str(item.get("code")), str(item.get("explanation", "")), "store"))
    return list(dict.fromkeys(found))


def _manifest(label: str, data: dict[str, Any]) -> Manifest:
    sig = data.get("signature_info") or {}
    assertions = [a for a in data.get("assertions") or [] if isinstance(a, dict)]
    return Manifest(
        label=label,
        claim_generator=_claim_generator(data),
        title=str(data.get("title") or ""),
        instance_id=str(data.get("instance_id") or ""),
        signer=str(sig.get("common_name") or ""),
        issuer=str(sig.get("issuer") or ""),
        signed_at=str(sig.get("time") or ""),
        alg=str(sig.get("alg") or ""),
        actions=tuple(a for x in assertions for a in _actions(x)),
        ingredients=tuple(
            _ingredient(i) for i in data.get("ingredients") or [] if isinstance(i, dict)
        ),
        assertion_labels=tuple(str(a.get("label", "")) for a in assertions),
        assertions=tuple(
            (str(a.get("label", "")), a.get("data"))
            for a in assertions
            if not str(a.get("label", "")).startswith("c2pa.actions")
        ),
        format=str(data.get("format") or ""),
    )


def _claim_generator(data: dict[str, Any]) -> str:
    if data.get("claim_generator"):
        return str(data["claim_generator"])
    infos = data.get("claim_generator_info") or []
    names = [
        " ".join(str(i.get(k, "")) for k in ("name", "version") if i.get(k))
        for i in infos
        if isinstance(i, dict)
    ]
    return "; ".join(n for n in names if n)


def _actions(assertion: dict[str, Any]) -> list[Action]:
    if not str(assertion.get("label", "")).startswith("c2pa.actions"):
        return []
    data = assertion.get("data") or {}
    items = data.get("actions") if isinstance(data, dict) else None
    return [_action(a) for a in items or [] if isinstance(a, dict)]


def _action(raw: dict[str, Any]) -> Action:
    source, where = str(raw.get("digitalSourceType") or ""), "digitalSourceType"
    if not source:
        source, where = _vendor_source_type(raw.get("parameters"))
    return Action(
        action=str(raw.get("action") or ""),
        source_type=source,
        source_field=where if source else "",
        agent=_agent(raw.get("softwareAgent")),
        description=str(raw.get("description") or "")[:MAX_TEXT],
        parameters=tuple(_free_text(raw.get("parameters"))),
    )


MAX_TEXT = 4000  # characters of one action text kept
MAX_TEXTS = 16  # texts kept per action's parameters
# Parameter values that identify or point rather than say: ingredient links, ids, hashes.
_NOT_TEXT = re.compile(r"^(?:https?://|file:|data:|urn:|self#|xmp[.:]iid:|[0-9a-f-]{16,}$)", re.I)


def _free_text(params: Any) -> list[str]:
    """String values in an action's parameters, depth-first and bounded, that are words rather
    than links, ids or source types (what a tool recorded of the request it carried out)."""
    found: list[str] = []
    stack: list[tuple[Any, int]] = [(params, 0)]
    while stack and len(found) < MAX_TEXTS:
        value, depth = stack.pop()
        if isinstance(value, dict) and depth < 6:
            stack.extend(
                (v, depth + 1)
                for k, v in reversed(list(value.items())[:64])
                if not str(k)
                .lower()
                .endswith(("digitalsourcetype", "ingredients", "ingredientids", "hash", "url"))
            )
        elif isinstance(value, list) and depth < 6:
            stack.extend((v, depth + 1) for v in reversed(value[:64]))
        elif isinstance(value, str) and " " in value.strip() and not _NOT_TEXT.match(value):
            found.append(value.strip()[:MAX_TEXT])
    return found


def _vendor_source_type(params: Any, depth: int = 0) -> tuple[str, str]:
    """A vendor field such as ``com.adobe.digitalSourceType`` inside action parameters."""
    if not isinstance(params, dict) or depth > 4:
        return "", ""
    for key, value in params.items():
        if str(key).lower().endswith("digitalsourcetype") and isinstance(value, str):
            return value, str(key)
        nested = _vendor_source_type(value, depth + 1)
        if nested[0]:
            return nested
    return "", ""


def _agent(raw: Any) -> str:
    if isinstance(raw, dict):
        return " ".join(str(raw[k]) for k in ("name", "version") if raw.get(k))
    return str(raw or "")


def _ingredient(raw: dict[str, Any]) -> Ingredient:
    return Ingredient(
        title=str(raw.get("title") or ""),
        relationship=str(raw.get("relationship") or ""),
        manifest=str(raw.get("active_manifest") or ""),
        instance_id=str(raw.get("instance_id") or ""),
        thumbnail=isinstance(raw.get("thumbnail"), dict),
    )


def iter_chain(read: StoreRead) -> list[tuple[int, Manifest, Ingredient | None]]:
    """The active manifest then its ingredients' manifests, depth-first: (depth, manifest, via)."""
    out: list[tuple[int, Manifest, Ingredient | None]] = []
    seen: set[str] = set()

    def walk(label: str, depth: int, via: Ingredient | None) -> None:
        manifest = read.manifests.get(label)
        if manifest is None or label in seen or depth > MAX_DEPTH:
            return
        seen.add(label)
        out.append((depth, manifest, via))
        for ingredient in manifest.ingredients:
            walk(ingredient.manifest, depth + 1, ingredient)

    walk(read.active, 0, None)
    for label in read.manifests:  # manifests no ingredient points at (still in the store)
        walk(label, 1, None)
    return out


_TRAINING = ("c2pa.training-mining", "cawg.training-mining")


def training_entries(manifest: Manifest) -> list[tuple[str, str]]:
    """(permission, use) pairs of the manifest's training-and-data-mining assertions."""
    pairs: list[tuple[str, str]] = []
    for label, data in manifest.assertions:
        entries = data.get("entries") if isinstance(data, dict) else None
        if label.split("__")[0] in _TRAINING and isinstance(entries, dict):
            for name, entry in entries.items():
                use = entry.get("use") if isinstance(entry, dict) else entry
                pairs.append((str(name), str(use)))
    return pairs
