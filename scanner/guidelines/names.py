"""Protected names found in text: case- and accent-insensitive, on word boundaries.

A studio lists the names a prompt must not use without approval (talent, characters, titles,
brands, private persons) with their aliases. Text is folded one character at a time
(Unicode NFKD with the combining marks dropped, then case folded), keeping for each folded
character the index of the character it came from, so a hit names the span of the text as
written. Words are Unicode word characters: a name never matches inside another word
("Ford" is not in "Oxford"), and the words of a name may be separated by spaces, hyphens,
underscores or punctuation ("Maren Holt", "maren-holt").

False-positive controls: a person's name of two or more words also matches by its family
name (its last word, at least four letters: "in the style of Okafor") unless the policy marks
it ``full_form``; ``full_form`` names match only as the policy writes them, in full and with
their capitals, so a name that is also a common word ("Rose", "Apple") does not match the
word ("rose garden").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# What a protected name is, and the log entry flag an approved use of it needs.
KINDS = {
    "talent": "talent_likeness",
    "character": "third_party_ip",
    "title": "third_party_ip",
    "brand": "third_party_ip",
    "private person": "private_data",
}
PEOPLE = frozenset({"talent", "private person"})
MIN_FAMILY_NAME = 4  # shorter family names ("Li", "Wu") match only as aliases the policy lists
MAX_TEXT = 20_000  # characters of one text screened (prompts are kept at 2,000)


@dataclass(frozen=True, slots=True)
class Protected:
    """A protected name from the policy: what it is, its other names, how strictly to match."""

    name: str
    kind: str  # a key of KINDS
    aliases: tuple[str, ...] = ()
    full_form: bool = False
    place: str = ""  # where the policy lists it, for messages: '[[protected]] #2'

    @property
    def flag(self) -> str:
        """The log entry flag an approved use of this name needs."""
        return KINDS[self.kind]

    def forms(self) -> tuple[str, ...]:
        """Every written form that matches: the name, its aliases, a person's family name."""
        forms = [self.name, *self.aliases]
        words = _WORD_PART.findall(self.name)
        family = words[-1] if len(words) > 1 else ""
        if self.kind in PEOPLE and not self.full_form and len(family) >= MIN_FAMILY_NAME:
            forms.append(family)
        return tuple(dict.fromkeys(f for f in forms if _WORD_PART.search(f)))


@dataclass(frozen=True, slots=True)
class NameHit:
    """A protected name found in a text: which, the form that matched, the span as written."""

    protected: Protected
    form: str
    start: int
    end: int
    matched: str  # the text's characters at start:end

    def as_dict(self) -> dict[str, object]:
        """JSON-ready facts for a finding's details."""
        return {"name": self.protected.name, "kind": self.protected.kind, "form": self.form,
                "matched": self.matched, "span": [self.start, self.end]}  # fmt: skip


_WORD_PART = re.compile(r"[^\W_]+")  # letters and digits: words of a name


def find_names(text: str, names: tuple[Protected, ...]) -> list[NameHit]:
    """Every protected name in ``text``, at most one hit per name (its first), in list order.

    One pass per way of matching (loose, and as written for ``full_form`` names): every form
    of every name is one alternative of a single pattern, longest first, and a match is
    looked up by its words, so a list of thousands of names costs one scan of the text."""
    text = text[:MAX_TEXT]
    if not text or not names:
        return []
    hits: dict[int, NameHit] = {}
    for exact in (False, True):
        pattern, forms = _index(names, exact)
        if pattern is None:
            continue
        view = _Folded(text, casefold=not exact)
        for found in pattern.finditer(view.text):
            start, end = view.source(found.start(), found.end())
            for position, form in forms.get(_key(found.group(0)), ()):
                if position not in hits:
                    hit = NameHit(names[position], form, start, end, text[start:end])
                    hits[position] = hit
    return [hits[position] for position in sorted(hits)]


Forms = dict[tuple[str, ...], list[tuple[int, str]]]


@lru_cache(maxsize=16)
def _index(names: tuple[Protected, ...], exact: bool) -> tuple[re.Pattern[str] | None, Forms]:
    """One pattern matching every form of the names matched this way (``exact``: the
    ``full_form`` names), and each form's words -> (position of its name, the form)."""
    forms: Forms = {}
    for position, protected in enumerate(names):
        if protected.full_form is exact:
            for form in protected.forms():
                forms.setdefault(_key(fold(form, casefold=not exact)), []).append((position, form))
    if not forms:
        return None, forms
    words = sorted(forms, key=lambda k: (-sum(map(len, k)), k))
    body = "|".join(r"[\W_]+".join(map(re.escape, key)) for key in words)
    return re.compile(r"(?<![^\W_])(?:" + body + r")(?![^\W_])"), forms


def _key(text: str) -> tuple[str, ...]:
    """The words of (folded) text: how a match finds the form it matched."""
    return tuple(_WORD_PART.findall(text))


def find_words(text: str, words: tuple[str, ...]) -> list[tuple[str, str]]:
    """Each of ``words`` found in ``text`` as :func:`find_names` finds a name (``BLUEFIN`` in
    ``/Volumes/Bluefin_VFX/``): (word, the text as written)."""
    text = text[:MAX_TEXT]
    if not text or not words:
        return []
    view = _Folded(text, casefold=True)
    found = []
    for word in words:
        hit = _pattern(word, False).search(view.text) if _WORD_PART.search(word) else None
        if hit is not None:
            start, end = view.source(hit.start(), hit.end())
            found.append((word, text[start:end]))
    return found


@lru_cache(maxsize=4096)
def _pattern(form: str, exact: bool) -> re.Pattern[str]:
    """The words of ``form`` (folded as text is), separated by any run of other characters,
    with no letter or digit right before or after (an underscore separates: tags and file
    names write ``maren_holt``)."""
    words = _WORD_PART.findall(fold(form, casefold=not exact))
    body = r"[\W_]+".join(map(re.escape, words))
    return re.compile(r"(?<![^\W_])" + body + r"(?![^\W_])")


def fold(text: str, *, casefold: bool = True) -> str:
    """``text`` without accents (and case folded unless ``casefold`` is false)."""
    return _Folded(text, casefold=casefold).text


class _Folded:
    """Folded text and, for each of its characters, the index of the source character."""

    def __init__(self, text: str, *, casefold: bool) -> None:
        parts: list[str] = []
        index: list[int] = []
        for position, char in enumerate(text):
            folded = _fold_char(char, casefold)
            parts.append(folded)
            index.extend([position] * len(folded))
        self.text = "".join(parts)
        self.index = index
        self.length = len(text)

    def source(self, start: int, end: int) -> tuple[int, int]:
        """The span of the source text a span of the folded text came from."""
        first = self.index[start] if start < len(self.index) else self.length
        last = self.index[end - 1] + 1 if end > 0 else first
        return first, last


@lru_cache(maxsize=8192)
def _fold_char(char: str, casefold: bool) -> str:
    decomposed = unicodedata.normalize("NFKD", char)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return bare.casefold() if casefold else bare
