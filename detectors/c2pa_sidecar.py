"""Detached C2PA manifests: ``name.ext.c2pa`` or ``name.c2pa`` beside the media. (C2P019-021)

A detached manifest is validated against the file it belongs to (the C2PA store family
reads it with the media's bytes, :mod:`provscan.extract.c2pa_store`), and the result is that
file's. This family says what no validation result says: a manifest file whose media is not
in the delivery (C2P019), a manifest that names another asset than the file beside it (its
``title`` names another file, or its ``format`` another type: C2P020), and, on the manifest
file itself, which file it was checked with (C2P021).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import PurePath

from provscan.asset import Asset, manifest_media
from provscan.detectors.tool_identity import display
from provscan.extract.c2pa_store import ReadOutcome, read_store
from provscan.model import Evidence, MediaKind, Rule, Section, Severity

NAME = "c2pa-sidecar"
KINDS = frozenset(MediaKind)

ORPHAN = Rule("C2P019", "c2pa-sidecar-without-media", Severity.WARNING,
              "A detached C2PA manifest (.c2pa) whose media is not beside it: the file it "
              "describes is missing from the delivery, or was renamed.")  # fmt: skip
OTHER_ASSET = Rule("C2P020", "c2pa-sidecar-names-other-asset", Severity.WARNING,
                   "A detached C2PA manifest names another asset than the file beside it (its "
                   "title names another file, or its format another type).")  # fmt: skip
CHECKED_WITH = Rule("C2P021", "c2pa-detached-manifest", Severity.INFO,
                    "A detached C2PA manifest, validated against the file it belongs to (the "
                    "result is reported on that file).")  # fmt: skip
RULES: tuple[Rule, ...] = (ORPHAN, OTHER_ASSET, CHECKED_WITH)
MAX_ALONE = 16 * 1024 * 1024  # an orphan manifest read alone to say what it claimed


def detect(asset: Asset) -> Iterator[Evidence]:
    """C2P019/C2P021 on a manifest file; C2P020 on media whose detached manifest names
    another asset."""
    if asset.format == "c2pa":
        yield from _sidecar(asset)
    elif asset.manifest is not None:
        yield from _media(asset)


def describe(asset: Asset) -> Iterator[Section]:
    """Nothing beyond the findings: the manifest itself is shown by the C2PA family."""
    return iter(())


def _sidecar(asset: Asset) -> Iterator[Evidence]:
    media = manifest_media(asset.path)
    if media is not None:
        yield Evidence(CHECKED_WITH.code, f"detached C2PA manifest of {media.name}: validated "
                       "against it (see that file's result)", key="media", value=media.name,
                       details={"media": media.name})  # fmt: skip
        return
    claimed = _claimed(asset)
    yield Evidence(ORPHAN.code, f"detached C2PA manifest without its media: no "
                   f"{_expected(asset.path.name)} beside it{claimed}", key="media",
                   value=asset.path.name)  # fmt: skip


def _expected(name: str) -> str:
    inner = name[: -len(".c2pa")]
    return inner if PurePath(inner).suffix else f"{inner}.*"


def _claimed(asset: Asset) -> str:
    """What the orphan manifest says (its title and claim generator), read alone."""
    import c2pa  # the SDK loads only for a manifest file (start-up: the rulebook imports this)

    try:
        with asset.open() as f:
            data = f.read(MAX_ALONE)
        reader = c2pa.Reader.try_create("application/c2pa", io.BytesIO(data))
        if reader is None:
            return ""
        with reader:
            store = json.loads(reader.json())
    except (c2pa.C2paError, OSError, ValueError):
        return ""
    active = (store.get("manifests") or {}).get(store.get("active_manifest") or "", {})
    if not isinstance(active, dict):
        return ""
    title = str(active.get("title") or "")
    generator = _generator(active)
    said = [f"it names {title!r}" if title else "", f"by {display(generator)}" if generator else ""]
    text = ", ".join(p for p in said if p)
    return f" ({text})" if text else ""


def _generator(manifest: dict[str, object]) -> str:
    info = manifest.get("claim_generator_info")
    if isinstance(info, list) and info and isinstance(info[0], dict):
        return str(info[0].get("name") or "")
    return str(manifest.get("claim_generator") or "")


def _media(asset: Asset) -> Iterator[Evidence]:
    read = read_store(asset)
    if read.outcome is not ReadOutcome.READ or not read.detached:
        return
    active = read.active_manifest
    if active is None:
        return
    problems = []
    title = active.title.strip()
    if title and PurePath(title).suffix and not _same_asset(title, asset.path.name):
        problems.append(f"its title names {title!r}")
    fmt = active.format
    if fmt and "/" in fmt and fmt.lower() != asset.mime.lower() and asset.format != "mpo":
        problems.append(f"its format is {fmt}, this file is {asset.mime}")
    if problems:
        yield Evidence(OTHER_ASSET.code, f"detached manifest {read.detached} names another "
                       f"asset than {asset.path.name}: {'; '.join(problems)}",
                       key=read.detached, value=title or fmt,
                       details={"detached_manifest": read.detached, "title": title,
                                "format": fmt})  # fmt: skip


def _same_asset(title: str, name: str) -> bool:
    """Whether a manifest's title names this file (its name, or its stem: sequences and
    renders are often titled without a frame's own extension)."""
    title_path, path = PurePath(title.replace("\\", "/")).name, PurePath(name)
    return title_path.lower() in (name.lower(), path.stem.lower())
