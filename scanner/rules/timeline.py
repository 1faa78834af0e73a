"""Rules the timeline stage raises (TML): what an edit says reaches the final, clip by clip."""

from __future__ import annotations

from provscan.model import Gating, Rule, Severity, Signal

AI_SOURCE_IN_CUT = Rule(
    "TML001", "ai-source-in-cut", Severity.ERROR,
    "The edit places a source with AI evidence in this final: the evidence names the clip, "
    "its source, the record in/out timecode and the source's own evidence.",
    Signal.AI_EDITED,
    gating=Gating.BY_REFERENCE,
)  # fmt: skip
CLIP_UNRESOLVED = Rule(
    "TML002", "clip-source-not-found", Severity.WARNING,
    "A clip of the edit could not be matched to a scanned file (by media path, or by clip "
    "name, reel and source timecode): what it shows was not checked.",
    gating=Gating.PART_UNCHECKED,
)  # fmt: skip
CLIP_SOURCE_UNREADABLE = Rule(
    "TML003", "clip-source-unreadable", Severity.WARNING,
    "A clip's source was found but could not be read, so its markers were not checked.",
    gating=Gating.PART_UNCHECKED,
)  # fmt: skip
CUT_SUMMARY = Rule(
    "TML004", "timeline-read", Severity.INFO,
    "The edit that produced this final was read: its clips, how many were matched to "
    "sources, and which sources carry AI evidence.",
)  # fmt: skip
CUT_MISMATCH = Rule(
    "TML005", "timeline-does-not-fit-final", Severity.WARNING,
    "The edit's duration or frame rate differs from this final's: it may be another version "
    "of the cut, so its clip times may not be where the final shows them.",
    gating=Gating.OTHER_VERSION,
)  # fmt: skip

CUT_RENDER_DISAGREE = Rule(
    "TML006", "edit-and-render-disagree", Severity.WARNING,
    "The edit places an AI still where the trace does not find it in this final, or the trace "
    "finds one where the edit places no clip of it: the edit may be another version of the cut.",
    gating=Gating.OTHER_VERSION,
)  # fmt: skip

RULES = (AI_SOURCE_IN_CUT, CLIP_UNRESOLVED, CLIP_SOURCE_UNREADABLE, CUT_SUMMARY, CUT_MISMATCH,
         CUT_RENDER_DISAGREE)  # fmt: skip
