"""Rules the trace raises (TRC): AI stills found by their pixels where their markers are gone."""

from __future__ import annotations

from provscan.model import Gating, Rule, Severity, Signal

STILL_IN_VIDEO = Rule(
    "TRC001", "ai-still-in-video", Severity.ERROR,
    "A still with AI evidence appears in this video (found by its pixels: the render dropped "
    "its markers); the evidence gives the still, its provenance and the time ranges.",
    Signal.AI_EDITED,
    gating=Gating.BY_REFERENCE,
)  # fmt: skip
COPY_OF_AI_STILL = Rule(
    "TRC002", "copy-of-ai-generated-still", Severity.ERROR,
    "This still is a re-encoded, resized or cropped copy of an AI-generated still, with the "
    "markers stripped.",
    Signal.AI_GENERATED,
    gating=Gating.BY_REFERENCE,
)  # fmt: skip
COPY_OF_AI_EDITED_STILL = Rule(
    "TRC003", "copy-of-ai-edited-still", Severity.ERROR,
    "This still contains part of an AI-generated still (a composite), or shares its picture "
    "with an AI-edited still: then it may be the edit's source as well as a stripped copy, so "
    "the finding is a hint for a person (ai-suspected); stills with their own C2PA manifest "
    "are not matched against AI-edited stills.",
    Signal.AI_EDITED,
    gating=Gating.BY_REFERENCE,
)  # fmt: skip
TRACE_FAILED = Rule(
    "TRC004", "trace-incomplete", Severity.WARNING,
    "This file could not be searched (fully) for AI stills: it would not decode for the "
    "search, or the search crashed or ran out of time. A warning about the search only: the "
    "file's verdict stays what its own content decided; in final content the gate warns "
    "(POL008).",
    gating=Gating.PART_UNCHECKED,
)  # fmt: skip
UNUSABLE_REFERENCE = Rule(
    "TRC005", "reference-not-searchable", Severity.INFO,
    "A still with AI evidence could not be used as a reference (too small, too thin or too "
    "flat to be recognised, it would not decode, or reading it crashed the search): videos "
    "and stills were not searched for it.",
)  # fmt: skip

NOT_SEARCHABLE = Rule(
    "TRC006", "not-searchable", Severity.INFO,
    "No decoder of the search opens this file (a picture format without a decoder here, such "
    "as HEIF or JPEG XL, a vector SVG, or a container FFmpeg cannot open, which the scan "
    "reports too): it was not searched for AI stills. Not a failure of the search.",
)  # fmt: skip

RULES = (STILL_IN_VIDEO, COPY_OF_AI_STILL, COPY_OF_AI_EDITED_STILL, TRACE_FAILED,
         UNUSABLE_REFERENCE, NOT_SEARCHABLE)  # fmt: skip
