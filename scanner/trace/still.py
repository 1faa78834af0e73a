"""Is this still a copy of an AI reference? Key art and press stills are re-encoded, resized
and cropped copies of the pictures they come from, with the metadata stripped."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from provscan.trace.features import ANALYSIS_SIDE, FRAME_FEATURES, describe, to_analysis_size
from provscan.trace.matcher import Matcher
from provscan.trace.reference import Reference, read_gray


@dataclass(frozen=True, slots=True)
class StillMatch:
    """A reference found in a still, and how much of the still it fills."""

    reference: str
    inliers: int
    scale: float
    coverage: float  # share of the still's area covered by the reference's outline (0..1)


def match_still(path: Path, references: Sequence[Reference] | Matcher) -> list[StillMatch]:
    """The references this still shows, strongest first; UnusableReference if it will not
    decode (``references`` may be a ``Matcher`` built once for many stills)."""
    matcher = references if isinstance(references, Matcher) else Matcher(references)
    if not matcher.has_pixel_references:
        return []
    # Every still of a delivery is checked, so its decode is most of the cost: libjpeg's
    # draft scaling down to no less than the analysis size (1080p: half size, 4x fewer
    # pixels) cut it from ~64 to ~25 ms a still; references keep the finer 2x source.
    small = to_analysis_size(read_gray(path, draft_side=ANALYSIS_SIDE))
    features = describe(small, FRAME_FEATURES)
    height, width = small.shape
    found = []
    for match in matcher.find(features):
        x0, y0, x1, y1 = match.box
        overlap = max(0.0, min(x1, width) - max(x0, 0)) * max(0.0, min(y1, height) - max(y0, 0))
        name = matcher.references[match.reference].name
        coverage = round(overlap / float(width * height), 3)
        found.append(StillMatch(name, match.inliers, match.scale, coverage))
    return found
