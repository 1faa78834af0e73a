"""Rules the IMF stage raises (IMF): what a package's compositions (CPLs) play, and from where."""

from __future__ import annotations

from provscan.model import Gating, Rule, Severity, Signal

AI_TRACK_IN_COMPOSITION = Rule(
    "IMF001", "ai-track-file-in-composition", Severity.ERROR,
    "A composition (CPL) plays a track file with AI evidence: the evidence names the track "
    "file, the sequence and the composition timecode where it plays.",
    Signal.AI_EDITED,
    gating=Gating.BY_REFERENCE,
)  # fmt: skip
OUTSIDE_COMPOSITION = Rule(
    "IMF002", "track-file-not-in-composition", Severity.WARNING,
    "An MXF track file of an IMF package that no composition playlist (CPL) of the package "
    "references: it is not part of the composition.",
    gating=Gating.OUTSIDE_COMPOSITION,
)  # fmt: skip
MISSING_TRACK_FILE = Rule(
    "IMF003", "composition-track-file-missing", Severity.WARNING,
    "A composition references a track file that is not in the package (not in its ASSETMAP, "
    "or absent on disk): that part of the composition was not checked.",
    gating=Gating.PART_UNCHECKED,
)  # fmt: skip
PACKAGE_UNREADABLE = Rule(
    "IMF004", "imf-package-file-unreadable", Severity.ERROR,
    "An ASSETMAP, packing list (PKL) or composition playlist (CPL) could not be parsed: the "
    "evidence names the file, the element and what is wrong.",
    Signal.UNREADABLE,
)  # fmt: skip
PLACED_IN_COMPOSITION = Rule(
    "IMF005", "track-file-placement", Severity.INFO,
    "Where this track file plays: the composition, its sequence and the composition timecode.",
)  # fmt: skip
PACKAGE_MISMATCH = Rule(
    "IMF006", "track-file-differs-from-pkl", Severity.WARNING,
    "A track file's size differs from what the packing list (PKL) declares: it is not the "
    "file that was packaged.",
)  # fmt: skip

RULES = (AI_TRACK_IN_COMPOSITION, OUTSIDE_COMPOSITION, MISSING_TRACK_FILE, PACKAGE_UNREADABLE,
         PLACED_IN_COMPOSITION, PACKAGE_MISMATCH)  # fmt: skip
