"""The IPTC digital source type vocabulary, classified by what it means for generative AI.

Source: IPTC NewsCodes "Digital Source Type" (cv.iptc.org/newscodes/digitalsourcetype),
used by IPTC Photo Metadata (Iptc4xmpExt:DigitalSourceType) and by C2PA actions
(``digitalSourceType``). C2PA also defines a few terms under its own namespace
(``http://c2pa.org/digitalsourcetype/...``); they are matched by term the same way.
"""

from __future__ import annotations

from enum import StrEnum


class SourceClass(StrEnum):
    """What a digital source type says about generative AI."""

    AI_GENERATED = "ai-generated"  # made by a model trained on sampled content
    AI_COMPOSITE = "ai-composite"  # a composite that includes generated elements
    CAPTURE = "capture"  # recorded from the real world by a device
    NON_GENERATIVE = "non-generative"  # made or edited by people or non-learned algorithms
    UNKNOWN = "unknown"  # not a term of the vocabulary


# term -> (class, plain words). compositeSynthetic: "mix of synthetic elements" per IPTC;
# synthetic there covers generative output, so it counts as an AI composite, with less
# certainty than compositeWithTrainedAlgorithmicMedia (callers lower the confidence).
TERMS: dict[str, tuple[SourceClass, str]] = {
    "trainedAlgorithmicMedia": (SourceClass.AI_GENERATED, "created by a trained model (gen-AI)"),
    "compositeWithTrainedAlgorithmicMedia": (
        SourceClass.AI_COMPOSITE,
        "composite including gen-AI elements",
    ),
    "compositeSynthetic": (SourceClass.AI_COMPOSITE, "composite of synthetic elements"),
    "digitalCapture": (SourceClass.CAPTURE, "digital capture of a real-life scene"),
    "computationalCapture": (SourceClass.CAPTURE, "capture with computational processing"),
    "negativeFilm": (SourceClass.CAPTURE, "scan of a film negative"),
    "positiveFilm": (SourceClass.CAPTURE, "scan of a film positive"),
    "print": (SourceClass.CAPTURE, "scan of a print"),
    "compositeCapture": (SourceClass.CAPTURE, "composite of captured elements"),
    "algorithmicMedia": (SourceClass.NON_GENERATIVE, "created by an algorithm (not trained)"),
    "algorithmicallyEnhanced": (SourceClass.NON_GENERATIVE, "capture enhanced by an algorithm"),
    "dataDrivenMedia": (SourceClass.NON_GENERATIVE, "rendered from data"),
    "digitalArt": (SourceClass.NON_GENERATIVE, "digital art made by a person"),
    "virtualRecording": (SourceClass.NON_GENERATIVE, "recording of a virtual event"),
    "screenCapture": (SourceClass.NON_GENERATIVE, "screen capture"),
    "humanEdits": (SourceClass.NON_GENERATIVE, "edited by a person"),
    "minorHumanEdits": (SourceClass.NON_GENERATIVE, "minor edits by a person"),
    "composite": (SourceClass.NON_GENERATIVE, "composite"),
    # Retired terms still found in older files.
    "softwareImage": (SourceClass.NON_GENERATIVE, "created by software (retired term)"),
    "digitalCreation": (SourceClass.NON_GENERATIVE, "digital creation (retired term)"),
    "digitalArtwork": (SourceClass.NON_GENERATIVE, "digital artwork"),
}
_BY_LOWER = {term.lower(): term for term in TERMS}


def source_term(value: str) -> str:
    """The bare term of a source type value: the URI's last path segment, canonical case."""
    term = value.strip().rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
    return _BY_LOWER.get(term.lower(), term)


def classify(value: str) -> tuple[str, SourceClass, str]:
    """(term, class, plain words) for a source type value (full URI or bare term)."""
    term = source_term(value)
    cls, words = TERMS.get(term, (SourceClass.UNKNOWN, "not an IPTC source type term"))
    return term, cls, words
