"""The XMP / IPTC rule catalogue (family XMP): stable codes, one-line summaries.

Kept apart from the detector so the evidence modules can share the rules without an
import cycle. Codes are never renamed or reused.
"""

from __future__ import annotations

from provscan.model import Gating, Rule, Severity, Signal

AI_SOURCE = Rule(
    "XMP001",
    "xmp-ai-generated-source-type",
    Severity.ERROR,
    "XMP declares the IPTC digital source type trainedAlgorithmicMedia (made by generative AI).",
    Signal.AI_GENERATED,
    Gating.MARK_METADATA,
)
AI_COMPOSITE = Rule(
    "XMP002",
    "xmp-ai-composite-source-type",
    Severity.ERROR,
    "XMP declares a composite with generative-AI or synthetic elements "
    "(compositeWithTrainedAlgorithmicMedia, compositeSynthetic).",
    Signal.AI_EDITED,
    Gating.MARK_METADATA,
)
AI_FIELDS = Rule(
    "XMP003",
    "iptc-ai-system-fields",
    Severity.ERROR,
    "IPTC 2025.1 AI fields name the AI system, its version, the prompt or its writer.",
    Signal.AI_GENERATED,
    Gating.MARK_METADATA,
)
TOOL = Rule(
    "XMP004",
    "xmp-generative-tool",
    Severity.ERROR,
    "A tool field (xmp:CreatorTool, History softwareAgent, IIM Originating Program) names "
    "a generative-AI tool.",
    Signal.AI_GENERATED,
    Gating.MARK_METADATA,
)
GOOGLE_MADE = Rule(
    "XMP005",
    "google-ai-credit",
    Severity.ERROR,
    'The credit line is Google\'s "Made with Google AI" (generated with Google AI).',
    Signal.AI_GENERATED,
    Gating.MARK_METADATA,
)
POINTER = Rule(
    "XMP006",
    "xmp-manifest-pointer",
    Severity.WARNING,
    "XMP dcterms:provenance points at a C2PA manifest that is remote, stored elsewhere, or "
    "no longer embedded (stripped).",
)
DATA_MINING = Rule(
    "XMP007",
    "plus-data-mining",
    Severity.INFO,
    "PLUS data-mining rights are declared (for example: prohibited for AI/ML training).",
    gating=Gating.RESERVATION,
)
NON_GENERATIVE = Rule(
    "XMP008",
    "xmp-non-generative-source-type",
    Severity.INFO,
    "XMP declares a digital source type that is not generative AI (an unsigned claim).",
)
FREE_TEXT = Rule(
    "XMP009",
    "xmp-generator-in-free-text",
    Severity.WARNING,
    "A title, caption, keyword or credit names a generative-AI tool or says 'AI-generated' "
    "(a hint only).",
    Signal.AI_HINT,
)
MALFORMED = Rule(
    "XMP010",
    "xmp-malformed",
    Severity.WARNING,
    "An XMP packet or IPTC IIM block was refused or could not be parsed (DTD or entities, "
    "not well-formed, too big, incomplete).",
)
GOOGLE_EDITED = Rule(
    "XMP011",
    "google-ai-edit-credit",
    Severity.ERROR,
    'The credit line is Google\'s "Edited with Google AI" (Magic Editor, Magic Eraser, '
    "Zoom Enhance).",
    Signal.AI_EDITED,
    Gating.MARK_METADATA,
)
UNKNOWN_SOURCE = Rule(
    "XMP012",
    "xmp-unknown-source-type",
    Severity.INFO,
    "XMP declares a digital source type that is not a term of the IPTC vocabulary.",
)
APPLE_CLEAN_UP = Rule(
    "XMP013",
    "apple-clean-up-credit",
    Severity.ERROR,
    'The credit line is Apple\'s "Apple Photos Clean Up" (generative object removal in Photos).',
    Signal.AI_EDITED,
    Gating.MARK_METADATA,
)

RULES: tuple[Rule, ...] = (
    AI_SOURCE,
    AI_COMPOSITE,
    AI_FIELDS,
    TOOL,
    GOOGLE_MADE,
    POINTER,
    DATA_MINING,
    NON_GENERATIVE,
    FREE_TEXT,
    MALFORMED,
    GOOGLE_EDITED,
    UNKNOWN_SOURCE,
    APPLE_CLEAN_UP,
)
