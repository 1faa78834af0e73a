"""One name for a tool, wherever a file names it: vendor, product and version apart.

Files name their tools in many spellings: C2PA claim generators in the specification's
``Product/Version`` token form (``Adobe_Firefly``, ``Amazon_Bedrock c2pa-rs/0.32.7``,
``Adobe_Photoshop/25.1.0 adobe_c2pa/0.7.6 c2pa-rs/0.25.2``), software agents
(``Titan Image Generator G1``), EXIF Software build strings (``Adobe Photoshop 25.0
(Macintosh)``), generator names in records (``SD.Next``). Reports, ``inspect``, ``log
init`` and the gate all show :func:`identify`'s ``name``; the raw text stays a detail.

The first token is the product (C2PA 2.x 15.2: "the first entry ... is the main product");
the SDK and library tokens after it (``c2pa-rs/0.32.7``, ``adobe_c2pa/0.7.6``) are not.
Vendors come from the generative-tool table (:mod:`provscan.detectors.known_tools`) or, for other
software, from the name's own first word when it is a known software maker.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from provscan.detectors.known_tools import match_tool

# Software makers whose names lead their products' names (Adobe Photoshop, Nikon Z 9...).
_MAKERS = {
    "adobe": "Adobe", "microsoft": "Microsoft", "google": "Google", "apple": "Apple",
    "amazon": "Amazon", "openai": "OpenAI", "nikon": "Nikon", "canon": "Canon",
    "sony": "Sony", "leica": "Leica", "samsung": "Samsung", "truepic": "Truepic",
    "fujifilm": "Fujifilm", "blackmagic": "Blackmagic Design", "avid": "Avid",
    "capture one": "Capture One", "affinity": "Serif", "gimp": "GIMP",
    "stability": "Stability AI", "meta": "Meta", "qualcomm": "Qualcomm",
}  # fmt: skip
_NO_VENDOR = frozenset({"community", "unknown", "stock agency"})  # table rows without a maker
# Library and SDK tokens that follow the product in claim generators. These patterns are
# compiled by re when first used, and kept in its cache (start-up: most files name no tool
# that needs a name).
_LIBRARY = r"(?i)^(?:c2pa[-_]?\w*|adobe[-_]c2pa|c2patool|cai[-_]\w+|make_test_images)$"
_VERSION = r"(?i)^v?\d+(?:[.\-_]\d+)*(?:[a-z]\w*)?$"
_TRAILING_VERSION = r"(?i)[\s/_-]v?(\d+(?:\.\d+)+(?:[-.]\w+)?)$"


# A NamedTuple: used as a frozen dataclass would be, and a tenth of its cost to define.
class ToolIdentity(NamedTuple):
    """A tool as reports name it, and the raw text it was read from."""

    vendor: str
    product: str
    version: str
    raw: str
    generative: bool

    @property
    def name(self) -> str:
        """``Vendor Product Version``, the vendor left out when the product names it."""
        vendor = "" if self.vendor in _NO_VENDOR else self.vendor
        lead = "" if not vendor or vendor.lower() in self.product.lower() else vendor
        return " ".join(p for p in (lead, self.product, self.version) if p)


@lru_cache(maxsize=4096)
def identify(raw: str) -> ToolIdentity | None:
    """The identity of the tool ``raw`` names, or None for empty text."""
    text = " ".join(raw.replace("\x00", " ").split())[:300]
    if not text:
        return None
    product, version = _main_product(text)
    known = match_tool(text)
    if known is not None:
        return ToolIdentity(known.tool.vendor, product, version, raw, True)
    return ToolIdentity(_maker(product), product, version, raw, False)


def display(raw: str) -> str:
    """The name of the tool ``raw`` names (raw text itself when it names none)."""
    found = identify(raw)
    return found.name if found else raw


def _main_product(text: str) -> tuple[str, str]:
    """The first product of a claim generator or tool string, and its version."""
    comment = text.find(" (")
    head = text[:comment] if comment > 0 else text
    tokens = head.split(" ")
    if "/" in tokens[0]:  # C2PA token form: Product/Version [Library/Version ...]
        name, _, version = tokens[0].partition("/")
        return _clean(name), version
    words = []
    for token in tokens:
        if "/" in token and re.match(_LIBRARY, token.split("/")[0]):
            break
        words.append(token)
    name = " ".join(words)
    version = ""
    found = re.search(_TRAILING_VERSION, name)
    if found:
        name, version = name[: found.start()], found.group(1)
    elif len(words) > 1 and re.match(_VERSION, words[-1]) and any(c.isdigit() for c in words[-1]):
        name, version = " ".join(words[:-1]), words[-1].lstrip("vV")
    return _clean(name), version


def _clean(name: str) -> str:
    """Underscores of display names become spaces (``Adobe_Firefly``); a program's own
    snake_case name (``make_test_images``) stays as written."""
    if name != name.lower():
        name = name.replace("_", " ")
    return " ".join(name.split())


def _maker(product: str) -> str:
    lowered = product.lower()
    for prefix, vendor in _MAKERS.items():
        if lowered == prefix or lowered.startswith(prefix + " "):
            return vendor
    return ""
