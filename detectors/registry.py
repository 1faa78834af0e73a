"""The detector registry: every detector a scan runs, in order, and the protocol they satisfy.

The registry is explicit on purpose (greppable, type-checked, no import magic). A
detector reads an :class:`~scanner.asset.Asset` and yields evidence; it never walks,
hashes for matching, decides pass/fail, prints, or touches the network.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from provscan.asset import Asset
from provscan.detectors import (
    aigc_label,
    c2pa_manifest,
    c2pa_sidecar,
    camera_original,
    exif_tags,
    frame_headers,
    generator,
    integrity,
    leaks,
    media_meta,
    statements,
    vendor_marks,
    xmp_iptc,
)
from provscan.model import Evidence, MediaKind, Rule, Section


class Detector(Protocol):
    """What every detector module exports."""

    NAME: str
    KINDS: frozenset[MediaKind]
    RULES: tuple[Rule, ...]

    def detect(self, asset: Asset) -> Iterator[Evidence]:
        """Yield evidence for every rule of this family that fires on the asset."""
        ...

    def describe(self, asset: Asset) -> Iterator[Section]:
        """Yield human-readable sections of what this family found (for ``inspect``)."""
        ...


DETECTORS: tuple[Detector, ...] = (
    integrity,
    generator,
    exif_tags,
    frame_headers,
    media_meta,
    camera_original,
    c2pa_manifest,
    c2pa_sidecar,
    xmp_iptc,
    aigc_label,
    statements,
    vendor_marks,
    leaks,
)
