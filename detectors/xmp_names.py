"""Names in XMP and IIM text: generators in tool fields, Google's credit lines, free text.

A tool field is written by software about itself, so a generator named there counts
(at most MEDIUM: a bare name is not a declaration). Free text is written by people about
anything, so it is only ever a hint.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache

from provscan.detectors import xmp_rules as rules
from provscan.detectors import xmp_vocab as vocab
from provscan.detectors.known_tools import ToolMatch, match_tool, mention_tool
from provscan.extract.iptc_iim import Iim
from provscan.extract.xmp import Xmp
from provscan.model import Confidence, Evidence

Found = tuple[str, str, str]  # (key, value, source)

_TOOL_WORDS = {
    "xmp:CreatorTool": "creator tool",
    "xmpMM:History/stEvt:softwareAgent": "History software agent",
    "tiff:Software": "XMP tiff:Software",
    "pdf:Producer": "PDF producer",
    "IIM OriginatingProgram": "IIM Originating Program",
}
# (phrase, rule, what Google says the label means), sources in xmp_vocab.
_CREDITS = (
    (vocab.GOOGLE_MADE, rules.GOOGLE_MADE, "Google's label for images generated with Google AI "
     "(Gemini, Imagen)"),
    (vocab.GOOGLE_EDITED, rules.GOOGLE_EDITED, "Google's label for photos edited with Google's "
     "generative AI tools"),
    (vocab.APPLE_CLEAN_UP, rules.APPLE_CLEAN_UP, "Apple's label for photos edited with Clean Up "
     "(generative object removal)"),
)  # fmt: skip
_CREDIT_KEYS = ("photoshop:Credit", "IIM Credit")


@lru_cache(maxsize=8192)
def cached_match(text: str) -> ToolMatch | None:
    """match_tool, remembered: tool strings repeat across a delivery ("Adobe Photoshop 26.4")
    and each call tries ~70 patterns."""
    return match_tool(text)


def where(source: str) -> str:
    """A message suffix naming a sidecar source; embedded packets need no mention."""
    return f" (from {source})" if source.startswith("sidecar") else ""


def xmp_items(data: Xmp, keys: Iterable[str]) -> list[Found]:
    """Non-empty (key, value, source) triples of the given XMP properties."""
    return [(k, v.strip(), s) for k in keys for v, s in data.items(k) if v.strip()]


def iim_items(iim: Iim, names: Iterable[str]) -> list[Found]:
    """Non-empty (``IIM name``, value, source) triples of the given IIM datasets."""
    return [(f"IIM {n}", v, iim.source) for n in names for v in iim.values(n) if v]


def iter_tools(data: Xmp, iim: Iim) -> Iterator[Evidence]:
    """Tool fields that name a known generator (XMP004)."""
    fields = xmp_items(data, vocab.TOOL_KEYS) + iim_items(iim, vocab.IIM_TOOL_KEYS)
    for key, value, source in fields:
        found = cached_match(value)
        if found is None:
            continue
        confidence = min(found.tool.confidence, Confidence.MEDIUM, key=lambda c: c.rank)
        message = (
            f"{_TOOL_WORDS.get(key, key)} {value!r} names {found.tool.name} "
            f"({found.tool.vendor}){where(source)}"
        )
        details = {"tool": found.tool.name, "vendor": found.tool.vendor, "source": source}
        yield Evidence(
            rules.TOOL.code, message, key=key, value=value[:200], confidence=confidence,
            details=details | {"matched": found.matched},
        )  # fmt: skip


def iter_credits(data: Xmp, iim: Iim) -> Iterator[Evidence]:
    """Vendors' credit lines (XMP005, XMP011, XMP013): the whole credit HIGH, part of one
    MEDIUM."""
    for key, value, source in xmp_items(data, ["photoshop:Credit"]) + iim_items(iim, ["Credit"]):
        text = " ".join(value.lower().split())
        for phrase, rule, meaning in _CREDITS:
            if phrase in text:
                yield Evidence(
                    rule.code,
                    f"{key} {value!r}: {meaning}{where(source)}",
                    key=key,
                    value=value[:200],
                    confidence=Confidence.HIGH if text == phrase else Confidence.MEDIUM,
                    details={"credit": value, "source": source},
                )


def text_hint(value: str) -> str:
    """What in free text hints at generative AI: a tool the table is sure of, or a phrase.

    Only unmistakable mentions count here (``mention_tool``): free text mentions a Gemini
    zodiac sign or a fashion runway far more often than the products of the same names.
    """
    found = mention_tool(value)
    if found is not None:
        return found.tool.name
    phrase = vocab.AI_PHRASES.search(value[:4096])
    return f"the phrase {phrase.group(0)!r}" if phrase else ""


def iter_free_text(data: Xmp, iim: Iim) -> Iterator[Evidence]:
    """Titles, captions, keywords and credits that mention generative AI (XMP009, LOW)."""
    fields = xmp_items(data, vocab.TEXT_KEYS) + iim_items(iim, vocab.IIM_TEXT_KEYS)
    seen: set[tuple[str, str]] = set()
    for key, value, source in fields:
        lowered = " ".join(value.lower().split())
        if key in _CREDIT_KEYS and any(phrase in lowered for phrase, _, _ in _CREDITS):
            continue  # Google's credit lines have their own rules
        hint = text_hint(value)
        if hint and (key, hint) not in seen:
            seen.add((key, hint))
            shown = value if len(value) <= 120 else value[:119] + "…"
            yield Evidence(
                rules.FREE_TEXT.code,
                f"{key} mentions {hint}: {shown!r}{where(source)}",
                key=key,
                value=value[:200],
                confidence=Confidence.LOW,
                details={"hint": hint, "source": source},
            )
